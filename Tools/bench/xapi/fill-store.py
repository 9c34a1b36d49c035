#!/usr/bin/env python3
"""Copies a HazLab results store and clones its attempts until it holds N of them (new attempt
ids, same records otherwise), for export benchmarks. Usage: fill-store.py SRC DST N"""
import shutil
import sqlite3
import sys

src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
shutil.copyfile(src, dst)
db = sqlite3.connect(dst)
base = db.execute("SELECT attempt FROM attempts ORDER BY attempt").fetchall()
have = len(base)
cols = [r[1] for r in db.execute("PRAGMA table_info(attempts)")]
select = ", ".join("replace(record, ?1, ?2)" if c == "record" else ("?2" if c == "attempt" else c) for c in cols)
i = 0
with db:
    while have < n:
        (old,) = base[i % len(base)]
        new = "bench-%06d-%s" % (have, old)
        db.execute("INSERT INTO attempts (%s) SELECT %s FROM attempts WHERE attempt = ?1" % (", ".join(cols), select), (old, new))
        have += 1
        i += 1
print(have)
