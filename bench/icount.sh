#!/usr/bin/env bash
# Instructions per operation of the pure core (benches/icount.rs) under callgrind: each case runs with
# ITER_LOW and ITER_HIGH iterations, and (high - low) / (ITER_HIGH - ITER_LOW) is the cost of one
# operation, without process start or input generation. Unlike times, these counts do not depend on what
# else runs on the machine. Writes $OUT/icount.json.
#
# Environment: ICOUNT (the icount bench binary; default: built by `cargo bench --bench icount --no-run`),
# OUT (target/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench}
ITER_LOW=${ITER_LOW:-1}
ITER_HIGH=${ITER_HIGH:-3}
mkdir -p "$OUT"
if [ -z "${ICOUNT:-}" ]; then
    ICOUNT=$(cargo bench --bench icount --no-run --message-format=json 2>/dev/null |
        python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "icount" and m.get("executable"):
        print(m["executable"])')
fi
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)"; exit 1; }

count() { # op lines iterations -> "instructions bytes lines"
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$OUT/icount.log" \
        "$ICOUNT" "$1" "$2" "$3" > "$OUT/icount.out"
    echo "$(awk '/Collected :/ { print $NF }' "$OUT/icount.log") $(cat "$OUT/icount.out")"
}

cases=(
    "parse 40" "parse 400" "parse 4000" "parse 40000"
    "edit 40" "edit 400" "edit 4000" "edit 40000"
    "apply_core 40" "apply_core 400" "apply_core 4000" "apply_core 40000"
    "plan 0" "mountinfo 1000" "detect 0"
)
: > "$OUT/icount.txt"
for c in "${cases[@]}"; do
    set -- $c
    read -r low size lines < <(count "$1" "$2" "$ITER_LOW")
    read -r high _ _ < <(count "$1" "$2" "$ITER_HIGH")
    per=$(((high - low) / (ITER_HIGH - ITER_LOW)))
    echo "$1 $per $size $lines" | tee -a "$OUT/icount.txt"
done
rm -f "$OUT/icount.log" "$OUT/icount.out"
python3 - "$OUT" <<'EOF'
import json, sys
out = sys.argv[1]
rows = [line.split() for line in open(out + "/icount.txt")]
json.dump([{"op": op, "instructions": int(i), "bytes": int(b), "lines": int(n)} for op, i, b, n in rows],
          open(out + "/icount.json", "w"), indent=1)
EOF
