#!/usr/bin/env python3
"""Plot p99 fsync->ack (all lines) against the number of stations from run.sh's result.json files.
   python3 Tools/bench/lab/plot.py OUT.svg "LABEL=a/result.json,b/result.json" ["LABEL2=..."]
   One series per LABEL group (e.g. runs on a busy machine and on a quiet one). Plain python3."""
import json, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "verification"))
from svgplot import svg_plot
colors = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e"]
series = []
for k, arg in enumerate(sys.argv[2:]):
    label, files = arg.split("=", 1)
    rs = sorted((json.load(open(p)) for p in files.split(",")), key=lambda r: r["n"])
    series.append((label, [r["n"] for r in rs], [r["all_p99"] for r in rs], colors[k % 4], ""))
svg_plot(sys.argv[1], "hazlab serve: p99 fsync to ack per journal line, by simulated stations",
         "simulated workstations", "ms (log)", series, logy=True,
         hlines=[(100, "100 ms (target at 60)", "#2ca02c"), (250, "250 ms (knee)", "#7f7f7f")])
