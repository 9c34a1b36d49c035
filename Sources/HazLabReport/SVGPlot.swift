/// Small, dependency-free SVG plotting: axes with nice ticks, line series, shaded bands,
/// vertical markers, bars, histograms, horizontal stacked bars, box plots and event strips.
/// This file holds what every chart shares (palette, ticks, scales, frame, axes, legend); each
/// chart type has its own file (LineChart, Histogram, BarChart, StackedBars, BoxPlot,
/// EventStrip, RateComparisonPlot).
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
