/// A grid of steps (rows) by attempts (columns, in time order), each cell coloured by the
/// credit the step got in that attempt: a student's mastery of each step at a glance.
public struct MasteryGrid: Sendable {
    public enum Credit: String, Sendable { case full, partial, none, absent }
    public struct Row: Sendable {
        public var id: String
        public var label: String
        /// One per column.
        public var cells: [Credit]
        public var tooltips: [String]
        public init(id: String, label: String, cells: [Credit], tooltips: [String]) {
            self.id = id; self.label = label; self.cells = cells; self.tooltips = tooltips
        }
    }
    public var title: String
    /// Column headings (e.g. "1", "2", …) and their attempt ids.
    public var columns: [(label: String, id: String)]
    public var rows: [Row]
    public var names: (full: String, partial: String, none: String)
    public var labelWidth = 240.0
    public var cell = 26.0
    public var cssClass = "chart mastery-grid"

    public init(title: String, columns: [(label: String, id: String)], rows: [Row], names: (full: String, partial: String, none: String)) {
        self.title = title; self.columns = columns; self.rows = rows; self.names = names
    }

    public static func color(_ c: Credit) -> String {
        switch c {
        case .full: return "#2ca02c"
        case .partial: return "#e0a020"
        case .none: return "#d62728"
        case .absent: return "#eeeeee"
        }
    }

    public func svg() -> String {
        let legend = [SVGPlot.LegendItem(names.full, color: Self.color(.full), swatch: .rect(opacity: 1)),
                      SVGPlot.LegendItem(names.partial, color: Self.color(.partial), swatch: .rect(opacity: 1)),
                      SVGPlot.LegendItem(names.none, color: Self.color(.none), swatch: .rect(opacity: 1))]
        let width = Swift.max(520, labelWidth + Double(Swift.max(1, columns.count)) * cell + 24)
        let f = SVGPlot.fitLegend(legend, frame: PlotFrame(width: width, height: 30 + Double(Swift.max(1, rows.count)) * cell + 30,
                                                           left: labelWidth, right: width - labelWidth - Double(Swift.max(1, columns.count)) * cell,
                                                           top: 30, bottom: 30))
        let c = SVGPlot.c
        var m = Markup()
        SVGPlot.open(&m, frame: f, cssClass: cssClass, label: title, xDomain: (0, Double(columns.count)), yDomain: nil,
                     extra: [("data-columns", String(columns.count)), ("data-rows", String(rows.count))])
        SVGPlot.title(&m, title, frame: f)
        m.open("g", [("class", "columns"), ("fill", SVGPlot.textColor), ("font-size", "11")])
        for (k, col) in columns.enumerated() {
            m.element("text", [("class", "xtick"), ("data-attempt", col.id), ("x", c(f.plotLeft + (Double(k) + 0.5) * cell)),
                               ("y", c(f.plotBottom + 15)), ("text-anchor", "middle")], col.label)
        }
        m.close()
        for (r, row) in rows.enumerated() {
            let top = f.plotTop + Double(r) * cell
            m.open("g", [("class", "row"), ("data-row", row.id)])
            m.element("text", [("class", "ytick"), ("x", c(f.plotLeft - 6)), ("y", c(top + cell / 2 + 4)), ("text-anchor", "end"),
                               ("fill", SVGPlot.textColor)], SVGPlot.clip(row.label, width: labelWidth - 12, fontSize: 12))
            for (k, credit) in row.cells.enumerated() {
                m.open("rect", [("class", "cell"), ("data-credit", credit.rawValue), ("data-column", String(k)),
                                ("x", c(f.plotLeft + Double(k) * cell + 1)), ("y", c(top + 1)), ("width", c(cell - 2)),
                                ("height", c(cell - 2)), ("fill", Self.color(credit))])
                m.element("title", [], k < row.tooltips.count ? row.tooltips[k] : credit.rawValue)
                m.close()
            }
            m.close()
        }
        SVGPlot.legend(&m, legend, frame: f)
        m.close()
        return m.text
    }
}
