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
