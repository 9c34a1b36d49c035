#!/usr/bin/env python3
"""Makes a grading batch for the Slurm test (test-slurm.sh): copies of the bundled golden runs
of some scenarios under new students, workstations and attempt ids, re-chained so that every copy
is a good format-2 journal (each line's `prev` is the SHA-256 of the line before; the trailer's
signature, which a copy would break, is dropped: `hazlab grade` checks it only with --keys).
Three deliberately bad journals ride along so that errors.json is not empty and the shards
disagree on something: a repeated attempt id (duplicate-attempt), a cut-off last line
(torn-line) and a journal of a scenario that is not in the batch's scenarios (unknown-scenario).

Usage: make-batch.py --scenarios DIR --copies N --out JOURNALS_DIR [--unknown SCENARIO] SCENARIO[:COPIES]...
(SCENARIO:COPIES overrides --copies for that scenario: fewer copies of a slow one.)
Copies land in JOURNALS_DIR/<room>/<scenario>-<run>-<k>.jsonl (rooms a … d, so the batch is a
tree, as workstation uploads are). Prints the number of journal files written.
"""
import argparse
import hashlib
import json
import os
import re
import sys

PREV = re.compile(rb'"prev":"[0-9a-f]{64}"')
SIG = re.compile(rb',"sig":"[^"]*"')


def rechain(header: dict, rest: list) -> bytes:
    """Header (a dict, written compactly in its key order) and the raw lines after it."""
    lines = [json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()]
    for raw in rest:
        prev = hashlib.sha256(lines[-1]).hexdigest().encode()
        line, n = PREV.subn(b'"prev":"' + prev + b'"', raw, count=1)
        if n != 1:
            sys.exit(f"make-batch: a line without prev: {raw[:80]!r}")
        lines.append(SIG.sub(b"", line))
    return b"".join(line + b"\n" for line in lines)


def runs(scenarios_dir: str, scenario: str) -> list:
    d = os.path.join(scenarios_dir, scenario, "runs")
    names = sorted(n for n in os.listdir(d) if n.endswith(".jsonl"))
    if not names:
        sys.exit(f"make-batch: no runs in {d}")
    return [(n[: -len(".jsonl")], os.path.join(d, n)) for n in names]


def copy(src: str, k: int, scenario: str, run: str) -> bytes:
    with open(src, "rb") as f:
        raw = f.read().split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    header = json.loads(raw[0])
    if header.get("format") != 2:
        sys.exit(f"make-batch: {src} is not a format-2 journal")
    header["student"] = f"s{k:04d}-{run}"
    header["workstation"] = f"ws-{k % 24:02d}"
    header["attempt"] = f"slurm-{scenario}-{run}-{k:04d}"
    return rechain(header, raw[1:])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--scenarios", required=True)
    p.add_argument("--copies", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--unknown", help="a scenario (in --scenarios) whose journal the batch must refuse")
    p.add_argument("scenario", nargs="+")
    a = p.parse_args()
    written = []
    a.scenario = [s.partition(":") for s in a.scenario]
    a.scenario = [(s, int(n) if n else a.copies) for s, _, n in a.scenario]
    for scenario, copies in a.scenario:
        for run, src in runs(a.scenarios, scenario):
            for k in range(1, copies + 1):
                room = "abcd"[k % 4]
                path = os.path.join(a.out, f"room-{room}", f"{scenario}-{run}-{k:04d}.jsonl")
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(copy(src, k, scenario, run))
                written.append(path)
    # The bad ones. A second copy of the first journal (same attempt id; later in path order).
    first = sorted(written)[0]
    with open(first, "rb") as f:
        body = f.read()
    bad = os.path.join(a.out, "room-z", "duplicate.jsonl")
    os.makedirs(os.path.dirname(bad), exist_ok=True)
    with open(bad, "wb") as f:
        f.write(body)
    # A copy cut in the middle of its last line (the workstation stopped mid-write).
    torn = copy(runs(a.scenarios, a.scenario[0][0])[0][1], 9999, a.scenario[0][0], "torn")
    with open(os.path.join(a.out, "room-z", "torn.jsonl"), "wb") as f:
        f.write(torn[: len(torn) - 40])
    count = len(written) + 2
    if a.unknown:
        with open(os.path.join(a.out, "room-z", "unknown.jsonl"), "wb") as f:
            f.write(copy(runs(a.scenarios, a.unknown)[0][1], 9999, a.unknown, "unknown"))
        count += 1
    print(count)


if __name__ == "__main__":
    main()
