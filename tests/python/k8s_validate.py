#!/usr/bin/env python3
"""Validates Kubernetes manifests offline against the API schemas that kubernetes-validate ships.

Usage: k8s_validate.py [--versions all|oldest,latest|1.29,...] [--dump] FILE...

Every document of every FILE is checked, in strict mode (an unknown or misspelt field is an error),
against each Kubernetes version asked for (default: every version the package ships). Stricter than the
`kubernetes-validate` command, which only warns and exits 0 for a kind it has no schema for: here an
unknown kind or apiVersion, a document without kind/apiVersion/metadata.name and a key given twice in
one mapping (Kubernetes' strict decoding refuses it; PyYAML would silently keep the last) are errors.

Prints one line per problem on stderr and exits 1 when there is any; with --dump, prints the parsed
documents as JSON on stdout ({"FILE": [documents...]}) for the Rust tests that check their contents.
Needs kubernetes-validate (and the PyYAML it depends on): `make k8s-tools` installs both in target/venv.
"""
import argparse
import json
import sys

import kubernetes_validate
import yaml
from kubernetes_validate import utils


class StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping."""


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark,
                "found duplicate key %r" % (key,), key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def versions_from(arg):
    # the package ships a plain and a strict schema directory per version: each appears twice
    shipped = sorted({utils.major_minor(v) for v in utils.all_versions()},
                     key=lambda v: tuple(int(n) for n in v.split(".")))
    if arg == "all":
        return shipped
    picked = []
    for item in arg.split(","):
        item = {"oldest": shipped[0], "latest": shipped[-1]}.get(item, item)
        if item not in shipped:
            raise SystemExit("kubernetes-validate %s ships no schemas for Kubernetes %s (it has %s)"
                             % (kubernetes_validate.__version__, item, ", ".join(shipped)))
        picked.append(item)
    return picked


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", default="all")
    ap.add_argument("--dump", action="store_true")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    versions = versions_from(args.versions)

    problems = []
    dump = {}
    checked = 0
    for path in args.files:
        try:
            with open(path, encoding="utf-8") as f:
                docs = [d for d in yaml.load_all(f, Loader=StrictLoader) if d is not None]
        except (OSError, yaml.YAMLError) as e:
            problems.append("%s: %s" % (path, e))
            continue
        dump[path] = docs
        if not docs:
            problems.append("%s: no Kubernetes object in the file" % path)
        for i, doc in enumerate(docs):
            where = "%s (document %d)" % (path, i + 1)
            if not isinstance(doc, dict):
                problems.append("%s: not a mapping" % where)
                continue
            missing = [k for k in ("apiVersion", "kind") if not isinstance(doc.get(k), str)]
            if not isinstance((doc.get("metadata") or {}).get("name"), str):
                missing.append("metadata.name")
            if missing:
                problems.append("%s: missing %s" % (where, ", ".join(missing)))
                continue
            where = "%s %s/%s" % (path, doc["kind"], doc["metadata"]["name"])
            for version in versions:
                try:
                    utils.validate(doc, version, strict=True)
                    checked += 1
                except utils.ValidationError as e:
                    field = ".".join(str(p) for p in e.path) or "(top level)"
                    problems.append("%s, Kubernetes %s: %s: %s" % (where, version, field, e.message))
                except utils.SchemaNotFoundError as e:
                    problems.append("%s, Kubernetes %s: %s" % (where, version, e.message))

    for line in problems:
        print("ERROR " + line, file=sys.stderr)
    print("%d object validations against Kubernetes %s; %d problem(s)"
          % (checked, ", ".join(versions), len(problems)), file=sys.stderr)
    if args.dump:
        json.dump(dump, sys.stdout)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
