#!/usr/bin/env python3
"""Checks xAPI statements with Ralph's own pydantic models, an implementation independent of
HazLab's validator (Sources/HazLabRecords/XAPIValidator.swift).

    validate.py [--store STORE.sqlite] [FILE ...]

Statements come from the xAPI outbox of a HazLab results store (every payload queued for
destination "xapi", delivered or not), and/or from files holding one JSON statement per line
(or a JSON array). Each must pass `ralph.models.xapi.base.statements.BaseXapiStatement`;
one that also matches a profile model of `ralph validate` (ModelSelector) must pass it too.
Prints one line per invalid statement and a summary; exit status 1 when any is invalid or
nothing was checked. Run with the Python of .venv-lrs (Tools/lrs/setup.sh).
"""
import argparse
import json
import sqlite3
import sys

from ralph.exceptions import UnknownEventException
from ralph.models.selector import ModelSelector
from ralph.models.xapi.base.statements import BaseXapiStatement


def statements(args):
    if args.store:
        db = sqlite3.connect("file:%s?mode=ro" % args.store, uri=True)
        for item, payload in db.execute("SELECT item, payload FROM outbox WHERE destination = 'xapi' ORDER BY seq"):
            yield "%s: outbox item %s" % (args.store, item), payload
    for path in args.files:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        if text.lstrip().startswith("["):
            for i, s in enumerate(json.loads(text)):
                yield "%s: [%d]" % (path, i), json.dumps(s)
        else:
            for n, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    yield "%s:%d" % (path, n), line


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    selector = ModelSelector(module="ralph.models.xapi")
    total = invalid = profiled = 0
    for where, text in statements(args):
        total += 1
        try:
            event = json.loads(text)
            BaseXapiStatement(**event)
            try:
                models = selector.get_models(event)
            except UnknownEventException:
                models = []  # no profile of Ralph's describes it: the base model decides
            for model in models:
                profiled += 1
                model(**event)
        except Exception as e:  # pydantic's ValidationError, or bad JSON
            invalid += 1
            first = " | ".join(l.strip() for l in str(e).splitlines()[:3])
            print("%s: invalid: %s" % (where, first))
    print("%d statement(s) checked with Ralph's models, %d invalid (%d also matched a profile model)" % (total, invalid, profiled))
    return 1 if invalid or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
