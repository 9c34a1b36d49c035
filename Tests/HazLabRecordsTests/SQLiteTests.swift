import Foundation
import XCTest
@testable import HazLabRecords

/// The SQLite wrapper's own contracts: cached statements and transactions that nest.
final class SQLiteTests: XCTestCase {
    func database() throws -> SQLiteDatabase {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = try SQLiteDatabase(path: dir.appendingPathComponent("t.sqlite").path)
        try db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        return db
    }

    func testANestedTransactionJoinsTheOuterOne() throws {
        let db = try database()
        struct Boom: Error {}
        XCTAssertThrowsError(try db.transaction {
            try db.run("INSERT INTO t (k, v) VALUES (1, 'outer')")
            try db.transaction { try db.run("INSERT INTO t (k, v) VALUES (2, 'inner')") }
            XCTAssertTrue(db.inTransaction, "the inner transaction did not commit the outer one")
            throw Boom()
        })
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM t")?.int, 0, "the inner write rolled back with the outer")
        try db.transaction {
            try db.transaction { try db.run("INSERT INTO t (k, v) VALUES (3, 'x')") }
        }
        XCTAssertFalse(db.inTransaction)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM t")?.int, 1)
    }

    func testACachedStatementStartsCleanAfterAFailure() throws {
        let db = try database()
        let insert = "INSERT INTO t (k, v) VALUES (?, ?)"
        try db.run(insert, [1, "a"])
        // A constraint failure mid-statement, then the same SQL again: fresh bindings, no leftover state.
        XCTAssertThrowsError(try db.run(insert, [1, "dup"]))
        XCTAssertThrowsError(try db.run(insert, [2]), "a wrong binding count is still refused")
        try db.run(insert, [2, "b"])
        let select = "SELECT v FROM t WHERE k >= ? ORDER BY k"
        XCTAssertEqual(try db.query(select, [1]).map { $0[0].string }, ["a", "b"])
        // The same query inside a loop over its own rows (rows are read before the next use).
        for row in try db.query(select, [1]) {
            XCTAssertEqual(try db.query(select, [2]).map { $0[0].string }, ["b"], "\(row)")
        }
        // Many distinct SQL texts (more than the cache holds) still run.
        for i in 0..<100 { XCTAssertEqual(try db.scalar("SELECT \(i) + k FROM t WHERE k = 1")?.int, Int64(i + 1)) }
    }
}
