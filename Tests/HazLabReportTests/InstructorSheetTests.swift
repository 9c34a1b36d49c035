import Foundation
import XCTest
import HazLabCore
import HazLabReport
import HazLabScenario
import HazLabScoring

/// The instructor sheet (`hazlab doc`): parsed back with XMLParser, facts checked against the model.
final class InstructorSheetTests: XCTestCase {
    /// A small gas scenario with a laid-out plan: zones, sized and unsized equipment, a
    /// detector, a leak, a door on the x- wall, a person with a fixed zone, an entity without
    /// a position and a zone 300 m away.
    static let planYAML = """
    id: plan-test
    version: 3
    title: {zh: 平面图测试, en: Plan test}
    discipline: gas
    timeLimit: 2 min
    seed: 7
    modes: [practice]
    persons:
      - id: op2
        name: {zh: 外操, en: Field operator}
        zone: yard
    gas:
      size: [6 m, 4 m, 3 m]
      cellSize: 0.5 m
      species: [CH4]
    entities:
      - {id: room, type: zone, name: {zh: 泵房, en: Pump room}, position: [3 m, 2 m, 0 m], size: [6 m, 4 m, 3 m]}
      - {id: yard, type: zone, name: {zh: 院子, en: Yard}, position: [-4 m, 2 m, 0 m], size: [3 m, 2 m, 3 m]}
      - {id: far_site, type: zone, name: {zh: 远处现场, en: Far site}, position: [300 m, 0 m, 0 m], size: [10 m, 10 m, 3 m]}
      - {id: XV1, type: valve, zone: room, position: [1 m, 1 m, 0.5 m], size: [0.4 m, 0.2 m, 0.4 m]}
      - {id: P1, type: pump, zone: room, position: [4 m, 3 m, 0 m]}
      - {id: GD1, type: detector, species: CH4, position: [2 m, 2.5 m, 1 m]}
      - {id: L1, type: leak, species: CH4, position: [5 m, 1 m, 0.5 m]}
      - {id: D1, type: door, face: x-, position: [0 m, 2 m, 0 m], size: [1 m, 0.1 m, 2 m]}
      - {id: S1, type: sensor, measures: GD1.value}
    faults:
      - {id: leak_starts, at: 5 s, effects: [{leak: L1, rate: 2 m3/h}]}
    procedure:
      - id: open
        title: {zh: 开阀, en: Open}
        done: XV1.open and S1.value >= 0 and P1.stopped
        score: 10
    """

    static func compile(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) throws -> Model {
        let r = ScenarioCompiler.compile(bytes: Array(yaml.utf8), path: "test.yaml")
        guard let m = r.model else {
            XCTFail("does not compile: \(r.errors.map(\.description))", file: file, line: line)
            throw XCTSkip("no model")
        }
        return m
    }

    func sheet(_ model: Model = demoModel, _ lang: ReportLanguage = .zhCN) throws -> Node {
        try parseXML(InstructorSheet(model: model).html(language: lang))
    }

    // MARK: - Procedure

    func testOneProcedureRowPerStepWithPrerequisitesAndScores() throws {
        let doc = try sheet()
        let rows = try XCTUnwrap(doc.byId("procedure-table")).bodyRows.filter { $0.hasClass("step") }
        XCTAssertEqual(rows.map { $0["data-step"] ?? "" }, demoModel.procedure.map(\.id))
        XCTAssertEqual(rows.map { $0.first("td") { $0.hasClass("score") }?.allText ?? "" },
                       demoModel.procedure.map { Fmt.number($0.maxScore) })
        XCTAssertEqual(rows.first { $0["data-step"] == "go_to_tank" }?.first("td") { $0.hasClass("score") }?.allText, "5")
        XCTAssertEqual(rows.first { $0["data-step"] == "stop_at_level" }?.first("td") { $0.hasClass("score") }?.allText, "15")
        // Prerequisites as written in the scenario: ids in the attribute, numbered titles in the text.
        let after = Dictionary(uniqueKeysWithValues: rows.map { r in
            (r["data-step"] ?? "", r.first("td") { $0.hasClass("prerequisites") })
        })
        XCTAssertEqual(after["ppe"]??["data-after"], "")
        XCTAssertEqual(after["ppe"]??.allText, "—")
        XCTAssertEqual(after["line_up"]??["data-after"], "check_level")
        XCTAssertEqual(after["line_up"]??.allText, "3. 确认初始液位")
        XCTAssertEqual(after["stop_at_level"]??["data-after"], "start_pump")
        XCTAssertEqual(after["report"]??["data-after"], "isolate")
        // Expected time, done condition as written, hint cost and the scorer's own scoring model.
        let line = try XCTUnwrap(rows.first { $0["data-step"] == "start_pump" })
        XCTAssertEqual(line.cells[4], "20 s")
        XCTAssertEqual(line.first("td") { $0.hasClass("cond") }?.allText, "P101.running and XV101.open")
        XCTAssertEqual(line.first("td") { $0.hasClass("hint-cost") }?.allText, "2")
        let scored = try XCTUnwrap(Scorer(model: demoModel).result.steps.first { $0.id == "start_pump" }).scoringModel.zh
        XCTAssertEqual(line.first("td") { $0.hasClass("scoring-model") }?.allText, scored)
        XCTAssertTrue(scored.contains("须在「打开进料阀」之后完成"))
        XCTAssertEqual(doc.first("td") { $0.hasClass("score-total") }?.allText,
                       Fmt.number(demoModel.procedure.reduce(0) { $0 + $1.maxScore }))
    }

    func testStepGraphHasOneBoxPerStepAndAnArrowPerPrerequisite() throws {
        let graph = try XCTUnwrap(try sheet().first("svg") { $0.hasClass("step-graph") })
        let boxes = graph.all("g") { $0.hasClass("step-box") }
        XCTAssertEqual(boxes.map { $0["data-step"] ?? "" }.sorted(), demoModel.procedure.map(\.id).sorted())
        let layer = Dictionary(uniqueKeysWithValues: boxes.map { ($0["data-step"] ?? "", Int($0["data-layer"] ?? "") ?? -1) })
        let arrows = graph.all("path") { $0.hasClass("arrow") }
        let edges = demoModel.procedure.flatMap { s in s.after.map { "\(demoModel.procedure[Int($0)].id)>\(s.id)" } }
        XCTAssertEqual(arrows.map { "\($0["data-from"] ?? "")>\($0["data-to"] ?? "")" }.sorted(), edges.sorted())
        for a in arrows { XCTAssertLessThan(layer[a["data-from"] ?? ""]!, layer[a["data-to"] ?? ""]!, "arrows point down the layers") }
        XCTAssertEqual(layer["ppe"], 0)
        XCTAssertEqual(layer["line_up"], 1)
        XCTAssertEqual(layer["start_pump"], 2)
        XCTAssertEqual(layer["report"], layer["isolate"].map { $0 + 1 })
    }

    // MARK: - Faults and hazards

    func testFaultsShowTheSeededWindowAndTheWhenCondition() throws {
        let rows = try XCTUnwrap(try sheet(demoModel, .en).byId("faults-table")).bodyRows
        XCTAssertEqual(rows.map { $0["data-fault"] ?? "" }, ["pump_trip", "level_transmitter_stuck"])
        let trip = rows[0]
        XCTAssertEqual(trip["data-trigger"], "window")
        XCTAssertEqual(trip["data-from-s"], "60")
        XCTAssertEqual(trip["data-to-s"], "150")
        XCTAssertTrue(trip.cells[1].contains("[60 s, 150 s]"), trip.cells[1])
        // The draw for the default seed is the one the core makes.
        let drawn = State(model: demoModel).faultTick[0]
        XCTAssertEqual(trip.first("span") { $0.hasClass("seeded") }?.allText.hasSuffix(Fmt.seconds(demoModel.seconds(ticks: drawn))), true)
        XCTAssertEqual(trip.cells[2], "trip: P101 (Transfer pump P-101)")
        let stuck = rows[1]
        XCTAssertEqual(stuck["data-trigger"], "when")
        XCTAssertEqual(stuck.first("span") { $0.hasClass("cond") }?.allText, "TK101.level > 2.2 m")
        XCTAssertEqual(stuck.cells[2], "sensor fails (stuck): LT101 (Level transmitter LT-101)")
    }

    func testHazardsAndRubricRules() throws {
        let doc = try sheet(demoModel, .en)
        let hazards = try XCTUnwrap(doc.byId("hazards-table")).bodyRows
        XCTAssertEqual(hazards.map { $0["data-hazard"] ?? "" }, ["overflow", "near_overfill"])
        XCTAssertEqual(hazards[0].cells, ["overflow", "TK101.level >= TK101.height", "accident", "yes", "veto", "The tank has overflowed into the bund!"])
        XCTAssertEqual(hazards[1].cells[4], "10")
        let deductions = try XCTUnwrap(doc.byId("deduction-rules")).bodyRows
        let points = Dictionary(uniqueKeysWithValues: deductions.map { ($0["data-item"] ?? "", $0.cells[1]) })
        XCTAssertEqual(points["rejected-action"], "1")
        XCTAssertEqual(points["violation"], "5")
        XCTAssertEqual(points["out-of-order"], "5")
        XCTAssertEqual(points["hint"], "2")
        let quality = try XCTUnwrap(doc.byId("quality-windows")).bodyRows
        XCTAssertEqual(quality.first?["data-quality"], "level_below_3m")
        XCTAssertEqual(quality.first?.first("td") { $0.hasClass("band") }?.allText, "[0, 3] m")
        XCTAssertEqual(quality.first?.first("td") { $0.hasClass("from") }?.allText, "5. Start the transfer pump")
        let rule = try XCTUnwrap(doc.byId("safety-rules")).bodyRows
        XCTAssertEqual(rule.first?.cells.dropFirst().map { $0 }, ["tank_farm.occupied and not all_ppe", "5"])
        XCTAssertEqual(doc.first("td") { $0.hasClass("veto-effect") }?.allText, "the score is set to 0; the attempt fails")
    }

    // MARK: - Plan

    func testEveryPlacedEntityIsDrawnWhereItsPositionMaps() throws {
        let model = try Self.compile(Self.planYAML)
        let doc = try sheet(model, .en)
        let plan = try XCTUnwrap(doc.first("svg") { $0.hasClass("plan-view") })
        let g = Geometry(plan)
        let scale = try XCTUnwrap(Double(plan["data-scale"] ?? ""))
        XCTAssertEqual((g.right - g.left) / (g.x1 - g.x0), scale, accuracy: 0.01, "same scale on both axes")
        XCTAssertEqual((g.bottom - g.top) / (g.y1 - g.y0), scale, accuracy: 0.01)
        func num(_ n: Node, _ k: String) -> Double { Double(n[k] ?? "") ?? .nan }
        let e = model.entities
        var drawn = 0
        for row in 0..<e.count where e.hasPosition[row] && e.ids[row] != "far_site" {
            let id = e.ids[row], p = e.position[row]
            let shape = try XCTUnwrap(plan.first { $0["data-entity"] == id }, "\(id) is on the plan")
            drawn += 1
            XCTAssertEqual(shape["data-x-m"].flatMap(Double.init), p.x, id)
            XCTAssertEqual(shape["data-y-m"].flatMap(Double.init), p.y, id)
            XCTAssertEqual(num(shape, "data-px"), g.px(p.x), accuracy: 0.02, id)
            XCTAssertEqual(num(shape, "data-py"), g.py(p.y), accuracy: 0.02, id)
            switch shape.name {
            case "circle":
                XCTAssertEqual(num(shape, "cx"), g.px(p.x), accuracy: 0.02, id)
                XCTAssertEqual(num(shape, "cy"), g.py(p.y), accuracy: 0.02, id)
            case "rect":
                XCTAssertEqual(num(shape, "x") + num(shape, "width") / 2, g.px(p.x), accuracy: 0.02, id)
                XCTAssertEqual(num(shape, "y") + num(shape, "height") / 2, g.py(p.y), accuracy: 0.02, id)
            case "line":
                XCTAssertEqual((num(shape, "x1") + num(shape, "x2")) / 2, g.px(p.x), accuracy: 0.02, id)
                XCTAssertEqual((num(shape, "y1") + num(shape, "y2")) / 2, g.py(p.y), accuracy: 0.02, id)
            default:
                XCTAssertEqual(shape.name, "path", id)
            }
        }
        XCTAssertEqual(drawn, 7)
        // Kinds: detectors are circles, leaks red paths, the door a line on the x- wall (x = 0) 1 m long.
        XCTAssertEqual(plan.first { $0["data-entity"] == "GD1" }?.name, "circle")
        XCTAssertEqual(plan.first { $0["data-entity"] == "L1" }?.name, "path")
        let door = try XCTUnwrap(plan.first { $0["data-entity"] == "D1" })
        XCTAssertEqual(door.name, "line")
        XCTAssertEqual(num(door, "x1"), g.px(0), accuracy: 0.02)
        XCTAssertEqual(num(door, "x2"), g.px(0), accuracy: 0.02)
        XCTAssertEqual(abs(num(door, "y2") - num(door, "y1")), 1 * scale, accuracy: 0.02)
        // A pump without a size is a small square; a valve with one is its footprint.
        let pump = try XCTUnwrap(plan.first { $0["data-entity"] == "P1" })
        XCTAssertEqual(pump["width"], "8")
        let valve = try XCTUnwrap(plan.first { $0["data-entity"] == "XV1" })
        XCTAssertEqual(num(valve, "width"), max(4, 0.4 * scale), accuracy: 0.02)
        // The gas grid's outline and the person's triangle in its zone.
        let grid = try XCTUnwrap(plan.first("rect") { $0.hasClass("gas-grid") })
        XCTAssertEqual(num(grid, "x"), g.px(0), accuracy: 0.02)
        XCTAssertEqual(num(grid, "width"), 6 * scale, accuracy: 0.02)
        let person = try XCTUnwrap(plan.first { $0["data-person"] == "op2" })
        XCTAssertEqual(person["data-zone"], "yard")
        XCTAssertEqual(num(person, "data-px"), g.px(-4), accuracy: 0.02)
        // Every shape has a label that names it.
        let labelled = Set(plan.all("text") { $0.hasClass("label") || $0.hasClass("zone-label") }.flatMap { ($0["data-for"] ?? "").split(separator: " ").map(String.init) })
        XCTAssertTrue(Set(["room", "yard", "XV1", "P1", "GD1", "L1", "D1", "op2"]).isSubset(of: labelled), "\(labelled)")
        // The scale bar is as long as its label says.
        let bar = try XCTUnwrap(plan.first("g") { $0.hasClass("scale-bar") })
        XCTAssertEqual(num(bar, "data-length-px"), num(bar, "data-length-m") * scale, accuracy: 0.02)
    }

    func testZonesAreRectanglesOfTheirSize() throws {
        let model = try Self.compile(Self.planYAML)
        let plan = try XCTUnwrap(try sheet(model).first("svg") { $0.hasClass("plan-view") })
        let g = Geometry(plan)
        let scale = try XCTUnwrap(Double(plan["data-scale"] ?? ""))
        for (id, x, y, w, d) in [("room", 3.0, 2.0, 6.0, 4.0), ("yard", -4.0, 2.0, 3.0, 2.0)] {
            let r = try XCTUnwrap(plan.first("rect") { $0["data-entity"] == id }, id)
            XCTAssertEqual(r["data-kind"], "zone")
            XCTAssertEqual(Double(r["width"] ?? "") ?? .nan, w * scale, accuracy: 0.02, id)
            XCTAssertEqual(Double(r["height"] ?? "") ?? .nan, d * scale, accuracy: 0.02, id)
            XCTAssertEqual(Double(r["x"] ?? "") ?? .nan, g.px(x - w / 2), accuracy: 0.02, id)
            XCTAssertEqual(Double(r["y"] ?? "") ?? .nan, g.py(y + d / 2), accuracy: 0.02, "\(id): y grows upwards")
            XCTAssertEqual(r["data-w-m"], Fmt.number(w))
            XCTAssertEqual(r["data-d-m"], Fmt.number(d))
        }
    }

    func testUnplacedAndFarAwayEntitiesAreListedUnderThePlan() throws {
        let model = try Self.compile(Self.planYAML)
        let doc = try sheet(model, .en)
        let plan = try XCTUnwrap(doc.first("svg") { $0.hasClass("plan-view") })
        XCTAssertNil(plan.first { $0["data-entity"] == "S1" })
        XCTAssertNil(plan.first { $0["data-entity"] == "far_site" }, "300 m away: not drawn to scale")
        let unplaced = try XCTUnwrap(doc.byId("not-placed")).all("li").map { $0["data-entity"] ?? "" }
        XCTAssertEqual(unplaced, ["S1"])
        let far = try XCTUnwrap(doc.byId("off-plan")).all("li")
        XCTAssertEqual(far.map { $0["data-entity"] ?? "" }, ["far_site"])
        XCTAssertEqual(far.first?.allText, "far_site (Far site) — (300, 0) m")
        // The entity table still has every entity, with its position or a dash.
        let rows = try XCTUnwrap(doc.byId("entities-table")).bodyRows
        XCTAssertEqual(rows.count, model.entities.count)
        XCTAssertEqual(rows.first { $0["data-entity"] == "S1" }?.hasClass("unplaced"), true)
        XCTAssertEqual(rows.first { $0["data-entity"] == "S1" }?.cells[5], "—")
        XCTAssertEqual(rows.first { $0["data-entity"] == "XV1" }?.cells[5], "1, 1, 0.5")
        XCTAssertEqual(rows.first { $0["data-entity"] == "XV1" }?.cells[6], "0.4 × 0.2 × 0.4")
        XCTAssertEqual(rows.first { $0["data-entity"] == "P1" }?.cells[6], "—", "no size given")
        // The demo scenario (while it gives no positions at all): no plan, every entity listed.
        if !demoModel.entities.hasPosition.contains(true) {
            let demo = try sheet()
            XCTAssertNil(demo.first("svg") { $0.hasClass("plan-view") })
            XCTAssertEqual(try XCTUnwrap(demo.byId("not-placed")).all("li").map { $0["data-entity"] ?? "" }, demoModel.entities.ids)
        }
    }

    // MARK: - Languages, stability, escaping

    func testLabelsFollowTheLanguage() throws {
        let zh = try sheet(demoModel, .zhCN), en = try sheet(demoModel, .en)
        XCTAssertEqual(zh.first("html")?["lang"], "zh-CN")
        XCTAssertEqual(en.first("html")?["lang"], "en")
        XCTAssertEqual(zh.byId("procedure")?.allText, "操作步骤")
        XCTAssertEqual(en.byId("procedure")?.allText, "Procedure")
        XCTAssertEqual(zh.byId("faults")?.allText, "故障设置")
        XCTAssertEqual(en.byId("faults")?.allText, "Faults")
        XCTAssertEqual(zh.first("h1")?.allText, "储罐进料操作 — 教员说明书")
        XCTAssertEqual(en.first("h1")?.allText, "Feed tank filling — Instructor sheet")
        let zhStep = zh.byId("procedure-table")?.bodyRows.first?.first("td") { $0.hasClass("title") }?.allText
        let enStep = en.byId("procedure-table")?.bodyRows.first?.first("td") { $0.hasClass("title") }?.allText
        XCTAssertEqual(zhStep, "穿戴劳保用品ppe")
        XCTAssertEqual(enStep, "Put on PPEppe")
        XCTAssertEqual(zh.first("td") { $0.hasClass("discipline") }?.allText, "化工")
        XCTAssertEqual(en.first("td") { $0.hasClass("discipline") }?.allText, "Chemical")
        XCTAssertEqual(zh.first("td") { $0.hasClass("modes") }?.allText, "教学模式、练习模式、考核模式")
        XCTAssertEqual(en.first("td") { $0.hasClass("time-limit") }?.allText, "10 min (600 s)")
        XCTAssertEqual(en.first("td") { $0.hasClass("seed") }?.allText, "20261129")
        XCTAssertEqual(en.first("td") { $0.hasClass("sha") }?.allText, demoModel.sourceSHA256)
    }

    func testTheSameScenarioGivesTheSameBytes() throws {
        let model = try Self.compile(Self.planYAML)
        for lang in ReportLanguage.allCases {
            XCTAssertEqual(InstructorSheet(model: demoModel).html(language: lang), InstructorSheet.html(model: demoModel, language: lang))
            // A freshly compiled model (new dictionaries, new hash seeds) gives the same bytes.
            let again = try Self.compile(Self.planYAML)
            XCTAssertEqual(InstructorSheet(model: model).html(language: lang), InstructorSheet(model: again).html(language: lang))
        }
    }

    func testHostileNamesAreEscaped() throws {
        let hostile = #"<script>alert('x')</script> & "q" </td><b>"#
        let yaml = Self.planYAML
            .replacingOccurrences(of: "title: {zh: 平面图测试, en: Plan test}", with: "title: {zh: '\(hostile.replacingOccurrences(of: "'", with: "''"))', en: Plan test}")
            .replacingOccurrences(of: "name: {zh: 泵房, en: Pump room}", with: "name: {zh: '\(hostile.replacingOccurrences(of: "'", with: "''"))', en: Pump room}")
        let model = try Self.compile(yaml)
        let text = InstructorSheet(model: model).html(language: .zhCN)
        XCTAssertFalse(text.contains("<script"))
        XCTAssertFalse(text.contains("<b>"))
        let doc = try parseXML(text)
        XCTAssertTrue(doc.all("script").isEmpty)
        XCTAssertTrue(doc.all("b").isEmpty)
        XCTAssertEqual(doc.first("h1")?.allText, "\(hostile) — 教员说明书")
        XCTAssertEqual(doc.byId("entities-table")?.bodyRows.first { $0["data-entity"] == "room" }?.cells[2], hostile)
        // The zone's tooltip on the plan carries it too, escaped.
        let zone = try XCTUnwrap(doc.first("rect") { $0["data-entity"] == "room" })
        XCTAssertEqual(zone.first("title")?.allText.hasPrefix("room（\(hostile)）"), true)
    }

    /// Every bundled scenario that compiles (some may be work in progress) gives a well-formed
    /// sheet in both languages with one procedure row per step.
    func testBundledScenariosRender() throws {
        let dir = Repo.path("Scenarios")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        var rendered = 0
        for name in names {
            let path = "\(dir)/\(name)/scenario.yaml"
            guard FileManager.default.fileExists(atPath: path), let model = ScenarioCompiler.compile(path: path).model else { continue }
            for lang in ReportLanguage.allCases {
                let doc = try parseXML(InstructorSheet(model: model).html(language: lang))
                XCTAssertEqual(doc.byId("procedure-table")?.bodyRows.filter { $0.hasClass("step") }.count, model.procedure.count, name)
                XCTAssertEqual(doc.byId("entities-table")?.bodyRows.count, model.entities.count, name)
            }
            rendered += 1
        }
        XCTAssertGreaterThanOrEqual(rendered, 1)
    }

    /// A door between two gas rooms is drawn on the wall they share (y = 0 m here), not on the
    /// grid's edge (y = -3 m), where a boundary door on the same axis would be.
    func testADoorBetweenGasRoomsIsDrawnOnTheirSharedWall() throws {
        let model = try Self.compile("""
        id: rooms-plan
        title: {zh: 房间, en: Rooms}
        discipline: gas
        timeLimit: 2 min
        gas:
          origin: [0 m, -3 m, 0 m]
          size: [6 m, 7 m, 3 m]
          cellSize: 0.5 m
          species: [CH4]
          rooms:
            - {id: plant, from: [0 m, 0 m, 0 m], to: [6 m, 4 m, 3 m]}
            - {id: duty, from: [1 m, -3 m, 0 m], to: [5 m, 0 m, 3 m]}
        entities:
          - {id: desk, type: zone, room: duty, position: [3 m, -1.5 m, 0 m], size: [4 m, 3 m, 3 m]}
          - {id: D2, type: door, between: [plant, duty], position: [3 m, 0 m, 0 m], size: [1 m, 0.1 m, 2 m]}
        procedure:
          - {id: s, title: 步, done: D2.open, score: 10}
        """)
        let plan = try XCTUnwrap(try sheet(model, .en).first("svg") { $0.hasClass("plan-view") })
        let g = Geometry(plan)
        let door = try XCTUnwrap(plan.first { $0["data-entity"] == "D2" })
        XCTAssertEqual(door.name, "line")
        XCTAssertEqual(Double(door["y1"] ?? "") ?? .nan, g.py(0), accuracy: 0.02)
        XCTAssertEqual(Double(door["y2"] ?? "") ?? .nan, g.py(0), accuracy: 0.02)
        XCTAssertEqual(Double(door["x1"] ?? "") ?? .nan, g.px(2.5), accuracy: 0.02)
    }
}
