#!/usr/bin/env python3
"""Validates scenario YAML files against a JSON Schema (draft 2020-12).

Usage: validate-scenarios.py SCHEMA.json FILE.yaml...
Prints `FILE: ok` or `FILE: invalid: <path>: <message>` per file; exit 1 if any is invalid.
"""
import json
import sys

import jsonschema
import yaml


def main() -> int:
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            bad += 1
            for e in errors:
                where = "/".join(str(p) for p in e.absolute_path) or "(root)"
                print(f"{path}: invalid: {where}: {e.message}")
        else:
            print(f"{path}: ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
