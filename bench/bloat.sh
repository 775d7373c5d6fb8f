#!/usr/bin/env bash
# What each dependency costs in the static release binary: `cargo bloat --crates` (from crates.io) on the
# same build as `make static` (release profile, crt-static, x86_64-unknown-linux-gnu), but unstripped and in
# its own target directory (cargo bloat needs the symbols; the shipped binary stays untouched). Sizes are
# of the .text section, attributed to crates by symbol names: with LTO, inlined code counts for the crate
# it was inlined into. Writes $OUT/bloat.json.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench}
mkdir -p "$OUT"
if ! command -v cargo-bloat >/dev/null; then
    echo "installing cargo-bloat (crates.io)"
    cargo install --locked cargo-bloat
fi
RUSTFLAGS='-C target-feature=+crt-static' CARGO_PROFILE_RELEASE_STRIP=false \
    cargo bloat --release --target x86_64-unknown-linux-gnu --target-dir target/bloat --bin odoo-sizer \
    --crates -n 0 --message-format json > "$OUT/bloat.json"
python3 - "$OUT/bloat.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print("file %d bytes, .text %d bytes" % (d["file-size"], d["text-section-size"]))
for c in d["crates"][:15]:
    print("%-24s %9d" % (c["name"], c["size"]))
EOF
