import Foundation
import HazLabRecords

/// RFC 4180 CSV: UTF-8 with a byte-order mark (so Excel reads Chinese text as UTF-8), CRLF
/// line ends, and a field quoted only when it holds a comma, a quote, CR or LF.
public enum CSV {
    public static let bom = "\u{FEFF}"

    public static func field(_ s: String) -> String {
        let needsQuotes = s.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        return needsQuotes ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Text that came from a trainee or a workstation (names, ids, paths): a leading `= + - @`,
    /// tab or CR would make a spreadsheet read the cell as a formula, so such text gets a
    /// leading apostrophe (the usual defence against CSV injection). Numbers never pass here.
    public static func text(_ s: String) -> String {
        guard let c = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(c) else { return s }
        return "'" + s
    }

    public static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }

    public static func document(_ rows: [[String]]) -> String { bom + rows.map(row).joined() }

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses RFC 4180 text (a leading BOM is skipped; CRLF or LF line ends).
    public static func parse(_ text: String) throws -> [[String]] {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var rows: [[String]] = [], row: [String] = [], field = String.UnicodeScalarView()
        var i = 0, quoted = false, fieldStarted = false
        func endField() { row.append(String(field)); field = String.UnicodeScalarView(); fieldStarted = false }
        while i < scalars.count {
            let c = scalars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < scalars.count && scalars[i + 1] == "\"" { field.append("\""); i += 2; continue }
                    quoted = false; i += 1; continue
                }
                field.append(c); i += 1; continue
            }
            switch c {
            case "\"":
                guard !fieldStarted && field.isEmpty else { throw ParseError(description: "quote inside an unquoted field (row \(rows.count + 1))") }
                quoted = true; fieldStarted = true
            case ",": endField()
            case "\r" where i + 1 < scalars.count && scalars[i + 1] == "\n": endField(); rows.append(row); row = []; i += 1
            case "\n": endField(); rows.append(row); row = []
            default: field.append(c); fieldStarted = true
            }
            i += 1
        }
        if quoted { throw ParseError(description: "unterminated quoted field") }
        if fieldStarted || !field.isEmpty || !row.isEmpty { endField(); rows.append(row) }
        return rows
    }
}

/// `results.csv`: one row per graded attempt, built from the attempt records (the JSON objects
/// of `results.json`), so that a merge of shard outputs, which has only the records, writes the
/// same bytes as the grader. Numbers are copied from the records as written there.
///
/// Columns: attempt, student, workstation, scenario, mode, seed, total, max, passScore, passed
/// (true/false), evaluation (优/良/中/差), evaluationEn (Excellent/Good/Pass/Fail),
/// durationSeconds, stateHash, endReason, veto (hazard or accident id, else empty), hintsUsed,
/// complete, workstationAgrees, journal — then, when every row is of the same scenario, one
/// `step:<step id>` column per procedure step holding that step's score (in procedure order).
public enum ResultsCSV {
    public static let columns = ["attempt", "student", "workstation", "scenario", "mode", "seed", "total", "max", "passScore",
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
    public static func row(record v: JSONText.Value) throws -> Row {
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
