#!/usr/bin/env python3
"""Reads an odoo.conf the way Odoo does and prints the [options] values it would use, as JSON.

Usage: odoo_read.py PATH MAJOR KINDS_JSON
  PATH        the file, read with RawConfigParser().read([PATH]) like Odoo 14-19 (configmanager.load)
  MAJOR       Odoo's major version: up to 18, values `True`/`true`/`False`/`false` become booleans and
              int options go through optparse's own int checker; from 19, int() and strict booleans
  KINDS_JSON  {"key": "int" | "flag" | "str"} for the keys to cast; other keys are not printed
Exit status 1 (with the exception on stderr) when Odoo would refuse the file or a value.
"""
import configparser
import json
import optparse
import sys

path, major, kinds = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
parser = configparser.RawConfigParser()
parser.read([path])
out = {}
for key, raw in parser.items("options"):
    if key not in kinds:
        continue
    kind = kinds[key]
    if major <= 18:
        if raw in ("True", "true"):
            out[key] = True
        elif raw in ("False", "false"):
            out[key] = False
        elif kind == "int":
            out[key] = optparse.Option.TYPE_CHECKER["int"](optparse.Option("--x", type="int"), key, raw)
        else:
            out[key] = raw
    else:
        if kind == "flag":
            low = raw.lower()
            if low not in ("1", "yes", "true", "on", "0", "no", "false", "off"):
                raise ValueError(f"{key}: not a boolean: {raw!r}")
            out[key] = low in ("1", "yes", "true", "on")
        elif kind == "int":
            if raw in ("False", "false"):
                raise ValueError(f"{key}: False is ignored for an int option in 19.0")
            out[key] = int(raw)
        else:
            out[key] = raw
print(json.dumps(out, sort_keys=True))
