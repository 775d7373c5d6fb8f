#!/usr/bin/env python3
"""Reference oracle for odoo-sizer's odoo.conf parser: CPython's own configparser.

Reads one JSON request per line on stdin and writes one JSON line per request on stdout, so a test run
needs a single Python process. Requests:

  {"op": "parse", "inputs": ["<hex>", ...]}
      Each input is the raw bytes of a file, decoded exactly as open() does in Odoo's containers
      (UTF-8, universal newlines) and read by RawConfigParser() with default arguments, as Odoo 14-19 do.
  {"op": "parse_paths", "inputs": ["/path", ...]}
      Same, but through RawConfigParser().read([path]) like Odoo itself (run with PYTHONUTF8=1).
  {"op": "lower", "inputs": ["text", ...]}      -> [s.lower(), ...]
  {"op": "space_table"}                         -> [code points c with chr(c).isspace()]
  {"op": "lower_table"}                         -> [[c, lower], ...] for every c where chr(c).lower() != chr(c)

Result of a parse: {"error": class, "lines": [...], "section": ..., "option": ...} or
{"sections": [...], "defaults": [[k, v], ...], "items": {section: [[k, v], ...]}, "own": {section: [[k, v], ...]}}.
"""
import configparser
import io
import json
import sys


def outcome(parser, read):
    try:
        read()
    except configparser.MissingSectionHeaderError as e:  # subclass of ParsingError: first
        return {"error": "MissingSectionHeaderError", "lines": [e.lineno]}
    except configparser.DuplicateSectionError as e:
        return {"error": "DuplicateSectionError", "lines": [e.lineno], "section": e.section}
    except configparser.DuplicateOptionError as e:
        return {"error": "DuplicateOptionError", "lines": [e.lineno], "section": e.section, "option": e.option}
    except configparser.ParsingError as e:
        return {"error": "ParsingError", "lines": [lineno for lineno, _ in e.errors]}
    except UnicodeDecodeError:
        return {"error": "UnicodeDecodeError", "lines": []}
    sections = parser.sections()
    return {
        "sections": sections,
        "defaults": [list(kv) for kv in parser.defaults().items()],
        "items": {s: [list(kv) for kv in parser.items(s)] for s in sections},
        "own": {s: [list(kv) for kv in parser._sections[s].items()] for s in sections},
    }


def parse_bytes(data):
    parser = configparser.RawConfigParser()
    fp = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=None)
    return outcome(parser, lambda: parser.read_file(fp, source="odoo.conf"))


def parse_path(path):
    parser = configparser.RawConfigParser()
    return outcome(parser, lambda: parser.read([path]))


def main():
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        if op == "parse":
            res = [parse_bytes(bytes.fromhex(h)) for h in req["inputs"]]
        elif op == "parse_paths":
            res = [parse_path(p) for p in req["inputs"]]
        elif op == "lower":
            res = [s.lower() for s in req["inputs"]]
        elif op == "space_table":
            res = [c for c in range(0x110000) if chr(c).isspace()]
        elif op == "lower_table":
            res = [[c, chr(c).lower()] for c in range(0x110000)
                   if not 0xD800 <= c <= 0xDFFF and chr(c).lower() != chr(c)]
        else:
            res = {"error": "unknown op " + op}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
