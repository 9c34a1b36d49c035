/// Two rates per row on one 0–100 % axis, joined by a line (a dumbbell chart): e.g. a step's
/// no-credit rate last term (grey) and this term (red when higher, green when lower).
public struct RateComparisonPlot: Sendable {
    public struct Row: Sendable {
        public var id: String
        public var label: String
        public var before: Double?
        public var now: Double
        public var tooltip: String
        public init(id: String, label: String, before: Double?, now: Double, tooltip: String) {
            self.id = id; self.label = label; self.before = before; self.now = now; self.tooltip = tooltip
        }
    }
    public var title: String
    public var xLabel: String
    public var beforeName: String
    public var nowName: String
    public var rows: [Row]
    public var width = 900.0
    public var rowHeight = 24.0
    public var labelWidth = 240.0
    public var cssClass = "chart rate-comparison"

    public init(title: String, xLabel: String, beforeName: String, nowName: String, rows: [Row]) {
        self.title = title; self.xLabel = xLabel; self.beforeName = beforeName; self.nowName = nowName; self.rows = rows
    }

    static let beforeColor = "#8c8c8c", worseColor = "#d62728", betterColor = "#2ca02c"

    public func svg() -> String {
        let legend = [SVGPlot.LegendItem(beforeName, color: Self.beforeColor, swatch: .dot),
                      SVGPlot.LegendItem(nowName + " ↑", color: Self.worseColor, swatch: .dot),
                      SVGPlot.LegendItem(nowName + " ↓", color: Self.betterColor, swatch: .dot)]
        let f = SVGPlot.fitLegend(legend, frame: PlotFrame(width: width, height: 30 + Double(Swift.max(1, rows.count)) * rowHeight + 40,
                                                           left: labelWidth, right: 24, top: 30, bottom: 40))
        let xs = LinearScale(domain: 0, 100, range: f.plotLeft, f.plotRight)
        let c = SVGPlot.c
        var m = Markup()
        SVGPlot.open(&m, frame: f, cssClass: cssClass, label: title, xDomain: (0, 100), yDomain: nil, extra: [])
        SVGPlot.title(&m, title, frame: f)
        SVGPlot.axes(&m, frame: f, x: xs, xTicks: NiceTicks.values(0, 100, step: 20), xStep: 20, y: nil, yTicks: [], yStep: 1,
                     xLabel: xLabel, yLabel: "")
        for (r, row) in rows.enumerated() {
            let cy = f.plotTop + (Double(r) + 0.5) * rowHeight
            let nowX = xs(row.now * 100)
            let color = (row.before.map { row.now > $0 } ?? true) ? Self.worseColor : Self.betterColor
            m.open("g", [("class", "row"), ("data-row", row.id)])
            m.element("text", [("class", "ytick"), ("x", c(f.plotLeft - 6)), ("y", c(cy + 4)), ("text-anchor", "end"),
                               ("fill", SVGPlot.textColor)], SVGPlot.clip(row.label, width: labelWidth - 12, fontSize: 12))
            if let b = row.before {
                let bx = xs(b * 100)
                m.leaf("line", [("class", "change"), ("x1", c(bx)), ("y1", c(cy)), ("x2", c(nowX)), ("y2", c(cy)),
                                ("stroke", color), ("stroke-width", "3"), ("stroke-opacity", "0.5")])
                m.open("circle", [("class", "before"), ("data-rate", Fmt.number(b, maxDigits: 4)), ("cx", c(bx)), ("cy", c(cy)),
                                  ("r", "5"), ("fill", Self.beforeColor)])
                m.element("title", [], row.tooltip)
                m.close()
            }
            m.open("circle", [("class", "now"), ("data-rate", Fmt.number(row.now, maxDigits: 4)), ("cx", c(nowX)), ("cy", c(cy)),
                              ("r", "6"), ("fill", color)])
            m.element("title", [], row.tooltip)
            m.close()
            m.close()
        }
        SVGPlot.legend(&m, legend, frame: f)
        m.close()
        return m.text
    }
}
