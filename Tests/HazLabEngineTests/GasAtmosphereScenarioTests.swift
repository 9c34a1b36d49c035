import XCTest
import HazLabCore
import HazLabRunner
import HazLabScenario

/// `gas.initial` and `gas.buoyancy` through scenario YAML, and the bundled confined space.
final class GasAtmosphereScenarioTests: XCTestCase {
    /// A 4 × 4 × 4 m vessel with a bottom metre of O2-deficient air with H2S (lines count from
    /// the `gas:` line as line 1 of the body, file line 7).
    static let vessel = """
    gas:
      size: [4 m, 4 m, 4 m]
      cellSize: 0.5 m
      species: [H2S, N2, CO]
      diffusivity: 0.05 m2/s
      initial:
        - {from: [0 m, 0 m, 0 m], to: [4 m, 4 m, 4 m], CO: 20 ppm}
        - {from: [0 m, 0 m, 0 m], to: [4 m, 4 m, 1 m], O2: 17 %vol, H2S: 50 ppm}
    entities:
      - {id: V, type: valve}
      - {id: GD_O2, type: detector, species: O2, position: [2 m, 2 m, 0.3 m], responseTime: 0 s}
      - {id: GD_H2S, type: detector, species: H2S, position: [2 m, 2 m, 0.3 m], responseTime: 0 s}
      - {id: GD_O2_top, type: detector, species: O2, position: [2 m, 2 m, 3.7 m], responseTime: 0 s}
    procedure:
      - {id: s, title: 一, done: V.open, score: 10}
    """

    func testInitialAtmosphereSetsTheAirAtTimeZero() throws {
        let m = try compileInline(Self.vessel)
        let net = try XCTUnwrap(m.gas)
        XCTAssertEqual(net.initialAtmosphere.count, 2)
        let st = State(model: m)
        let field = try XCTUnwrap(st.gas)
        // Bottom: O2 17 %vol with 50 ppm H2S and 20 ppm CO → N2 = 1 − 0.17/0.209 − 70e-6.
        let o2 = GasDetector(x: 2, y: 2, z: 0.3, target: .oxygen, unit: .percentVolume, t90: 0)
        // O2 counts every gas in the cell, the CO of the first entry included.
        XCTAssertEqual(o2.instantaneous(spec: net.spec, field: field), 17, accuracy: 1e-9)
        XCTAssertEqual(field.value(1, 1, 0, species: 0), 50e-6, accuracy: 1e-18)
        XCTAssertEqual(field.value(1, 1, 0, species: 2), 20e-6, accuracy: 1e-18)
        XCTAssertEqual(field.value(1, 1, 0, species: 1), 1 - 0.17 / 0.209 - 70e-6, accuracy: 1e-15)
        XCTAssertEqual(field.value(1, 1, 7, species: 1), 0, "N2 only in the bottom metre")
        XCTAssertEqual(field.value(1, 1, 7, species: 2), 20e-6, accuracy: 1e-18, "CO everywhere")
        // The detectors start at the initial air, not at clean air.
        let i = try XCTUnwrap(net.detectorEntities.firstIndex { m.entities.ids[Int($0)] == "GD_O2" })
        XCTAssertEqual(st.detectorValue[i], 0.17, accuracy: 1e-6)
        let top = try XCTUnwrap(net.detectorEntities.firstIndex { m.entities.ids[Int($0)] == "GD_O2_top" })
        XCTAssertGreaterThan(st.detectorValue[top], 0.208)
    }

    func testBuoyancyKeyScalesOrSwitchesOffTheDrift() throws {
        let off = try compileInline(Self.vessel.replacingOccurrences(of: "  initial:", with: "  buoyancy: off\n  initial:"))
        XCTAssertEqual(off.gas?.spec.species.map(\.driftVelocity), [0, 0, 0])
        let half = try compileInline(Self.vessel.replacingOccurrences(of: "  initial:", with: "  buoyancy: 0.5 m/s\n  initial:"))
        XCTAssertEqual(half.gas!.spec.species[0].driftVelocity, GasSpecies.hydrogenSulfide.driftVelocity / 2, accuracy: 1e-15)
        let on = try compileInline(Self.vessel)
        XCTAssertEqual(on.gas!.spec.species[0].driftVelocity, GasSpecies.hydrogenSulfide.driftVelocity)
    }

    /// Each bad `initial` / `buoyancy` entry gives its own error at file:line:col.
    func testBadInitialAtmosphereEntriesAreErrorsWithPositions() {
        func errors(_ gasExtra: String, species: String = "[H2S, N2]") -> [Diagnostic] {
            let text = """
            id: bad
            title: 坏
            discipline: gas
            timeLimit: 1 min
            gas:
              size: [4 m, 4 m, 4 m]
              cellSize: 0.5 m
              species: \(species)
            \(gasExtra)
            entities:
              - {id: V, type: valve}
            procedure:
              - {id: s, title: 一, done: V.open, score: 10}
            """
            let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "bad.yaml")
            XCTAssertNil(r.model, gasExtra)
            return r.errors
        }
        func expect(_ gasExtra: String, species: String = "[H2S, N2]", line: Int, column: Int, _ text: String,
                    file: StaticString = #filePath, lineNo: UInt = #line) {
            let e = errors(gasExtra, species: species)
            XCTAssert(e.contains { $0.location.line == line && $0.location.column == column && $0.message.contains(text) },
                      "\(gasExtra): \(e.map(\.description))", file: file, line: lineNo)
        }
        let box = "from: [0 m, 0 m, 0 m], to: [4 m, 4 m, 1 m]"
        expect("  initial:\n    - {\(box), O2: 17 %vol}", species: "[H2S]", line: 10, column: 56, "needs N2 in 'gas.species'")
        expect("  initial:\n    - {\(box), CO: 20 ppm}", line: 10, column: 52, "gas 'CO' is not in 'gas.species'")
        expect("  initial:\n    - {\(box), O2: 17 %vol, N2: 5 %vol}", line: 10, column: 56, "either 'O2' or 'N2'")
        expect("  initial:\n    - {\(box), O2: 25 %vol}", line: 10, column: 56, "above 20.9 %vol")
        expect("  initial:\n    - {\(box), H2S: 120 %vol}", line: 10, column: 57, "between 0 and 100 %vol")
        expect("  initial:\n    - {\(box), H2S: 5 m}", line: 10, column: 57, "for 'gas.initial[0].H2S'")
        expect("  initial:\n    - {from: [5 m, 5 m, 5 m], to: [6 m, 6 m, 6 m], H2S: 5 ppm}", line: 10, column: 7, "contains no cell centre")
        expect("  initial:\n    - {form: [0 m, 0 m, 0 m], to: [4 m, 4 m, 1 m], H2S: 5 ppm}", line: 10, column: 8, "did you mean 'from'")
        expect("  initial:\n    - {\(box)}", line: 10, column: 7, "gives no gas")
        // O2 asked for where the gases of an earlier entry already displace more.
        expect("  initial:\n    - {\(box), H2S: 10 %vol}\n    - {\(box), O2: 19 %vol}", line: 11, column: 56, "impossible here")
        expect("  buoyancy: sideways", line: 9, column: 13, "gas.buoyancy")
        expect("  buoyancy: 20 m/s", line: 9, column: 13, "between 0 and 10 m/s")
    }

    /// The bundled boiler room with the gas main left open. 28 s after the gasket blows (t =
    /// 100 s) the methane has risen: the upper 2 m of the room hold more than twice what a
    /// passive tracer (`buoyancy: off`, the old model) puts there. At 430 s, when the fatal
    /// golden run switches on the light, the gas at the switch is between LEL and UEL.
    func testBoilerRoomMethaneRises() throws {
        let path = Repo.path("Scenarios/boiler-room-gas-leak/scenario.yaml")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let passiveText = text.replacingOccurrences(of: "  injuryRadius: 12 m\n", with: "  injuryRadius: 12 m\n  buoyancy: off\n")
        XCTAssertNotEqual(passiveText, text)
        let m = try compileOrFail(path)
        let passive = try XCTUnwrap(ScenarioCompiler.compile(bytes: Array(passiveText.utf8), path: "passive.yaml").model)
        func field(_ model: Model, at tick: Int64) throws -> (GasGridSpec, GasField) {
            let o = Runner.replay(model, actions: [Action(tick: tick, verb: "submit", target: "")])
            return (try XCTUnwrap(model.gas).spec, try XCTUnwrap(o.finalState.gas))
        }
        func upperTwoMetres(_ spec: GasGridSpec, _ f: GasField) -> Double {
            var sum = 0.0
            for k in (spec.nz - 4)..<spec.nz { for j in 0..<spec.ny { for i in 0..<spec.nx { sum += f.value(i, j, k, species: 0) } } }
            return sum
        }
        let (spec, rising) = try field(m, at: 1000), (_, tracer) = try field(passive, at: 1000)
        XCTAssertGreaterThan(upperTwoMetres(spec, rising), 2 * upperTwoMetres(spec, tracer))
        let (_, late) = try field(m, at: 4300)
        let atSwitch = GasSampler.fraction(spec: spec, field: late, x: 0.15, y: 3, z: 1.2, species: 0)
        XCTAssert(atSwitch >= 0.05 && atSwitch <= 0.15, "CH4 at the light switch \(atSwitch)")
    }

    /// The bundled confined space starts with the hazard the real task has: an O2-deficient
    /// tank (< 19.5 %vol) with H2S from the sludge, made by `gas.initial`, not by leaks.
    func testConfinedSpaceStartsWithAHazardousAtmosphere() throws {
        let m = try compileOrFail(Repo.path("Scenarios/confined-space-entry/scenario.yaml"))
        let net = try XCTUnwrap(m.gas)
        XCTAssertFalse(net.initialAtmosphere.isEmpty)
        let st = State(model: m)
        let field = try XCTUnwrap(st.gas)
        let h2s = try XCTUnwrap(net.spec.species.firstIndex { $0.name == "H2S" })
        for z in [0.5, 3.0, 5.5] {
            let o2 = GasDetector(x: 2, y: 2, z: z, target: .oxygen, unit: .percentVolume, t90: 0)
            XCTAssertLessThan(o2.instantaneous(spec: net.spec, field: field), 19.5, "O2 at \(z) m")
        }
        XCTAssertGreaterThanOrEqual(GasSampler.fraction(spec: net.spec, field: field, x: 2, y: 2, z: 0.5, species: h2s), 7e-6,
                                    "H2S over the sludge above the 7 ppm acceptance limit")
        // The hazard is the initial air, not leaks: at t = 0 only the slow off-gassing runs
        // (≤ 0.02 m³/h, under 0.1 % of the initial vapour inventory a minute).
        var leaking = 0.0
        for n in 0..<net.leakEntities.count { leaking += st.leakRate[n] }
        XCTAssertLessThanOrEqual(leaking, 0.0205 / 3600)
        let ch4 = try XCTUnwrap(net.spec.species.firstIndex { $0.name == "CH4" })
        XCTAssertGreaterThan(field.totalVolume(species: ch4, cellVolume: net.spec.cellVolume), 1, "m³ of vapour in the tank at t = 0")
    }
}
