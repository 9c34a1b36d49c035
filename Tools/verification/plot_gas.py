#!/usr/bin/env python3
"""Verification plots for the gas dispersion kernel, as hand-written SVG (no matplotlib).

The numbers come from the Swift kernel: the XCTest suite GasDispersionTests writes CSVs when
HAZLAB_VERIFICATION_OUT is set. Usage:

    HAZLAB_VERIFICATION_OUT=/tmp/gasv swift test --scratch-path .build-gas --filter GasDispersionTests
    python3 Tools/verification/plot_gas.py /tmp/gasv Docs/verification

Writes gas_point_profile.svg, gas_peak_decay.svg, gas_refinement.svg, gas_wind_centroid.svg,
and (from GasBuoyancyTests) gas_stratification.svg, gas_purge.svg, gas_inerting.svg.
"""
import csv
import math
import os
import sys

W, H = 560, 380
ML, MR, MT, MB = 70, 20, 40, 55
COLORS = {"num": "#d62728", "ana": "#1f77b4", "ref": "#7f7f7f"}


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, data = rows[0], [[float(x) for x in r] for r in rows[1:] if r]
    return header, data


def nice_ticks(lo, hi, n=5):
    span = hi - lo
    if span <= 0:
        return [lo]
    step = 10 ** math.floor(math.log10(span / n))
    for m in (1, 2, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    t = math.ceil(lo / step) * step
    out = []
    while t <= hi + 1e-12 * span:
        out.append(round(t, 12))
        t += step
    return out


def fmt(v):
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e4 or a < 1e-2:
        return "%.0e" % v if a >= 1e4 or a < 1e-3 else "%.3f" % v
    return ("%.3f" % v).rstrip("0").rstrip(".")


class Plot:
    def __init__(self, title, xlabel, ylabel, xlog=False, ylog=False):
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.xlog, self.ylog = xlog, ylog
        self.series = []  # (kind, xs, ys, color, label)
        self.notes = []

    def line(self, xs, ys, color, label, dash=None):
        self.series.append(("line", xs, ys, color, label, dash))

    def points(self, xs, ys, color, label):
        self.series.append(("pts", xs, ys, color, label, None))

    def note(self, text):
        self.notes.append(text)

    def svg(self):
        tx = (lambda v: math.log10(v)) if self.xlog else (lambda v: v)
        ty = (lambda v: math.log10(v)) if self.ylog else (lambda v: v)
        xs = [tx(x) for s in self.series for x in s[1]]
        ys = [ty(y) for s in self.series for y in s[2]]
        x0, x1 = min(xs), max(xs)
        y0, y1 = min(ys), max(ys)
        if not self.ylog:
            y0 = min(y0, 0.0) if y0 >= 0 and y0 < 0.3 * y1 else y0
        px, py = 0.04 * (x1 - x0 or 1), 0.06 * (y1 - y0 or 1)
        x0, x1, y0, y1 = x0 - px, x1 + px, y0 - py, y1 + py
        pw, ph = W - ML - MR, H - MT - MB
        X = lambda v: ML + (tx(v) - x0) / (x1 - x0) * pw
        Y = lambda v: MT + ph - (ty(v) - y0) / (y1 - y0) * ph
        o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
             'font-family="sans-serif" font-size="12">' % (W, H, W, H),
             '<rect width="100%" height="100%" fill="white"/>',
             '<text x="%d" y="22" font-size="14" font-weight="bold">%s</text>' % (ML, self.title)]
        o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>' % (ML, MT, pw, ph))

        def ticks(lo, hi, log):
            if log:
                return [10.0 ** e for e in range(math.floor(lo), math.ceil(hi) + 1) if lo <= e <= hi] or \
                       [10 ** lo, 10 ** hi]
            return nice_ticks(lo, hi)
        for v in ticks(x0, x1, self.xlog):
            x = X(v)
            o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, MT, x, MT + ph))
            o.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x, MT + ph + 16, fmt(v)))
        for v in ticks(y0, y1, self.ylog):
            y = Y(v)
            o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (ML, y, ML + pw, y))
            o.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (ML - 5, y + 4, fmt(v)))
        o.append('<text x="%d" y="%d" text-anchor="middle">%s</text>' % (ML + pw / 2, H - 14, self.xlabel))
        o.append('<text transform="translate(16,%d) rotate(-90)" text-anchor="middle">%s</text>'
                 % (MT + ph / 2, self.ylabel))
        for kind, sx, sy, color, label, dash in self.series:
            if kind == "line":
                pts = " ".join("%.1f,%.1f" % (X(a), Y(b)) for a, b in zip(sx, sy))
                o.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="1.8"%s/>'
                         % (pts, color, ' stroke-dasharray="%s"' % dash if dash else ""))
            else:
                for a, b in zip(sx, sy):
                    o.append('<circle cx="%.1f" cy="%.1f" r="3.2" fill="none" stroke="%s" stroke-width="1.5"/>'
                             % (X(a), Y(b), color))
        ly = MT + 16
        for kind, _, _, color, label, dash in self.series:
            if kind == "line":
                o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.8"%s/>'
                         % (ML + pw - 190, ly - 4, ML + pw - 165, ly - 4, color,
                            ' stroke-dasharray="%s"' % dash if dash else ""))
            else:
                o.append('<circle cx="%d" cy="%d" r="3.2" fill="none" stroke="%s" stroke-width="1.5"/>'
                         % (ML + pw - 178, ly - 4, color))
            o.append('<text x="%d" y="%d">%s</text>' % (ML + pw - 158, ly, label))
            ly += 16
        for n in self.notes:
            o.append('<text x="%d" y="%d" fill="#333">%s</text>' % (ML + 10, ly, n))
            ly += 16
        o.append("</svg>")
        return "\n".join(o) + "\n"


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("HAZLAB_VERIFICATION_OUT", "/tmp/gasv")
    dst = sys.argv[2] if len(sys.argv) > 2 else "Docs/verification"
    os.makedirs(dst, exist_ok=True)
    out = {}

    _, d = read_csv(os.path.join(src, "gas_point_profile.csv"))
    _, summ = read_csv(os.path.join(src, "gas_point_summary.csv"))
    p = Plot("Point source, t = 1.6 s: profile along x", "x − x_source (m)", "volume fraction")
    p.line([r[0] for r in d], [r[2] for r in d], COLORS["ana"], "analytic (Crank 3.5)")
    p.points([r[0] for r in d], [r[1] for r in d], COLORS["num"], "Swift kernel")
    p.note("rel. L2 error %.2f %%, peak error %.2f %%" % (100 * summ[0][0], 100 * summ[0][1]))
    out["gas_point_profile.svg"] = p.svg()

    _, d = read_csv(os.path.join(src, "gas_peak_decay.csv"))
    p = Plot("Point source: peak decay", "t (s)", "peak volume fraction", xlog=True, ylog=True)
    p.line([r[0] for r in d], [r[2] for r in d], COLORS["ana"], "analytic")
    p.points([r[0] for r in d], [r[1] for r in d], COLORS["num"], "Swift kernel")
    t0, c0 = d[0][0], d[0][2]
    p.line([t0, d[-1][0]], [c0, c0 * (d[-1][0] / t0) ** -1.5], COLORS["ref"], "slope −3/2", dash="5,4")
    p.note("fitted slope (1.6 → 6.4 s): %.3f" % summ[0][2])
    out["gas_peak_decay.svg"] = p.svg()

    _, d = read_csv(os.path.join(src, "gas_refinement.csv"))
    p = Plot("Grid refinement (t0 = 0.9 s → 1.6 s)", "cell size h (m)", "relative L2 error", xlog=True, ylog=True)
    p.points([r[0] for r in d], [r[1] for r in d], COLORS["num"], "Swift kernel")
    p.line([r[0] for r in d], [r[1] for r in d], COLORS["num"], "")
    h0, e0 = d[0][0], d[0][1]
    p.line([h0, d[-1][0]], [e0, e0 * (d[-1][0] / h0) ** 2], COLORS["ref"], "order 2", dash="5,4")
    p.line([h0, d[-1][0]], [e0, e0 * (d[-1][0] / h0) ** 1], COLORS["ana"], "order 1", dash="2,3")
    orders = [math.log(d[i - 1][1] / d[i][1]) / math.log(d[i - 1][0] / d[i][0]) for i in range(1, len(d))]
    p.note("observed orders: " + ", ".join("%.2f" % o for o in orders))
    out["gas_refinement.svg"] = p.svg()

    _, d = read_csv(os.path.join(src, "gas_wind_centroid.csv"))
    p = Plot("Uniform wind 1 m/s: puff centroid", "t (s)", "centroid x (m)")
    p.line([r[0] for r in d], [r[2] for r in d], COLORS["ana"], "x0 + u·t")
    p.points([r[0] for r in d], [r[1] for r in d], COLORS["num"], "Swift kernel")
    p.note("max |error| %.1e m" % max(abs(r[1] - r[2]) for r in d))
    out["gas_wind_centroid.svg"] = p.svg()

    _, d = read_csv(os.path.join(src, "gas_stratification.csv"))
    _, summ = read_csv(os.path.join(src, "gas_stratification_summary.csv"))
    p = Plot("Buoyancy: CH4 released at 0.5-1 m, H2S at 2-2.5 m, closed 3 m room", "layer mean (%vol)", "height z (m)")
    z = [r[0] for r in d]
    p.line([100 * r[1] for r in d], z, "#ff9896", "CH4 at t = 0", dash="2,3")
    p.line([100 * r[2] for r in d], z, "#aec7e8", "H2S at t = 0", dash="2,3")
    p.line([100 * r[3] for r in d], z, "#ff9896", "CH4, 60 s")
    p.line([100 * r[4] for r in d], z, "#aec7e8", "H2S, 60 s")
    p.points([100 * r[5] for r in d], z, COLORS["num"], "CH4, 900 s")
    p.points([100 * r[6] for r in d], z, COLORS["ana"], "H2S, 900 s")
    p.line([0, 0, 0.2, 0.2], [0, 0.5, 0.5, 3], COLORS["num"], "filling box: CH4 above its source", dash="5,4")
    p.line([0.2, 0.2, 0, 0], [0, 2.5, 2.5, 3], COLORS["ana"], "filling box: H2S below its source", dash="5,4")
    p.note("worst relative error vs filling box %.1e; mass drift %.0e, %.0e" % (summ[0][0], summ[0][1], summ[0][2]))
    out["gas_stratification.svg"] = p.svg()

    for csvname, svgname, title, ylabel in [
            ("gas_purge", "gas_purge.svg", "Purge of a well-mixed box: C0·e^(−Q·t/V)", "H2S (ppm)"),
            ("gas_inerting", "gas_inerting.svg", "Inerting with N2: O2 = 20.9 %·e^(−q·t/V)", "O2 (%vol)")]:
        _, d = read_csv(os.path.join(src, csvname + ".csv"))
        _, summ = read_csv(os.path.join(src, csvname + "_summary.csv"))
        p = Plot(title, "t (s)", ylabel)
        p.line([r[0] for r in d], [r[2] for r in d], COLORS["ana"], "well-mixed law")
        p.points([r[0] for r in d], [r[1] for r in d], COLORS["num"], "Swift kernel")
        p.note("max relative error %.2f %%" % (100 * summ[0][0]))
        out[svgname] = p.svg()

    for name, text in out.items():
        with open(os.path.join(dst, name), "w") as f:
            f.write(text)
        print("wrote", os.path.join(dst, name))


if __name__ == "__main__":
    main()
