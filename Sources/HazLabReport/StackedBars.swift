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
