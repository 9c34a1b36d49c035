import Foundation

/// The CSV export for the data center: two RFC 4180 files, UTF-8 with a byte-order mark (so
/// Excel reads the Chinese text), CRLF line ends:
///
/// - `attempts.csv`, one row per attempt: attempt, registration, student, workstation, scenario,
///   title, mode, seed, startTime, endTime (ISO 8601 UTC), durationSeconds, total, max,
///   score100 (the ilab-x integer score), passScore, passed, evaluation, veto, violations,
///   stateHash, endReason;
/// - `steps.csv`, one row per step: attempt, student, scenario, seq, step, title, completed,
///   startTime, endTime, timeUsed, expectTime, maxScore, score, repeatCount, evaluation,
///   scoringModel, remarks.
///
/// Text from a trainee or workstation that starts with `= + - @`, tab or CR gets a leading
/// apostrophe, so a spreadsheet never reads it as a formula.
public enum ExportCSV {
    public static let bom = CSV.bom
    public static let attemptColumns = ["attempt", "registration", "student", "workstation", "scenario", "title", "mode", "seed",
                                        "startTime", "endTime", "durationSeconds", "total", "max", "score100", "passScore", "passed",
                                        "evaluation", "veto", "violations", "stateHash", "endReason"]
    public static let stepColumns = ["attempt", "student", "scenario", "seq", "step", "title", "completed", "startTime", "endTime",
                                     "timeUsed", "expectTime", "maxScore", "score", "repeatCount", "evaluation", "scoringModel", "remarks"]

    // Quoting, the BOM and the formula guard are the grader's CSV rules (`CSV`).
    public static func field(_ s: String) -> String { CSV.field(s) }
    public static func text(_ s: String) -> String { CSV.text(s) }
    static func row(_ f: [String]) -> String { CSV.row(f) }

    public static func attempts(_ list: [(ExportAttempt, Date)]) -> String {
        var out = bom + row(attemptColumns)
        for (a, started) in list {
            let t0 = ExportTime.millis(started)
            out += row([
                text(a.attempt), XAPIProfile.registration(key: a.registrationKey), text(a.student), text(a.workstation), a.scenario,
                text(a.scenarioTitle.zh), a.mode, a.seed, ExportTime.iso8601(millis: t0),
                ExportTime.iso8601(millis: ExportTime.millis(started: t0, plusSeconds: a.durationSeconds)),
                JSON.number(a.durationSeconds), JSON.number(a.total), JSON.number(a.max),
                String(ILabX.integerScore(total: a.total, max: a.max)), JSON.number(a.passScore), a.passed ? "true" : "false",
                a.evaluationText.zh, a.veto ?? "", String(a.safetyViolations.count), a.stateHash, a.endReason,
            ])
        }
        return out
    }

    public static func steps(_ list: [(ExportAttempt, Date)]) -> String {
        var out = bom + row(stepColumns)
        for (a, started) in list {
            let t0 = ExportTime.millis(started)
            for s in a.steps {
                out += row([
                    text(a.attempt), text(a.student), a.scenario, String(s.seq), s.id, text(s.title.zh), s.completed ? "true" : "false",
                    ExportTime.iso8601(millis: ExportTime.millis(started: t0, plusSeconds: s.startSeconds)),
                    s.endSeconds.map { ExportTime.iso8601(millis: ExportTime.millis(started: t0, plusSeconds: $0)) } ?? "",
                    s.timeUsed.map(JSON.number) ?? "", JSON.number(s.expectedSeconds), JSON.number(s.maxScore), JSON.number(s.score),
                    String(s.repeatCount), s.evaluationText.zh, text(s.scoringModel.zh), text(s.remarks.zh),
                ])
            }
        }
        return out
    }
}
