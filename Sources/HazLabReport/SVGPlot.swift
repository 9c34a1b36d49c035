/// Small, dependency-free SVG plotting: axes with nice ticks, line series, shaded bands,
/// vertical markers, bars, histograms, horizontal stacked bars, box plots and event strips.
///
/// Output is byte-stable (fixed number formatting, attributes in a fixed order, no ids from
/// counters or clocks) and XML-well-formed, so it can be inlined into XHTML-compatible HTML or
/// saved as a standalone `.svg`. Every chart root carries its geometry as data attributes
/// (`data-plot="left top right bottom"`, `data-x-domain="lo hi"`, `data-y-domain="lo hi"`)
/// so tests and tools can map pixels back to values.
public enum SVGPlot {
    /// Font stack with CJK fonts, so Chinese labels render wherever the SVG is opened.
    public static let fontFamily = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', 'PingFang SC', 'Heiti SC', sans-serif"

    /// Categorical colours (colour-blind-friendly where possible).
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#e377c2", "#7f7f7f"]

    public static let axisColor = "#444444"
    public static let gridColor = "#e6e6e6"
    public static let textColor = "#222222"

    /// Rough rendered width of `s` at `fontSize` (CJK and other wide characters count as one em).
    public static func textWidth(_ s: String, fontSize: Double) -> Double {
        var w = 0.0
        for u in s.unicodeScalars { w += u.value >= 0x2E80 ? 1.0 : (u.value >= 0x80 ? 0.7 : 0.56) }
        return w * fontSize
    }
}

// MARK: - Ticks and scales

/// "Nice" axis steps: 1, 2, 2.5 or 5 times a power of ten, computed without libm.
public enum NiceTicks {
    static func powerOfTen(_ e: Int) -> Double {
        var p = 1.0
        if e >= 0 { for _ in 0..<e { p *= 10 } } else { for _ in 0..<(-e) { p /= 10 } }
        return p
    }

    /// The exponent of the largest power of ten ≤ x (x > 0).
    static func exponent(_ x: Double) -> Int {
        var e = 0
        var p = 1.0
        while p * 10 <= x && e < 300 { p *= 10; e += 1 }
        while p > x && e > -300 { p /= 10; e -= 1 }
        return e
    }

    /// A nice step giving at most about `target` intervals over `span`.
    public static func step(span: Double, target: Int = 6, minStep: Double = 0) -> Double {
        guard span.isFinite, span > 0 else { return Swift.max(1, minStep) }
        let raw = span / Double(Swift.max(1, target))
        let e = exponent(raw)
        let base = powerOfTen(e)
        var step = base * 10
        for m in [1.0, 2.0, 2.5, 5.0, 10.0] where base * m >= raw * (1 - 1e-9) {
            step = base * m
            break
        }
        return Swift.max(step, minStep)
    }

    /// Multiples of `step` within [lo, hi] (inclusive, with a little tolerance).
    public static func values(_ lo: Double, _ hi: Double, step: Double) -> [Double] {
        guard step > 0, lo.isFinite, hi.isFinite, hi >= lo else { return [] }
        let eps = step * 1e-7
        let first = ((lo - eps) / step).rounded(.up)
        let last = ((hi + eps) / step).rounded(.down)
        guard last - first < 1000 else { return [] }
        var out: [Double] = []
        var i = first
        while i <= last { out.append(i * step == 0 ? 0 : i * step); i += 1 }
        return out
    }

    /// [lo, hi] widened to multiples of a nice step; a degenerate range is opened up around its value.
    public static func domain(_ lo: Double, _ hi: Double, target: Int = 6, minStep: Double = 0) -> (lo: Double, hi: Double, step: Double) {
        var lo = lo, hi = hi
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi < lo { swap(&lo, &hi) }
        if hi == lo {
            let pad = lo == 0 ? 1 : Swift.abs(lo) * 0.1
            lo -= pad; hi += pad
        }
        let s = step(span: hi - lo, target: target, minStep: minStep)
        let nlo = (lo / s).rounded(.down) * s
        let nhi = (hi / s).rounded(.up) * s
        return (nlo == 0 ? 0 : nlo, nhi == 0 ? 0 : nhi, s)
    }

    /// Decimals needed to write multiples of `step` exactly (0...6).
    public static func decimals(for step: Double) -> Int {
        var d = 0
        var scaled = step
        while d < 6 && Swift.abs(scaled - scaled.rounded()) > 1e-6 * Swift.max(1, Swift.abs(scaled)) {
            scaled *= 10; d += 1
        }
        return d
    }

    public static func label(_ v: Double, step: Double) -> String { Fmt.fixed(v, decimals(for: step)) }
}

/// Maps a domain linearly onto a pixel range.
public struct LinearScale: Sendable {
    public var lo: Double, hi: Double
    public var from: Double, to: Double
    public init(domain lo: Double, _ hi: Double, range from: Double, _ to: Double) {
        self.lo = lo; self.hi = hi; self.from = from; self.to = to
    }
    public func callAsFunction(_ x: Double) -> Double {
        hi == lo ? from : from + (x - lo) / (hi - lo) * (to - from)
    }
    /// The mapped value, clamped to the range.
    public func clamped(_ x: Double) -> Double {
        let v = self(x)
        let a = Swift.min(from, to), b = Swift.max(from, to)
        return Swift.min(b, Swift.max(a, v))
    }
}

/// Pixel layout of a chart: outer size and the plot area inside the margins.
public struct PlotFrame: Sendable {
    public var width: Double, height: Double
    public var left: Double, right: Double, top: Double, bottom: Double
    public init(width: Double, height: Double, left: Double = 64, right: Double = 16, top: Double = 36, bottom: Double = 40) {
        self.width = width; self.height = height; self.left = left; self.right = right; self.top = top; self.bottom = bottom
    }
    public var plotLeft: Double { left }
    public var plotRight: Double { width - right }
    public var plotTop: Double { top }
    public var plotBottom: Double { height - bottom }
    public var plotWidth: Double { plotRight - plotLeft }
    public var plotHeight: Double { plotBottom - plotTop }
}

// MARK: - Shared drawing

extension SVGPlot {
    static func c(_ x: Double) -> String { Fmt.coord(x) }

    /// Opens the root `<svg>` element with its geometry attributes.
    static func open(_ m: inout Markup, frame f: PlotFrame, cssClass: String, label: String,
                     xDomain: (Double, Double)?, yDomain: (Double, Double)?, extra: Markup.Attributes) {
        var attrs: Markup.Attributes = [
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("class", cssClass),
            ("width", c(f.width)), ("height", c(f.height)),
            ("viewBox", "0 0 \(c(f.width)) \(c(f.height))"),
            ("role", "img"), ("aria-label", label),
            ("font-family", fontFamily), ("font-size", "12"),
            ("data-plot", "\(c(f.plotLeft)) \(c(f.plotTop)) \(c(f.plotRight)) \(c(f.plotBottom))"),
        ]
        if let x = xDomain { attrs.append(("data-x-domain", "\(Fmt.number(x.0, maxDigits: 6)) \(Fmt.number(x.1, maxDigits: 6))")) }
        if let y = yDomain { attrs.append(("data-y-domain", "\(Fmt.number(y.0, maxDigits: 6)) \(Fmt.number(y.1, maxDigits: 6))")) }
        attrs.append(contentsOf: extra)
        m.open("svg", attrs)
        m.element("title", [], label)
        m.leaf("rect", [("x", "0"), ("y", "0"), ("width", c(f.width)), ("height", c(f.height)), ("fill", "#ffffff")])
    }

    static func title(_ m: inout Markup, _ text: String, frame f: PlotFrame) {
        guard !text.isEmpty else { return }
        m.element("text", [("class", "chart-title"), ("x", c(f.plotLeft)), ("y", "18"), ("font-size", "14"),
                           ("font-weight", "bold"), ("fill", textColor)], text)
    }

    /// Grid lines, tick labels and axis titles for a numeric x and y axis.
    static func axes(_ m: inout Markup, frame f: PlotFrame, x: LinearScale?, xTicks: [Double], xStep: Double,
                     y: LinearScale?, yTicks: [Double], yStep: Double, xLabel: String, yLabel: String) {
        m.open("g", [("class", "axes"), ("fill", textColor)])
        if let y {
            for t in yTicks {
                let py = c(y(t))
                m.leaf("line", [("class", "grid"), ("x1", c(f.plotLeft)), ("y1", py), ("x2", c(f.plotRight)), ("y2", py),
                                ("stroke", gridColor)])
                m.element("text", [("class", "ytick"), ("x", c(f.plotLeft - 6)), ("y", c(y(t) + 4)), ("text-anchor", "end")],
                          NiceTicks.label(t, step: yStep))
            }
        }
        if let x {
            for t in xTicks {
                let px = c(x(t))
                m.leaf("line", [("class", "grid"), ("x1", px), ("y1", c(f.plotTop)), ("x2", px), ("y2", c(f.plotBottom)),
                                ("stroke", gridColor)])
                m.element("text", [("class", "xtick"), ("x", px), ("y", c(f.plotBottom + 15)), ("text-anchor", "middle")],
                          NiceTicks.label(t, step: xStep))
            }
        }
        m.leaf("rect", [("class", "frame"), ("x", c(f.plotLeft)), ("y", c(f.plotTop)), ("width", c(f.plotWidth)),
                        ("height", c(f.plotHeight)), ("fill", "none"), ("stroke", axisColor)])
        if !xLabel.isEmpty {
            m.element("text", [("class", "xlabel"), ("x", c(f.plotLeft + f.plotWidth / 2)), ("y", c(f.height - 6)),
                               ("text-anchor", "middle")], xLabel)
        }
        if !yLabel.isEmpty {
            let widest = yTicks.map { textWidth(NiceTicks.label($0, step: yStep), fontSize: 12) }.max() ?? 0
            let cx = Swift.max(14, f.plotLeft - 6 - widest - 12), cy = f.plotTop + f.plotHeight / 2
            m.element("text", [("class", "ylabel"), ("x", c(cx)), ("y", c(cy)), ("text-anchor", "middle"),
                               ("transform", "rotate(-90 \(c(cx)) \(c(cy)))")], yLabel)
        }
        m.close()
    }

    public enum Swatch: Sendable { case line(dash: String?), rect(opacity: Double), dot, square, cross, triangle, diamond, bar }

    public struct LegendItem: Sendable {
        public var label: String
        public var color: String
        public var swatch: Swatch
        public init(_ label: String, color: String, swatch: Swatch) { self.label = label; self.color = color; self.swatch = swatch }
    }

    static let legendTop = 26.0, legendRow = 15.0

    /// Positions of legend items on rows under the title, left-aligned with the plot.
    static func legendLayout(_ items: [LegendItem], frame f: PlotFrame) -> (positions: [(x: Double, row: Int)], rows: Int) {
        var out: [(Double, Int)] = []
        var x = f.plotLeft, row = 0
        for item in items {
            let w = 26 + textWidth(item.label, fontSize: 11) + 12
            if x + w > f.width - 4 && x > f.plotLeft { x = f.plotLeft; row += 1 }
            out.append((x, row))
            x += w
        }
        return (out, items.isEmpty ? 0 : row + 1)
    }

    /// The frame with its top margin grown to fit the legend rows (the plot keeps its height).
    static func fitLegend(_ items: [LegendItem], frame: PlotFrame) -> PlotFrame {
        var f = frame
        let rows = legendLayout(items, frame: f).rows
        let need = legendTop + Double(rows) * legendRow + 6
        if need > f.top { f.height += need - f.top; f.top = need }
        return f
    }

    /// The legend, on rows between the title and the plot (see `fitLegend`).
    static func legend(_ m: inout Markup, _ items: [LegendItem], frame f: PlotFrame) {
        guard !items.isEmpty else { return }
        let layout = legendLayout(items, frame: f).positions
        m.open("g", [("class", "legend"), ("font-size", "11"), ("fill", textColor)])
        for (i, item) in items.enumerated() {
            let x = layout[i].x, mid = legendTop + Double(layout[i].row) * legendRow + 6
            let cx = x + 10
            switch item.swatch {
            case .line(let dash):
                var a: Markup.Attributes = [("x1", c(x)), ("y1", c(mid)), ("x2", c(x + 20)), ("y2", c(mid)),
                                            ("stroke", item.color), ("stroke-width", "2")]
                if let dash { a.append(("stroke-dasharray", dash)) }
                m.leaf("line", a)
            case .rect(let opacity):
                m.leaf("rect", [("x", c(x)), ("y", c(mid - 5)), ("width", "20"), ("height", "10"), ("fill", item.color),
                                ("fill-opacity", Fmt.number(opacity)), ("stroke", item.color)])
            case .dot:
                m.leaf("circle", [("cx", c(cx)), ("cy", c(mid)), ("r", "4"), ("fill", item.color)])
            case .square:
                m.leaf("rect", [("x", c(cx - 4)), ("y", c(mid - 4)), ("width", "8"), ("height", "8"), ("fill", item.color)])
            case .cross:
                m.leaf("path", [("d", "M\(c(cx - 4)),\(c(mid - 4))L\(c(cx + 4)),\(c(mid + 4))M\(c(cx - 4)),\(c(mid + 4))L\(c(cx + 4)),\(c(mid - 4))"),
                                ("stroke", item.color), ("stroke-width", "2"), ("fill", "none")])
            case .triangle:
                m.leaf("path", [("d", "M\(c(cx)),\(c(mid - 5))L\(c(cx + 5)),\(c(mid + 4))L\(c(cx - 5)),\(c(mid + 4))Z"), ("fill", item.color)])
            case .diamond:
                m.leaf("path", [("d", "M\(c(cx)),\(c(mid - 5))L\(c(cx + 5)),\(c(mid))L\(c(cx)),\(c(mid + 5))L\(c(cx - 5)),\(c(mid))Z"), ("fill", item.color)])
            case .bar:
                m.leaf("rect", [("x", c(cx - 1.5)), ("y", c(mid - 6)), ("width", "3"), ("height", "12"), ("fill", item.color)])
            }
            m.element("text", [("x", c(x + 24)), ("y", c(mid + 4))], item.label)
        }
        m.close()
    }
}

// MARK: - Line chart

/// Time series on a numeric x axis, with shaded bands and vertical markers.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var id: String
        public var name: String
        public var color: String
        public var xs: [Double]
        public var ys: [Double]
        public var dash: String?
        /// A dot on every point: for sparse series, where a single point would draw no line.
        public var dots: Bool
        public init(id: String, name: String, color: String, xs: [Double], ys: [Double], dash: String? = nil, dots: Bool = false) {
            self.id = id; self.name = name; self.color = color; self.xs = xs; self.ys = ys; self.dash = dash; self.dots = dots
        }
    }

    /// A shaded rectangle: a band of acceptable values over a phase.
    public struct Band: Sendable {
        public var id: String
        public var name: String
        public var x0: Double, x1: Double, y0: Double, y1: Double
        public var color: String
        public var opacity: Double
        public init(id: String, name: String, x0: Double, x1: Double, y0: Double, y1: Double, color: String = "#2ca02c", opacity: Double = 0.14) {
            self.id = id; self.name = name; self.x0 = x0; self.x1 = x1; self.y0 = y0; self.y1 = y1
            self.color = color; self.opacity = opacity
        }
    }

    /// A vertical line at `x` (an event) with a tooltip.
    public struct Marker: Sendable {
        public var x: Double
        public var color: String
        public var dash: String?
        public var width: Double
        public var tooltip: String
        public var cssClass: String
        public var attributes: Markup.Attributes
        public init(x: Double, color: String, dash: String? = nil, width: Double = 1.5, tooltip: String, cssClass: String,
                    attributes: Markup.Attributes = []) {
            self.x = x; self.color = color; self.dash = dash; self.width = width; self.tooltip = tooltip
            self.cssClass = cssClass; self.attributes = attributes
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var frame: PlotFrame
    /// The x domain exactly (not widened), so the data reach both edges.
    public var xDomain: (Double, Double)
    /// Fixed y domain; nil: from the data and bands, widened to nice ticks.
    public var yDomain: (Double, Double)?
    public var series: [Series] = []
    public var bands: [Band] = []
    public var markers: [Marker] = []
    public var extraLegend: [SVGPlot.LegendItem] = []
    public var cssClass = "chart line-chart"
    public var attributes: Markup.Attributes = []
    /// Smallest x tick step (1 for counts such as "attempt 1, 2, 3").
    public var xMinStep = 0.0

    public init(title: String, xLabel: String, yLabel: String, xDomain: (Double, Double),
                frame: PlotFrame = PlotFrame(width: 900, height: 300)) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.xDomain = xDomain; self.frame = frame
    }

    /// The y range the data and the bands need. A band edge far outside the data (more than the
    /// data's own span away) does not stretch the axis; its rectangle is clipped instead.
    func autoY() -> (Double, Double) {
        var lo = Double.infinity, hi = -Double.infinity
        for s in series { for y in s.ys where y.isFinite { lo = Swift.min(lo, y); hi = Swift.max(hi, y) } }
        if lo > hi {
            for b in bands where b.y0.isFinite && b.y1.isFinite { lo = Swift.min(lo, b.y0); hi = Swift.max(hi, b.y1) }
            return lo > hi ? (0, 1) : (lo, hi)
        }
        let span = Swift.max(hi - lo, Swift.abs(hi) * 0.05, 1e-9)
        for b in bands {
            for e in [b.y0, b.y1] where e.isFinite && e >= lo - span && e <= hi + span {
                lo = Swift.min(lo, e); hi = Swift.max(hi, e)
            }
        }
        // A little headroom so lines and band edges do not sit on the frame (0 stays the floor).
        let pad = (hi - lo) * 0.03
        hi += pad
        lo = lo >= 0 && lo - pad < 0 ? 0 : lo - pad
        return (lo, hi)
    }

    public func svg() -> String {
        var legend = series.map { SVGPlot.LegendItem($0.name, color: $0.color, swatch: .line(dash: $0.dash)) }
        for b in bands { legend.append(SVGPlot.LegendItem(b.name, color: b.color, swatch: .rect(opacity: Swift.max(b.opacity, 0.14)))) }
        legend.append(contentsOf: extraLegend)
        let f = SVGPlot.fitLegend(legend, frame: frame)
        let yRange: (lo: Double, hi: Double, step: Double)
        if let d = yDomain {
            yRange = (d.0, d.1, NiceTicks.step(span: d.1 - d.0, target: 5))
        } else {
            let (lo, hi) = autoY()
            yRange = NiceTicks.domain(lo, hi, target: 5)
        }
        var x0 = xDomain.0, x1 = xDomain.1
        if !(x1 > x0) { x1 = x0 + 1 }
        if !x0.isFinite || !x1.isFinite { x0 = 0; x1 = 1 }
        let xs = LinearScale(domain: x0, x1, range: f.plotLeft, f.plotRight)
        let ys = LinearScale(domain: yRange.lo, yRange.hi, range: f.plotBottom, f.plotTop)
        let xStep = NiceTicks.step(span: x1 - x0, target: 10, minStep: xMinStep)
        var m = Markup()
        SVGPlot.open(&m, frame: f, cssClass: cssClass, label: title, xDomain: (x0, x1), yDomain: (yRange.lo, yRange.hi), extra: attributes)
        SVGPlot.title(&m, title, frame: f)
        SVGPlot.axes(&m, frame: f, x: xs, xTicks: NiceTicks.values(x0, x1, step: xStep), xStep: xStep,
                     y: ys, yTicks: NiceTicks.values(yRange.lo, yRange.hi, step: yRange.step), yStep: yRange.step,
                     xLabel: xLabel, yLabel: yLabel)
        let c = SVGPlot.c
        for b in bands {
            let left = xs.clamped(b.x0), right = xs.clamped(b.x1)
            let top = ys.clamped(b.y1), bottom = ys.clamped(b.y0)
            m.open("rect", [("class", "band"), ("data-band", b.id), ("data-low", Fmt.number(b.y0, maxDigits: 6)),
                            ("data-high", Fmt.number(b.y1, maxDigits: 6)),
                            ("x", c(left)), ("y", c(top)), ("width", c(Swift.max(0, right - left))),
                            ("height", c(Swift.max(0, bottom - top))), ("fill", b.color), ("fill-opacity", Fmt.number(b.opacity)),
                            ("stroke", b.color), ("stroke-opacity", "0.5"), ("stroke-dasharray", "4 3")])
            m.element("title", [], b.name)
            m.close()
        }
        for mk in markers {
            guard mk.x.isFinite, mk.x >= x0, mk.x <= x1 else { continue }
            let px = c(xs(mk.x))
            var a: Markup.Attributes = [("class", mk.cssClass)]
            a.append(contentsOf: mk.attributes)
            a.append(contentsOf: [("x1", px), ("y1", c(f.plotTop)), ("x2", px), ("y2", c(f.plotBottom)),
                                  ("stroke", mk.color), ("stroke-width", Fmt.number(mk.width))])
            if let d = mk.dash { a.append(("stroke-dasharray", d)) }
            m.open("line", a)
            m.element("title", [], mk.tooltip)
            m.close()
        }
        m.open("g", [("class", "series-group"), ("fill", "none"), ("stroke-width", "1.6"), ("stroke-linejoin", "round")])
        for s in series {
            for segment in Self.segments(s.xs, s.ys) {
                var pts = ""
                pts.reserveCapacity(segment.count * 14)
                for (i, k) in segment.enumerated() {
                    if i > 0 { pts += " " }
                    pts += c(xs(s.xs[k])) + "," + c(ys.clamped(s.ys[k]))
                }
                var a: Markup.Attributes = [("class", "series"), ("data-series", s.id), ("stroke", s.color), ("points", pts)]
                if let d = s.dash { a.append(("stroke-dasharray", d)) }
                m.open("polyline", a)
                m.element("title", [], s.name)
                m.close()
                guard s.dots else { continue }
                for k in segment {
                    m.open("circle", [("class", "point"), ("data-series", s.id), ("cx", c(xs(s.xs[k]))), ("cy", c(ys.clamped(s.ys[k]))),
                                      ("r", "4"), ("fill", s.color), ("stroke", "#ffffff"), ("stroke-width", "1")])
                    m.element("title", [], s.name + ": " + Fmt.number(s.ys[k], maxDigits: 2))
                    m.close()
                }
            }
        }
        m.close()
        SVGPlot.legend(&m, legend, frame: f)
        m.close()
        return m.text
    }

    /// Index runs of finite points.
    static func segments(_ xs: [Double], _ ys: [Double]) -> [[Int]] {
        var out: [[Int]] = []
        var cur: [Int] = []
        for i in 0..<Swift.min(xs.count, ys.count) {
            if xs[i].isFinite && ys[i].isFinite { cur.append(i) } else if !cur.isEmpty { out.append(cur); cur = [] }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }
}

/// Keeps at most about `maxPoints` points of a long series: the first and last points, then the
/// minimum and maximum of each bucket in time order, so spikes survive downsampling.
public enum Downsample {
    public static func minMax(xs: [Double], ys: [Double], maxPoints: Int = 600) -> (xs: [Double], ys: [Double]) {
        let n = Swift.min(xs.count, ys.count)
        guard n > maxPoints, maxPoints >= 4 else { return (Array(xs.prefix(n)), Array(ys.prefix(n))) }
        let buckets = (maxPoints - 2) / 2
        var keep: [Int] = [0]
        let inner = n - 2
        for b in 0..<buckets {
            let start = 1 + b * inner / buckets, end = 1 + (b + 1) * inner / buckets
            guard end > start else { continue }
            var lo = start, hi = start
            for i in start..<end {
                // NaN never wins a comparison, so a bucket of finite values ignores it; a
                // non-finite value is kept only if the whole bucket is.
                if ys[i] < ys[lo] || !ys[lo].isFinite { lo = i }
                if ys[i] > ys[hi] || !ys[hi].isFinite { hi = i }
            }
            if lo == hi { keep.append(lo) } else { keep.append(Swift.min(lo, hi)); keep.append(Swift.max(lo, hi)) }
        }
        keep.append(n - 1)
        return (keep.map { xs[$0] }, keep.map { ys[$0] })
    }
}

// MARK: - Bars and histograms

/// Vertical bars over numeric bins (a histogram of counts).
public struct Histogram: Sendable {
    public struct Bin: Sendable {
        public var lo: Double, hi: Double
        public var count: Int
        public init(lo: Double, hi: Double, count: Int) { self.lo = lo; self.hi = hi; self.count = count }
    }
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var bins: [Bin]
    public var color = "#1f77b4"
    /// Vertical reference lines (e.g. the pass score).
    public var markers: [LineChart.Marker] = []
    public var markerLegend: [SVGPlot.LegendItem] = []
    public var frame = PlotFrame(width: 560, height: 280)
    public var cssClass = "chart histogram"
    public var attributes: Markup.Attributes = []
    /// Tooltip for a bin: "lo–hi: n".
    public var binTooltip: @Sendable (Bin) -> String = { "\(Fmt.number($0.lo))–\(Fmt.number($0.hi)): \($0.count)" }

    public init(title: String, xLabel: String, yLabel: String, bins: [Bin]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.bins = bins
    }

    public func svg() -> String {
        let f = SVGPlot.fitLegend(markerLegend, frame: frame)
        let x0 = bins.first?.lo ?? 0, x1 = Swift.max(bins.last?.hi ?? 1, x0 + 1e-9)
        let maxCount = bins.map(\.count).max() ?? 0
        // Headroom for the count labels above the bars.
        let yd = NiceTicks.domain(0, Double(Swift.max(1, maxCount)) * 1.12, target: 5, minStep: 1)
        let xs = LinearScale(domain: x0, x1, range: f.plotLeft, f.plotRight)
        let ys = LinearScale(domain: 0, yd.hi, range: f.plotBottom, f.plotTop)
        let edges = bins.map(\.lo) + [x1]
        let width = bins.first.map { $0.hi - $0.lo } ?? 1
        var m = Markup()
        SVGPlot.open(&m, frame: f, cssClass: cssClass, label: title, xDomain: (x0, x1), yDomain: (0, yd.hi), extra: attributes)
        SVGPlot.title(&m, title, frame: f)
        SVGPlot.axes(&m, frame: f, x: xs, xTicks: edges, xStep: width, y: ys,
                     yTicks: NiceTicks.values(0, yd.hi, step: yd.step), yStep: yd.step, xLabel: xLabel, yLabel: yLabel)
        let c = SVGPlot.c
        m.open("g", [("class", "bars"), ("fill", color)])
        for b in bins {
            let left = xs(b.lo) + 1, right = xs(b.hi) - 1, top = ys(Double(b.count))
            m.open("rect", [("class", "bar"), ("data-lo", Fmt.number(b.lo, maxDigits: 4)), ("data-hi", Fmt.number(b.hi, maxDigits: 4)),
                            ("data-count", String(b.count)), ("x", c(left)), ("y", c(top)),
                            ("width", c(Swift.max(0, right - left))), ("height", c(Swift.max(0, f.plotBottom - top)))])
            m.element("title", [], binTooltip(b))
            m.close()
            if b.count > 0 {
                m.element("text", [("class", "bar-label"), ("x", c((left + right) / 2)), ("y", c(top - 3)),
                                   ("text-anchor", "middle"), ("fill", SVGPlot.textColor), ("font-size", "11")], String(b.count))
            }
        }
        m.close()
        for mk in markers where mk.x >= x0 && mk.x <= x1 {
            let px = c(xs(mk.x))
            var a: Markup.Attributes = [("class", mk.cssClass)]
            a.append(contentsOf: mk.attributes)
            a.append(contentsOf: [("x1", px), ("y1", c(f.plotTop)), ("x2", px), ("y2", c(f.plotBottom)),
                                  ("stroke", mk.color), ("stroke-width", Fmt.number(mk.width))])
            if let d = mk.dash { a.append(("stroke-dasharray", d)) }
            m.open("line", a)
            m.element("title", [], mk.tooltip)
            m.close()
        }
        SVGPlot.legend(&m, markerLegend, frame: f)
        m.close()
        return m.text
    }
}

/// Vertical bars for categories (e.g. the grade distribution).
public struct BarChart: Sendable {
    public struct Bar: Sendable {
        public var id: String
        public var label: String
        public var value: Double
        public var color: String
        public var valueLabel: String
        public init(id: String, label: String, value: Double, color: String, valueLabel: String) {
            self.id = id; self.label = label; self.value = value; self.color = color; self.valueLabel = valueLabel
        }
    }
    public var title: String
    public var yLabel: String
    public var bars: [Bar]
    public var frame = PlotFrame(width: 340, height: 280, top: 32)
    public var cssClass = "chart bar-chart"
    public var integerValues = true

    public init(title: String, yLabel: String, bars: [Bar]) { self.title = title; self.yLabel = yLabel; self.bars = bars }

    public func svg() -> String {
        let f = frame
        let maxValue = bars.map(\.value).max() ?? 0
        let yd = NiceTicks.domain(0, Swift.max(integerValues ? 1 : 1e-9, maxValue) * 1.12, target: 5, minStep: integerValues ? 1 : 0)
        let ys = LinearScale(domain: 0, yd.hi, range: f.plotBottom, f.plotTop)
        var m = Markup()
        SVGPlot.open(&m, frame: f, cssClass: cssClass, label: title, xDomain: nil, yDomain: (0, yd.hi), extra: [])
        SVGPlot.title(&m, title, frame: f)
        SVGPlot.axes(&m, frame: f, x: nil, xTicks: [], xStep: 1, y: ys, yTicks: NiceTicks.values(0, yd.hi, step: yd.step),
                     yStep: yd.step, xLabel: "", yLabel: yLabel)
        let c = SVGPlot.c
        let slot = f.plotWidth / Double(Swift.max(1, bars.count))
        m.open("g", [("class", "bars")])
        for (i, b) in bars.enumerated() {
            let cx = f.plotLeft + slot * (Double(i) + 0.5)
            let w = Swift.min(60, slot * 0.6)
            let top = ys(b.value)
            m.open("rect", [("class", "bar"), ("data-bar", b.id), ("data-value", Fmt.number(b.value, maxDigits: 4)),
                            ("x", c(cx - w / 2)), ("y", c(top)), ("width", c(w)), ("height", c(Swift.max(0, f.plotBottom - top))),
                            ("fill", b.color)])
            m.element("title", [], "\(b.label): \(b.valueLabel)")
            m.close()
            m.element("text", [("class", "bar-label"), ("x", c(cx)), ("y", c(top - 3)), ("text-anchor", "middle"),
                               ("fill", SVGPlot.textColor), ("font-size", "11")], b.valueLabel)
            m.element("text", [("class", "xtick"), ("x", c(cx)), ("y", c(f.plotBottom + 15)), ("text-anchor", "middle"),
                               ("fill", SVGPlot.textColor)], b.label)
        }
        m.close()
        m.close()
        return m.text
    }
}

/// Horizontal bars split into parts that sum to at most 1 (e.g. full / partial / no credit per step).
public struct StackedBars: Sendable {
    public struct Part: Sendable {
        public var id: String
        public var name: String
        public var color: String
        public init(id: String, name: String, color: String) { self.id = id; self.name = name; self.color = color }
    }
    public struct Row: Sendable {
        public var id: String
        public var label: String
        /// Fractions (0...1), one per part.
        public var fractions: [Double]
        public var tooltips: [String]
        public init(id: String, label: String, fractions: [Double], tooltips: [String]) {
            self.id = id; self.label = label; self.fractions = fractions; self.tooltips = tooltips
        }
    }
    public var title: String
    public var xLabel: String
    public var parts: [Part]
    public var rows: [Row]
    public var width = 900.0
    public var rowHeight = 24.0
    public var labelWidth = 240.0
    public var cssClass = "chart stacked-bars"

    public init(title: String, xLabel: String, parts: [Part], rows: [Row]) {
        self.title = title; self.xLabel = xLabel; self.parts = parts; self.rows = rows
    }

    public func svg() -> String {
        let legend = parts.map { SVGPlot.LegendItem($0.name, color: $0.color, swatch: .rect(opacity: 1)) }
        let f = SVGPlot.fitLegend(legend, frame: PlotFrame(width: width, height: 30 + Double(Swift.max(1, rows.count)) * rowHeight + 40,
                                                           left: labelWidth, right: 24, top: 30, bottom: 40))
        let xs = LinearScale(domain: 0, 100, range: f.plotLeft, f.plotRight)
        var m = Markup()
        SVGPlot.open(&m, frame: f, cssClass: cssClass, label: title, xDomain: (0, 100), yDomain: nil, extra: [])
        SVGPlot.title(&m, title, frame: f)
        SVGPlot.axes(&m, frame: f, x: xs, xTicks: NiceTicks.values(0, 100, step: 20), xStep: 20, y: nil, yTicks: [], yStep: 1,
                     xLabel: xLabel, yLabel: "")
        let c = SVGPlot.c
        for (r, row) in rows.enumerated() {
            let top = f.plotTop + Double(r) * rowHeight + 4, h = rowHeight - 8
            m.open("g", [("class", "row"), ("data-row", row.id)])
            m.element("text", [("class", "ytick"), ("x", c(f.plotLeft - 6)), ("y", c(top + h / 2 + 4)), ("text-anchor", "end"),
                               ("fill", SVGPlot.textColor)], SVGPlot.clip(row.label, width: labelWidth - 12, fontSize: 12))
            var acc = 0.0
            for (p, part) in parts.enumerated() where p < row.fractions.count {
                let frac = Swift.max(0, row.fractions[p])
                let left = xs(acc * 100), right = xs(Swift.min(1, acc + frac) * 100)
                acc += frac
                guard frac > 0 else { continue }
                m.open("rect", [("class", "segment"), ("data-part", part.id), ("data-fraction", Fmt.number(frac, maxDigits: 4)),
                                ("x", c(left)), ("y", c(top)), ("width", c(Swift.max(0, right - left))), ("height", c(h)),
                                ("fill", part.color)])
                m.element("title", [], p < row.tooltips.count ? row.tooltips[p] : part.name)
                m.close()
                if right - left > 34 {
                    m.element("text", [("x", c((left + right) / 2)), ("y", c(top + h / 2 + 4)), ("text-anchor", "middle"),
                                       ("fill", "#ffffff"), ("font-size", "11")], Fmt.percent(frac, digits: 0))
                }
            }
            m.close()
        }
        SVGPlot.legend(&m, legend, frame: f)
        m.close()
        return m.text
    }
}

extension SVGPlot {
    /// Shortens `s` with an ellipsis to fit about `width` pixels.
    public static func clip(_ s: String, width: Double, fontSize: Double) -> String {
        guard textWidth(s, fontSize: fontSize) > width else { return s }
        var out = ""
        for ch in s {
            if textWidth(out + String(ch) + "…", fontSize: fontSize) > width { break }
            out.append(ch)
        }
        return out + "…"
    }
}

// MARK: - Box plots

/// Quartiles by linear interpolation between order statistics (type 7, as R and NumPy).
public enum Quantile {
    public static func of(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let h = Double(sorted.count - 1) * p
        let i = Int(h.rounded(.down))
        if i + 1 >= sorted.count { return sorted[sorted.count - 1] }
        return sorted[i] + (h - Double(i)) * (sorted[i + 1] - sorted[i])
    }
}

/// Horizontal box plots, one row per group, with every value drawn as a dot and an optional
/// reference value per row (e.g. the expected time).
public struct BoxPlot: Sendable {
    public struct Row: Sendable {
        public var id: String
        public var label: String
        public var values: [Double]
        public var reference: Double?
        /// Extra attributes of the row's group (e.g. `data-expected`).
        public var attributes: Markup.Attributes = []
        /// Tooltips of the value dots, by value index (none where missing).
        public var valueTitles: [String] = []
        public init(id: String, label: String, values: [Double], reference: Double?,
                    attributes: Markup.Attributes = [], valueTitles: [String] = []) {
            self.id = id; self.label = label; self.values = values; self.reference = reference
            self.attributes = attributes; self.valueTitles = valueTitles
        }
    }
    public var title: String
    public var xLabel: String
    public var rows: [Row]
    public var referenceName: String
    public var valuesName: String
    public var width = 900.0
    public var rowHeight = 30.0
    public var labelWidth = 240.0
    public var cssClass = "chart box-plot"
    /// The x axis ends here at most; larger values are drawn at the right edge (class `clipped`).
    public var xCap: Double?

    public init(title: String, xLabel: String, rows: [Row], referenceName: String, valuesName: String) {
        self.title = title; self.xLabel = xLabel; self.rows = rows; self.referenceName = referenceName; self.valuesName = valuesName
    }

    public struct Summary: Sendable, Equatable {
        public var n: Int
        public var min: Double, q1: Double, median: Double, q3: Double, max: Double
        public var whiskerLow: Double, whiskerHigh: Double
    }

    public static func summary(_ values: [Double]) -> Summary? {
        let v = values.filter(\.isFinite).sorted()
        guard !v.isEmpty else { return nil }
        let q1 = Quantile.of(v, 0.25), q3 = Quantile.of(v, 0.75)
        let iqr = q3 - q1
        let lo = v.first { $0 >= q1 - 1.5 * iqr } ?? v[0]
        let hi = v.last { $0 <= q3 + 1.5 * iqr } ?? v[v.count - 1]
        return Summary(n: v.count, min: v[0], q1: q1, median: Quantile.of(v, 0.5), q3: q3, max: v[v.count - 1],
                       whiskerLow: lo, whiskerHigh: hi)
    }

    public func svg() -> String {
        let refColor = "#d62728"
        let legend = [SVGPlot.LegendItem(valuesName, color: "#333333", swatch: .dot),
                      SVGPlot.LegendItem(referenceName, color: refColor, swatch: .line(dash: nil))]
        let f = SVGPlot.fitLegend(legend, frame: PlotFrame(width: width, height: 30 + Double(Swift.max(1, rows.count)) * rowHeight + 40,
                                                           left: labelWidth, right: 24, top: 30, bottom: 40))
        var hi = 0.0
        for r in rows {
            for v in r.values where v.isFinite { hi = Swift.max(hi, v) }
            if let ref = r.reference, ref.isFinite { hi = Swift.max(hi, ref) }
        }
        if let cap = xCap, cap > 0 { hi = Swift.min(hi, cap) }
        let xd = NiceTicks.domain(0, Swift.max(hi, 1), target: 8)
        let xs = LinearScale(domain: 0, xd.hi, range: f.plotLeft, f.plotRight)
        var m = Markup()
        SVGPlot.open(&m, frame: f, cssClass: cssClass, label: title, xDomain: (0, xd.hi), yDomain: nil, extra: [])
        SVGPlot.title(&m, title, frame: f)
        SVGPlot.axes(&m, frame: f, x: xs, xTicks: NiceTicks.values(0, xd.hi, step: xd.step), xStep: xd.step, y: nil, yTicks: [],
                     yStep: 1, xLabel: xLabel, yLabel: "")
        let c = SVGPlot.c
        let boxColor = "#1f77b4"
        for (r, row) in rows.enumerated() {
            let top = f.plotTop + Double(r) * rowHeight, mid = top + rowHeight / 2
            var a: Markup.Attributes = [("class", "row"), ("data-row", row.id), ("data-n", String(row.values.count))]
            let s = Self.summary(row.values)
            if let s { a.append(("data-median", Fmt.number(s.median, maxDigits: 4))) }
            if let ref = row.reference { a.append(("data-reference", Fmt.number(ref, maxDigits: 4))) }
            a.append(contentsOf: row.attributes)
            m.open("g", a)
            if r % 2 == 1 {
                m.leaf("rect", [("x", c(f.plotLeft)), ("y", c(top)), ("width", c(f.plotWidth)), ("height", c(rowHeight)),
                                ("fill", "#f6f6f6")])
            }
            m.element("text", [("class", "ytick"), ("x", c(f.plotLeft - 6)), ("y", c(mid + 4)), ("text-anchor", "end"),
                               ("fill", SVGPlot.textColor)], SVGPlot.clip(row.label, width: labelWidth - 12, fontSize: 12))
            if let s {
                let h = rowHeight * 0.5
                m.leaf("line", [("class", "whisker"), ("x1", c(xs.clamped(s.whiskerLow))), ("y1", c(mid)), ("x2", c(xs.clamped(s.whiskerHigh))),
                                ("y2", c(mid)), ("stroke", boxColor)])
                for w in [s.whiskerLow, s.whiskerHigh] {
                    m.leaf("line", [("x1", c(xs.clamped(w))), ("y1", c(mid - h / 3)), ("x2", c(xs.clamped(w))), ("y2", c(mid + h / 3)), ("stroke", boxColor)])
                }
                m.open("rect", [("class", "box"), ("x", c(xs.clamped(s.q1))), ("y", c(mid - h / 2)), ("width", c(Swift.max(1, xs.clamped(s.q3) - xs.clamped(s.q1)))),
                                ("height", c(h)), ("fill", boxColor), ("fill-opacity", "0.18"), ("stroke", boxColor)])
                m.element("title", [], "n=\(s.n)  min \(Fmt.number(s.min, maxDigits: 1))  Q1 \(Fmt.number(s.q1, maxDigits: 1))  "
                                      + "median \(Fmt.number(s.median, maxDigits: 1))  Q3 \(Fmt.number(s.q3, maxDigits: 1))  max \(Fmt.number(s.max, maxDigits: 1))")
                m.close()
                m.leaf("line", [("class", "median"), ("x1", c(xs.clamped(s.median))), ("y1", c(mid - h / 2)), ("x2", c(xs.clamped(s.median))),
                                ("y2", c(mid + h / 2)), ("stroke", boxColor), ("stroke-width", "2.5")])
            }
            // Every value as a dot, spread vertically by a fixed pattern (deterministic, no RNG).
            let offsets = [0.0, -0.18, 0.18, -0.09, 0.09, -0.27, 0.27]
            for (i, v) in row.values.enumerated() where v.isFinite {
                let clipped = v > xd.hi
                let dot: Markup.Attributes = [("class", clipped ? "value clipped" : "value"), ("cx", c(xs.clamped(v))),
                                              ("cy", c(mid + offsets[i % offsets.count] * rowHeight)),
                                              ("r", clipped ? "3.5" : "2.5"), ("fill", clipped ? "#d62728" : "#333333"), ("fill-opacity", "0.6")]
                if i < row.valueTitles.count {
                    m.open("circle", dot)
                    m.element("title", [], row.valueTitles[i])
                    m.close()
                } else {
                    m.leaf("circle", dot)
                }
            }
            if let ref = row.reference, ref.isFinite {
                let px = c(xs(ref))
                m.open("line", [("class", "reference"), ("x1", px), ("y1", c(top + 2)), ("x2", px), ("y2", c(top + rowHeight - 2)),
                                ("stroke", refColor), ("stroke-width", "2")])
                m.element("title", [], "\(referenceName): \(Fmt.number(ref, maxDigits: 1))")
                m.close()
            }
            m.close()
        }
        SVGPlot.legend(&m, legend, frame: f)
        m.close()
        return m.text
    }
}

// MARK: - Event strip

/// Lanes of events over time: points (actions, faults, deductions) and intervals (alarms).
public struct EventStrip: Sendable {
    public enum Shape: String, Sendable { case circle, cross, triangle, diamond, bar, square }
    public struct Item: Sendable {
        public var x: Double
        /// End of an interval; nil for a point.
        public var x1: Double?
        public var shape: Shape
        public var color: String
        public var tooltip: String
        public var cssClass: String
        public var attributes: Markup.Attributes
        public init(x: Double, x1: Double? = nil, shape: Shape, color: String, tooltip: String, cssClass: String,
                    attributes: Markup.Attributes = []) {
            self.x = x; self.x1 = x1; self.shape = shape; self.color = color; self.tooltip = tooltip
            self.cssClass = cssClass; self.attributes = attributes
        }
    }
    public struct Lane: Sendable {
        public var id: String
        public var label: String
        public var items: [Item]
        public init(id: String, label: String, items: [Item]) { self.id = id; self.label = label; self.items = items }
    }
    public var title: String
    public var xLabel: String
    public var xDomain: (Double, Double)
    public var lanes: [Lane]
    public var width = 900.0
    public var left = 64.0
    public var laneHeight = 26.0
    public var cssClass = "chart event-strip"
    public var legend: [SVGPlot.LegendItem] = []

    public init(title: String, xLabel: String, xDomain: (Double, Double), lanes: [Lane]) {
        self.title = title; self.xLabel = xLabel; self.xDomain = xDomain; self.lanes = lanes
    }

    public func svg() -> String {
        let f = SVGPlot.fitLegend(legend, frame: PlotFrame(width: width, height: 30 + Double(Swift.max(1, lanes.count)) * laneHeight + 40,
                                                           left: left, right: 16, top: 30, bottom: 40))
        var x0 = xDomain.0, x1 = xDomain.1
        if !(x1 > x0) { x1 = x0 + 1 }
        if !x0.isFinite || !x1.isFinite { x0 = 0; x1 = 1 }
        let xs = LinearScale(domain: x0, x1, range: f.plotLeft, f.plotRight)
        let step = NiceTicks.step(span: x1 - x0, target: 10)
        var m = Markup()
        SVGPlot.open(&m, frame: f, cssClass: cssClass, label: title, xDomain: (x0, x1), yDomain: nil, extra: [])
        SVGPlot.title(&m, title, frame: f)
        SVGPlot.axes(&m, frame: f, x: xs, xTicks: NiceTicks.values(x0, x1, step: step), xStep: step, y: nil, yTicks: [], yStep: 1,
                     xLabel: xLabel, yLabel: "")
        let c = SVGPlot.c
        for (l, lane) in lanes.enumerated() {
            let top = f.plotTop + Double(l) * laneHeight, mid = top + laneHeight / 2
            m.open("g", [("class", "lane"), ("data-lane", lane.id)])
            if l % 2 == 1 {
                m.leaf("rect", [("x", c(f.plotLeft)), ("y", c(top)), ("width", c(f.plotWidth)), ("height", c(laneHeight)), ("fill", "#f6f6f6")])
            }
            m.element("text", [("class", "ytick"), ("x", c(f.plotLeft - 6)), ("y", c(mid + 4)), ("text-anchor", "end"),
                               ("fill", SVGPlot.textColor)], SVGPlot.clip(lane.label, width: left - 10, fontSize: 12))
            for item in lane.items where item.x.isFinite {
                let px = xs.clamped(item.x)
                var a: Markup.Attributes = [("class", item.cssClass)]
                a.append(contentsOf: item.attributes)
                let r = 5.0
                let name: String
                if let e = item.x1 {
                    name = "rect"
                    let right = xs.clamped(e)
                    a.append(contentsOf: [("x", c(px)), ("y", c(mid - 6)), ("width", c(Swift.max(2, right - px))), ("height", "12"),
                                          ("fill", item.color), ("fill-opacity", "0.55")])
                } else {
                    switch item.shape {
                    case .circle:
                        name = "circle"
                        a.append(contentsOf: [("cx", c(px)), ("cy", c(mid)), ("r", "4"), ("fill", item.color)])
                    case .square:
                        name = "rect"
                        a.append(contentsOf: [("x", c(px - 4)), ("y", c(mid - 4)), ("width", "8"), ("height", "8"), ("fill", item.color)])
                    case .cross:
                        name = "path"
                        a.append(contentsOf: [("d", "M\(c(px - r)),\(c(mid - r))L\(c(px + r)),\(c(mid + r))M\(c(px - r)),\(c(mid + r))L\(c(px + r)),\(c(mid - r))"),
                                              ("stroke", item.color), ("stroke-width", "2.2"), ("fill", "none")])
                    case .triangle:
                        name = "path"
                        a.append(contentsOf: [("d", "M\(c(px)),\(c(mid - r - 1))L\(c(px + r + 1)),\(c(mid + r))L\(c(px - r - 1)),\(c(mid + r))Z"),
                                              ("fill", item.color)])
                    case .diamond:
                        name = "path"
                        a.append(contentsOf: [("d", "M\(c(px)),\(c(mid - r - 1))L\(c(px + r + 1)),\(c(mid))L\(c(px)),\(c(mid + r + 1))L\(c(px - r - 1)),\(c(mid))Z"),
                                              ("fill", item.color)])
                    case .bar:
                        name = "rect"
                        a.append(contentsOf: [("x", c(px - 1.5)), ("y", c(top + 3)), ("width", "3"), ("height", c(laneHeight - 6)), ("fill", item.color)])
                    }
                }
                m.open(name, a)
                m.element("title", [], item.tooltip)
                m.close()
            }
            m.close()
        }
        SVGPlot.legend(&m, legend, frame: f)
        m.close()
        return m.text
    }
}
