#!/usr/bin/env bash
# The training run of the profile-guided build (`make static`, see the Makefile): runs an instrumented
# odoo-sizer (built with -Cprofile-generate) over what the product does at a container start and in
# one-off use, so that LLVM knows the hot paths when it builds the release binary.
#
# The workload is the repository's own corpora, not the benchmark's input (bench/odoo.conf is left out, so
# that the benchmark measures a file the profile has not seen):
# - every cgroup fixture tree (tests/fixtures/cgroup): detect (text and JSON) and plan;
# - every odoo.conf fixture (tests/fixtures/conf, tests/fixtures/conf/lint) and the bundled sample
#   (docker/odoo.conf): lint, apply --dry-run, apply, apply again (already sized), init without a command;
# - plan over the supported Odoo versions and the common options; --help of every command.
# Exit codes are not checked: refusals and unknown limits are part of the workload.
#
# Usage: bench/pgo-train.sh INSTRUMENTED_BINARY PROFILE_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1
data=$2
mkdir -p "$data"
# %4m: the instrumented runs merge their counters into a pool of 4 files (not one file per process).
export LLVM_PROFILE_FILE="$data/odoo-sizer-%4m.profraw"
export NO_COLOR=1
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(ODOO_[A-Z_]*\)=.*/\1/p')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { "$bin" "$@" >/dev/null 2>&1 || true; }

run --version
run --help
for cmd in detect plan apply init lint inspect watch; do run "$cmd" --help; run "$cmd" -h; done

for tree in tests/fixtures/cgroup/*/; do
    run detect --root "$tree"
    run detect --root "$tree" --format json
    run plan --root "$tree" --odoo-version 18.0
    run plan --root "$tree" --odoo-version 17.0 --format json --pg-max-connections 100
done

versions=(16.0 17.0 18.0 19.0)
for v in "${versions[@]}"; do
    for limits in "--cpus 1 --memory 2g" "--cpus 2 --memory 4g" "--cpus 8 --memory 16g" "--cpus 0.5 --memory 700m"; do
        # shellcheck disable=SC2086
        run plan $limits --odoo-version "$v"
        # shellcheck disable=SC2086
        run plan $limits --odoo-version "$v" --users 60 --pg-max-connections 100 --format json
    done
done

i=0
for conf in tests/fixtures/conf/*.conf tests/fixtures/conf/lint/*.conf docker/odoo.conf; do
    [ -f "$conf" ] || continue
    i=$((i + 1))
    copy=$work/$i.conf
    v=${versions[$((i % ${#versions[@]}))]}
    limits=(--cpus $((i % 4 + 1)) --memory "$((i % 3 + 2))g" --odoo-version "$v")
    run lint -c "$conf"
    run lint -c "$conf" --format json "${limits[@]}"
    cp "$conf" "$copy"
    run apply -c "$copy" --dry-run "${limits[@]}"
    run apply -c "$copy" "${limits[@]}" --pg-max-connections 100
    run apply -c "$copy" "${limits[@]}" --pg-max-connections 100
    run apply -c "$copy" --check --format json "${limits[@]}"
    cp "$conf" "$copy"
    run apply -c "$copy" --root tests/fixtures/cgroup/docker-v2-private --odoo-version "$v"
    cp "$conf" "$copy"
    run init -q -c "$copy" "${limits[@]}"
done
