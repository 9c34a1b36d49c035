import HazLabCore

/// The procedure's partial order as a small diagram: steps as boxes in topological layers
/// (a step sits one row below its deepest prerequisite), top to bottom, and an arrow from each
/// prerequisite to the step that waits for it. Within a row, steps are ordered by the mean
/// position of their prerequisites (then by number), which keeps most arrows short.
///
/// Boxes carry `data-step` and `data-layer`; arrows `data-from` and `data-to`.
struct StepGraph {
    let model: Model
    let lang: ReportLanguage

    var width = 1000.0
    var boxHeight = 40.0
    var rowGap = 34.0
    var colGap = 16.0

    init(model: Model, lang: ReportLanguage) { self.model = model; self.lang = lang }

    /// Layer of each step: 0 without prerequisites, else one more than the deepest prerequisite.
    static func layers(_ steps: [ProcedureStep]) -> [Int] {
        var layer = [Int](repeating: 0, count: steps.count)
        // Prerequisites form a DAG (cycles are compile errors); relax at most n times.
        for _ in 0..<max(1, steps.count) {
            var changed = false
            for (s, step) in steps.enumerated() {
                var l = 0
                for a in step.after where a >= 0 && Int(a) < steps.count { l = max(l, layer[Int(a)] + 1) }
                l = min(l, steps.count)
                if l != layer[s] { layer[s] = l; changed = true }
            }
            if !changed { break }
        }
        return layer
    }

    func svg() -> String {
        let steps = model.procedure
        let layer = Self.layers(steps)
        let depth = (layer.max() ?? 0) + 1
        var rows: [[Int]] = Array(repeating: [], count: depth)
        var column = [Double](repeating: 0, count: steps.count)
        for d in 0..<depth {
            var members = steps.indices.filter { layer[$0] == d }
            if d > 0 {
                func centre(_ s: Int) -> Double {
                    let a = steps[s].after.map { column[Int($0)] }
                    return a.isEmpty ? 0 : a.reduce(0, +) / Double(a.count)
                }
                members.sort { (centre($0), $0) < (centre($1), $1) }
            }
            let n = Double(members.count)
            for (i, s) in members.enumerated() { column[s] = (Double(i) + 0.5) / n }
            rows[d] = members
        }
        let widest = Double(rows.map(\.count).max() ?? 1)
        let margin = 16.0
        let boxWidth = min(210, (width - 2 * margin - (widest - 1) * colGap) / widest)
        let top = 34.0
        let height = top + Double(depth) * boxHeight + Double(depth - 1) * rowGap + 16
        var m = Markup()
        let c = SVGPlot.c
        m.open("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("class", "chart step-graph"), ("width", c(width)), ("height", c(height)),
                       ("viewBox", "0 0 \(c(width)) \(c(height))"), ("role", "img"), ("aria-label", SL.stepGraph(lang)),
                       ("font-family", SVGPlot.fontFamily), ("font-size", "12"), ("data-layers", String(depth))])
        m.element("title", [], SL.stepGraph(lang))
        m.leaf("rect", [("x", "0"), ("y", "0"), ("width", c(width)), ("height", c(height)), ("fill", "#ffffff")])
        m.element("text", [("class", "chart-title"), ("x", c(margin)), ("y", "20"), ("font-size", "14"), ("font-weight", "bold"),
                           ("fill", SVGPlot.textColor)], SL.stepGraph(lang))
        // Box positions.
        var bx = [Double](repeating: 0, count: steps.count), by = [Double](repeating: 0, count: steps.count)
        for (d, members) in rows.enumerated() {
            let total = Double(members.count) * boxWidth + Double(max(0, members.count - 1)) * colGap
            var x = (width - total) / 2
            for s in members {
                bx[s] = x; by[s] = top + Double(d) * (boxHeight + rowGap)
                x += boxWidth + colGap
            }
        }
        // Arrows first, so boxes sit on top of them.
        let arrowColor = "#7a8794"
        m.open("g", [("class", "arrows"), ("fill", "none"), ("stroke", arrowColor), ("stroke-width", "1.4")])
        for (s, step) in steps.enumerated() {
            for a in step.after.map(Int.init) where a >= 0 && a < steps.count {
                let x1 = bx[a] + boxWidth / 2, y1 = by[a] + boxHeight
                let x2 = bx[s] + boxWidth / 2, y2 = by[s] - 5
                let dy = max(12, (y2 - y1) / 2)
                m.open("path", [("class", "arrow"), ("data-from", steps[a].id), ("data-to", step.id),
                                ("d", "M\(c(x1)),\(c(y1))C\(c(x1)),\(c(y1 + dy)) \(c(x2)),\(c(y2 - dy)) \(c(x2)),\(c(y2))")])
                m.element("title", [], "\(a + 1) → \(s + 1)")
                m.close()
                m.leaf("path", [("class", "arrow-head"), ("d", "M\(c(x2 - 4)),\(c(y2))L\(c(x2 + 4)),\(c(y2))L\(c(x2)),\(c(y2 + 5))Z"),
                                ("fill", arrowColor), ("stroke", "none")])
            }
        }
        m.close()
        for (s, step) in steps.enumerated() {
            let x = bx[s], y = by[s]
            m.open("g", [("class", "step-box"), ("data-step", step.id), ("data-layer", String(layer[s]))])
            m.open("rect", [("x", c(x)), ("y", c(y)), ("width", c(boxWidth)), ("height", c(boxHeight)), ("rx", "5"),
                            ("fill", "#eef3f8"), ("stroke", "#1f77b4")])
            m.element("title", [], "\(s + 1). \(lang.text(step.title)) (\(step.id))")
            m.close()
            m.element("text", [("x", c(x + 6)), ("y", c(y + 16)), ("fill", SVGPlot.textColor), ("font-weight", "600")],
                      SVGPlot.clip("\(s + 1). \(lang.text(step.title))", width: boxWidth - 12, fontSize: 12))
            var sub = "\(InstructorSheet.points(step.maxScore))" + (lang == .en ? " pts" : " 分")
            if step.expectedTicks > 0 { sub += " · " + Fmt.seconds(model.seconds(ticks: step.expectedTicks)) }
            m.element("text", [("x", c(x + 6)), ("y", c(y + 32)), ("fill", "#555555"), ("font-size", "10")],
                      SVGPlot.clip(sub, width: boxWidth - 12, fontSize: 10))
            m.close()
        }
        m.close()
        return m.text
    }
}
