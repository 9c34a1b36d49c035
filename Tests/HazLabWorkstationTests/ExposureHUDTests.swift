import Foundation
import HazLabCore
import HazLabRecords
import HazLabRender
import HazLabScenario
@testable import HazLabWorkstation
import XCTest

/// Issue 13, item 4 and the small items of 7, as the student sees them.
final class ExposureHUDTests: XCTestCase {
    func workstation(_ name: String, replay: String) throws -> Workstation {
        let m = try Fixture.model(name)
        let j = try Journal.read(path: Fixture.runPath(name, replay))
        return Workstation(session: Session(model: m, mode: .practice, seed: j.header.seed, replay: j), fonts: try Fixture.fonts(), width: 1280, height: 720)
    }

    func texts(_ o: Overlay) -> [String] {
        o.items.compactMap { if case .text(let s, _, _, _, _) = $0 { return s } else { return nil } }
    }

    /// The defect: with SCBA on, the handheld showed what the trainee inhaled — 0 for every gas.
    func testTheHandheldReadsTheAirInsideTheTankWithBreathingApparatusOn() throws {
        let ws = try workstation("confined-space-entry", replay: "perfect")
        let m = ws.model
        let inside = try XCTUnwrap(m.entityIndex["tank_inside"])
        // Walk the perfect run until the trainee has been in the tank, wearing SCBA, for a while.
        var checked = false
        while !ws.session.ended && ws.state.tick < m.ticks(seconds: 1500) {
            try ws.fastForward(toTick: ws.state.tick + 100)
            guard ws.state.traineeZone == inside else { continue }
            let spec = try XCTUnwrap(m.gas?.spec)
            XCTAssert(ws.state.traineeConcentration.allSatisfy { $0 == 0 }, "SCBA: nothing inhaled")
            XCTAssert(ws.state.traineeAir.contains { $0 > 0 }, "the tank's air is not clean")
            let lines = texts(ws.overlay())
            for (k, sp) in spec.species.enumerated() {
                let expected = "\(sp.name)  " + HUDFormat.handheld(sp, fraction: ws.state.traineeAir[k]).text
                XCTAssert(lines.contains(expected), "\(expected) not on the HUD: \(lines.filter { $0.hasPrefix(sp.name) })")
            }
            let h2s = try XCTUnwrap(spec.species.firstIndex { $0.name == "H2S" })
            XCTAssertGreaterThan(ws.state.traineeAir[h2s], 0)
            XCTAssertFalse(lines.contains("H2S  0.000 ppm"), "the handheld reads the air, not the mask")
            checked = true
            break
        }
        XCTAssert(checked, "the perfect run never entered the tank")
    }

    func testTheAccidentMessageNamesTheGas() throws {
        let ws = try workstation("confined-space-entry", replay: "fatal")
        ws.language = .en
        try ws.fastForward(toTick: ws.model.ticks(seconds: 610))
        XCTAssert(texts(ws.overlay()).contains("Accident: injury (H2S)"), "\(texts(ws.overlay()).filter { $0.hasPrefix("Accident") })")
    }

    /// The defect: a measured detector read "Measured GT_H2S_top: 0.000" (a bare volume fraction).
    func testAMeasurementMessageCarriesItsUnit() throws {
        let ws = try workstation("confined-space-entry", replay: "perfect")
        let m = ws.model
        let h2s = try XCTUnwrap(m.entityIndex["GT_H2S_top"])
        XCTAssertEqual(ws.measurementText(Event(tick: 0, kind: .measurement, subject: h2s, value: 3e-6)), "3.00 ppm")
        let o2 = try XCTUnwrap(m.entityIndex["GT_O2_top"])
        XCTAssertEqual(ws.measurementText(Event(tick: 0, kind: .measurement, subject: o2, value: 0.195)), "19.5 %")
        let tank = try XCTUnwrap(m.entities.ids.indices.first { m.entities.kinds[$0] == .tank })
        XCTAssertEqual(ws.measurementText(Event(tick: 0, kind: .measurement, subject: Int32(tank), value: 0.25)), "0.250 m")
    }

    func testEveryReadingCarriesItsUnit() {
        XCTAssertEqual(HUDFormat.reading(90.4, .current), "90.4 A")
        XCTAssertEqual(HUDFormat.reading(2500, .power), "2.50 kW")
        XCTAssertEqual(HUDFormat.reading(12, .time), "12.0 s")
        XCTAssertEqual(HUDFormat.reading(1, .none), "1.00", "a level switch or a count has no unit")
        XCTAssert(HUDFormat.reading(3, Dimension(length: -3, amount: 1)).hasSuffix("m^-3·mol"))
        // The switchgear ammeter measures current: its gauge reads in A.
        for name in ["switchgear-maintenance"] {
            guard let m = try? Fixture.model(name) else { continue }
            for i in 0..<m.sensors.count where m.sensors.dimension[i] == .current {
                XCTAssert(HUDFormat.reading(91, m.sensors.dimension[i]).hasSuffix(" A"))
            }
        }
    }

    func testReadingsAboveTheRangeSaturateOnTheGauges() throws {
        let m = try Fixture.model("boiler-room-gas-leak")
        let scene = Scene(model: m)
        let gd = try XCTUnwrap(m.entityIndex["GD1"])
        XCTAssertEqual(scene.detectorText(row: Int(gd), value: 5.72), ">100 %LEL OVER", "572 %LEL is off scale")
        XCTAssertEqual(scene.detectorText(row: Int(gd), value: 0.954), "95.4 %LEL")
        XCTAssertEqual(scene.detectorLevel(row: Int(gd), value: 0.25), 1)
        XCTAssertEqual(scene.detectorLevel(row: Int(gd), value: 0.55), 2)
        // A toxic channel: amber from its TWA (H2S: none, so half its 10 ppm ceiling), red from the ceiling.
        let cs = try Fixture.model("confined-space-entry")
        let h2s = Int(try XCTUnwrap(cs.entityIndex["GT_H2S_top"]))
        let csScene = Scene(model: cs)
        XCTAssertEqual(csScene.detectorLevel(row: h2s, value: 4e-6), 0)
        XCTAssertEqual(csScene.detectorLevel(row: h2s, value: 7e-6), 1)
        XCTAssertEqual(csScene.detectorLevel(row: h2s, value: 12e-6), 2)
        XCTAssertEqual(csScene.detectorText(row: h2s, value: 250e-6), ">200 ppm OVER")
        let ch4 = GasSpecies.methane
        XCTAssertEqual(HUDFormat.handheld(ch4, fraction: 0.2).text, ">100 %LEL OVER")
    }

    /// The defect: after XV1 was shut the leak's tooltip still said "rate 5.00 m³/h · active".
    func testALeakBehindAClosedValveSaysItHasStopped() throws {
        let ws = try workstation("boiler-room-gas-leak", replay: "perfect")
        ws.language = .en
        let m = ws.model
        let leak = try XCTUnwrap(m.entities.ids.indices.first { m.entities.kinds[$0] == .leak })
        try ws.fastForward(toTick: 1300)
        let xv1 = Int(m.entities.local[Int(m.entityIndex["XV1"]!)])
        XCTAssertEqual(ws.state.valvePosition[xv1], 0, "the perfect run has closed XV1 by now")
        XCTAssertGreaterThan(ws.state.leakRate[Int(m.entities.local[leak])], 0, "the leak's own rate is still set")
        let line = ws.stateLine(leak)
        XCTAssertEqual(line, "stopped — valve XV1 closed")
    }

    /// The defect: the heatmap divided every gas by its LEL, so 4 × IDLH of NH3 (0.8 %LEL) was invisible.
    func testALethalToxicCloudIsNotTheColourOfCleanAir() throws {
        let text = """
        id: nh3
        title: {zh: 氨, en: NH3}
        discipline: general
        timeLimit: 1 min
        gas: {size: [4 m, 4 m, 3 m], cellSize: 0.5 m, species: [NH3]}
        entities:
          - {id: room, type: zone, position: [2 m, 2 m, 0 m]}
        procedure:
          - {id: s, title: 一, done: room.occupied, score: 10}
        """
        let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "nh3.yaml")
        let m = try XCTUnwrap(r.model, "\(r.errors)")
        var s = State(model: m)
        s.gas!.set(1, 1, 1, species: 0, to: 4 * 300e-6)   // 4 × IDLH
        s.gas!.set(5, 5, 0, species: 0, to: 30e-6)        // between TWA and STEL
        let heat = try XCTUnwrap(Scene(model: m).heatmap(s))
        let hot = heat.values[1 * heat.nx + 1], mild = heat.values[5 * heat.nx + 5], clean = heat.values[7 * heat.nx + 0]
        XCTAssertGreaterThanOrEqual(hot, 2, "purple: twice IDLH and more")
        XCTAssert(mild > 0.25 && mild < 0.5, "\(mild): above TWA, below STEL")
        XCTAssertEqual(clean, 0)
    }
}
