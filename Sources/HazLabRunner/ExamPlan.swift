import Crypto
import Foundation
import HazLabCore
import HazLabRecords
import HazLabScenario

/// An exam plan: which students sit an exam on which scenario, and each one's seed.
///
/// A student's seed is derived from (exam id, scenario id, student id) alone, so the plan can
/// be rebuilt anywhere and gives every student different fault times, while two runs of the
/// planner give the same bytes. Seeds are limited to 53 bits, so every JSON reader (including
/// JavaScript's) keeps them exact.
public struct ExamPlan: Sendable, Equatable {
    public static let format = 1
    public static let seedBits = 53

    public struct Entry: Sendable, Equatable {
        public var student: String
        public var seed: UInt64
        public init(student: String, seed: UInt64) { self.student = student; self.seed = seed }
    }

    public var exam: String
    public var scenario: String
    public var scenarioSHA256: String
    /// In the order given to the planner.
    public var students: [Entry]
    private var index: [String: UInt64] = [:]   // looked up, never iterated

    public init(exam: String, scenario: String, scenarioSHA256: String, students: [Entry]) throws {
        self.exam = exam; self.scenario = scenario; self.scenarioSHA256 = scenarioSHA256; self.students = students
        var seeds: [UInt64: String] = [:]
        for e in students {
            if index[e.student] != nil { throw ExamPlanError("student '\(e.student)' is listed twice") }
            if let other = seeds[e.seed] {
                throw ExamPlanError("students '\(other)' and '\(e.student)' would get the same seed \(e.seed); use another exam id")
            }
            index[e.student] = e.seed
            seeds[e.seed] = e.student
        }
    }

    public static func == (a: ExamPlan, b: ExamPlan) -> Bool {
        a.exam == b.exam && a.scenario == b.scenario && a.scenarioSHA256 == b.scenarioSHA256 && a.students == b.students
    }

    public func seed(for student: String) -> UInt64? { index[student] }

    /// The seed of `student` in exam `exam` on scenario `scenario`: the first 8 bytes (big-endian)
    /// of SHA-256 over a versioned, length-prefixed encoding of the three ids, cut to 53 bits.
    public static func seed(exam: String, scenario: String, student: String) -> UInt64 {
        var message = Array("hazlab-exam-seed-v1".utf8)
        for part in [exam, scenario, student] {
            let bytes = Array(part.utf8)
            let n = UInt32(bytes.count)
            message += [UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            message += bytes
        }
        let d = SHA256.digest(message)
        var v: UInt64 = 0
        for b in d.prefix(8) { v = v << 8 | UInt64(b) }
        return v & ((1 << UInt64(seedBits)) - 1)
    }

    /// Plans `students` for an exam on `model`.
    public static func make(exam: String, model: Model, students: [String]) throws -> ExamPlan {
        try checkId(exam, "exam id")
        for s in students { try checkId(s, "student id") }
        return try ExamPlan(exam: exam, scenario: model.id, scenarioSHA256: model.sourceSHA256,
                            students: students.map { Entry(student: $0, seed: seed(exam: exam, scenario: model.id, student: $0)) })
    }

    static func checkId(_ s: String, _ what: String) throws {
        if s.isEmpty { throw ExamPlanError("empty \(what)") }
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw ExamPlanError("\(what) '\(s)' contains a control character")
        }
        if s != s.trimmingCharacters(in: .whitespaces) { throw ExamPlanError("\(what) '\(s)' has leading or trailing spaces") }
    }

    /// Student ids from a roster file: one per line (UTF-8, an optional BOM); blank lines and
    /// lines starting with '#' are skipped; surrounding spaces are trimmed.
    public static func readRoster(_ text: String) -> [String] {
        var t = Substring(text)
        if t.hasPrefix("\u{FEFF}") { t = t.dropFirst() }
        return t.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    // MARK: files

    /// The plan as JSON, one student per line.
    public func json() -> String {
        var s = "{\"format\":\(ExamPlan.format),\"exam\":\(JSON.string(exam)),\"scenario\":\(JSON.string(scenario)),"
        s += "\"scenarioSHA256\":\(JSON.string(scenarioSHA256)),\"students\":["
        s += students.isEmpty ? "" : "\n" + students.map { "{\"student\":\(JSON.string($0.student)),\"seed\":\($0.seed)}" }.joined(separator: ",\n") + "\n"
        return s + "]}\n"
    }

    public static let csvColumns = ["exam", "scenario", "scenarioSHA256", "student", "seed"]

    /// The plan as CSV (UTF-8 with a BOM, CRLF), one row per student.
    public func csv() -> String {
        CSV.document([ExamPlan.csvColumns] + students.map { [exam, scenario, scenarioSHA256, $0.student, String($0.seed)] })
    }

    /// Reads a plan written by `json()` or `csv()`.
    public static func read(bytes: [UInt8]) throws -> ExamPlan {
        let text = String(decoding: bytes, as: UTF8.self)
        let trimmed = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        if trimmed.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            let v: JSONText.Value
            do { v = try JSONText.parse(Array(trimmed.utf8)) } catch let e as JSONText.SyntaxError {
                throw ExamPlanError("invalid JSON at byte \(e.offset): \(e.message)")
            }
            guard v["format"]?.numberText == String(format) else { throw ExamPlanError("unsupported plan format") }
            guard let exam = v["exam"]?.string, let scenario = v["scenario"]?.string,
                  let sha = v["scenarioSHA256"]?.string, let list = v["students"]?.array else {
                throw ExamPlanError("a plan needs exam, scenario, scenarioSHA256 and students")
            }
            let entries = try list.map { e -> Entry in
                guard let s = e["student"]?.string, let seedText = e["seed"]?.numberText, let seed = UInt64(seedText) else {
                    throw ExamPlanError("each student needs \"student\" and an integer \"seed\"")
                }
                return Entry(student: s, seed: seed)
            }
            return try ExamPlan(exam: exam, scenario: scenario, scenarioSHA256: sha, students: entries)
        }
        let rows = try CSV.parse(trimmed)
        guard let head = rows.first, head == csvColumns else {
            throw ExamPlanError("a CSV plan starts with the columns \(csvColumns.joined(separator: ","))")
        }
        let body = rows.dropFirst()
        guard let first = body.first else { throw ExamPlanError("the plan lists no students") }
        var entries: [Entry] = []
        for (i, r) in body.enumerated() {
            guard r.count == csvColumns.count, let seed = UInt64(r[4]) else { throw ExamPlanError("row \(i + 2): expected 5 columns and an integer seed") }
            guard r[0] == first[0], r[1] == first[1], r[2] == first[2] else { throw ExamPlanError("row \(i + 2): a plan is for one exam and one scenario") }
            entries.append(Entry(student: r[3], seed: seed))
        }
        return try ExamPlan(exam: first[0], scenario: first[1], scenarioSHA256: first[2], students: entries)
    }
}

public struct ExamPlanError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ s: String) { description = s }
}
