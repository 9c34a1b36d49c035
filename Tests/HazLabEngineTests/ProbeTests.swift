import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring

/// `hazlab run --probe`: scenario fields read over time, without touching the run.
final class ProbeTests: XCTestCase {

    func probe(_ list: String, _ path: String = Repo.demo, file: StaticString = #filePath, line: UInt = #line) throws -> (Model, [ProbeField]) {
        let r = ScenarioCompiler.compile(path: path, probes: list)
        guard let m = r.scenario.model else { XCTFail("scenario did not compile", file: file, line: line); throw XCTSkip("no model") }
        XCTAssertEqual(r.diagnostics.map(\.description), [], file: file, line: line)
        return (m, r.fields)
    }

    /// The probe reads only: the replay's state hash, ticks and score are those of a plain replay.
    func testProbeDoesNotChangeTheRun() throws {
        for name in ["perfect", "mistakes"] {
            let (model, fields) = try probe("TK101.level, held(P101.running, 10 s), since(LAH101.active) in min, LT101.value in mm")
            let j = try journal(name)
            let plain = Runner.replay(model, journal: j)
            let series = ProbeSeries(model: model, fields: fields, everyTicks: 7, seed: j.header.seed,
                                     mode: TrainingMode(rawValue: j.header.mode) ?? .practice, actions: j.actions)
            XCTAssertEqual(series.outcome.stateHash, plain.stateHash, name)
            XCTAssertEqual(series.outcome.ticks, plain.ticks, name)
            XCTAssertEqual(series.outcome.score.total, plain.score.total, name)
        }
    }

    /// Samples at tick 0, every N ticks and at the last tick; values equal the state read directly.
    func testSamplesAreTheStateAtTheirTicks() throws {
        let (model, fields) = try probe("TK101.level,TK101.level in mm")
        let j = try journal("perfect")
        let every: Int64 = 30
        let series = ProbeSeries(model: model, fields: fields, everyTicks: every, seed: j.header.seed, actions: j.actions)
        var expectedTicks: [Int64] = Array(stride(from: 0, through: series.outcome.ticks, by: Int(every)))
        if expectedTicks.last != series.outcome.ticks { expectedTicks.append(series.outcome.ticks) }
        XCTAssertEqual(series.seconds, expectedTicks.map { model.seconds(ticks: $0) })
        // The level at each sample, read from a second, independent replay.
        var levels: [Int64: Double] = [:]
        let level = FieldRef(.tankLevel, 0)
        levels[0] = State(model: model, seed: j.header.seed).read(level)
        _ = Runner.replay(model, journal: j) { state, _ in levels[state.tick] = state.read(level) }
        for (i, t) in expectedTicks.enumerated() {
            XCTAssertEqual(series.values[0][i], levels[t]!, "tick \(t)")
            XCTAssertEqual(series.values[1][i], levels[t]! / 0.001, accuracy: 1e-9, "tick \(t) in mm")
        }
        XCTAssertGreaterThan(series.values[0].last!, series.values[0][0], "the perfect run fills the tank")
    }

    func testUnitsHeadingsAndCSV() throws {
        let (model, fields) = try probe("TK101.level, TK101.level in mm, P101.running, TK101.inflow in m3/h, XV101.opening")
        XCTAssertEqual(fields.map(ProbeSeries.heading), ["TK101.level [m]", "TK101.level [mm]", "P101.running", "TK101.inflow [m3/h]", "XV101.opening"])
        let series = ProbeSeries(model: model, fields: fields, everyTicks: model.ticks(seconds: 60), actions: [])
        let csv = series.csv()
        let rows = try CSV.parse(csv)
        XCTAssertEqual(rows.first, ["t_s", "TK101.level [m]", "TK101.level [mm]", "P101.running", "TK101.inflow [m3/h]", "XV101.opening"])
        XCTAssertEqual(rows.count, 1 + 11, "0, 60, …, 600 s")
        XCTAssertEqual(rows[1], ["0", "1", "1000", "0", "0", "0"])
        XCTAssertFalse(csv.hasPrefix(CSV.bom), "stdout CSV is for tools: no byte-order mark")
    }

    /// Temperatures convert with their offset, and the JSON document is by columns.
    func testCelsiusAndJSON() throws {
        let path = Repo.path("Scenarios/reactor-cooling-loss/scenario.yaml")
        let (model, fields) = try probe("R101.temperature, R101.temperature in °C", path)
        let series = ProbeSeries(model: model, fields: fields, everyTicks: model.ticks(seconds: 30), actions: [])
        for i in series.seconds.indices {
            XCTAssertEqual(series.values[1][i], series.values[0][i] - 273.15, accuracy: 1e-9)
        }
        let doc = try JSONSerialization.jsonObject(with: Data(series.json(model: model).utf8)) as! [String: Any]
        XCTAssertEqual(doc["stateHash"] as? String, series.outcome.stateHash.hex16)
        XCTAssertEqual((doc["t_s"] as? [Double])?.count, series.seconds.count)
        let cols = doc["fields"] as! [[String: Any]]
        XCTAssertEqual(cols.map { $0["unit"] as? String }, ["K", "°C"])
        XCTAssertEqual(cols[1]["name"] as? String, "R101.temperature")
        XCTAssertEqual((cols[1]["values"] as? [Double])?.last ?? .nan, series.values[1].last!, accuracy: 1e-9)
    }

    func testUnknownFieldSaysWhatItMeant() throws {
        let r = ScenarioCompiler.compile(path: Repo.demo, probes: "TK101.level, TK101.levle")
        XCTAssertNotNil(r.scenario.model)
        XCTAssertEqual(r.diagnostics.count, 1)
        let d = try XCTUnwrap(r.diagnostics.first)
        XCTAssertEqual(d.location.file, "--probe")
        XCTAssertEqual(d.location.column, 20, "points at the misspelt field of the second item")
        XCTAssertTrue(d.message.contains("levle"), d.message)
        XCTAssertTrue(d.message.contains("did you mean 'level'"), d.message)

        let entity = ScenarioCompiler.compile(path: Repo.demo, probes: "TK110.level")
        XCTAssertTrue(entity.diagnostics.first?.message.contains("did you mean 'TK101'") ?? false, "\(entity.diagnostics)")
    }

    func testBadUnitsAreErrors() throws {
        let wrongDimension = ScenarioCompiler.compile(path: Repo.demo, probes: "TK101.level in kPa")
        XCTAssertEqual(wrongDimension.diagnostics.count, 1)
        XCTAssertTrue(wrongDimension.diagnostics[0].message.contains("kPa"), wrongDimension.diagnostics[0].message)
        XCTAssertEqual(wrongDimension.diagnostics[0].location.column, 16)
        let misspelt = ScenarioCompiler.compile(path: Repo.demo, probes: "TK101.level in mn")
        XCTAssertTrue(misspelt.diagnostics.first?.message.contains("unknown unit 'mn'") ?? false, "\(misspelt.diagnostics)")
        let condition = ScenarioCompiler.compile(path: Repo.demo, probes: "P101.running in m")
        XCTAssertTrue(condition.diagnostics.first?.message.contains("takes no unit") ?? false, "\(condition.diagnostics)")
        let empty = ScenarioCompiler.compile(path: Repo.demo, probes: " , ")
        XCTAssertTrue(empty.diagnostics.first?.message.contains("no field to probe") ?? false, "\(empty.diagnostics)")
    }

    /// Commas inside brackets belong to the expression.
    func testListSplitsOnlyTopLevelCommas() throws {
        let (_, fields) = try probe("max(TK101.level, 2 m) in mm,held(P101.running, 10 s)")
        XCTAssertEqual(fields.map(\.expression), ["max(TK101.level, 2 m)", "held(P101.running, 10 s)"])
        XCTAssertEqual(fields.map(\.unit), ["mm", ""])
    }
}
