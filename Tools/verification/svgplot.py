"""Shared SVG line-plot helpers for the verification plots (plain python3, no plotting library)."""
import csv
import math

W, H = 720, 420
ML, MR, MT, MB = 80, 170, 40, 56


def read_csv(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return {k: [float(r[k]) for r in rows] for k in rows[0].keys()}


def nice_ticks(lo, hi, n=6):
    if hi <= lo:
        hi = lo + 1
    span = hi - lo
    step = 10 ** math.floor(math.log10(span / n))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    t = math.ceil(lo / step) * step
    out = []
    while t <= hi + 1e-12 * span:
        out.append(t)
        t += step
    return out


def fmt(v):
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e4 or a < 1e-3:
        return "%.0e" % v
    return ("%.3f" % v).rstrip("0").rstrip(".")


def svg_plot(path, title, xlabel, ylabel, series, logy=False, hlines=(), ylim=None):
    """series: list of (label, xs, ys, color, dash); hlines: list of (y, label, color)."""
    pw, ph = W - ML - MR, H - MT - MB
    xs_all = [x for s in series for x in s[1]]
    ys_all = [y for s in series for y in s[2]] + [h[0] for h in hlines]
    if logy:
        ys_all = [y for y in ys_all if y > 0]
    x0, x1 = min(xs_all), max(xs_all)
    if ylim:
        y0, y1 = ylim
    else:
        y0, y1 = min(ys_all), max(ys_all)
    if logy:
        y0, y1 = math.floor(math.log10(y0)), math.ceil(math.log10(y1))
        if y1 == y0:
            y1 += 1
    else:
        pad = 0.05 * (y1 - y0 if y1 > y0 else 1)
        y0, y1 = y0 - pad, y1 + pad

    def X(x):
        return ML + (x - x0) / (x1 - x0 if x1 > x0 else 1) * pw

    def Y(y):
        if logy:
            y = math.log10(max(y, 10 ** y0))
        return MT + ph - (y - y0) / (y1 - y0) * ph

    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
         'font-family="sans-serif" font-size="12">' % (W, H, W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>' % (ML, title)]
    # grid + ticks
    for t in nice_ticks(x0, x1):
        o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e4e4e4"/>' % (X(t), MT, X(t), MT + ph))
        o.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (X(t), MT + ph + 16, fmt(t)))
    yt = [10 ** e for e in range(int(y0), int(y1) + 1)] if logy else nice_ticks(y0, y1)
    for t in yt:
        o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e4e4e4"/>' % (ML, Y(t), ML + pw, Y(t)))
        o.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (ML - 6, Y(t) + 4, fmt(t)))
    o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>' % (ML, MT, pw, ph))
    o.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (ML + pw / 2, H - 12, xlabel))
    o.append('<text transform="translate(18,%.1f) rotate(-90)" text-anchor="middle">%s</text>' % (MT + ph / 2, ylabel))
    for (yv, lab, col) in hlines:
        o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-dasharray="2,3"/>' % (ML, Y(yv), ML + pw, Y(yv), col))
        o.append('<text x="%d" y="%.1f" fill="%s" text-anchor="end">%s</text>' % (ML + pw - 4, Y(yv) - 3, col, lab))
    ly = MT + 10
    for (lab, xs, ys, col, dash) in series:
        pts = " ".join("%.2f,%.2f" % (X(x), Y(y)) for x, y in zip(xs, ys) if (y > 0 or not logy))
        da = ' stroke-dasharray="%s"' % dash if dash else ""
        o.append('<polyline fill="none" stroke="%s" stroke-width="1.8"%s points="%s"/>' % (col, da, pts))
        o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>' % (ML + pw + 6, ly, ML + pw + 30, ly, col, da))
        o.append('<text x="%d" y="%d">%s</text>' % (ML + pw + 34, ly + 4, lab))
        ly += 18
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")
    print("wrote", path)
