#!/usr/bin/env bash
# What each dependency costs in the static release binary: `cargo bloat --crates` (from crates.io) on the
# release profile of `make static` (crt-static, x86_64-unknown-linux-gnu), but unstripped, without the
# profile-guided optimization (which moves code between crates by inlining, not what they cost) and in its
# own target directory (cargo bloat needs the symbols; the shipped binary stays untouched). Sizes are
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
# cargo bloat cannot name C functions ("[Unknown]"): the statically linked glibc is measured from the symbols.
nm -S -t d target/bloat/x86_64-unknown-linux-gnu/release/odoo-sizer |
    awk '$3 ~ /^[tTwW]$/ && !seen[$1]++ { if ($4 ~ /^(_ZN|_R)/) rust += $2; else c += $2 }
         END { printf "{\"rust_text_bytes\": %d, \"c_text_bytes\": %d}\n", rust, c }' > "$OUT/bloat-nm.json"
python3 - "$OUT/bloat.json" "$OUT/bloat-nm.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d.update(json.load(open(sys.argv[2])))
json.dump(d, open(sys.argv[1], "w"), indent=1)
print("file %d bytes, .text %d bytes (Rust symbols %d, C symbols: glibc %d)" % (
    d["file-size"], d["text-section-size"], d["rust_text_bytes"], d["c_text_bytes"]))
for c in d["crates"][:15]:
    print("%-24s %9d" % (c["name"], c["size"]))
EOF
