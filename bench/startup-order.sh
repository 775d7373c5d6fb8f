#!/usr/bin/env bash
# The link order of the profile-guided static binary (`make static`, see the Makefile): the names of the
# functions that the container-start job runs, so that the linker (lld, `--symbol-ordering-file`) puts
# them next to each other at the start of `.text`. A process maps its code one page fault per 64 KiB
# window it touches (the kernel maps the pages around a fault that are in the page cache); spread over the
# whole 3 MiB `.text`, the job's code took ~26 such faults (BENCHMARKS.md, "Fourth round").
#
# The job is what an init step runs: `apply` of the bundled sample config (docker/odoo.conf) and again of
# the sized result (a restart with the same limits), and `apply` of the official 18.0 sample with the
# PostgreSQL limit given and of a file with addon sections for 17.0, on cgroup fixture trees
# (tests/fixtures/cgroup), run by the not yet stripped release binary under callgrind, which names every
# function it executes: odoo-sizer's, its dependencies' and glibc's (the binary is static). Not the
# benchmark's input (bench/odoo.conf, bench/cgroup-root).
#
# glibc picks its string functions (memcpy, strlen, ...) for the CPU when it starts; under valgrind,
# which emulates no AVX-512, it picks other variants than on this machine's CPU. So for every such
# function the job uses, all its variants in the binary are listed.
#
# Usage: bench/startup-order.sh UNSTRIPPED_BINARY ORDER_FILE (needs valgrind and nm)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1
out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp docker/odoo.conf "$work/sample.conf"
cp tests/fixtures/conf/official-18.0.conf "$work/official.conf"
cp tests/fixtures/conf/addons-sections.conf "$work/addons.conf"
fixtures=tests/fixtures/cgroup
runs=(
    "--config $work/sample.conf --root $fixtures/docker-v2-private --odoo-version 18.0"
    "--config $work/sample.conf --root $fixtures/docker-v2-private --odoo-version 18.0"
    "--config $work/official.conf --root $fixtures/k8s-v2-burstable --odoo-version 18.0 --pg-max-connections 100"
    "--config $work/addons.conf --root $fixtures/docker-v1-private-cgroupns --odoo-version 17.0"
)
n=0
for args in "${runs[@]}"; do
    n=$((n + 1))
    # shellcheck disable=SC2086
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/cg.$n" "$bin" apply $args \
        >/dev/null 2>&1 || true
done
# Callgrind names a function once per file, as `fn=(id) name` (or `cfn=` for a callee); unnamed code
# (addresses) and valgrind's own entries ("(below main)": glibc's start, named below) are left out.
sed -n 's/^c\{0,1\}fn=([0-9]*) //p' "$work"/cg.* | grep -v -e '^(' -e '^0x' -e "'" | sort -u > "$work/ran"
[ -s "$work/ran" ] || { echo "startup-order: callgrind named no function" >&2; exit 1; }
nm "$bin" | awk '{ print $NF }' | sort -u > "$work/symbols"
# Every variant of the CPU-specific functions used (__memmove_avx_unaligned_erms or memmove ->
# __memmove_*), glibc's start and exit (which callgrind names otherwise or not at all), then only the
# names the binary has.
families=$( {
    sed -n 's/^__\([a-z][a-z0-9]*\)_\(sse\|ssse\|avx\|evex\|erms\).*/\1/p' "$work/ran"
    grep -x '[a-z][a-z0-9]*' "$work/ran" || true
} | sort -u)
{
    cat "$work/ran"
    for f in $families; do grep "^__${f}_\(sse\|ssse\|avx\|evex\|erms\|c$\)" "$work/symbols" || true; done
    printf '%s\n' _start __libc_start_main __libc_start_main_impl __libc_start_call_main frame_dummy \
        _exit __run_exit_handlers free_mem pthread_mutex_lock __pthread_mutex_lock
} | sort -u | grep -x -F -f "$work/symbols" > "$out" || true
[ -s "$out" ] || { echo "startup-order: none of the functions is in $bin's symbols" >&2; exit 1; }
echo "startup-order: $(wc -l < "$out") functions in $out"
