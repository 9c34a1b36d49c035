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
