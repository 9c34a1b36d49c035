import Foundation
import HazLabRecords

/// `results.csv`: one row per graded attempt, built from the attempt records (the JSON objects
/// of `results.json`), so that a merge of shard outputs, which has only the records, writes the
/// same bytes as the grader. Numbers are copied from the records as written there.
///
/// Columns: attempt, student, workstation, scenario, mode, startTime (when the attempt was taken,
/// local ISO 8601 with the offset, Beijing by default, as in `export --to csv`; empty when the
/// journal had no `started`), seed, total, max, passScore, passed
/// (true/false), evaluation (优/良/中/差), evaluationEn (Excellent/Good/Pass/Fail),
/// durationSeconds, stateHash, endReason, veto (hazard or accident id, else empty), hintsUsed,
/// complete, workstationAgrees, journal — then, when every row is of the same scenario, one
/// `step:<step id>` column per procedure step holding that step's score (in procedure order).
public enum ResultsCSV {
    public static let columns = ["attempt", "student", "workstation", "scenario", "mode", "startTime", "seed", "total", "max", "passScore",
                                 "passed", "evaluation", "evaluationEn", "durationSeconds", "stateHash", "endReason", "veto",
                                 "hintsUsed", "complete", "workstationAgrees", "journal"]

    /// The fields of one record: the fixed columns, and (step id, score) in procedure order.
    public struct Row: Sendable {
        public var scenario: String
        public var fields: [String]
        public var steps: [(id: String, score: String)]
        public init(scenario: String, fields: [String], steps: [(id: String, score: String)]) {
            self.scenario = scenario; self.fields = fields; self.steps = steps
        }
    }

    public struct RecordError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads the columns out of one attempt record.
    public static func row(record v: JSONText.Value, offset: UTCOffset = .beijing) throws -> Row {
        func str(_ x: JSONText.Value?, _ name: String) throws -> String {
            guard let x else { throw RecordError(description: "record lacks \"\(name)\"") }
            switch x {
            case .string(let s): return s
            case .number(let n): return n
            case .bool(let b): return b ? "true" : "false"
            case .null: return ""
            default: throw RecordError(description: "record field \"\(name)\" is not a scalar")
            }
        }
        let score = v["score"]
        let scenario = try str(v["scenario"], "scenario")
        let fields = [
            CSV.text(try str(v["attempt"], "attempt")),
            CSV.text(try str(v["student"], "student")),
            CSV.text(try str(v["workstation"], "workstation")),
            scenario,
            try str(v["mode"], "mode"),
            startTime(v["started"], offset),
            try str(v["seed"], "seed"),
            try str(score?["total"], "score.total"),
            try str(score?["max"], "score.max"),
            try str(score?["passScore"], "score.passScore"),
            try str(score?["passed"], "score.passed"),
            try str(score?["evaluationText"]?["zh"], "score.evaluationText.zh"),
            try str(score?["evaluationText"]?["en"], "score.evaluationText.en"),
            try str(v["durationSeconds"], "durationSeconds"),
            try str(v["stateHash"], "stateHash"),
            try str(v["endReason"], "endReason"),
            try score?["veto"].map { try str($0, "score.veto") } ?? "",
            try str(score?["hintsUsed"], "score.hintsUsed"),
            try str(v["complete"], "complete"),
            try str(v["workstationAgrees"], "workstationAgrees"),
            CSV.text(try str(v["journal"], "journal")),
        ]
        guard let steps = v["steps"]?.array else { throw RecordError(description: "record lacks \"steps\"") }
        let stepScores = try steps.map { (id: try str($0["id"], "steps.id"), score: try str($0["score"], "steps.score")) }
        return Row(scenario: scenario, fields: fields, steps: stepScores)
    }

    /// `started` as local time with the offset; a record without it gives an empty field, and
    /// one the journal wrote in another form is copied as written (the grader must not fail on it).
    static func startTime(_ x: JSONText.Value?, _ offset: UTCOffset) -> String {
        guard let s = x?.string else { return "" }
        guard let ms = ExportTime.parseISO8601(s) else { return CSV.text(s) }
        return offset.iso8601(millis: ms, fraction: true)
    }

    /// The whole file for `rows` (already in attempt order).
    public static func render(_ rows: [Row]) -> String {
        var out = ""
        render(rows) { out += $0 }
        return out
    }

    /// The same text, piece by piece (for streaming to a file).
    public static func render(_ rows: [Row], _ emit: (String) -> Void) {
        var header = columns
        let oneScenario = !rows.isEmpty && rows.allSatisfy { $0.scenario == rows[0].scenario }
        let stepIds = oneScenario ? rows[0].steps.map(\.id) : []
        header += stepIds.map { "step:" + $0 }
        emit(CSV.bom + CSV.row(header))
        for r in rows {
            var fields = r.fields
            if oneScenario {
                // Same scenario, same compiled procedure: the steps line up; match by id all the same.
                fields += stepIds.map { id in r.steps.first { $0.id == id }?.score ?? "" }
            }
            emit(CSV.row(fields))
        }
    }
}
