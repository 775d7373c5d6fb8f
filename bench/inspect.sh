#!/usr/bin/env bash
# `odoo-sizer inspect` over N (50) running Odoo containers, config read included, against the shell
# equivalent (`docker inspect` + `docker cp` per container), plus where the time goes: concurrency sweep,
# the latency of each Docker API request, and the engine's own CPU time per container.
#
# Usage: bench/inspect.sh            (from the repository root; `make bench-inspect` builds first)
# Env:   N=50 RUNS=10 WARMUP=2 ODOO_SIZER_BIN=target/release/odoo-sizer
#        ODOO_SIZER_TEST_ODOO_IMAGE=odoo-sizer-test-odoo:dev (built by `make test-image`; nothing is pulled)
#        OUT=target/bench/inspect.md (the Markdown report; also printed)
#
# It creates its own N containers (stand-in Odoo image, --network none, a label unique to this run) and
# removes them on exit, even when interrupted. It uses hyperfine (installed with apt-get when missing and
# possible), else a loop timed with `date +%s.%N`.
set -euo pipefail

N=${N:-50}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
BIN=${ODOO_SIZER_BIN:-target/release/odoo-sizer}
IMAGE=${ODOO_SIZER_TEST_ODOO_IMAGE:-odoo-sizer-test-odoo:dev}
OUT=${OUT:-target/bench/inspect.md}
LABEL="odoo-sizer-bench=inspect-$$"
WORK=$(mktemp -d)

cleanup() {
    local ids
    ids=$(docker ps -aq --filter "label=$LABEL" 2>/dev/null || true)
    if [ -n "$ids" ]; then
        # shellcheck disable=SC2086
        docker rm -f $ids >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "bench/inspect.sh: $*" >&2; }

docker version >/dev/null 2>&1 || { say "the Docker engine does not answer"; exit 1; }
docker image inspect "$IMAGE" >/dev/null 2>&1 || { say "no image $IMAGE: run \`make test-image\`"; exit 1; }
[ -x "$BIN" ] || { say "no binary $BIN: run \`cargo build --release\` (or set ODOO_SIZER_BIN)"; exit 1; }

if ! command -v hyperfine >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    if command -v apt-get >/dev/null 2>&1; then
        say "installing hyperfine"
        $SUDO apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq hyperfine >/dev/null 2>&1 \
            || say "could not install hyperfine: timing with a shell loop"
    fi
fi

# --- the containers -------------------------------------------------------------------------------
say "starting $N containers ($IMAGE, label $LABEL)"
seq 1 "$N" | xargs -P 8 -I{} docker run -d --network none --label "$LABEL" --cpus 0.5 --memory 512m "$IMAGE" >/dev/null
for _ in $(seq 1 100); do
    running=$(docker ps -q --filter "label=$LABEL" --filter status=running | wc -l)
    [ "$running" -eq "$N" ] && break
    sleep 0.2
done
[ "$running" -eq "$N" ] || { say "only $running of $N containers run"; exit 1; }
IDS=$(docker ps -q --filter "label=$LABEL")
# The raw-request measurements need the engine's unix socket (curl --unix-socket).
HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
SOCKET=""
case "$HOST" in unix://*) SOCKET=${HOST#unix://} ;; esac

# --- the commands compared -----------------------------------------------------------------------
cat > "$WORK/shell.sh" <<EOF
#!/bin/sh
# what users script today: one docker inspect and one docker cp per container
for id in \$(docker ps -q --filter "label=$LABEL"); do
    docker inspect "\$id" >/dev/null
    docker cp "\$id:/etc/odoo/odoo.conf" - >/dev/null
done
EOF
cat > "$WORK/shell-top.sh" <<EOF
#!/bin/sh
# the same with the process list inspect also reads
for id in \$(docker ps -q --filter "label=$LABEL"); do
    docker inspect "\$id" >/dev/null
    docker cp "\$id:/etc/odoo/odoo.conf" - >/dev/null
    docker top "\$id" -o pid,ppid,user,rss,vsz,args >/dev/null
done
EOF
chmod +x "$WORK/shell.sh" "$WORK/shell-top.sh"
SIZER="$BIN inspect --filter label=$LABEL --format json"

# Sanity: odoo-sizer sees every container, reads every config, and fails none.
$SIZER > "$WORK/check.json"
python3 - "$WORK/check.json" "$N" <<'EOF'
import json, sys
reports = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert len(reports) == n, f"{len(reports)} reports for {n} containers"
assert all(r["error"] is None and r["config"]["exists"] and r["processes"] for r in reports), "a target failed"
EOF

# --- timing helpers -------------------------------------------------------------------------------
# time_cmd NAME COMMAND: median/min/max seconds over RUNS runs (after WARMUP), one line "NAME median min max".
time_cmd() {
    local name=$1 cmd=$2
    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine --style none --warmup "$WARMUP" --runs "$RUNS" --export-json "$WORK/h.json" "$cmd" >/dev/null 2>&1
        python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(sys.argv[2], r['median'], r['min'], r['max'])" "$WORK/h.json" "$name"
    else
        local i s e
        for i in $(seq 1 "$WARMUP"); do sh -c "$cmd" >/dev/null 2>&1; done
        : > "$WORK/times"
        for i in $(seq 1 "$RUNS"); do
            s=$(date +%s.%N); sh -c "$cmd" >/dev/null 2>&1; e=$(date +%s.%N)
            echo "$e - $s" | bc >> "$WORK/times"
        done
        sort -g "$WORK/times" | awk -v name="$name" '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; print name, m, a[1], a[NR]}'
    fi
}

# engine_cpu_ms COMMAND: the engine's CPU time (dockerd and the children it reaped: docker-tar, ps) spent
# while COMMAND runs, in ms; empty when dockerd is not a local process this script can read.
engine_cpu_ms() {
    local pid before after
    pid=$(pgrep -xo dockerd 2>/dev/null || true)
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo ""; return; }
    before=$(awk '{print $14+$15+$16+$17}' "/proc/$pid/stat")
    sh -c "$1" >/dev/null 2>&1
    after=$(awk '{print $14+$15+$16+$17}' "/proc/$pid/stat")
    echo $(( (after - before) * 1000 / $(getconf CLK_TCK) ))
}

# api_avg_ms METHOD PATH-SUFFIX: the mean latency of one request per container, one at a time (curl).
api_avg_ms() {
    local method=$1 suffix=$2 total=0 id t
    for id in $IDS; do
        if [ "$method" = HEAD ]; then
            t=$(curl -s -o /dev/null -I -w '%{time_total}' --unix-socket "$SOCKET" "http://docker/containers/$id/$suffix")
        else
            t=$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$SOCKET" "http://docker/containers/$id/$suffix")
        fi
        total=$(echo "$total + $t" | bc)
    done
    echo "scale=1; $total * 1000 / $N" | bc
}

# parallel_s P PATH-SUFFIX: wall seconds for one GET per container, P at a time (curl + xargs).
parallel_s() {
    local s e
    s=$(date +%s.%N)
    echo "$IDS" | xargs -P "$1" -I{} curl -s -o /dev/null --unix-socket "$SOCKET" "http://docker/containers/{}/$2"
    e=$(date +%s.%N)
    printf '%.2f' "$(echo "$e - $s" | bc)"
}

# --- measurements ---------------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "timing odoo-sizer inspect and the docker CLI loops ($RUNS runs each)"
read -r _ SIZER_MED SIZER_MIN SIZER_MAX < <(time_cmd sizer "$SIZER >/dev/null")
read -r _ SHELL_MED SHELL_MIN SHELL_MAX < <(time_cmd shell "$WORK/shell.sh")
read -r _ SHTOP_MED SHTOP_MIN SHTOP_MAX < <(time_cmd shell-top "$WORK/shell-top.sh")

say "concurrency sweep"
SWEEP=""
for c in 1 2 4 8 16 32; do
    read -r _ med min max < <(time_cmd "c$c" "$SIZER --concurrency $c >/dev/null")
    SWEEP="$SWEEP| $c | $(printf '%.2f' "$med") | $(printf '%.2f' "$min") – $(printf '%.2f' "$max") |"$'\n'
done

say "per-request latency (-vv, concurrency 1) and the engine's CPU"
$SIZER --concurrency 1 -vv 2>"$WORK/vv.log" >/dev/null
ARCHIVE_MS=$(awk '/: GET archive /{s+=$(NF-1); n++} END {if (n) printf "%.1f", s/n}' "$WORK/vv.log")
TOP_MS=$(awk '/: GET top: /{s+=$(NF-1); n++} END {if (n) printf "%.1f", s/n}' "$WORK/vv.log")
SELECT_MS=$(awk '/select the containers: /{print $(NF-1)}' "$WORK/vv.log")
ENGINE_SIZER=$(engine_cpu_ms "$SIZER")
ENGINE_SHELL=$(engine_cpu_ms "$WORK/shell.sh")
# shellcheck disable=SC2086
SIZER_CPU=$( { /usr/bin/time -f '%e %U %S %M' $SIZER >/dev/null ; } 2>&1 | tail -n 1)

RAW=""
if [ -n "$SOCKET" ] && command -v curl >/dev/null 2>&1; then
    say "raw API requests (curl)"
    RAW="| GET /containers/{id}/json | $(api_avg_ms GET json) |"$'\n'
    RAW="$RAW| HEAD /containers/{id}/archive (stat only) | $(api_avg_ms HEAD 'archive?path=/etc/odoo/odoo.conf') |"$'\n'
    RAW="$RAW| GET /containers/{id}/archive | $(api_avg_ms GET 'archive?path=/etc/odoo/odoo.conf') |"$'\n'
    RAW="$RAW| GET /containers/{id}/top | $(api_avg_ms GET 'top?ps_args=-o%20pid,ppid,user,rss,vsz,args') |"$'\n'
    PAR=""
    for p in 1 4 8 16; do
        PAR="$PAR| $p | $(parallel_s "$p" 'archive?path=/etc/odoo/odoo.conf') |"$'\n'
    done
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.1f}')" "$1" "$2"; }
fmt() { printf '%.2f' "$1"; }

mkdir -p "$(dirname "$OUT")"
{
cat <<EOF
## inspect

\`odoo-sizer inspect\` over $N running stand-in Odoo containers (each: engine inspect answer, config read
through \`GET /containers/{id}/archive\`, process list through \`GET /containers/{id}/top\`, plan, findings),
against the docker-CLI loop users write today. (\`--filter label=…\` is \`--all\` narrowed to the benchmark's own
containers: the engine is shared.) $RUNS runs after $WARMUP warm-up runs, $(command -v hyperfine >/dev/null 2>&1 && echo "hyperfine $(hyperfine --version | cut -d' ' -f2)" || echo "a shell loop").

Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo),
Docker $(docker version --format '{{.Server.Version}}') (API $(docker version --format '{{.Server.APIVersion}}')), storage driver $(docker info --format '{{.Driver}}'),
cgroup v$(docker info --format '{{.CgroupVersion}}'); load average $LOAD_BEFORE before, $LOAD_AFTER after (the machine is shared).
Binary: \`$BIN\` ($(stat -c %s "$BIN") bytes). Reproduce: \`make bench-inspect\` (or \`bench/inspect.sh\`).

| command | median (s) | min – max (s) | vs odoo-sizer |
|---|---|---|---|
| \`odoo-sizer inspect --filter label=… --format json\` (default concurrency) | $(fmt "$SIZER_MED") | $(fmt "$SIZER_MIN") – $(fmt "$SIZER_MAX") | 1.0× |
| shell: \`docker inspect\` + \`docker cp\` per container | $(fmt "$SHELL_MED") | $(fmt "$SHELL_MIN") – $(fmt "$SHELL_MAX") | $(ratio "$SHELL_MED" "$SIZER_MED")× slower |
| shell: the same + \`docker top\` (what inspect also reads) | $(fmt "$SHTOP_MED") | $(fmt "$SHTOP_MIN") – $(fmt "$SHTOP_MAX") | $(ratio "$SHTOP_MED" "$SIZER_MED")× slower |

odoo-sizer itself: $(echo "$SIZER_CPU" | awk '{printf "%s s wall, %s s user + %s s system CPU, %s KiB peak RSS", $1, $2, $3, $4}') for the $N containers.

Concurrency (\`--concurrency N\`: targets at once; each has its archive read and process list in flight together):

| N | median (s) | min – max (s) |
|---|---|---|
${SWEEP}
Where the time goes (one target at a time, \`-vv\` timings): selection (list + $N inspect answers) ${SELECT_MS} ms in all;
per container, the archive read ${ARCHIVE_MS} ms and the process list ${TOP_MS} ms (run together).
Engine CPU (dockerd + the children it reaped, from /proc): ${ENGINE_SIZER:-?} ms for one odoo-sizer run, ${ENGINE_SHELL:-?} ms for one shell loop.

Raw API latency per request, one at a time (curl on the socket):

| request | mean (ms) |
|---|---|
${RAW}
$N archive reads (GET, no processing), P at a time:

| P | wall (s) |
|---|---|
${PAR:-}
EOF
} > "$OUT"
cat "$OUT"
