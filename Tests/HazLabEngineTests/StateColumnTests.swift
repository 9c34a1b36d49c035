import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabRunner

/// State hash format 2: named columns with stable ids, hashed only where a scenario uses them.
final class StateColumnTests: XCTestCase {
    /// Format-1 hashes of tank-filling's golden runs, as pinned before format 2 (engine 0.1.0):
    /// a journal recorded then still checks against `hash(format: 1)`.
    static let format1: [(run: String, hash: String)] = [
        ("perfect", "61bd9d0a63edcf12"), ("mistakes", "9f09770f28c5379c"), ("idle", "da00d92ef5678bd3"),
    ]

    /// Every bundled golden run's final state (the states the golden hashes pin).
    func goldenFinalStates() throws -> [(name: String, state: State)] {
        var out: [(String, State)] = []
        let dirs = try FileManager.default.contentsOfDirectory(atPath: Repo.path("Scenarios")).sorted()
        for d in dirs {
            let path = Repo.path("Scenarios/\(d)/scenario.yaml")
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let model = try compileOrFail(path)
            for c in GoldenRuns.cases(scenarioFile: path) {
                out.append(("\(d)/\(c.name)", Runner.replay(model, journal: try Journal.read(path: c.journalPath)).finalState))
            }
        }
        XCTAssertGreaterThanOrEqual(out.count, 27)
        return out
    }

    func testColumnIdsAreUniqueAndAscending() {
        let ids = State.columns.map(\.id)
        XCTAssertEqual(ids, ids.sorted(), "the table is in id order")
        XCTAssertEqual(Set(ids).count, ids.count, "no id is used twice")
        XCTAssertEqual(Set(State.columns.map(\.name)).count, ids.count, "no name is used twice")
    }

    /// A new stored property must be a column or say why it is not hashed.
    func testEveryStoredPropertyIsAColumnOrSaysWhyNot() throws {
        let state = State(model: try compileOrFail(Repo.path("Scenarios/boiler-room-gas-leak/scenario.yaml")))
        let properties = Set(Mirror(reflecting: state).children.compactMap(\.label))
        let columns = Set(State.columns.map(\.name)), unhashed = Set(State.unhashedFields.map(\.name))
        XCTAssertEqual(properties.subtracting(columns).subtracting(unhashed), [], "stored properties in no column and not listed as unhashed")
        XCTAssertEqual(columns.union(unhashed).subtracting(properties), [], "columns or unhashed names that are no stored property")
        XCTAssertEqual(columns.intersection(unhashed), [])
    }

    /// The point of format 2: a kind or column a scenario does not use moves none of its hashes,
    /// wherever in the table it is added; one it uses does.
    func testAnUnusedColumnLeavesEveryGoldenHashAsItWas() throws {
        let unused = StateColumn.array(900, "futureSpeed") { _ in ContiguousArray<Double>() }
        let absentPart = StateColumn.part(901, "futureTrain", present: { _ in false }) { _, h in h.f64(1) }
        var middle = State.columns
        middle.insert(.array(35, "tankTemperature") { _ in ContiguousArray<Double>() }, at: middle.count / 2)
        for (name, s) in try goldenFinalStates() {
            XCTAssertEqual(s.hash(columns: State.columns + [unused, absentPart]), s.hash, name)
            XCTAssertEqual(s.hash(columns: middle), s.hash, "\(name): unused column in the middle")
            let used = StateColumn.array(900, "futureSpeed") { _ in ContiguousArray<Double>([0]) }
            XCTAssertNotEqual(s.hash(columns: State.columns + [used]), s.hash, "\(name): a used column is hashed")
        }
    }

    func testTheHashCoversTheColumnsTheScenarioUses() throws {
        let tank = State(model: try compileOrFail(Repo.demo)).usedColumns
        XCTAssertTrue(tank.contains("tankLevel") && tank.contains("valvePosition"))
        for absent in ["gas", "reactors", "busLive", "isolation", "ticket", "traineeOxygen"] {
            XCTAssertFalse(tank.contains(absent), "tank-filling has no \(absent)")
        }
        let gas = State(model: try compileOrFail(Repo.path("Scenarios/boiler-room-gas-leak/scenario.yaml"))).usedColumns
        XCTAssertTrue(gas.contains("gas") && gas.contains("traineeOxygen"))
    }

    /// Changing one hashed value of one column changes the hash (the columns are really read).
    func testEveryUsedColumnIsInTheHash() throws {
        var s = State(model: try compileOrFail(Repo.demo))
        let before = s.hash
        let level = s.tankLevel[0]
        s.tankLevel[0] = level + 0.001
        XCTAssertNotEqual(s.hash, before)
        s.tankLevel[0] = level
        XCTAssertEqual(s.hash, before)
        s.tick += 1
        XCTAssertNotEqual(s.hash, before)
    }

    /// Format 1 is kept exactly, so journals recorded by engine 0.1.0 still agree.
    func testFormat1IsKeptForJournalsRecordedBeforeFormat2() throws {
        let model = try compileOrFail(Repo.demo)
        for g in Self.format1 {
            let o = Runner.replay(model, journal: try journal(g.run))
            XCTAssertEqual(o.stateHash(format: 1)?.hex16, g.hash, g.run)
            XCTAssertEqual(o.stateHash(format: 2), o.stateHash)
            XCTAssertNotEqual(o.stateHash(format: 1), o.stateHash, "the formats differ")
            XCTAssertNil(o.stateHash(format: 3))
            let old = Journal.Trailer(endTick: o.ticks, stateHash: g.hash, actions: 0)  // no hashFormat: format 1
            XCTAssertEqual(o.agrees(with: old), true, "\(g.run): an old trailer agrees in its own format")
            var wrong = old; wrong.hashFormat = 2
            XCTAssertEqual(o.agrees(with: wrong), false)
            var future = old; future.hashFormat = 3
            XCTAssertNil(o.agrees(with: future), "a format this engine does not know is not checked")
            XCTAssertTrue(GradeWarning.claimedHash(future, o, journal: "j", line: 9, column: 3)?.message.contains("format 3") ?? false)
            XCTAssertNil(GradeWarning.claimedHash(old, o, journal: "j", line: 9, column: 3))
        }
    }

    /// The record says the format, and an old journal's record says it agrees.
    func testARecordOfAnOldJournalAgrees() throws {
        let model = try compileOrFail(Repo.demo)
        var j = try journal("perfect")
        let o = Runner.replay(model, journal: j)
        j.trailer?.stateHash = try XCTUnwrap(o.stateHash(format: 1)).hex16
        j.trailer?.hashFormat = 1
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(AttemptRecord.render(o, model: model, journal: j,
            journalPath: "p", journalSHA256: "s", attempt: "a").utf8)) as? [String: Any])
        XCTAssertEqual(record["workstationAgrees"] as? Bool, true)
        XCTAssertEqual(record["hashFormat"] as? Int, StateHashFormat.current)
        XCTAssertEqual(record["stateHash"] as? String, o.stateHash.hex16)
        j.trailer?.stateHash = "0000000000000000"
        let bad = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(AttemptRecord.render(o, model: model, journal: j,
            journalPath: "p", journalSHA256: "s", attempt: "a").utf8)) as? [String: Any])
        XCTAssertEqual(bad["workstationAgrees"] as? Bool, false)
    }

    func testTheTrailerCarriesItsHashFormat() throws {
        var h = Journal.Header(scenario: "tank-filling", scenarioSHA256: "x", seed: 1)
        h.format = 1
        let current = Journal(header: h, trailer: .init(endTick: 5, stateHash: "00000000000000aa", actions: 0, hashFormat: 2))
        let text = current.jsonl()
        XCTAssertTrue(text.contains("\"stateHash\":\"00000000000000aa\",\"hashFormat\":2,\"actions\":0"), text)
        XCTAssertEqual(try Journal.parse(data: Data(text.utf8), path: "t.jsonl").trailer?.hashFormat, 2)
        // A trailer written before format 2 keeps its bytes and reads as format 1.
        let old = Journal(header: h, trailer: .init(endTick: 5, stateHash: "00000000000000aa", actions: 0))
        XCTAssertFalse(old.jsonl().contains("hashFormat"))
        XCTAssertEqual(try Journal.parse(data: Data(old.jsonl().utf8), path: "t.jsonl").trailer?.hashFormat, 1)
        let bad = text.replacingOccurrences(of: "\"hashFormat\":2", with: "\"hashFormat\":\"two\"")
        XCTAssertThrowsError(try Journal.parse(data: Data(bad.utf8), path: "t.jsonl")) { e in
            XCTAssertTrue("\(e)".contains("t.jsonl:2:") && "\(e)".contains("hashFormat"), "\(e)")
        }
    }
}
