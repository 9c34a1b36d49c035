import XCTest
import HazLabCore
import HazLabRunner
import HazLabScenario

/// Issue 13, item 4: detectors read the air, the trainee's inhaled air is a separate field,
/// readings are judged on each gas's own limits, and an exposure accident says what happened.
final class ExposureTests: XCTestCase {
    /// A 4 m × 4 m × 3 m room with an ammonia leak, breathing apparatus, and a fixed detector
    /// (no lag) at the trainee's breathing zone in the middle of the room.
    static let ammoniaRoom = """
    gas:
      size: [4 m, 4 m, 3 m]
      cellSize: 0.5 m
      species: [NH3]
      updateEvery: 1 s
    entities:
      - {id: room, type: zone, position: [2 m, 2 m, 0 m]}
      - {id: scba, type: ppe, protects: [all]}
      - {id: leak, type: leak, species: NH3, position: [2 m, 2 m, 0.5 m], rate: 0.2 m3/h}
      - {id: GD1, type: detector, species: NH3, position: [2 m, 2 m, 1.5 m], responseTime: 0 s}
    procedure:
      - {id: air, title: 一, done: trainee.NH3_air > 100 ppm and trainee.NH3 == 0 ppm and trainee.oxygen_air < 20.9 %, score: 10}
    """

    func testTheTraineesAirIsReadBeforePPEAndMatchesAFixedDetectorBesideThem() throws {
        let m = try compileInline(Self.ammoniaRoom, timeLimit: "3 min")
        let net = try XCTUnwrap(m.gas)
        XCTAssertEqual(net.breathingHeight, 1.5, accuracy: 1e-9, "the detector is placed at the breathing zone")
        let o = Runner.replay(m, actions: [Action(tick: 0, verb: "wear", target: "scba"),
                                           Action(tick: 0, verb: "move-to", target: "room")])
        let s = o.finalState
        XCTAssertEqual(s.traineeConcentration[0], 0, "breathing apparatus: nothing inhaled")
        XCTAssertEqual(s.traineeDose[0], 0)
        XCTAssertGreaterThan(s.traineeAir[0] * 1e6, 100, "the air at the face is what the fixed detector reads")
        XCTAssertEqual(s.traineeAir[0], s.detectorValue[0], accuracy: s.detectorValue[0] * 1e-9)
        XCTAssertEqual(s.traineeAirOxygen, 0.209 * (1 - s.traineeAir[0]), accuracy: 1e-12)
        XCTAssertEqual(s.traineeOxygen, 0.209, "the mask supplies air")
        XCTAssertEqual(o.score.steps.first?.completed, true, "trainee.NH3_air, trainee.NH3 and trainee.oxygen_air resolve in expressions")
    }

    func testTheOldTraineeFieldsKeepTheirMeaningAndTheNewNamesAreSuggested() throws {
        let m = try compileInline(Self.ammoniaRoom.replacingOccurrences(of: "trainee.NH3_air > 100 ppm and trainee.NH3 == 0 ppm and trainee.oxygen_air < 20.9 %",
                                                                        with: "trainee.NH3_inhaled > 100 ppm and trainee.oxygen_inhaled < 20.9 %"), timeLimit: "3 min")
        let o = Runner.replay(m, actions: [Action(tick: 0, verb: "move-to", target: "room")])
        XCTAssertGreaterThan(o.finalState.traineeConcentration[0], 0, "bare-faced: the air is inhaled")
        XCTAssertEqual(o.finalState.traineeConcentration[0], o.finalState.traineeAir[0])
        let bad = ScenarioCompiler.compile(bytes: Array(("id: x\ntitle: {zh: x, en: x}\ndiscipline: general\ntimeLimit: 1 min\n"
            + Self.ammoniaRoom.replacingOccurrences(of: "trainee.NH3_air > 100 ppm", with: "trainee.NH3_aire > 100 ppm")).utf8), path: "bad.yaml")
        let e = try XCTUnwrap(bad.errors.first)
        XCTAssert(e.message.contains("NH3_air"), "suggests the field: \(e.message)")
    }

    func testAnExposureAccidentSaysWhichGasWhatDoseAndWhere() throws {
        let m = try compileInline(Self.ammoniaRoom.replacingOccurrences(of: "rate: 0.2 m3/h", with: "rate: 0.05 m3/h"), timeLimit: "20 min")
        var found: [ExposureAccident] = []
        let o = Runner.replay(m, actions: [Action(tick: 0, verb: "move-to", target: "room")]) { state, events in
            for e in events where e.kind == .accident {
                if let a = ExposureAccident.from(e, model: m, state: state) { found.append(a) }
            }
        }
        XCTAssert(o.events.contains { $0.kind == .accident }, "the bare-faced trainee is hurt")
        let first = try XCTUnwrap(found.first)
        XCTAssertEqual(first.gas, "NH3")
        XCTAssertEqual(first.zone, m.entityIndex["room"])
        XCTAssertEqual(first.position.z, 1.5, accuracy: 1e-9)
        switch first.rule {
        case .stelDose:
            XCTAssertGreaterThan(first.doseppmMinutes, 525, "NH3: STEL 35 ppm × 15 min")
            XCTAssertLessThan(first.doseppmMinutes, 530, "the rule fires the tick the dose passes it")
        case .idlh(let s):
            XCTAssertEqual(s, 60)
            XCTAssertGreaterThanOrEqual(first.inhaled, 300)
        case .lowOxygen:
            XCTFail("ammonia at these levels does not displace 24 % of the air")
        }
    }

    func testToxicGasesAreScaledToTheirOwnLimitsNotTheLEL() {
        let nh3 = GasSpecies.ammonia
        // 4–9 × IDLH of NH3 is 0.8–1.8 % of its LEL: on the old LEL scale it was clean air.
        XCTAssertGreaterThanOrEqual(nh3.hazardIndex(fraction: 4 * 300e-6), 2)
        XCTAssertEqual(nh3.hazardIndex(fraction: 300e-6), 1, accuracy: 1e-12, "IDLH is the danger band")
        XCTAssertEqual(nh3.hazardIndex(fraction: 35e-6), 0.5, accuracy: 1e-12, "STEL is the warning band")
        XCTAssertEqual(nh3.hazardIndex(fraction: 25e-6), 0.25, accuracy: 1e-12, "TWA")
        XCTAssertEqual(nh3.hazardIndex(fraction: 0), 0)
        XCTAssertEqual(GasSpecies.hydrogenSulfide.hazardIndex(fraction: 5e-6), 0.25, accuracy: 1e-12, "H2S has no TWA: half its ceiling")
        XCTAssertEqual(GasSpecies.methane.hazardIndex(fraction: 0.01), 0.5, accuracy: 1e-12, "20 %LEL")
        XCTAssertEqual(GasSpecies.methane.hazardIndex(fraction: 0.025), 1, accuracy: 1e-12, "50 %LEL")
        XCTAssertEqual(GasSpecies.oxygenHazardIndex(fraction: 0.209), 0)
        XCTAssertEqual(GasSpecies.oxygenHazardIndex(fraction: 0.195), 0.5, accuracy: 1e-9)
        XCTAssertEqual(GasSpecies.oxygenHazardIndex(fraction: 0.16), 1, accuracy: 1e-9)
        XCTAssertEqual(GasSpecies.oxygenHazardIndex(fraction: 0.235), 0.5, accuracy: 1e-9)
        // Monotonic in concentration.
        var last = -1.0
        for k in 0...200 {
            let h = nh3.hazardIndex(fraction: Double(k) * 1e-5)
            XCTAssertGreaterThanOrEqual(h, last); last = h
        }
    }

    func testReadingsSaturateAtTheInstrumentsRange() {
        XCTAssertEqual(GasDisplay.capped(572, range: 100, unit: "%LEL"), ">100 %LEL OVER")
        XCTAssertEqual(GasDisplay.capped(95.4, range: 100, unit: "%LEL"), "95.4 %LEL")
        XCTAssertEqual(GasDisplay.short(0.0004), "0.000")
        XCTAssertEqual(GasDisplay.short(20.9), "20.9")
        XCTAssertEqual(GasDisplay.short(1.07), "1.07")
        XCTAssertEqual(GasDisplay.short(152.4), "152")
        XCTAssertEqual(GasDisplay.short(-2.5), "-2.50")
        XCTAssertEqual(GasDisplay.portableRangePPM(.hydrogenSulfide), 200)
        XCTAssertEqual(GasDisplay.short(.nan), "—")
        XCTAssertFalse(GasDisplay.short(7e19).isEmpty, "no trap past Int64")
        XCTAssertEqual(GasDisplay.capped(.infinity, range: 100, unit: "%LEL"), ">100 %LEL OVER")
        XCTAssertEqual(GasDisplay.plain(12.5), "12.5")
        XCTAssertEqual(GasDisplay.plain(300), "300")
    }

    func testAScenarioChoosesTheStandardForMethanesLimits() throws {
        let body = """
        gas: {size: [4 m, 4 m, 3 m], cellSize: 0.5 m, species: [CH4, H2S]STANDARD}
        entities:
          - {id: V, type: valve}
        procedure:
          - {id: s, title: 一, done: V.open, score: 10}
        """
        let classic = try compileInline(body.replacingOccurrences(of: "STANDARD", with: ""))
        XCTAssertEqual(classic.gas?.spec.species[0].lel, 0.05, "the default keeps the bundled scenarios' 5 %vol")
        XCTAssertEqual(GasStandard.of(try XCTUnwrap(classic.gas?.spec)), .nfpa)
        let iec = try compileInline(body.replacingOccurrences(of: "STANDARD", with: ", standard: IEC"))
        XCTAssertEqual(iec.gas?.spec.species[0].lel, 0.044, "IEC 60079-20-1")
        XCTAssertEqual(iec.gas?.spec.species[0].uel, 0.17)
        XCTAssertEqual(iec.gas?.spec.species[1], GasSpecies.hydrogenSulfide, "other gases are the same in both")
        XCTAssertEqual(GasStandard.of(try XCTUnwrap(iec.gas?.spec)), .iec)
        let text = "id: x\ntitle: {zh: x, en: x}\ndiscipline: general\ntimeLimit: 1 min\n" + body.replacingOccurrences(of: "STANDARD", with: ", standard: ISO")
        let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "std.yaml")
        let e = try XCTUnwrap(r.errors.first, "an unknown standard is an error")
        XCTAssertEqual(e.location.line, 5)
        XCTAssert(e.message.contains("gas.standard") && e.message.contains("ISO"), e.message)
    }
}
