#!/usr/bin/env python3
"""Plot fsync->ack p50/p99 against the number of stations from run.sh's result.json files.
   python3 Tools/bench/lab/plot.py OUT.svg RESULT.json...   (plain python3)"""
import json, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "verification"))
from svgplot import svg_plot
rs = sorted((json.load(open(p)) for p in sys.argv[2:]), key=lambda r: r["n"])
n = [r["n"] for r in rs]
svg_plot(sys.argv[1], "hazlab serve: fsync to ack per journal line, by simulated stations",
         "simulated workstations", "ms (log)",
         [("p50 all lines", n, [r["all_p50"] for r in rs], "#1f77b4", ""),
          ("p99 all lines (incl. trailer)", n, [r["all_p99"] for r in rs], "#d62728", ""),
          ("p99 header+action lines", n, [r["line_p99"] for r in rs], "#ff7f0e", "4,3")],
         logy=True, hlines=[(100, "100 ms target at 60", "#2ca02c"), (250, "250 ms knee", "#7f7f7f")])
