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
        /// The line at pixel column `px`, from `top` to `bottom`, with its tooltip.
        func draw(at px: Double, top: Double, bottom: Double, into m: inout Markup) {
            let x = SVGPlot.c(px)
            var a: Markup.Attributes = [("class", cssClass)]
            a.append(contentsOf: attributes)
            a.append(contentsOf: [("x1", x), ("y1", SVGPlot.c(top)), ("x2", x), ("y2", SVGPlot.c(bottom)),
                                  ("stroke", color), ("stroke-width", Fmt.number(width))])
            if let d = dash { a.append(("stroke-dasharray", d)) }
            m.open("line", a)
            m.element("title", [], tooltip)
            m.close()
        }

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
            mk.draw(at: xs(mk.x), top: f.plotTop, bottom: f.plotBottom, into: &m)
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
