import Foundation
import HazLabCore
import HazLabRecords
import HazLabRender
import HazLabRunner
import HazLabScenario
import HazLabScoring
@testable import HazLabWorkstation
import XCTest

final class ViewerTests: XCTestCase {
    func workstation(_ name: String, mode: TrainingMode = .practice, replay: String? = nil, width: Int = 1280, height: Int = 720) throws -> Workstation {
        let m = try Fixture.model(name)
        let j = try replay.map { try Journal.read(path: Fixture.runPath(name, $0)) }
        let s = Session(model: m, mode: mode, seed: j?.header.seed, replay: j)
        return Workstation(session: s, fonts: try Fixture.fonts(), width: width, height: height)
    }

    /// Points the orbit camera at `row` from the first viewpoint where nothing is in front of
    /// it (by picking through the input layer's ray); returns the pixel of its centre.
    func aim(_ ws: Workstation, at row: Int, distance: Float = 3) -> SIMD2<Float>? {
        guard let a = ws.scene.anchor(row) else { return nil }
        for pitch: Float in [-0.35, -0.8, -1.3] {
            for k in 0..<8 {
                var c = Camera()
                c.mode = .orbit; c.target = a; c.distance = distance; c.pitch = pitch; c.yaw = Float(k) * .pi / 4
                ws.camera = c
                guard let p = c.project(a, width: Float(ws.width), height: Float(ws.height)) else { continue }
                if ws.pick(x: p.x, y: p.y) == row { return p }
            }
        }
        return nil
    }

    func classify(_ img: Image, around p: SIMD2<Float>) -> Palette.Electrical {
        var votes: [Palette.Electrical: Int] = [:]
        for dy in -3...3 { for dx in -3...3 {
            let px = img.pixel(x: Int(p.x) + dx, y: Int(p.y) + dy)
            votes[Palette.nearestElectrical(r: px.r, g: px.g, b: px.b), default: 0] += 1
        } }
        return votes.max { $0.value < $1.value || ($0.value == $1.value && "\($0.key)" > "\($1.key)") }!.key
    }

    // MARK: - Offscreen renders

    func testEveryScenarioRendersItsRoomAndTheCJKTitle() throws {
        let rig = try OffscreenRig()
        for name in Fixture.scenarioNames {
            let ws = try workstation(name, width: 640, height: 360)
            let img = try rig.render(ws)
            var colours = Set<UInt32>()
            var background = 0
            let bg = img.pixel(x: 320, y: 358)
            for y in stride(from: 0, to: img.height, by: 2) { for x in stride(from: 0, to: img.width, by: 2) {
                let p = img.pixel(x: x, y: y)
                colours.insert(UInt32(p.r) << 16 | UInt32(p.g) << 8 | UInt32(p.b))
                if p.r == 41 && p.g == 46 && p.b == 54 { background += 1 }
            } }
            XCTAssertGreaterThan(colours.count, 200, "\(name): the image is nearly flat")
            XCTAssertLessThan(Double(background) / Double(img.width * img.height / 4), 0.8, "\(name): mostly background")
            _ = bg
            // The room's floor is drawn where the room's centre projects.
            let r = ws.scene.layout.room
            if let p = ws.camera.project(V3(r.centre.x, r.centre.y, 0), width: 640, height: 360), p.x > 0, p.x < 640, p.y > 50, p.y < 360 {
                let px = img.pixel(x: Int(p.x), y: Int(p.y))
                XCTAssertFalse(px.r == 41 && px.g == 46 && px.b == 54, "\(name): no floor at the room's centre")
            }
            // The Chinese title is drawn in the top bar; switching to English changes those pixels.
            let titleWidth = Int(ws.fonts.width(ws.text(ws.model.text.title), .large))
            func bright(_ im: Image) -> Int {
                var n = 0
                for y in 6..<40 { for x in 14..<min(14 + titleWidth, 600) { let p = im.pixel(x: x, y: y); if min(p.r, p.g, p.b) > 170 { n += 1 } } }
                return n
            }
            XCTAssertGreaterThan(bright(img), 80, "\(name): no title text in the HUD")
            ws.language = .en
            let en = try rig.render(ws)
            var differ = 0
            for y in 6..<40 { for x in 14..<300 where img.pixel(x: x, y: y) != en.pixel(x: x, y: y) { differ += 1 } }
            XCTAssertGreaterThan(differ, 100, "\(name): the zh and en titles draw the same pixels")
        }
    }

    /// Every entity that can be seen in every scenario is drawn where it projects: removing its
    /// draws from the frame changes the pixels at its projected centre.
    func testEveryVisibleEntityIsDrawnAtItsProjectedCentre() throws {
        let rig = try OffscreenRig()
        var checked = 0
        for name in Fixture.scenarioNames {
            let ws = try workstation(name, width: 320, height: 180)
            for row in 0..<ws.model.entities.count where ws.model.entities.kinds[row] != .zone {
                guard let box = ws.scene.layout.placements[row]?.box else { continue }
                // Two entities in one box (two alarms on one panel) cannot be told apart by pixels.
                if ws.scene.layout.placements.enumerated().contains(where: { $0.offset != row && $0.element?.box == box }) { continue }
                guard let p = aim(ws, at: row, distance: 2.5) else { continue }
                let frame = ws.sceneFrame()
                var without = frame
                without.draws.removeAll { $0.entity == Int32(row) }
                guard without.draws.count < frame.draws.count else { continue }   // nothing of its own to draw now (worn PPE…)
                let a = try rig.render(ws, frame: frame, samples: 0), b = try rig.render(ws, frame: without, samples: 0)
                var changed = 0
                for dy in -2...2 { for dx in -2...2 where a.pixel(x: Int(p.x) + dx, y: Int(p.y) + dy) != b.pixel(x: Int(p.x) + dx, y: Int(p.y) + dy) { changed += 1 } }
                XCTAssertGreaterThan(changed, 0, "\(name): \(ws.model.entities.ids[row]) is not drawn at its projected centre")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 120)
    }

    /// G shows the gas on the floor: with a leak running, the heatmap changes the picture and is
    /// reddest where the gas is (the heatmap's maximum column).
    func testTheGasHeatmapShowsWhereTheGasIs() throws {
        let rig = try OffscreenRig()
        let ws = try workstation("boiler-room-gas-leak", replay: "fatal", width: 640, height: 360)
        try ws.fastForward(toTick: ws.model.ticks(seconds: 400))
        let heat = try XCTUnwrap(ws.scene.heatmap(ws.state))
        let k = heat.values.indices.max { heat.values[$0] < heat.values[$1] }!
        XCTAssertGreaterThan(heat.values[k], 0.5)
        let hot = heat.origin + V3((Float(k % heat.nx) + 0.5) * heat.cellSize, (Float(k / heat.nx) + 0.5) * heat.cellSize, 0)
        var c = Camera(); c.mode = .orbit; c.target = V3(hot.x, hot.y, 0); c.distance = 3; c.pitch = -1.55
        ws.camera = c
        let off = try rig.render(ws, samples: 0)
        ws.showGas = true
        let on = try rig.render(ws, samples: 0)
        XCTAssertNotEqual(off.rgba, on.rgba)
        // Somewhere near the hottest column the floor turns red (red channel well above green).
        var reddest = -255
        for dy in stride(from: -40, through: 40, by: 4) { for dx in stride(from: -40, through: 40, by: 4) {
            let p = on.pixel(x: 320 + dx, y: 180 + dy); reddest = max(reddest, Int(p.r) - Int(p.g))
        } }
        XCTAssertGreaterThan(reddest, 60)
    }

    func testTheSameFrameRendersToTheSameBytes() throws {
        let rig = try OffscreenRig()
        let a = try rig.render(try workstation("boiler-room-gas-leak", replay: "mistakes", width: 480, height: 270))
        let b = try rig.render(try workstation("boiler-room-gas-leak", replay: "mistakes", width: 480, height: 270))
        XCTAssertEqual(a.rgba, b.rgba)
        XCTAssertEqual(PNG.encode(a), PNG.encode(b))
    }

    /// A bus shows energized (red, striped) while live, and the earthed colour once the perfect
    /// run has isolated and earthed it — in the rendered pixels at its projected centre.
    func testABusChangesFromEnergizedToEarthedOnScreen() throws {
        let rig = try OffscreenRig()
        let m = try Fixture.model("switchgear-maintenance")
        let journal = try Journal.read(path: Fixture.runPath("switchgear-maintenance", "perfect"))
        // Find a bus live at the start that the run earths (and isolates), and when.
        let s0 = State(model: m, seed: journal.header.seed)
        let scene = Scene(model: m)
        var earthedAt: [Int: Int64] = [:]
        let buses = (0..<m.entities.count).filter { m.entities.kinds[$0] == .bus && scene.electrical(row: $0, in: s0) == .energized && scene.anchor($0) != nil }
        _ = Runner.replay(m, journal: journal) { st, _ in
            for b in buses where earthedAt[b] == nil && scene.electrical(row: b, in: st) == .earthed { earthedAt[b] = st.tick }
        }
        guard let bus = buses.first(where: { earthedAt[$0] != nil }) else { return XCTFail("no bus goes from energized to earthed") }

        let ws = try workstation("switchgear-maintenance", replay: "perfect", width: 800, height: 450)
        guard let p0 = aim(ws, at: bus) else { return XCTFail("\(m.entities.ids[bus]) is hidden from every viewpoint") }
        XCTAssertEqual(classify(try rig.render(ws), around: p0), .energized, "\(m.entities.ids[bus]) at tick 0")
        try ws.fastForward(toTick: earthedAt[bus]! + 1)
        XCTAssertEqual(scene.electrical(row: bus, in: ws.state), .earthed)
        guard let p1 = aim(ws, at: bus) else { return XCTFail("hidden after earthing") }
        XCTAssertEqual(classify(try rig.render(ws), around: p1), .earthed, "\(m.entities.ids[bus]) after earthing")
    }

    func testATankShowsItsLiquidLevel() throws {
        let rig = try OffscreenRig()
        let ws = try workstation("tank-filling", width: 800, height: 450)
        let m = ws.model
        let tank = Int(m.tanks.entity[0])
        let p = ws.scene.layout.placements[tank]!
        // Look at the tank from the side, at a point low in the liquid and one high above it.
        var c = Camera(); c.mode = .orbit; c.target = p.base + V3(0, 0, p.size.z / 2); c.distance = p.size.z * 2.2; c.pitch = -0.05; c.yaw = 0
        ws.camera = c
        let fill = Float(ws.state.tankFill[0])
        let low = c.project(p.base + V3(0, -p.size.y / 2, p.size.z * fill * 0.5), width: 800, height: 450)!
        let high = c.project(p.base + V3(0, -p.size.y / 2, p.size.z * min(0.95, fill + 0.3)), width: 800, height: 450)!
        let img = try rig.render(ws, samples: 0)
        func blueness(_ q: SIMD2<Float>) -> Int { let px = img.pixel(x: Int(q.x), y: Int(q.y)); return Int(px.b) - Int(px.r) }
        XCTAssertGreaterThan(blueness(low), 60, "no liquid below the level")
        XCTAssertLessThan(blueness(high), blueness(low) - 40, "liquid drawn above the level")
    }

    // MARK: - Picking

    /// A click at an entity's projected centre picks it, for every entity nothing stands over
    /// in every scenario (seen from above, through the input layer).
    func testAClickAtAnEntitysProjectedCentrePicksIt() throws {
        var checked = 0
        for name in Fixture.scenarioNames {
            let ws = try workstation(name)
            let lay = ws.scene.layout
            for (row, p) in lay.placements.enumerated() {
                guard let p, ws.model.entities.kinds[row] != .zone else { continue }
                let top = p.box
                let cx = top.centre.x, cy = top.centre.y
                let covered = lay.placements.enumerated().contains { other, q in
                    guard other != row, let q, ws.model.entities.kinds[other] != .zone else { return false }
                    return q.box.hi.z >= top.hi.z - 1e-4 && cx >= q.box.lo.x && cx <= q.box.hi.x && cy >= q.box.lo.y && cy <= q.box.hi.y
                }
                if covered { continue }
                var c = Camera(); c.mode = .orbit; c.target = V3(cx, cy, top.hi.z); c.distance = 4; c.pitch = -1.569; c.yaw = 0.3
                ws.camera = c
                guard let px = c.project(V3(cx, cy, top.hi.z), width: 1280, height: 720) else { XCTFail("behind the camera"); continue }
                try ws.handle(.key(.escape, down: true)); try ws.handle(.key(.escape, down: false))
                try ws.handle(.mouseMove(x: px.x, y: px.y))
                XCTAssertEqual(ws.hover, row, "\(name): hovering \(ws.model.entities.ids[row])")
                try ws.handle(.mouseDown(.left, x: px.x, y: px.y))
                try ws.handle(.mouseUp(.left, x: px.x, y: px.y))
                if !VerbMenu.verbs(for: row, model: ws.model, state: ws.state).isEmpty {
                    XCTAssertEqual(ws.menu?.row, row, "\(name): clicking \(ws.model.entities.ids[row])")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 60)
    }

    // MARK: - Viewer against headless

    /// Scripted input through the input layer (PPE panel clicks, walking, context menus, a
    /// slider, a hint, submit) writes a journal whose headless replay reaches the same state
    /// hash as the viewer; local grading agrees and queues the result for export.
    func testScriptedInputGivesAJournalThatReplaysToTheViewersState() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-viewer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let m = try Fixture.model("tank-filling")
        var header = Journal.Header(scenario: m.id, scenarioSHA256: m.sourceSHA256, seed: m.defaultSeed, mode: "practice", student: "s1", workstation: "ws-test")
        header.attempt = "viewer-test-1"
        header.started = "2026-11-29T08:00:00.000Z"
        let path = tmp.appendingPathComponent("s1.jsonl").path
        let session = Session(model: m, mode: .practice, writer: try JournalWriter(path: path, header: header))
        let ws = Workstation(session: session, fonts: try Fixture.fonts())
        func tap(_ k: Key) throws { try ws.handle(.key(k, down: true)); try ws.handle(.key(k, down: false)) }
        func click(_ x: Float, _ y: Float) throws { try ws.handle(.mouseDown(.left, x: x, y: y)); try ws.handle(.mouseUp(.left, x: x, y: y)) }
        func wait(_ seconds: Double) throws { for _ in 0..<Int(seconds * 20) { try ws.handle(.elapse(0.05)) } }
        func region(_ want: Workstation.UIAction) -> SIMD2<Float>? {
            ws.layoutHUD()
            return ws.regions.first { $0.action == want }.map { SIMD2($0.x + $0.w / 2, $0.y + $0.h / 2) }
        }
        func operate(_ id: String, item: Int) throws {
            let row = Int(m.entityIndex[id]!)
            guard let p = aim(ws, at: row) else { return XCTFail("cannot see \(id)") }
            try click(p.x, p.y)
            XCTAssertEqual(ws.menu?.row, row, "menu for \(id)")
            try tap([Key.one, .two, .three, .four][item - 1])
        }

        // PPE from the panel.
        try tap(.p)
        for e in m.ppeEntities {
            guard let c = region(.verb(.wear, Int(e))) else { XCTFail("no wear button for \(m.entities.ids[Int(e)])"); continue }
            try click(c.x, c.y)
        }
        try tap(.p)
        try wait(1)
        // Walk to the tank farm: turn toward it with a right-drag, hold W.
        try tap(.tab)
        XCTAssertEqual(ws.camera.mode, .walk)
        let farm = Int(m.entityIndex["tank_farm"]!)
        let goal = ws.scene.layout.placements[farm]!.base
        let d = goal - ws.camera.position
        let yaw = atan2(d.x, d.y)
        try ws.handle(.mouseDown(.right, x: 640, y: 360))
        try ws.handle(.mouseMove(x: 640 + (yaw - ws.camera.yaw) / 0.005, y: 360))
        try ws.handle(.mouseUp(.right, x: 0, y: 0))
        try ws.handle(.key(.w, down: true))
        var walked = 0.0
        while ws.reportedZone != Int32(farm) && walked < 30 { try ws.handle(.elapse(0.1)); walked += 0.1 }
        try ws.handle(.key(.w, down: false))
        XCTAssertEqual(ws.reportedZone, Int32(farm), "walking did not reach the tank farm")
        try tap(.tab)
        // Open the inlet valve, start the pump, ask for a hint, later stop the pump.
        try operate("XV101", item: 1)
        try wait(5)
        try operate("P101", item: 1)
        try tap(.h)
        try wait(40)
        try operate("P101", item: 2)
        // Set the outlet valve to 50 % with the slider.
        try operate("XV102", item: 3)
        XCTAssertNotNil(ws.slider)
        if let track = ws.sliderTrackForTests() {
            try ws.handle(.mouseDown(.left, x: track.x + track.w * 0.5, y: track.y + track.h / 2))
            try ws.handle(.mouseUp(.left, x: 0, y: 0))
        }
        try tap(.enter)
        try wait(2)
        // Submit (twice: the first press only arms it).
        try tap(.f10)
        XCTAssertFalse(session.ended)
        try tap(.f10)
        try wait(0.5)
        XCTAssertTrue(session.ended)
        XCTAssertEqual(ws.state.endReason, .submitted)
        XCTAssertTrue(session.finished)

        let journal = try Journal.read(path: path)
        XCTAssertEqual(journal.actions, session.actions)
        let verbs = journal.actions.map(\.verb)
        for v in ["wear", "move-to", "open", "start", "stop", "set", "hint", "submit"] { XCTAssertTrue(verbs.contains(v), "no \(v) in \(verbs)") }
        XCTAssertEqual(journal.actions.first { $0.verb == "set" }?.number, 0.5)
        XCTAssertEqual(journal.trailer?.stateHash, ws.state.hash.hex16)
        let replay = Runner.replay(m, journal: journal)
        XCTAssertEqual(replay.stateHash, ws.state.hash, "headless replay differs from the viewer")
        XCTAssertEqual(replay.ticks, ws.state.tick)
        XCTAssertEqual(replay.score.total, session.score.total)

        let store = tmp.appendingPathComponent("results.sqlite").path
        let bytes = [UInt8](FileManager.default.contents(atPath: Fixture.scenarioPath("tank-filling"))!)
        let graded = try LocalGrading.grade(journal: path, model: m, scenarioPath: Fixture.scenarioPath("tank-filling"),
                                            scenarioBytes: bytes, store: store, actor: "workstation:ws-test")
        XCTAssertEqual(graded.stateHash, ws.state.hash.hex16)
        XCTAssertGreaterThan(graded.queued, 3)
        XCTAssertEqual(try ResultsStore(path: store).attempts().map(\.attempt), ["viewer-test-1"])
    }

    // MARK: - Timing and modes

    func testTheFixedTimestepIsIndependentOfFrameTimes() throws {
        let m = try Fixture.model("tank-filling")
        let a = Session(model: m, mode: .practice), b = Session(model: m, mode: .practice)
        var total = 0.0
        for k in 0..<400 { let dt = [0.016, 0.033, 0.007, 0.1, 0.0][k % 5]; try a.advance(seconds: dt); total += dt }
        for _ in 0..<80 { try b.advance(seconds: 0.156) }
        XCTAssertEqual(a.state.tick, Int64((total / m.secondsPerTick + 1e-9).rounded(.down)))
        XCTAssertEqual(a.state.tick, b.state.tick)
        XCTAssertEqual(a.state.hash, b.state.hash)
    }

    func testModesLimitPauseSpeedAndHints() throws {
        let m = try Fixture.model("tank-filling")
        let exam = Session(model: m, mode: .exam), teach = Session(model: m, mode: .teaching), prac = Session(model: m, mode: .practice)
        exam.togglePause(); exam.setSpeed(4)
        XCTAssertFalse(exam.paused); XCTAssertEqual(exam.speed, 1)
        teach.setSpeed(4)
        XCTAssertEqual(teach.speed, 4)
        try teach.advance(seconds: 1)
        XCTAssertEqual(teach.state.tick, 40)
        prac.setSpeed(2); prac.togglePause()
        XCTAssertEqual(prac.speed, 1); XCTAssertTrue(prac.paused)
        XCTAssertEqual(try prac.advance(seconds: 1), 0)
        // Exam: H asks for nothing; the checklist is not shown.
        let ws = Workstation(session: exam, fonts: try Fixture.fonts())
        try ws.handle(.key(.h, down: true))
        XCTAssertTrue(exam.actions.isEmpty)
        let texts = ws.overlay().items.compactMap { if case let .text(s, _, _, _, _) = $0 { return s } else { return nil } }
        XCTAssertFalse(texts.contains(ws.text(UIStrings.procedure)))
        let pws = Workstation(session: Session(model: m, mode: .practice), fonts: try Fixture.fonts())
        let ptexts = pws.overlay().items.compactMap { if case let .text(s, _, _, _, _) = $0 { return s } else { return nil } }
        XCTAssertTrue(ptexts.contains(pws.text(UIStrings.procedure)))
    }

    func testTheExamReportWaitsForSubmission() throws {
        let m = try Fixture.model("tank-filling")
        func texts(_ ws: Workstation) -> String {
            ws.overlay().items.compactMap { if case let .text(s, _, _, _, _) = $0 { return s } else { return nil } }.joined(separator: "\n")
        }
        let idle = Session(model: m, mode: .exam)
        try idle.run(toTick: m.timeLimitTicks + 1)
        let a = Workstation(session: idle, fonts: try Fixture.fonts())
        XCTAssertEqual(idle.state.endReason, .timeLimit)
        XCTAssertTrue(texts(a).contains(a.text(UIStrings.examHidden)))
        XCTAssertFalse(texts(a).contains(a.text(UIStrings.result)))
        let sub = Session(model: m, mode: .exam)
        try sub.perform("submit", "")
        try sub.stepOnce()
        let b = Workstation(session: sub, fonts: try Fixture.fonts())
        XCTAssertTrue(texts(b).contains(b.text(UIStrings.result)))
    }

    // MARK: - Scene contents (no GL)

    func testTheSceneShowsStateWithoutWritingIt() throws {
        let m = try Fixture.model("tank-filling")
        let scene = Scene(model: m)
        var s = State(model: m)
        let before = s.hash
        let valve = Int(m.entityIndex["XV101"]!)
        func wheel(_ st: State) -> Mat4? { scene.frame(state: st, eye: V3(0, -20, 10)).draws.first { $0.entity == Int32(valve) && $0.mesh == .torus }?.transform }
        let closed = wheel(s)
        s.valvePosition[Int(m.entities.local[valve])] = 1
        XCTAssertNotEqual(closed, wheel(s), "the handwheel does not turn with the valve")
        XCTAssertNotEqual(before, s.hash)
        let fresh = State(model: m)
        _ = scene.frame(state: fresh, eye: V3(0, -20, 10), showGas: true)
        XCTAssertEqual(fresh.hash, before)
        // Every visible entity of a scenario without a layout is placed inside the room.
        for row in 0..<m.entities.count where ![.timer, .link].contains(m.entities.kinds[row]) {
            guard let p = scene.layout.placements[row] else { XCTFail("\(m.entities.ids[row]) not placed"); continue }
            XCTAssertTrue(scene.layout.automatic[row])
            let r = scene.layout.room
            XCTAssertTrue(p.base.x >= r.lo.x && p.base.x <= r.hi.x && p.base.y >= r.lo.y && p.base.y <= r.hi.y, m.entities.ids[row])
        }
    }

    /// Gas detectors read in their own unit; oxygen in %vol, judged low below 19.5 %.
    func testGasDetectorsReadInTheirOwnUnits() throws {
        let m = try Fixture.model("confined-space-entry")
        let scene = Scene(model: m)
        let s = State(model: m)
        let o2 = Int(m.entityIndex["GT_O2_top"]!)
        XCTAssertEqual(scene.detectorText(row: o2, value: 0.209), "20.9 %")
        XCTAssertEqual(scene.detectorLevel(row: o2, value: 0.209), 0)
        XCTAssertEqual(scene.detectorLevel(row: o2, value: 0.18), 2)
        var units = Set<String>()
        for row in 0..<m.entities.count where m.entities.kinds[row] == .detector {
            let text = try XCTUnwrap(scene.detectorText(row: row, value: s.detectorValue[Int(m.entities.local[row])]))
            units.insert(String(text.split(separator: " ").last!))
        }
        XCTAssertTrue(units.isSuperset(of: ["%", "%LEL", "ppm"]), "\(units)")
        XCTAssertNil(scene.detectorText(row: Int(m.entityIndex[m.entities.ids.first { m.entityIndex[$0].map { m.entities.kinds[Int($0)] == .zone } ?? false }!]!), value: 0))
    }

    func testElectricalStatesDifferInPatternAsWellAsColour() {
        let states: [Palette.Electrical] = [.energized, .isolated, .earthed]
        XCTAssertEqual(Set(states.map(\.pattern.rawValue)).count, 3)
        for s in states {
            let c = s.color
            XCTAssertEqual(Palette.nearestElectrical(r: UInt8(c.x * 255), g: UInt8(c.y * 255), b: UInt8(c.z * 255)), s)
            XCTAssertEqual(Palette.nearestElectrical(r: UInt8(c.x * 120), g: UInt8(c.y * 120), b: UInt8(c.z * 120)), s, "shading changes the class")
        }
    }
}

final class HUDGlyphTests: XCTestCase {
    /// Every symbol the HUD draws exists in the CJK font (none falls back to the missing box).
    func testTheHUDsSymbolsAreInTheFont() throws {
        let atlas = try Fixture.fonts().atlas(.normal)
        let missing = atlas.glyph(for: Unicode.Scalar(0x10FFFD)!)
        for ch in "✓▶○■□−…₂°³×—中文" {
            for u in ch.unicodeScalars { XCTAssertNotEqual(atlas.glyph(for: u), missing, "U+\(String(u.value, radix: 16)) \(ch) is missing") }
        }
    }
}

final class MeshAssetTests: XCTestCase {
    func tankFilling(mesh: String) throws -> (Model?, [String]) {
        let text = try String(contentsOfFile: Fixture.scenarioPath("tank-filling"), encoding: .utf8)
        let edited = text.replacingOccurrences(of: "    name: {zh: 安全帽, en: Safety helmet}\n",
                                               with: "    name: {zh: 安全帽, en: Safety helmet}\n    mesh: \(mesh)\n")
        XCTAssertNotEqual(edited, text)
        let r = ScenarioCompiler.compile(bytes: Array(edited.utf8), path: "edited/scenario.yaml")
        return (r.model, r.errors.map { "\($0)" })
    }

    func testAnEntityCanBeDrawnWithAnOBJMeshFromAssets() throws {
        let assets = Fixture.repoRoot.appendingPathComponent("Assets/meshes").path
        let (m0, errors) = try tankFilling(mesh: "fire-extinguisher.obj")
        let m = try XCTUnwrap(m0, "\(errors)")
        let helmet = Int(m.entityIndex["helmet"]!)
        let scene = Scene(model: m, assetFolders: ["/nonexistent", assets])
        XCTAssertEqual(scene.assetWarnings, [])
        XCTAssertGreaterThanOrEqual(scene.assetOfEntity[helmet], 0)
        let frame = scene.frame(state: State(model: m), eye: V3(0, -30, 20))
        XCTAssertTrue(frame.draws.contains { $0.entity == Int32(helmet) && $0.asset >= 0 })

        // On screen: the OBJ draws different pixels from the built-in shape.
        let rig = try OffscreenRig()
        func image(_ folders: [String]) throws -> Image {
            let ws = Workstation(session: Session(model: m, mode: .practice), fonts: try Fixture.fonts(), width: 480, height: 270, assetFolders: folders)
            let p = ws.scene.layout.placements[helmet]!
            var c = Camera(); c.mode = .orbit; c.target = p.centre; c.distance = 1.2; c.pitch = -0.2
            ws.camera = c
            return try rig.render(ws, samples: 0)
        }
        let withMesh = try image([assets]), builtIn = try image([])
        var differ = 0
        for y in 60..<270 { for x in 140..<340 where withMesh.pixel(x: x, y: y) != builtIn.pixel(x: x, y: y) { differ += 1 } }
        XCTAssertGreaterThan(differ, 500)
    }

    func testAMissingMeshWarnsAndABadPathIsACompileError() throws {
        let (m0, _) = try tankFilling(mesh: "no-such-mesh.obj")
        let m = try XCTUnwrap(m0)
        let scene = Scene(model: m, assetFolders: [Fixture.repoRoot.appendingPathComponent("Assets/meshes").path])
        XCTAssertEqual(scene.assetWarnings.count, 1)
        XCTAssertTrue(scene.assetWarnings[0].contains("helmet.mesh: no-such-mesh.obj not found"), scene.assetWarnings[0])
        XCTAssertTrue(scene.frame(state: State(model: m), eye: V3(0, -30, 20)).draws.contains { $0.entity == Int32(m.entityIndex["helmet"]!) })
        let (bad, errors) = try tankFilling(mesh: "../../secret.obj")
        XCTAssertNil(bad)
        XCTAssertTrue(errors.contains { $0.contains("edited/scenario.yaml:") && $0.contains("helmet.mesh") }, "\(errors)")
    }
}
