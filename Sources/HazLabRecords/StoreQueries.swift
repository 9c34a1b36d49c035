import Foundation

/// Read queries over the results store for listings and reports: attempts by student, scenario
/// and start time (the journal's `started`, stored in UTC by migration 5).
extension ResultsStore {
    /// Which attempts to read; nil means any.
    public struct AttemptFilter: Sendable, Equatable {
        public var student: String?
        public var scenario: String?
        /// Only attempts started at or after this instant (UTC milliseconds). An attempt without a
        /// start time falls back to when it was graded.
        public var since: Int64?
        public init(student: String? = nil, scenario: String? = nil, since: Int64? = nil) {
            self.student = student; self.scenario = scenario; self.since = since
        }

        /// The WHERE clause and its bindings.
        var sql: (clause: String, bindings: [any SQLiteBindable]) {
            var parts: [String] = [], b: [any SQLiteBindable] = []
            if let student { parts.append("student = ?"); b.append(student) }
            if let scenario { parts.append("scenario = ?"); b.append(scenario) }
            if let since {
                parts.append("coalesce(started, graded_at) >= ?")
                b.append(ExportTime.iso8601(millis: since))
            }
            return (parts.isEmpty ? "" : " WHERE " + parts.joined(separator: " AND "), b)
        }
    }

    /// One stored attempt as the listing shows it.
    public struct AttemptSummary: Sendable, Equatable {
        public var attempt, student, workstation, scenario, mode, evaluation, gradedAt: String
        /// ISO 8601 UTC (`2026-01-01T00:00:00.000Z`); nil when the journal had no `started`.
        public var started: String?
        public var total, max: Double
        public var passed: Bool
        public var startedMillis: Int64? { started.flatMap(ExportTime.parseISO8601) }
    }

    /// Attempts matching `filter`, oldest start first (attempts without a start time last, by id).
    public func attempts(matching filter: AttemptFilter) throws -> [AttemptSummary] {
        let (clause, b) = filter.sql
        let rows = try db.query("""
            SELECT attempt, student, workstation, scenario, mode, evaluation, graded_at, started, total, max, passed
            FROM attempts\(clause) ORDER BY started IS NULL, started, attempt
            """, b)
        return rows.map {
            AttemptSummary(attempt: $0[0].string ?? "", student: $0[1].string ?? "", workstation: $0[2].string ?? "",
                           scenario: $0[3].string ?? "", mode: $0[4].string ?? "", evaluation: $0[5].string ?? "",
                           gradedAt: $0[6].string ?? "", started: $0[7].string, total: $0[8].double ?? 0, max: $0[9].double ?? 0,
                           passed: ($0[10].int ?? 0) != 0)
        }
    }

    /// The stored JSON records matching `filter`, in the same order as `attempts(matching:)`.
    public func records(matching filter: AttemptFilter) throws -> [String] {
        let (clause, b) = filter.sql
        return try db.query("SELECT record FROM attempts\(clause) ORDER BY started IS NULL, started, attempt", b)
            .compactMap { $0[0].string }
    }
}
