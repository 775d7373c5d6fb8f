#!/usr/bin/env python3
"""Checks that a baseline's output means the same to Odoo as odoo-sizer's, for `bench/compare.sh`.

configparser.write drops comments and re-spaces lines, so "the same file" cannot mean the same bytes for
the Python baseline. It means: read back with RawConfigParser (what Odoo uses), every section, key and
value is the same, and in particular the planned keys of [options] have the planned values. Prints one
JSON object: the planned values, what differs, and how many comment lines each file has.

usage: same_values.py ORIGINAL ODOO_SIZER_OUTPUT BASELINE_OUTPUT
"""

import configparser
import json
import sys


def load(path):
    parser = configparser.RawConfigParser()
    parser.read(path, encoding="utf-8")
    return {section: dict(parser.items(section, raw=True)) for section in parser.sections()}


def comment_lines(path):
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip().startswith((";", "#")))


original, sized, baseline = sys.argv[1:4]
before, want, got = load(original), load(sized), load(baseline)
planned = {k: v for k, v in want.get("options", {}).items() if before.get("options", {}).get(k) != v}
differences = []
for section in sorted(set(want) | set(got)):
    for key in sorted(set(want.get(section, {})) | set(got.get(section, {}))):
        a, b = want.get(section, {}).get(key), got.get(section, {}).get(key)
        if a != b:
            differences.append({"section": section, "key": key, "odoo_sizer": a, "baseline": b})
result = {
    "same_values": not differences,
    "sections": len(got),
    "keys": sum(len(v) for v in got.values()),
    "planned": planned,
    "differences": differences[:20],
    "comment_lines": {
        "original": comment_lines(original),
        "odoo_sizer": comment_lines(sized),
        "baseline": comment_lines(baseline),
    },
}
print(json.dumps(result))
sys.exit(0 if not differences and planned else 1)
