import Foundation
import HazLabRecords
import XCTest

/// Migration 5 (attempt start times) and the store's read queries by student, scenario and time.
final class StoreQueriesTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-queries-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A stored record with a student and a start time (the grader copies the journal's `started`).
    static func record(_ attempt: String, student: String, scenario: String = "tank-filling", started: String?) -> String {
        var r = StoreTests.record(attempt, scenario: scenario)
        r = r.replacingOccurrences(of: "\"student\":\"学生1号\"", with: "\"student\":\(JSON.string(student))")
        if let started { r = r.replacingOccurrences(of: "\"mode\":\"exam\",\"scenario\"", with: "\"mode\":\"exam\",\"started\":\(JSON.string(started)),\"scenario\"") }
        return r
    }

    func testMigration5FillsStartTimesFromStoredRecordsInUTC() throws {
        let p = path("v3.sqlite")
        do {
            let v3 = try ResultsStore(path: p, create: true, upTo: 3)
            for (id, started) in [("a1", "2026-09-01T08:30:00.000Z"), ("a2", "2026-09-02T10:00:00+08:00"), ("a3", nil)] {
                try v3.db.run("""
                    INSERT INTO attempts (attempt, student, workstation, scenario, scenario_sha256, engine, seed, mode, total, max, passed,
                        evaluation, duration, state_hash, journal, journal_sha256, record, record_sha256, graded_at, graded_by)
                    VALUES (?, 's1', 'w', 'tank-filling', 'cd', '0.8', '7', 'exam', 40, 100, 0, 'fail', 540, 'h', 'j', 'js', ?, 'x', '2026-12-01T00:00:00.000Z', 'me')
                    """, [id, Self.record(id, student: "s1", started: started)])
            }
        }
        let s = try ResultsStore(path: p)
        XCTAssertEqual(try s.schemaVersion(), StoreSchema.currentVersion)
        let rows = try s.db.query("SELECT attempt, started FROM attempts ORDER BY attempt").map { "\($0[0]) \($0[1])" }
        XCTAssertEqual(rows, ["a1 2026-09-01T08:30:00.000Z", "a2 2026-09-02T02:00:00.000Z", "a3 NULL"], "UTC, offsets applied")
    }

    func testInsertAndRegradeFillStartedThroughTheTriggers() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        _ = try s.record([Self.record("a1", student: "s1", started: "2026-09-01T08:30:00.000Z")], actor: "alice")
        XCTAssertEqual(try s.db.scalar("SELECT started FROM attempts WHERE attempt = 'a1'")?.string, "2026-09-01T08:30:00.000Z")
        _ = try s.record([Self.record("a1", student: "s1", started: "2026-09-05T08:30:00.000Z")], actor: "alice", regrade: true)
        XCTAssertEqual(try s.db.scalar("SELECT started FROM attempts WHERE attempt = 'a1'")?.string, "2026-09-05T08:30:00.000Z",
                       "a regrade's record sets the start time again")
        _ = try s.record([Self.record("a2", student: "s1", started: "not a time")], actor: "alice")
        XCTAssertEqual(try s.db.scalar("SELECT started FROM attempts WHERE attempt = 'a2'"), .null, "unreadable: unknown, still stored")
    }

    func testFiltersByStudentScenarioAndSince() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        _ = try s.record([
            Self.record("b-late", student: "s1", started: "2026-09-10T01:00:00.000Z"),
            Self.record("a-early", student: "s1", started: "2026-09-01T01:00:00.000Z"),
            Self.record("c-other", student: "s2", started: "2026-09-05T01:00:00.000Z"),
            Self.record("d-gas", student: "s1", scenario: "gas", started: "2026-09-06T01:00:00.000Z"),
            Self.record("e-untimed", student: "s1", started: nil),
        ], actor: "alice")
        XCTAssertEqual(try s.attempts(matching: .init(student: "s1")).map(\.attempt), ["a-early", "d-gas", "b-late", "e-untimed"],
                       "oldest start first, untimed last")
        XCTAssertEqual(try s.attempts(matching: .init(student: "s1", scenario: "tank-filling")).map(\.attempt), ["a-early", "b-late", "e-untimed"])
        // Since local midnight of 2026-09-06 in Beijing = 2026-09-05T16:00Z.
        let since = try XCTUnwrap(UTCOffset.beijing.parseDateOrTime("2026-09-06"))
        XCTAssertEqual(ExportTime.iso8601(millis: since), "2026-09-05T16:00:00.000Z")
        XCTAssertEqual(try s.attempts(matching: .init(student: "s1", since: since)).map(\.attempt), ["d-gas", "b-late", "e-untimed"],
                       "an untimed attempt falls back to when it was graded (now)")
        XCTAssertEqual(try s.records(matching: .init(student: "s2")).count, 1)
        XCTAssertEqual(try s.attempts(matching: .init(student: "s2")).first?.started, "2026-09-05T01:00:00.000Z")
    }

    func testUTCOffsetParsingAndFormatting() throws {
        XCTAssertEqual(UTCOffset("+08:00"), .beijing)
        XCTAssertEqual(UTCOffset("Asia/Shanghai"), .beijing)
        XCTAssertEqual(UTCOffset("UTC+8"), .beijing)
        XCTAssertEqual(UTCOffset("-0530")?.minutes, -330)
        XCTAssertEqual(UTCOffset("Z"), .utc)
        for bad in ["", "8", "+15:00", "+08:7", "EST", "+٨"] { XCTAssertNil(UTCOffset(bad), bad) }
        let ms = try XCTUnwrap(ExportTime.parseISO8601("2026-12-31T20:30:15.250Z"))
        XCTAssertEqual(UTCOffset.beijing.iso8601(millis: ms), "2027-01-01T04:30:15+08:00", "crosses the year")
        XCTAssertEqual(UTCOffset.beijing.iso8601(millis: ms, fraction: true), "2027-01-01T04:30:15.250+08:00")
        XCTAssertEqual(UTCOffset(minutes: -330).iso8601(millis: ms), "2026-12-31T15:00:15-05:30")
        XCTAssertEqual(UTCOffset.beijing.display(millis: ms), "2027-01-01 04:30")
        XCTAssertEqual(ExportTime.parseISO8601(UTCOffset.beijing.iso8601(millis: ms, fraction: true)), ms, "round trip")
    }
}
