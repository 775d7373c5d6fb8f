#!/usr/bin/env bash
# The whole-process comparison of `make bench` (issue 8): in ONE run on this machine, the complete init job
# — read the limits, plan, rewrite the ~400-line bench/odoo.conf (a fresh copy before every run) — done by
#   odoo-sizer apply (the static release binary), bench/baseline.py (configparser), bench/baseline.sh
#   (cat + awk + mv), and /bin/true (the floor: starting any process).
# Every tool reads the same cgroup files: the fixture tree bench/cgroup-root (Docker --cpus=2 --memory=4g,
# cgroup v2, private cgroup namespace; odoo-sizer via --root), for Odoo 18.0 and PostgreSQL
# max_connections 100. Each tool runs with its file on tmpfs (the job itself) and on the repository's disk
# (where odoo-sizer's fsyncs of the file and its directory cost what the disk makes them cost; the
# baselines never fsync).
#
# odoo-sizer runs from an installed copy of BIN (see INSTALLED below).
#
# Steps: (1) check that the baselines produce the same result as odoo-sizer (shell: byte-identical;
# Python: the same values read back by RawConfigParser, and the comments it loses); (2) hyperfine, ROUNDS
# rounds of RUNS runs per command in a rotating order, samples pooled; (3) peak RSS (/usr/bin/time);
# (4) user-space instruction counts (valgrind --tool=callgrind), stable on a shared machine; (5) the cost
# of the safe write (strace -T: fsync of the file and of its directory, rename, lock); (6) sizes of the
# binary and of the scratch image. Everything goes to $OUT/compare.json; bench/report.py writes BENCHMARKS.md.
#
# Environment: BIN (the binary), OUT (target/bench), RUNS (30), ROUNDS (10), PY (/usr/bin/python3: the
# distribution's interpreter, not a pyenv shim, which would add a shell script to every run), PGO_BUILD
# (true/false: whether BIN was built with profile-guided optimization; `make bench` sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-target/x86_64-unknown-linux-gnu/release/odoo-sizer}
OUT=${OUT:-target/bench}
# Many short rounds rather than a few long ones: this machine's speed drifts within minutes (one run saw
# /bin/true at 1.02-1.39 ms and the Python baseline at 25.9-36.9 ms in its three rounds of 100), so the
# commands compared must take turns often for their pooled medians to share the same mix of slow and fast
# moments.
RUNS=${RUNS:-30}
ROUNDS=${ROUNDS:-10}
PY=${PY:-/usr/bin/python3}
ROOT=bench/cgroup-root
CONF=bench/odoo.conf
MAJOR=18
PG=100

# --- tools (Debian packages), installed when missing -------------------------------------------------
missing=""
command -v hyperfine >/dev/null || missing="$missing hyperfine"
[ -x /usr/bin/time ] || missing="$missing time"
command -v valgrind >/dev/null || missing="$missing valgrind"
command -v strace >/dev/null || missing="$missing strace"
if [ -n "$missing" ]; then
    echo "installing:$missing"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
[ -x "$BIN" ] || { echo "$BIN is missing: run \`make static\` first"; exit 1; }
[ -x "$PY" ] || { echo "$PY is missing (set PY)"; exit 1; }

rm -rf "$OUT/run" "$OUT/check" "$OUT/rounds"
mkdir -p "$OUT/run" "$OUT/check" "$OUT/rounds"
SHM=$(mktemp -d /dev/shm/odoo-sizer-bench.XXXXXX)
trap 'rm -rf "$SHM"' EXIT
RUN=$OUT/run

# The binary is measured as it is installed (a container image's layer, `COPY`, `install`): a sequential
# copy. Every run of the file the linker wrote in target/ takes ~0.1-0.2 ms longer on this VM (more,
# slower faults mapping its code: most likely it sits in the page cache in small pieces, having been
# written piecewise); it is timed too, as sizer-tmpfs-linker, to show the difference.
INSTALLED=$OUT/installed/odoo-sizer
rm -rf "$OUT/installed"
install -D -m 0755 "$BIN" "$INSTALLED"
sizer_bin() { echo "$1 apply --config $2 --root $ROOT --odoo-version $MAJOR.0 --pg-max-connections $PG"; }
sizer() { sizer_bin "$INSTALLED" "$1"; }
python_job() { echo "$PY bench/baseline.py $ROOT $1 $MAJOR $PG"; }
shell_job() { echo "/bin/sh bench/baseline.sh $ROOT $1 $MAJOR $PG"; }

# --- 1. same result --------------------------------------------------------------------------------------
echo "== 1. do the baselines produce what odoo-sizer produces?"
for t in odoo-sizer python shell; do cp "$CONF" "$OUT/check/$t.conf"; done
$(sizer "$OUT/check/odoo-sizer.conf") -q
$(python_job "$OUT/check/python.conf")
$(shell_job "$OUT/check/shell.conf")
if cmp -s "$OUT/check/odoo-sizer.conf" "$OUT/check/shell.conf"; then shell_identical=true; else
    shell_identical=false
    diff "$OUT/check/odoo-sizer.conf" "$OUT/check/shell.conf" | head -20
    echo "FAIL: the shell baseline's file differs from odoo-sizer's"; exit 1
fi
python_check=$("$PY" bench/same_values.py "$CONF" "$OUT/check/odoo-sizer.conf" "$OUT/check/python.conf") || {
    echo "$python_check"; echo "FAIL: the Python baseline's values differ from odoo-sizer's"; exit 1; }
shell_check=$("$PY" bench/same_values.py "$CONF" "$OUT/check/odoo-sizer.conf" "$OUT/check/shell.conf")
echo "shell: byte-identical to odoo-sizer's file"
echo "python: $python_check"
# An already-sized copy, for the "nothing to change" case (a container restart with the same limits).
cp "$OUT/check/odoo-sizer.conf" "$OUT/sized.conf"

# --- 2. hyperfine ------------------------------------------------------------------------------------------
# The same job on tmpfs (/dev/shm: fsync costs nothing, so this is the job itself, the same for every
# tool) and on the repository's disk (where odoo-sizer's two fsyncs cost what the disk makes them cost; the
# baselines do not fsync). Plus odoo-sizer on a file that is already sized (a restart with the same limits:
# nothing is written).
names=(true sizer-tmpfs python-tmpfs shell-tmpfs sizer-disk sizer-disk-sized python-disk shell-disk sizer-tmpfs-linker)
declare -A cmd prep
cmd[true]=/bin/true;                                      prep[true]="cp $CONF $SHM/true.conf"
cmd[sizer-tmpfs]=$(sizer "$SHM/sizer.conf");              prep[sizer-tmpfs]="cp $CONF $SHM/sizer.conf"
cmd[python-tmpfs]=$(python_job "$SHM/python.conf");       prep[python-tmpfs]="cp $CONF $SHM/python.conf"
cmd[shell-tmpfs]=$(shell_job "$SHM/shell.conf");          prep[shell-tmpfs]="cp $CONF $SHM/shell.conf"
cmd[sizer-disk]=$(sizer "$RUN/sizer.conf");               prep[sizer-disk]="cp $CONF $RUN/sizer.conf"
cmd[sizer-disk-sized]=$(sizer "$RUN/sized.conf");         prep[sizer-disk-sized]="cp $OUT/sized.conf $RUN/sized.conf"
cmd[python-disk]=$(python_job "$RUN/python.conf");        prep[python-disk]="cp $CONF $RUN/python.conf"
cmd[shell-disk]=$(shell_job "$RUN/shell.conf");           prep[shell-disk]="cp $CONF $RUN/shell.conf"
cmd[sizer-tmpfs-linker]=$(sizer_bin "$BIN" "$SHM/linker.conf"); prep[sizer-tmpfs-linker]="cp $CONF $SHM/linker.conf"
echo
echo "== 2. hyperfine: $ROUNDS rounds x $RUNS runs of each command, rotating the order"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for ((r = 0; r < ROUNDS; r++)); do
    args=()
    for ((i = 0; i < ${#names[@]}; i++)); do
        n=${names[$(((i + r) % ${#names[@]}))]}
        args+=(--prepare "${prep[$n]}" -n "$n" "${cmd[$n]}")
    done
    hyperfine -N --style basic --warmup 5 --runs "$RUNS" --export-json "$OUT/rounds/round-$r.json" "${args[@]}" \
        | grep -E '^(Benchmark|  Time)' || true
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 3. peak RSS, page faults --------------------------------------------------------------------------------------------
echo
echo "== 3. peak RSS and minor page faults (/usr/bin/time -f '%M %R', 20 runs each)"
: > "$OUT/rss.txt"
for n in true sizer-tmpfs python-tmpfs shell-tmpfs; do
    for _ in $(seq 20); do
        ${prep[$n]}
        /usr/bin/time -f "$n %M %R" -a -o "$OUT/rss.txt" ${cmd[$n]} >/dev/null 2>&1
    done
done

# --- 4. instructions ----------------------------------------------------------------------------------------
echo "== 4. user-space instructions (valgrind --tool=callgrind, children included)"
: > "$OUT/instructions.txt"
for n in true sizer-tmpfs sizer-disk-sized python-tmpfs shell-tmpfs; do
    ${prep[$n]}
    rm -f "$OUT"/cg.*
    valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=/dev/null \
        --log-file="$OUT/cg.%p.log" ${cmd[$n]} >/dev/null 2>&1
    total=$(cat "$OUT"/cg.*.log | awk '/Collected :/ { s += $NF } END { printf "%.0f", s }')
    processes=$(ls "$OUT"/cg.*.log | wc -l)
    echo "$n $total $processes" >> "$OUT/instructions.txt"
    rm -f "$OUT"/cg.*
done
cat "$OUT/instructions.txt"

# --- 5. the safe write --------------------------------------------------------------------------------------
echo "== 5. the safe write: syscall times of odoo-sizer apply on disk (strace -T, 20 runs)"
: > "$OUT/syscalls.txt"
for _ in $(seq 20); do
    ${prep[sizer-disk]}
    strace -T -e trace=fsync,fdatasync,rename,renameat,renameat2,flock,execve -o "$OUT/strace.txt" \
        ${cmd[sizer-disk]} >/dev/null 2>&1
    awk '{ name = $1; sub(/\(.*/, "", name); t = $NF; gsub(/[<>]/, "", t)
           if (name == "fsync") { n++; name = (n == 1 ? "fsync-file" : "fsync-dir") }
           print name, t }' "$OUT/strace.txt" >> "$OUT/syscalls.txt"
done
${prep[sizer-disk]}
strace -c -o "$OUT/strace-c.txt" ${cmd[sizer-disk]} >/dev/null 2>&1
syscall_count=$(awk '$NF == "total" { print $(NF-2) }' "$OUT/strace-c.txt")

# --- 6. sizes ------------------------------------------------------------------------------------------------
echo "== 6. sizes"
binary_bytes=$(stat -c %s "$BIN")
image_bytes=null test_image_bytes=null
if docker version >/dev/null 2>&1; then
    # The test image's recipe (docker/test-scratch.Dockerfile) under a bench tag, so that the test image of
    # another checkout is never replaced by this one's binary.
    rm -rf "$OUT/docker-context" && mkdir -p "$OUT/docker-context"
    cp "$BIN" "$OUT/docker-context/odoo-sizer"
    cp docker/test-scratch.Dockerfile "$OUT/docker-context/Dockerfile"
    docker build --quiet --label odoo-sizer-bench-image=1 -t odoo-sizer-bench:dev "$OUT/docker-context" >/dev/null
    image_bytes=$(docker image inspect -f '{{.Size}}' odoo-sizer-bench:dev)
    test_image_bytes=$(docker image inspect -f '{{.Size}}' odoo-sizer-test:dev 2>/dev/null || echo null)
fi
echo "binary $binary_bytes bytes, image $image_bytes bytes"

# --- results --------------------------------------------------------------------------------------------------
for n in "${names[@]}"; do printf '%s\t%s\t%s\n' "$n" "${cmd[$n]}" "${prep[$n]}"; done > "$OUT/commands.tsv"
cat > "$OUT/facts.json" <<EOF
{"runs": $RUNS, "rounds": $ROUNDS, "python": "$("$PY" --version 2>&1)", "hyperfine": "$(hyperfine --version)",
 "shell_byte_identical": $shell_identical, "python_check": $python_check, "shell_check": $shell_check,
 "syscall_count": ${syscall_count:-null}, "binary_bytes": $binary_bytes, "image_bytes": $image_bytes,
 "test_image_bytes": $test_image_bytes, "pgo": ${PGO_BUILD:-null}, "started": "$started", "load_before": "$load_before",
 "load_after": "$load_after"}
EOF
"$PY" bench/collect.py "$OUT"
echo "results: $OUT/compare.json"
