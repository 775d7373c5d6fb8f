#!/usr/bin/env python3
"""The Python baseline of `bench/compare.sh`: the init job as Python-based images and calculators do it.

Reads the container's cgroup v2 files, computes the SAME plan as `odoo-sizer apply` (a port of the
formulas of src/plan/mod.rs for the keys it writes: workers, max_cron_threads, limit_memory_soft/hard,
their *_gevent twins on 18.0+, repaired time limits, db_maxconn(_gevent) with a PostgreSQL
max_connections, gevent_port; no pins, no user count, default knobs) and rewrites odoo.conf with
`configparser`, as those tools do: `RawConfigParser.read` + `set` + `write`. That drops every comment,
which is the point of the comparison.

It does less than odoo-sizer, never more: cgroup v2 only, no mountinfo parsing, no walk up the
hierarchy, no refusal rules, no lock, no fsync, no atomic replace.

usage: baseline.py ROOT CONFIG ODOO_MAJOR PG_MAX_CONNECTIONS
"""

import configparser
import math
import os
import sys

MIB = 1 << 20
HARD_FLOOR = 800 * MIB
LIGHT_MB, HEAVY_MB, HEAVY_RATIO = 150.0, 1024.0, 0.2


def read(root, path):
    with open(os.path.join(root, path.lstrip("/"))) as f:
        return f.read().strip()


def count_cpus(cpu_list):
    count = 0
    for part in cpu_list.split(","):
        low, _, high = part.partition("-")
        count += int(high or low) - int(low) + 1
    return count


def detect(root):
    """CPUs = min(affinity, cpuset, quota); memory = min(memory.max, memory.high, MemTotal)."""
    cgroup = "/"
    for line in read(root, "/proc/self/cgroup").splitlines():
        if line.startswith("0::"):
            cgroup = line[3:]
    base = "/sys/fs/cgroup" + cgroup.rstrip("/")
    status = read(root, "/proc/self/status")
    allowed = [line.split(":", 1)[1].strip() for line in status.splitlines() if line.startswith("Cpus_allowed_list:")]
    cpus = float(count_cpus(allowed[0]))
    cpus = min(cpus, count_cpus(read(root, base + "/cpuset.cpus.effective")))
    quota, period = read(root, base + "/cpu.max").split()
    if quota != "max":
        cpus = min(cpus, int(quota) / int(period))
    meminfo = read(root, "/proc/meminfo")
    memory = [int(line.split()[1]) * 1024 for line in meminfo.splitlines() if line.startswith("MemTotal:")][0]
    for name in ("memory.max", "memory.high"):
        value = read(root, base + "/" + name)
        if value != "max":
            memory = min(memory, int(value))
    return cpus, memory


def mib_to_bytes(mb):
    return int(round(mb * MIB))


def floor_mib(n):
    return n // MIB * MIB


def limits_pair(budget, reserve, heavy_room, room, major, gevent=False):
    """limit_memory_soft/hard (src/plan/mod.rs memory_limits, no pins)."""
    default_hard, default_soft = 2560 * MIB, 2048 * MIB
    raised = heavy_room > default_hard
    ceiling = max(default_hard, heavy_room)
    floor = min(HARD_FLOOR, max(budget - reserve, 0))
    hard = floor_mib(min(ceiling, max(room, floor)))
    soft_ceiling = int(ceiling * 0.8) if raised else default_soft
    soft = floor_mib(min(soft_ceiling, int(hard * 0.8)))
    return soft, hard


def plan(cpus, budget, major, current, pg_max_connections):
    per_worker = mib_to_bytes(LIGHT_MB * (1.0 - HEAVY_RATIO) + HEAVY_MB * HEAVY_RATIO)
    master, gevent = mib_to_bytes(LIGHT_MB), per_worker
    heavy_room = max(mib_to_bytes(HEAVY_MB), HARD_FLOOR)
    reserve = min(max(int(budget * 0.05), 32 * MIB), 1024 * MIB)

    def process_budget(room):
        fixed = master + gevent + room + reserve
        return (budget - fixed) // per_worker + 1 if budget >= fixed else 0

    # Processes: floor(2 x CPUs) + 1, a second cron worker from 17, capped by memory, never 1 worker.
    cpu_budget = int(math.floor(2.0 * cpus)) + 1
    memory_budget = process_budget(heavy_room)
    cron = 2 if cpu_budget >= 17 else 1
    http = max(cpu_budget - cron, 0)
    if http + cron > memory_budget:
        cron = 1
        http = min(http, max(memory_budget - cron, 0))
    prefork = True
    if http < 2:
        if process_budget(HARD_FLOOR) >= 2 + max(cron, 1):
            http = 2
        else:
            prefork, http, cron = False, 0, 1
    settings = [("workers", http), ("max_cron_threads", cron)]

    # Memory limits: one runaway process gets what the others leave.
    ram = master + (http + cron) * per_worker + gevent if prefork else master + per_worker
    others = ram - per_worker if prefork else 0
    soft, hard = limits_pair(budget, reserve, heavy_room, max(budget - (reserve + others), 0), major)
    settings += [("limit_memory_soft", soft), ("limit_memory_hard", hard)]
    if prefork and major >= 18:
        room = max(budget - (reserve + ram - gevent), 0)
        soft, hard = limits_pair(budget, reserve, heavy_room, room, major, gevent=True)
        settings += [("limit_memory_soft_gevent", soft), ("limit_memory_hard_gevent", hard)]

    # Time limits: only repaired when the current value cannot work in multi-process mode.
    defaults = {"limit_time_cpu": 60, "limit_time_real": 120, "limit_request": 65536 if major >= 16 else 8192}
    for key, default in defaults.items():
        raw = current.get(key)
        if not prefork or raw is None:
            continue
        try:
            if int(raw) > 0:
                continue
        except ValueError:
            pass
        settings.append((key, default))

    # PostgreSQL: an equal share of max_connections for every pool.
    if pg_max_connections:
        pools, listen = (http + cron, cron) if prefork else (1, 1 if cron > 0 else 0)
        share = pools + (1 if prefork else 0)
        usable = max(pg_max_connections - (3 + max(math.ceil(pg_max_connections * 0.1), 2)), 0)
        m = min(max(usable - listen, 0) // max(share, 1), 64)
        if m < 2:
            sys.exit("PostgreSQL max_connections is too small")
        settings.append(("db_maxconn", m))
        if major >= 17 and prefork:
            settings.append(("db_maxconn_gevent", m))

    if prefork:
        key = "gevent_port" if major >= 16 else "longpolling_port"
        try:
            port = int(current.get(key, ""))
        except ValueError:
            port = 0
        settings.append((key, port if 1 <= port <= 65535 else 8072))
    return settings


def main():
    root, path, major, pg = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    cpus, memory = detect(root)
    config = configparser.RawConfigParser()
    config.read(path, encoding="utf-8")
    if not config.has_section("options"):
        config.add_section("options")
    current = dict(config.items("options"))
    for key, value in plan(cpus, memory, major, current, pg):
        config.set("options", key, str(value))
    with open(path, "w", encoding="utf-8") as f:
        config.write(f)


if __name__ == "__main__":
    main()
