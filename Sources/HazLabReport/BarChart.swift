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
