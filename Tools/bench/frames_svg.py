#!/usr/bin/env python3
"""Bar chart of the viewer's frame time from `hazlab-bench --frames --out CSV` (plain python3).

Usage: python3 Tools/bench/frames_svg.py FRAMES.csv [OUT.svg] [--title TEXT]
Per scenario: median ms per frame with 4x MSAA and without (the `full` rows of the CSV), a
tick at p95, and the 16.7 ms (60 fps) target as a dashed line. Default OUT:
Docs/bench/viewer-frame-time.svg.
"""
import csv
import math
import sys

TARGET_MS = 1000 / 60
COLOURS = {True: "#4f6fad", False: "#e39b3b"}  # MSAA on, off


def nice_step(hi, n=6):
    step = 10 ** math.floor(math.log10(hi / n))
    for m in (1, 2, 2.5, 5, 10):
        if hi / (step * m) <= n:
            return step * m
    return step * 10


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    title = "Viewer frame time, median per scenario (llvmpipe, 1280×720)"
    if "--title" in argv:
        title = argv[argv.index("--title") + 1]
        args.remove(title)
    if not args:
        sys.exit(__doc__)
    src = args[0]
    out = args[1] if len(args) > 1 else "Docs/bench/viewer-frame-time.svg"
    with open(src) as f:
        rows = [r for r in csv.DictReader(f) if r.get("variant", "full") == "full"]
    scenarios = []
    for r in rows:
        if r["scenario"] not in scenarios:
            scenarios.append(r["scenario"])
    data = {(r["scenario"], int(r["samples"]) > 0): (float(r["median_ms"]), float(r["p95_ms"])) for r in rows}
    samples = max(int(r["samples"]) for r in rows)

    ml, mr, mt, mb = 250, 40, 50, 70
    bar, gap = 13, 12
    group = 2 * bar + gap
    w = 760
    h = mt + mb + group * len(scenarios)
    pw = w - ml - mr
    hi = max([v[1] for v in data.values()] + [TARGET_MS]) * 1.05
    step = nice_step(hi)
    hi = math.ceil(hi / step) * step
    x = lambda ms: ml + pw * ms / hi  # noqa: E731

    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
         'font-family="sans-serif" font-size="12">',
         '<rect width="100%" height="100%" fill="white"/>',
         f'<text x="20" y="22" font-size="15" font-weight="bold">{esc(title)}</text>']
    t = 0.0
    while t <= hi + 1e-9:
        o.append(f'<line x1="{x(t):.1f}" y1="{mt - 8}" x2="{x(t):.1f}" y2="{h - mb}" stroke="#e4e4e4"/>')
        o.append(f'<text x="{x(t):.1f}" y="{h - mb + 16}" text-anchor="middle">{t:g}</text>')
        t += step
    o.append(f'<text x="{ml + pw / 2:.1f}" y="{h - mb + 34}" text-anchor="middle">ms per frame '
             '(bar: median; tick: p95)</text>')
    for i, s in enumerate(scenarios):
        y0 = mt + i * group
        o.append(f'<text x="{ml - 8}" y="{y0 + bar + 4}" text-anchor="end">{esc(s)}</text>')
        for j, msaa in enumerate((True, False)):
            if (s, msaa) not in data:
                continue
            med, p95 = data[(s, msaa)]
            y = y0 + j * bar
            o.append(f'<rect x="{ml}" y="{y}" width="{x(med) - ml:.1f}" height="{bar - 2}" fill="{COLOURS[msaa]}"/>')
            o.append(f'<line x1="{x(p95):.1f}" y1="{y}" x2="{x(p95):.1f}" y2="{y + bar - 2}" stroke="#333" stroke-width="1.5"/>')
            o.append(f'<text x="{x(max(med, p95)) + 4:.1f}" y="{y + bar - 3}" font-size="10" fill="#333">{med:.1f}</text>')
    tx = x(TARGET_MS)
    o.append(f'<line x1="{tx:.1f}" y1="{mt - 8}" x2="{tx:.1f}" y2="{h - mb}" stroke="#c0392b" stroke-width="1.5" '
             'stroke-dasharray="6,4"/>')
    o.append(f'<text x="{tx + 4:.1f}" y="{mt - 12}" fill="#c0392b">16.7 ms (60 fps)</text>')
    ly = h - 18
    o.append(f'<rect x="{ml}" y="{ly - 10}" width="12" height="10" fill="{COLOURS[True]}"/>')
    o.append(f'<text x="{ml + 16}" y="{ly}">{samples}× MSAA</text>')
    o.append(f'<rect x="{ml + 110}" y="{ly - 10}" width="12" height="10" fill="{COLOURS[False]}"/>')
    o.append(f'<text x="{ml + 126}" y="{ly}">no MSAA</text>')
    o.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(o) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
