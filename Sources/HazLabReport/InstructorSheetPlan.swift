import HazLabCore

/// The layout as a top-down plan: x to the right, y up, in metres, drawn to scale.
///
/// Zones are translucent rectangles of their footprint (position = footprint centre, size
/// [w, d, h]); equipment is a rectangle of its footprint (a small square when it has no size);
/// detectors, sensors and alarms are circles; leaks red crosses; doors and windows thick
/// segments on the wall of the gas grid they are in (a roof or floor opening, a dashed
/// square); the gas grid a dashed outline; persons with a fixed zone a triangle in it.
///
/// An entity far from everything else (a gap of more than max(8 m, the span of the rest) on an
/// axis, e.g. a control room 20 m away or a "customer site" 200 m away) would shrink the plan
/// to nothing: it is listed under the plan with its position instead (`offPlan`). Entities
/// without a position are `notPlaced`.
///
/// Every shape of an entity carries `data-entity`, `data-kind`, `data-x-m`, `data-y-m` (its
/// position) and `data-px`, `data-py` (where that position is drawn); zones and sized
/// equipment also `data-w-m` and `data-d-m`. The root has `data-plot`, `data-x-domain` and
/// `data-y-domain` like every chart, so pixels map back to metres.
struct PlanView {
    let model: Model
    let lang: ReportLanguage
    /// Entity rows drawn on the plan, listed far away, and without a position (declaration order).
    let placed: [Int]
    let offPlan: [Int]
    let notPlaced: [Int]
    /// Live equipment states by entity row (`LivePlan`): drawn over the static plan's colours,
    /// each shape with `data-state`; nil for the printed sheet (unchanged bytes).
    var live: [Int: EquipmentState]? = nil

    typealias Box = SiteLayout.Box

    init(model: Model, lang: ReportLanguage, live: [Int: EquipmentState]? = nil) {
        self.model = model
        self.lang = lang
        self.live = live
        let layout = SiteLayout(model: model)
        placed = layout.placed
        offPlan = layout.offSite
        notPlaced = layout.notPlaced
    }

    static func footprint(_ model: Model, _ row: Int) -> Box { SiteLayout.footprint(model, row) }
    static func gasBox(_ model: Model) -> Box? { SiteLayout.gasBox(model) }
    static func hasSize(_ model: Model, _ row: Int) -> Bool { SiteLayout.hasSize(model, row) }

    // MARK: - Drawing

    static let zoneColors = ["#1f77b4", "#2ca02c", "#9467bd", "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f"]
    static let equipmentFill = "#cfd8e3", equipmentStroke = "#3d4f63"
    static let sensorColor = "#2ca02c", alarmColor = "#ff7f0e", leakColor = "#d62728", openingColor = "#8c564b"
    static let personColor = "#9467bd", gasColor = "#555555"

    enum Shape { case zone, equipment, sensor, alarm, leak, opening }

    static func shape(_ kind: EntityKind) -> Shape {
        switch kind {
        case .zone: return .zone
        case .sensor, .detector: return .sensor
        case .alarm: return .alarm
        case .leak: return .leak
        case .opening: return .opening
        default: return .equipment
        }
    }

    /// A label's box in pixels (baseline at `y`).
    struct LabelBox {
        var x0: Double, y0: Double, x1: Double, y1: Double
        func overlaps(_ o: LabelBox) -> Bool { x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1 }
    }

    /// What drawing the plan carries from one part to the next: the markup, metres → pixels,
    /// and the label boxes and labels placed so far.
    struct Pen {
        var m = Markup()
        /// The drawn area in metres, pixels per metre, and the chart frame.
        let b: Box, scale: Double, f: PlotFrame
        /// Label boxes taken (zone labels, then markers and point labels).
        var taken: [LabelBox] = []
        /// What zone labels keep off: small equipment and markers (drawn later, on top), other zone labels.
        var zoneTaken: [LabelBox] = []
        var labels: [(x: Double, y: Double, anchor: String, text: String, cls: String, color: String, ids: String)] = []
        /// The pixel box of each drawn point, grouping the labels of shared spots.
        var groups: [(key: String, ids: [String], box: LabelBox)] = []

        func px(_ x: Double) -> Double { f.plotLeft + (x - b.x0) * scale }
        func py(_ y: Double) -> Double { f.plotTop + (b.y1 - y) * scale }

        mutating func addToGroup(_ id: String, _ box: LabelBox) {
            let key = "\(Int((box.x0 + box.x1).rounded())),\(Int((box.y0 + box.y1).rounded()))"
            if let i = groups.firstIndex(where: { $0.key == key }) {
                groups[i].ids.append(id)
            } else {
                groups.append((key, [id], box))
            }
        }
    }

    /// The SVG, or nil when no entity is drawn.
    func svg() -> String? {
        guard !placed.isEmpty, let b = drawnArea() else { return nil }
        let spanX = b.x1 - b.x0, spanY = b.y1 - b.y0
        let scale = min(860 / spanX, 600 / spanY, 200)
        let plotW = spanX * scale, plotH = spanY * scale
        let left = 44.0
        let right = max(20, 600 - left - plotW)

        let persons = personMarkers()
        let legend = legendItems(persons: persons)
        let f = SVGPlot.fitLegend(legend, frame: PlotFrame(width: left + plotW + right, height: 36 + plotH + 72,
                                                           left: left, right: right, top: 36, bottom: 72))
        let title = SL.plan(lang)
        var pen = Pen(b: b, scale: scale, f: f)
        SVGPlot.open(&pen.m, frame: f, cssClass: "chart plan-view", label: title, xDomain: (b.x0, b.x1), yDomain: (b.y0, b.y1),
                     extra: [("data-scale", Fmt.number(scale, maxDigits: 4))])
        SVGPlot.title(&pen.m, title, frame: f)
        drawGrid(&pen, plotW: plotW, plotH: plotH)
        drawGas(&pen)
        markObstacles(&pen)
        drawZones(&pen)
        drawEntities(&pen)
        drawPersons(&pen, persons)
        placePointLabels(&pen)
        drawLabels(&pen)
        drawScaleAndAxes(&pen, plotW: plotW)
        SVGPlot.legend(&pen.m, legend, frame: f)
        pen.m.close()
        return pen.m.text
    }

    /// Metres drawn: every placed entity's footprint and the gas grid, padded.
    func drawnArea() -> Box? {
        var bounds: Box? = nil
        for row in placed {
            let b = Self.footprint(model, row)
            bounds = bounds.map { Box(x0: min($0.x0, b.x0), x1: max($0.x1, b.x1), y0: min($0.y0, b.y0), y1: max($0.y1, b.y1)) } ?? b
        }
        if let g = Self.gasBox(model), let b = bounds {
            bounds = Box(x0: min(b.x0, g.x0), x1: max(b.x1, g.x1), y0: min(b.y0, g.y0), y1: max(b.y1, g.y1))
        }
        guard let b = bounds else { return nil }
        let span = max(b.x1 - b.x0, b.y1 - b.y0)
        let pad = max(0.5, 0.04 * span)
        return Box(x0: b.x0 - pad, x1: b.x1 + pad, y0: b.y0 - pad, y1: b.y1 + pad)
    }

    /// The legend: only what is on the plan.
    func legendItems(persons: [(Int, Int, Int)]) -> [SVGPlot.LegendItem] {
        let shapes = Set(placed.map { Self.shape(model.entities.kinds[$0]) })
        var legend: [SVGPlot.LegendItem] = []
        if shapes.contains(.zone) { legend.append(.init(SL.legendZone(lang), color: Self.zoneColors[0], swatch: .rect(opacity: 0.15))) }
        if shapes.contains(.equipment) { legend.append(.init(SL.legendEquipment(lang), color: Self.equipmentStroke, swatch: .square)) }
        if shapes.contains(.sensor) { legend.append(.init(SL.legendSensor(lang), color: Self.sensorColor, swatch: .dot)) }
        if shapes.contains(.alarm) { legend.append(.init(SL.legendAlarm(lang), color: Self.alarmColor, swatch: .dot)) }
        if shapes.contains(.leak) { legend.append(.init(SL.legendLeak(lang), color: Self.leakColor, swatch: .cross)) }
        if shapes.contains(.opening) { legend.append(.init(SL.legendOpening(lang), color: Self.openingColor, swatch: .line(dash: nil))) }
        if !persons.isEmpty { legend.append(.init(SL.legendPerson(lang), color: Self.personColor, swatch: .triangle)) }
        if model.gas != nil { legend.append(.init(SL.legendGas(lang), color: Self.gasColor, swatch: .line(dash: "6 4"))) }
        return legend
    }

    /// Metre grid, with labels along the bottom and left edges, and the plot's frame.
    func drawGrid(_ pen: inout Pen, plotW: Double, plotH: Double) {
        let b = pen.b, f = pen.f, c = SVGPlot.c
        let step = NiceTicks.step(span: max(b.x1 - b.x0, b.y1 - b.y0), target: max(2, Int(max(plotW, plotH) / 90)))
        pen.m.open("g", [("class", "grid"), ("stroke", "#eeeeee"), ("font-size", "10"), ("fill", "#777777")])
        for t in NiceTicks.values(b.x0, b.x1, step: step) {
            pen.m.leaf("line", [("x1", c(pen.px(t))), ("y1", c(f.plotTop)), ("x2", c(pen.px(t))), ("y2", c(f.plotBottom))])
            pen.m.element("text", [("x", c(pen.px(t))), ("y", c(f.plotBottom + 13)), ("text-anchor", "middle"), ("stroke", "none")],
                          NiceTicks.label(t, step: step))
        }
        for t in NiceTicks.values(b.y0, b.y1, step: step) {
            pen.m.leaf("line", [("x1", c(f.plotLeft)), ("y1", c(pen.py(t))), ("x2", c(f.plotRight)), ("y2", c(pen.py(t)))])
            pen.m.element("text", [("x", c(f.plotLeft - 4)), ("y", c(pen.py(t) + 3.5)), ("text-anchor", "end"), ("stroke", "none")],
                          NiceTicks.label(t, step: step))
        }
        pen.m.close()
        pen.m.leaf("rect", [("class", "frame"), ("x", c(f.plotLeft)), ("y", c(f.plotTop)), ("width", c(f.plotWidth)), ("height", c(f.plotHeight)),
                            ("fill", "none"), ("stroke", "#bbbbbb")])
    }

    /// The gas grid's outline and the walls of its rooms (gaps at their doors).
    func drawGas(_ pen: inout Pen) {
        let c = SVGPlot.c, scale = pen.scale
        if let g = Self.gasBox(model) {
            pen.m.open("rect", [("class", "gas-grid"), ("x", c(pen.px(g.x0))), ("y", c(pen.py(g.y1))), ("width", c((g.x1 - g.x0) * scale)),
                                ("height", c((g.y1 - g.y0) * scale)), ("fill", "none"), ("stroke", Self.gasColor), ("stroke-width", "1.5"),
                                ("stroke-dasharray", "6 4"), ("data-x0-m", Fmt.number(g.x0, maxDigits: 3)), ("data-x1-m", Fmt.number(g.x1, maxDigits: 3)),
                                ("data-y0-m", Fmt.number(g.y0, maxDigits: 3)), ("data-y1-m", Fmt.number(g.y1, maxDigits: 3))])
            pen.m.element("title", [], SL.legendGas(lang))
            pen.m.close()
        }
        if let spec = model.gas?.spec, !spec.rooms.isEmpty {
            pen.m.open("g", [("class", "room-walls"), ("stroke", "#555555"), ("stroke-width", "3"), ("stroke-linecap", "square")])
            let h = spec.cellSize
            for r in spec.wallRuns() {
                let w = Double(r.plane) * h, a0 = Double(r.from) * h, a1 = Double(r.to) * h
                let (x1, y1, x2, y2) = r.axis == 0
                    ? (spec.originX + w, spec.originY + a0, spec.originX + w, spec.originY + a1)
                    : (spec.originX + a0, spec.originY + w, spec.originX + a1, spec.originY + w)
                pen.m.leaf("line", [("class", "room-wall"), ("x1", c(pen.px(x1))), ("y1", c(pen.py(y1))), ("x2", c(pen.px(x2))), ("y2", c(pen.py(y2)))])
            }
            pen.m.close()
        }
    }

    /// The attributes every entity shape carries (`ax`, `ay`: where its position is drawn).
    func entityAttributes(_ row: Int, _ ax: Double, _ ay: Double) -> Markup.Attributes {
        let e = model.entities, p = e.position[row], c = SVGPlot.c
        return [("class", "entity kind-\(e.kinds[row].name)"), ("data-entity", e.ids[row]), ("data-kind", e.kinds[row].name),
                ("data-x-m", Fmt.number(p.x, maxDigits: 4)), ("data-y-m", Fmt.number(p.y, maxDigits: 4)),
                ("data-px", c(ax)), ("data-py", c(ay))]
    }

    func tooltip(_ row: Int) -> String {
        let p = model.entities.position[row]
        return "\(InstructorSheet(model: model).entity(row, lang)) — (\([p.x, p.y, p.z].map { Fmt.number($0, maxDigits: 2) }.joined(separator: ", "))) m"
    }

    /// Zone labels keep off small equipment and markers (drawn later, on top).
    func markObstacles(_ pen: inout Pen) {
        let e = model.entities
        for row in placed where e.kinds[row] != .zone {
            let p = e.position[row], s = e.size[row]
            var bx: LabelBox
            if e.kinds[row] == .opening {
                let (x1, y1, x2, y2, _) = openingSegment(row)
                bx = LabelBox(x0: min(pen.px(x1), pen.px(x2)) - 3, y0: min(pen.py(y1), pen.py(y2)) - 3,
                              x1: max(pen.px(x1), pen.px(x2)) + 3, y1: max(pen.py(y1), pen.py(y2)) + 3)
            } else if Self.hasSize(model, row) && Self.shape(e.kinds[row]) == .equipment {
                let w = max(4, s.x * pen.scale), h = max(4, s.y * pen.scale)
                bx = LabelBox(x0: pen.px(p.x) - w / 2, y0: pen.py(p.y) - h / 2, x1: pen.px(p.x) + w / 2, y1: pen.py(p.y) + h / 2)
            } else {
                bx = LabelBox(x0: pen.px(p.x) - 5, y0: pen.py(p.y) - 5, x1: pen.px(p.x) + 5, y1: pen.py(p.y) + 5)
            }
            if bx.x1 - bx.x0 <= 60 && bx.y1 - bx.y0 <= 60 { pen.zoneTaken.append(bx) }
        }
    }

    /// Zones, the largest first so that smaller ones stay visible on top, each labelled inside a corner.
    func drawZones(_ pen: inout Pen) {
        let e = model.entities, c = SVGPlot.c
        let zones = placed.filter { e.kinds[$0] == .zone }.sorted {
            let a = e.size[$0].x * e.size[$0].y, b2 = e.size[$1].x * e.size[$1].y
            return a != b2 ? a > b2 : $0 < $1
        }
        pen.m.open("g", [("class", "zones")])
        for (k, row) in zones.enumerated() {
            let p = e.position[row], s = e.size[row]
            let color = Self.zoneColors[k % Self.zoneColors.count]
            let x = pen.px(p.x - s.x / 2), y = pen.py(p.y + s.y / 2), w = s.x * pen.scale, h = s.y * pen.scale
            var a = entityAttributes(row, pen.px(p.x), pen.py(p.y))
            a += [("data-w-m", Fmt.number(s.x, maxDigits: 4)), ("data-d-m", Fmt.number(s.y, maxDigits: 4)),
                  ("x", c(x)), ("y", c(y)), ("width", c(w)), ("height", c(h)),
                  ("fill", color), ("fill-opacity", "0.1"), ("stroke", color), ("stroke-width", "1.2")]
            pen.m.open("rect", a)
            pen.m.element("title", [], tooltip(row))
            pen.m.close()
            // The label inside a corner: the name if it fits, else the id.
            let name = InstructorSheet(model: model).entityName(row, lang)
            let room = max(30, w - 6)
            var text = e.ids[row]
            if !name.isEmpty && SVGPlot.textWidth(name, fontSize: 11) <= room { text = name }
            text = SVGPlot.clip(text, width: room, fontSize: 11)
            let tw = SVGPlot.textWidth(text, fontSize: 11)
            let candidates: [(Double, Double, String)] = h >= 16
                ? [(x + 3, y + 12, "start"), (x + 3, y + h - 4, "start"), (x + w - 3, y + 12, "end"), (x + w - 3, y + h - 4, "end"), (x + 3, y - 3, "start")]
                : [(x, y - 3, "start"), (x, y + h + 12, "start")]
            var chosen = candidates[0]
            for cand in candidates {
                let x0 = cand.2 == "end" ? cand.0 - tw : cand.0
                let box = LabelBox(x0: x0, y0: cand.1 - 10, x1: x0 + tw, y1: cand.1 + 2)
                if !pen.zoneTaken.contains(where: { $0.overlaps(box) }) { chosen = cand; break }
            }
            let x0 = chosen.2 == "end" ? chosen.0 - tw : chosen.0
            pen.taken.append(LabelBox(x0: x0, y0: chosen.1 - 10, x1: x0 + tw, y1: chosen.1 + 2))
            pen.zoneTaken.append(LabelBox(x0: x0, y0: chosen.1 - 10, x1: x0 + tw, y1: chosen.1 + 2))
            pen.labels.append((chosen.0, chosen.1, chosen.2, text, "zone-label", color, e.ids[row]))
        }
        pen.m.close()
    }

    /// Everything but zones, by shape: equipment, openings, leaks, sensors, alarms.
    func drawEntities(_ pen: inout Pen) {
        let e = model.entities
        let others = placed.filter { e.kinds[$0] != .zone }
        let order: [Shape] = [.equipment, .opening, .leak, .sensor, .alarm]
        pen.m.open("g", [("class", "entities")])
        for shape in order {
            for row in others where Self.shape(e.kinds[row]) == shape {
                switch shape {
                case .equipment: drawEquipment(&pen, row)
                case .opening: drawOpening(&pen, row)
                case .leak: drawLeak(&pen, row)
                case .sensor, .alarm: drawMarker(&pen, row, shape)
                case .zone: break
                }
            }
        }
        pen.m.close()
    }

    /// A rectangle of the footprint (a small square without a size), in its live colour if any.
    func drawEquipment(_ pen: inout Pen, _ row: Int) {
        let p = model.entities.position[row], s = model.entities.size[row], c = SVGPlot.c
        let cx = pen.px(p.x), cy = pen.py(p.y)
        var a = entityAttributes(row, cx, cy)
        let w: Double, h: Double
        if Self.hasSize(model, row) {
            w = max(4, s.x * pen.scale); h = max(4, s.y * pen.scale)
            a += [("data-w-m", Fmt.number(s.x, maxDigits: 4)), ("data-d-m", Fmt.number(s.y, maxDigits: 4))]
        } else {
            w = 8; h = 8
        }
        let ls = live?[row]
        a += [("x", c(cx - w / 2)), ("y", c(cy - h / 2)), ("width", c(w)), ("height", c(h)),
              ("fill", ls?.color ?? Self.equipmentFill), ("fill-opacity", "0.85"), ("stroke", Self.equipmentStroke)]
        if let ls { a += ls.attributes }
        pen.m.open("rect", a)
        pen.m.element("title", [], ls.map { tooltip(row) + " — " + $0.label(lang) } ?? tooltip(row))
        pen.m.close()
        pen.addToGroup(model.entities.ids[row], LabelBox(x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2))
    }

    /// A door or window: a thick segment on its wall; a roof or floor opening, a dashed square.
    func drawOpening(_ pen: inout Pen, _ row: Int) {
        let s = model.entities.size[row], c = SVGPlot.c
        let (x1, y1, x2, y2, face) = openingSegment(row)
        let ax = (pen.px(x1) + pen.px(x2)) / 2, ay = (pen.py(y1) + pen.py(y2)) / 2
        var a = entityAttributes(row, ax, ay)
        a.append(("data-face", face))
        if face.hasPrefix("z") {
            // A roof or floor opening: a dashed square of its footprint.
            let w = max(6, s.x * pen.scale), h = max(6, s.y * pen.scale)
            a += [("x", c(ax - w / 2)), ("y", c(ay - h / 2)), ("width", c(w)), ("height", c(h)), ("fill", "none"),
                  ("stroke", Self.openingColor), ("stroke-width", "2.5"), ("stroke-dasharray", "3 2")]
            pen.m.open("rect", a)
            pen.addToGroup(model.entities.ids[row], LabelBox(x0: ax - w / 2, y0: ay - h / 2, x1: ax + w / 2, y1: ay + h / 2))
        } else {
            a += [("x1", c(pen.px(x1))), ("y1", c(pen.py(y1))), ("x2", c(pen.px(x2))), ("y2", c(pen.py(y2))),
                  ("stroke", Self.openingColor), ("stroke-width", "5"), ("stroke-linecap", "butt")]
            pen.m.open("line", a)
            pen.addToGroup(model.entities.ids[row], LabelBox(x0: min(pen.px(x1), pen.px(x2)) - 3, y0: min(pen.py(y1), pen.py(y2)) - 3,
                                                             x1: max(pen.px(x1), pen.px(x2)) + 3, y1: max(pen.py(y1), pen.py(y2)) + 3))
        }
        pen.m.element("title", [], tooltip(row))
        pen.m.close()
    }

    /// A red cross, over a dashed area when the leak has a size.
    func drawLeak(_ pen: inout Pen, _ row: Int) {
        let e = model.entities, p = e.position[row], s = e.size[row], c = SVGPlot.c
        let cx = pen.px(p.x), cy = pen.py(p.y)
        if Self.hasSize(model, row) {
            pen.m.leaf("rect", [("class", "leak-area"), ("data-for", e.ids[row]), ("x", c(pen.px(p.x - s.x / 2))), ("y", c(pen.py(p.y + s.y / 2))),
                                ("width", c(s.x * pen.scale)), ("height", c(s.y * pen.scale)), ("fill", Self.leakColor), ("fill-opacity", "0.06"),
                                ("stroke", Self.leakColor), ("stroke-opacity", "0.5"), ("stroke-dasharray", "2 2")])
        }
        let r = 5.0
        var a = entityAttributes(row, cx, cy)
        let ls = live?[row]
        a += [("d", "M\(c(cx - r)),\(c(cy - r))L\(c(cx + r)),\(c(cy + r))M\(c(cx - r)),\(c(cy + r))L\(c(cx + r)),\(c(cy - r))"),
              ("stroke", ls?.color ?? Self.leakColor), ("stroke-width", "2.5"), ("fill", "none")]
        if let ls { a += ls.attributes }
        pen.m.open("path", a)
        pen.m.element("title", [], ls.map { tooltip(row) + " — " + $0.label(lang) } ?? tooltip(row))
        pen.m.close()
        pen.addToGroup(e.ids[row], LabelBox(x0: cx - r, y0: cy - r, x1: cx + r, y1: cy + r))
    }

    /// A sensor or alarm: a dot (larger in its live colour).
    func drawMarker(_ pen: inout Pen, _ row: Int, _ shape: Shape) {
        let p = model.entities.position[row], c = SVGPlot.c
        let cx = pen.px(p.x), cy = pen.py(p.y)
        var a = entityAttributes(row, cx, cy)
        let ls = live?[row]
        a += [("cx", c(cx)), ("cy", c(cy)), ("r", ls == nil ? "4" : "6"), ("fill", ls?.color ?? (shape == .sensor ? Self.sensorColor : Self.alarmColor)),
              ("stroke", "#ffffff"), ("stroke-width", "1")]
        if let ls { a += ls.attributes }
        pen.m.open("circle", a)
        pen.m.element("title", [], ls.map { tooltip(row) + " — " + $0.label(lang) } ?? tooltip(row))
        pen.m.close()
        pen.addToGroup(model.entities.ids[row], LabelBox(x0: cx - 4, y0: cy - 4, x1: cx + 4, y1: cy + 4))
    }

    /// Persons in their fixed zones: a triangle each, side by side.
    func drawPersons(_ pen: inout Pen, _ persons: [(Int, Int, Int)]) {
        guard !persons.isEmpty else { return }
        let e = model.entities, c = SVGPlot.c
        pen.m.open("g", [("class", "persons")])
        for (p, zone, k) in persons {
            let z = e.position[zone]
            let cx = pen.px(z.x) + Double(k) * 12, cy = pen.py(z.y)
            pen.m.open("path", [("class", "person"), ("data-person", model.persons[p]), ("data-zone", e.ids[zone]), ("data-px", c(cx)), ("data-py", c(cy)),
                                ("d", "M\(c(cx)),\(c(cy - 6))L\(c(cx + 5)),\(c(cy + 4))L\(c(cx - 5)),\(c(cy + 4))Z"), ("fill", Self.personColor)])
            let name = p < model.text.personNames.count ? lang.text(model.text.personNames[p]) : ""
            pen.m.element("title", [], name.isEmpty ? model.persons[p] : "\(name) (\(model.persons[p]))")
            pen.m.close()
            pen.addToGroup(model.persons[p], LabelBox(x0: cx - 5, y0: cy - 6, x1: cx + 5, y1: cy + 4))
        }
        pen.m.close()
    }

    /// Point labels: markers are obstacles too; try right, left, above, below, then the corners.
    func placePointLabels(_ pen: inout Pen) {
        let markerBoxes = pen.groups.map(\.box).filter { ($0.x1 - $0.x0) <= 16 && ($0.y1 - $0.y0) <= 16 }
        pen.taken.append(contentsOf: markerBoxes)
        let fs = 10.0, f = pen.f
        for g in pen.groups {
            var text = g.ids.count > 3 ? g.ids.prefix(2).joined(separator: ", ") + " +\(g.ids.count - 2)" : g.ids.joined(separator: ", ")
            text = SVGPlot.clip(text, width: 200, fontSize: fs)
            let tw = SVGPlot.textWidth(text, fontSize: fs)
            // A large shape (a tank, a panel) is labelled next to its centre, not outside its edge.
            var bx = g.box
            if bx.x1 - bx.x0 > 30 || bx.y1 - bx.y0 > 30 {
                let cx = (bx.x0 + bx.x1) / 2, cy = (bx.y0 + bx.y1) / 2
                bx = LabelBox(x0: cx - 4, y0: cy - 4, x1: cx + 4, y1: cy + 4)
            }
            let midY = (bx.y0 + bx.y1) / 2 + 3.5, midX = (bx.x0 + bx.x1) / 2
            let candidates: [(Double, Double)] = [
                (bx.x1 + 3, midY), (bx.x0 - 3 - tw, midY), (midX - tw / 2, bx.y0 - 3), (midX - tw / 2, bx.y1 + 10),
                (bx.x1 + 3, bx.y0 - 2), (bx.x1 + 3, bx.y1 + 9), (bx.x0 - 3 - tw, bx.y0 - 2), (bx.x0 - 3 - tw, bx.y1 + 9),
            ]
            func box(_ cand: (Double, Double)) -> LabelBox { LabelBox(x0: cand.0, y0: cand.1 - 8, x1: cand.0 + tw, y1: cand.1 + 2) }
            func inside(_ l: LabelBox) -> Bool { l.x0 >= 2 && l.x1 <= f.width - 2 && l.y0 >= f.plotTop - 2 && l.y1 <= f.plotBottom + 2 }
            var chosen = candidates[0]
            var found = false
            for cand in candidates {
                let l = box(cand)
                if inside(l) && !pen.taken.contains(where: { $0.overlaps(l) }) { chosen = cand; found = true; break }
            }
            if !found, let fallback = candidates.first(where: { inside(box($0)) }) { chosen = fallback }
            pen.taken.append(box(chosen))
            pen.labels.append((chosen.0, chosen.1, "start", text, "label", SVGPlot.textColor, g.ids.joined(separator: " ")))
        }
    }

    func drawLabels(_ pen: inout Pen) {
        let c = SVGPlot.c
        pen.m.open("g", [("class", "labels"), ("stroke", "#ffffff"), ("stroke-width", "3"), ("stroke-linejoin", "round"), ("paint-order", "stroke")])
        for l in pen.labels {
            var a: Markup.Attributes = [("class", l.cls), ("data-for", l.ids), ("x", c(l.x)), ("y", c(l.y)), ("fill", l.color)]
            if l.anchor != "start" { a.append(("text-anchor", l.anchor)) }
            if l.cls == "zone-label" { a += [("font-size", "11"), ("font-weight", "600")] } else { a.append(("font-size", "10")) }
            pen.m.element("text", a, l.text)
        }
        pen.m.close()
    }

    /// Scale bar (bottom left) and axis indicator (bottom right).
    func drawScaleAndAxes(_ pen: inout Pen, plotW: Double) {
        let f = pen.f, scale = pen.scale, c = SVGPlot.c
        let barPx = min(140, max(40, plotW * 0.35))
        let barM = NiceTicks.step(span: barPx / scale, target: 1)
        let barLen = barM * scale
        let sy = f.plotBottom + 36, sx = f.plotLeft
        pen.m.open("g", [("class", "scale-bar"), ("data-length-m", Fmt.number(barM, maxDigits: 4)), ("data-length-px", c(barLen)),
                         ("stroke", "#222222"), ("fill", "#222222")])
        pen.m.leaf("rect", [("x", c(sx)), ("y", c(sy - 3)), ("width", c(barLen / 2)), ("height", "6"), ("stroke-width", "1")])
        pen.m.leaf("rect", [("x", c(sx + barLen / 2)), ("y", c(sy - 3)), ("width", c(barLen / 2)), ("height", "6"), ("fill", "#ffffff"), ("stroke-width", "1")])
        pen.m.element("text", [("x", c(sx + barLen + 6)), ("y", c(sy + 4)), ("stroke", "none"), ("font-size", "11")],
                      "\(Fmt.number(barM, maxDigits: 3)) m")
        pen.m.close()
        let ox = f.plotRight - 64, oy = f.height - 14
        pen.m.open("g", [("class", "axis-indicator"), ("stroke", "#222222"), ("fill", "#222222"), ("font-size", "11")])
        pen.m.leaf("line", [("x1", c(ox)), ("y1", c(oy)), ("x2", c(ox + 26)), ("y2", c(oy)), ("stroke-width", "1.5")])
        pen.m.leaf("path", [("d", "M\(c(ox + 32)),\(c(oy))L\(c(ox + 25)),\(c(oy - 3.5))L\(c(ox + 25)),\(c(oy + 3.5))Z"), ("stroke", "none")])
        pen.m.leaf("line", [("x1", c(ox)), ("y1", c(oy)), ("x2", c(ox)), ("y2", c(oy - 26)), ("stroke-width", "1.5")])
        pen.m.leaf("path", [("d", "M\(c(ox)),\(c(oy - 32))L\(c(ox - 3.5)),\(c(oy - 25))L\(c(ox + 3.5)),\(c(oy - 25))Z"), ("stroke", "none")])
        pen.m.element("text", [("x", c(ox + 35)), ("y", c(oy + 4)), ("stroke", "none")], lang == .en ? "x (E)" : "x（东）")
        pen.m.element("text", [("x", c(ox + 6)), ("y", c(oy - 26)), ("stroke", "none")], lang == .en ? "y (N)" : "y（北）")
        pen.m.close()
    }

    /// Persons with a fixed zone that is drawn: (person row, zone row, index within the zone).
    func personMarkers() -> [(Int, Int, Int)] {
        var out: [(Int, Int, Int)] = []
        var perZone: [Int: Int] = [:]
        for p in 1..<max(1, model.persons.count) where p < model.personZones.count {
            let z = Int(model.personZones[p])
            guard z >= 0, placed.contains(z) else { continue }
            let k = perZone[z, default: 0]
            perZone[z] = k + 1
            out.append((p, z, k))
        }
        return out
    }

    /// A door or window: a segment along its wall of the gas grid (x- / x+ / y- / y+), or its
    /// own footprint for a floor or roof opening. Returns metres and the face name.
    func openingSegment(_ row: Int) -> (Double, Double, Double, Double, String) {
        let p = model.entities.position[row], s = model.entities.size[row]
        guard let gas = model.gas, let i = gas.openingEntities.firstIndex(of: Int32(row)), i < gas.spec.openings.count,
              let g = Self.gasBox(model) else {
            return (p.x, p.y, p.x, p.y, "z+")
        }
        let opening = gas.spec.openings[i], face = opening.face
        let name = ["x-", "x+", "y-", "y+", "z-", "z+"][Int(face.rawValue)]
        // A door between two gas rooms lies on their shared wall (face plane), not the grid's edge.
        let wall = opening.plane.map { Double($0) * gas.spec.cellSize }
        switch face.axis {
        case 0:
            let x = wall.map { gas.spec.originX + $0 } ?? (face.isMax ? g.x1 : g.x0)
            return (x, p.y - s.x / 2, x, p.y + s.x / 2, name)
        case 1:
            let y = wall.map { gas.spec.originY + $0 } ?? (face.isMax ? g.y1 : g.y0)
            return (p.x - s.x / 2, y, p.x + s.x / 2, y, name)
        default:
            return (p.x, p.y, p.x, p.y, name)
        }
    }
}
