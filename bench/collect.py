#!/usr/bin/env python3
"""Gathers the raw results of `bench/compare.sh` (in OUT) into OUT/compare.json and prints the summary."""

import glob
import json
import statistics
import sys

out = sys.argv[1]
result = json.load(open(out + "/facts.json"))
commands = {}
for line in open(out + "/commands.tsv"):
    name, command, prepare = line.rstrip("\n").split("\t")
    commands[name] = {"command": command, "prepare": prepare}
result["commands"] = commands

samples, user, system = {}, {}, {}
for path in sorted(glob.glob(out + "/rounds/round-*.json")):
    for r in json.load(open(path))["results"]:
        samples.setdefault(r["command"], []).extend(r["times"])
        user.setdefault(r["command"], []).append(r["user"])
        system.setdefault(r["command"], []).append(r["system"])
result["timing"] = {
    n: {
        "median_s": statistics.median(samples[n]),
        "min_s": min(samples[n]),
        "max_s": max(samples[n]),
        "mean_s": statistics.mean(samples[n]),
        "samples": len(samples[n]),
        "user_s": statistics.mean(user[n]),
        "system_s": statistics.mean(system[n]),
    }
    for n in commands
    if n in samples
}

rss, faults = {}, {}
for line in open(out + "/rss.txt"):
    parts = line.split()
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        rss.setdefault(parts[0], []).append(int(parts[1]))
        faults.setdefault(parts[0], []).append(int(parts[2]))
result["rss_kib"] = {n: {"max": max(v), "median": statistics.median(v), "runs": len(v)} for n, v in rss.items()}
# Minor page faults of the process and the children it waited for (each costs ~1.7 µs on this VM).
result["minor_faults"] = {n: statistics.median(v) for n, v in faults.items()}

result["instructions"] = {}
for line in open(out + "/instructions.txt"):
    name, count, processes = line.split()
    result["instructions"][name] = {"instructions": int(count), "processes": int(processes)}

calls = {}
for line in open(out + "/syscalls.txt"):
    parts = line.split()
    try:
        seconds = float(parts[1])
    except (IndexError, ValueError):
        continue
    calls.setdefault(parts[0], []).append(seconds)
result["write_syscalls_ms"] = {
    n: {"median": statistics.median(v) * 1e3, "max": max(v) * 1e3, "count": len(v)}
    for n, v in calls.items()
    if n != "execve"
}
json.dump(result, open(out + "/compare.json", "w"), indent=1)

t = result["timing"]
print()
print("%-18s %10s %10s %10s %10s" % ("", "median ms", "min ms", "max ms", "peak RSS"))
for n in t:
    peak = result["rss_kib"].get(n, {}).get("max")
    print("%-18s %10.2f %10.2f %10.2f %10s" % (n, t[n]["median_s"] * 1e3, t[n]["min_s"] * 1e3, t[n]["max_s"] * 1e3,
                                             "%d KiB" % peak if peak else ""))
for where in ("tmpfs", "disk"):
    s = t["sizer-" + where]["median_s"]
    print("%-5s odoo-sizer / true: %.2f   python / odoo-sizer: %.1f   shell / odoo-sizer: %.1f" % (
        where, s / t["true"]["median_s"], t["python-" + where]["median_s"] / s, t["shell-" + where]["median_s"] / s))
