#!/bin/sh
# The shell baseline of `bench/compare.sh`: the init job as shell entrypoints do it — `cat` the cgroup
# files, compute with `awk`, rewrite odoo.conf with `awk` into a temp file and `mv` it over (what `sed -i`
# does).
#
# It computes the SAME plan as `odoo-sizer apply` (a port of the formulas of src/plan/mod.rs for the keys
# it writes; no pins, no user count, default knobs) and places the keys with odoo-sizer's rules — update
# an active key in place, else uncomment the last canonical commented default (`; key = value`), else add
# `key = value` after the last entry of [options] — so that its output is byte-identical for the bench
# file. It does less than odoo-sizer, never more: cgroup v2 only, no mountinfo parsing, no walk up the
# hierarchy, no refusal rules, no continuation lines or inline comments, no lock, no fsync.
#
# usage: baseline.sh ROOT CONFIG ODOO_MAJOR PG_MAX_CONNECTIONS
set -eu
root=$1 conf=$2 major=$3 pg=$4

cgroup=$(cat "$root/proc/self/cgroup")
cgroup=${cgroup#0::}
base="$root/sys/fs/cgroup${cgroup%/}"
cpu_max=$(cat "$base/cpu.max")
cpuset=$(cat "$base/cpuset.cpus.effective")
mem_max=$(cat "$base/memory.max")
mem_high=$(cat "$base/memory.high")
allowed=$(grep '^Cpus_allowed_list:' "$root/proc/self/status")
memtotal=$(grep '^MemTotal:' "$root/proc/meminfo")

awk -v cpu_max="$cpu_max" -v cpuset="$cpuset" -v mem_max="$mem_max" -v mem_high="$mem_high" \
    -v allowed="${allowed#*:}" -v memtotal="$memtotal" -v major="$major" -v pg="$pg" '
function count_cpus(list,    n, i, parts, r) {
    gsub(/[ \t]/, "", list); n = 0
    for (i = split(list, parts, ","); i > 0; i--) {
        if (split(parts[i], r, "-") == 2) n += r[2] - r[1] + 1; else n += 1
    }
    return n
}
function floor_mib(x) { return int(x / MIB) * MIB }
function max(a, b) { return a > b ? a : b }
function min(a, b) { return a < b ? a : b }
function process_budget(room,    fixed) {
    fixed = master + gevent + room + reserve
    return budget >= fixed ? int((budget - fixed) / per_worker) + 1 : 0
}
function limits(room, prefix,    ceiling, hard, soft) {
    ceiling = max(2560 * MIB, heavy_room)
    hard = floor_mib(min(ceiling, max(room, min(800 * MIB, max(budget - reserve, 0)))))
    soft = floor_mib(min(heavy_room > 2560 * MIB ? int(ceiling * 0.8) : 2048 * MIB, int(hard * 0.8)))
    add("limit_memory_soft" prefix, soft); add("limit_memory_hard" prefix, hard)
}
function add(key, value) { n_set++; set_key[n_set] = key; set_val[key] = sprintf("%.0f", value) }
function is_int(s) { return s ~ /^[ \t]*-?[0-9]+[ \t]*$/ }

function plan(    cpus, q, cpu_budget, memory_budget, cron, http, prefork, ram, others, key, raw, pools, listen, share, usable, m) {
    MIB = 1048576
    cpus = min(count_cpus(allowed), count_cpus(cpuset))
    split(cpu_max, q, " ")
    if (q[1] != "max") cpus = min(cpus, q[1] / q[2])
    split(memtotal, q, " "); budget = q[2] * 1024
    if (mem_max != "max") budget = min(budget, mem_max + 0)
    if (mem_high != "max") budget = min(budget, mem_high + 0)

    per_worker = int((150 * 0.8 + 1024 * 0.2) * MIB + 0.5)
    master = 150 * MIB; gevent = per_worker
    heavy_room = max(1024 * MIB, 800 * MIB)
    reserve = min(max(int(budget * 0.05), 32 * MIB), 1024 * MIB)

    cpu_budget = int(2 * cpus) + 1
    memory_budget = process_budget(heavy_room)
    cron = cpu_budget >= 17 ? 2 : 1
    http = max(cpu_budget - cron, 0)
    if (http + cron > memory_budget) { cron = 1; http = min(http, max(memory_budget - cron, 0)) }
    prefork = 1
    if (http < 2) {
        if (process_budget(800 * MIB) >= 2 + max(cron, 1)) http = 2
        else { prefork = 0; http = 0; cron = 1 }
    }
    add("workers", http); add("max_cron_threads", cron)

    ram = prefork ? master + (http + cron) * per_worker + gevent : master + per_worker
    others = prefork ? ram - per_worker : 0
    limits(max(budget - (reserve + others), 0), "")
    if (prefork && major >= 18) limits(max(budget - (reserve + ram - gevent), 0), "_gevent")

    default_time["limit_time_cpu"] = 60; default_time["limit_time_real"] = 120
    default_time["limit_request"] = major >= 16 ? 65536 : 8192
    split("limit_time_cpu limit_time_real limit_request", q, " ")
    for (i = 1; i <= 3; i++) {
        key = q[i]
        if (!prefork || !(key in current)) continue
        raw = current[key]
        if (is_int(raw) && raw + 0 > 0) continue
        add(key, default_time[key])
    }

    if (pg > 0) {
        pools = prefork ? http + cron : 1
        listen = prefork ? cron : (cron > 0)
        share = pools + prefork
        usable = max(pg - (3 + max(int(pg * 0.1 + 0.999999999), 2)), 0)
        m = min(int(max(usable - listen, 0) / max(share, 1)), 64)
        add("db_maxconn", m)
        if (major >= 17 && prefork) add("db_maxconn_gevent", m)
    }
    if (prefork) {
        key = major >= 16 ? "gevent_port" : "longpolling_port"
        raw = (key in current) ? current[key] : ""
        add(key, is_int(raw) && raw + 0 >= 1 && raw + 0 <= 65535 ? raw + 0 : 8072)
    }
}

# The key of an entry line: before the first = or :, right-stripped, lower-cased (as configparser).
function entry_key(line,    k) {
    if (!match(line, /[=:]/)) return ""
    k = substr(line, 1, RSTART - 1); sub(/[ \t]+$/, "", k)
    return tolower(k)
}

# Pass 1: the current [options] values, active keys, canonical commented defaults, the last entry.
NR == FNR {
    if ($0 ~ /^\[/) { in_options = ($0 ~ /^\[options\][ \t]*$/); next }
    if (!in_options || $0 ~ /^[ \t]*$/) next
    if ($0 ~ /^[;#]/) {
        line = $0; sub(/^[;#] ?/, "", line)
        if (line ~ /^[^ \t;#\[][^=:]*[=:][ \t]*[^ \t]+[ \t]*$/) canonical[entry_key(line)] = FNR
        next
    }
    key = entry_key($0)
    if (key != "") {
        active[key] = FNR; last_entry = FNR
        match($0, /[=:]/); value = substr($0, RSTART + 1); gsub(/^[ \t]+|[ \t]+$/, "", value)
        current[key] = value
    }
    next
}
# Between the passes: plan, then decide where each key goes.
FNR == 1 {
    plan()
    for (i = 1; i <= n_set; i++) {
        key = set_key[i]
        if (key in active) update[active[key]] = key
        else if (key in canonical) uncomment[canonical[key]] = key
        else added[++n_added] = key
    }
}
# Pass 2: write.
{
    if (FNR in update) {
        match($0, /^[^=:]*[=:][ \t]*/)
        print substr($0, 1, RLENGTH) set_val[update[FNR]]
    } else if (FNR in uncomment) {
        line = $0; sub(/^[;#] ?/, "", line)
        match(line, /^[^=:]*[=:][ \t]*/)
        print substr(line, 1, RLENGTH) set_val[uncomment[FNR]]
    } else print
    if (FNR == last_entry)
        for (i = 1; i <= n_added; i++) print added[i] " = " set_val[added[i]]
}
' "$conf" "$conf" > "$conf.tmp"
mv "$conf.tmp" "$conf"
