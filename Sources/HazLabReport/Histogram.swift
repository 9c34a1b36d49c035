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
            mk.draw(at: xs(mk.x), top: f.plotTop, bottom: f.plotBottom, into: &m)
        }
        SVGPlot.legend(&m, markerLegend, frame: f)
        m.close()
        return m.text
    }
}
