import Foundation

/// The CSV export for the data center: two RFC 4180 files, UTF-8 with a byte-order mark (so
/// Excel reads the Chinese text), CRLF line ends:
///
/// - `attempts.csv`, one row per attempt: attempt, registration, student, workstation, scenario,
///   title, mode, seed, startTime, endTime, durationSeconds, total, max, score100 (the ilab-x
///   integer score), passScore, passed, evaluation, veto, violations, stateHash, endReason;
/// - `steps.csv`, one row per step: attempt, student, scenario, seq, step, title, completed,
///   startTime, endTime, timeUsed, expectTime, maxScore, score, repeatCount, evaluation,
///   scoringModel, remarks.
///
/// Headings are in the reader's language (`Language.zhCN`, the school default, or the keys
/// above with `.en`); times are local ISO 8601 with the offset (`2026-01-01T08:00:00.000+08:00`,
/// Beijing by default), so a spreadsheet shows the hour the class sat and still knows the instant.
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

    /// The headings' language: zh-CN (default) or the English keys.
    public enum Language: String, Sendable { case zhCN = "zh-CN", en }

    /// The zh-CN heading of each column key (attempts and steps share keys that mean the same).
    public static let zhHeadings: [String: String] = [
        "attempt": "考核编号", "registration": "注册号", "student": "学员", "workstation": "工位", "scenario": "场景编号",
        "title": "名称", "mode": "模式", "seed": "随机种子", "startTime": "开始时间", "endTime": "结束时间",
        "durationSeconds": "用时(秒)", "total": "总分", "max": "满分", "score100": "百分制成绩", "passScore": "及格线",
        "passed": "是否通过", "evaluation": "评价", "veto": "否决项", "violations": "违规次数", "stateHash": "状态哈希",
        "endReason": "结束方式", "seq": "序号", "step": "步骤编号", "completed": "是否完成", "timeUsed": "用时(秒)",
        "expectTime": "标准用时(秒)", "maxScore": "满分", "score": "得分", "repeatCount": "操作次数",
        "scoringModel": "评分模型", "remarks": "备注",
    ]

    public static func headings(_ keys: [String], _ lang: Language) -> [String] {
        lang == .en ? keys : keys.map { zhHeadings[$0] ?? $0 }
    }

    // Quoting, the BOM and the formula guard are the grader's CSV rules (`CSV`).
    public static func field(_ s: String) -> String { CSV.field(s) }
    public static func text(_ s: String) -> String { CSV.text(s) }
    static func row(_ f: [String]) -> String { CSV.row(f) }

    public static func attempts(_ list: [(ExportAttempt, Date)], language: Language = .zhCN, offset: UTCOffset = .beijing) -> String {
        var out = bom + row(headings(attemptColumns, language))
        for (a, started) in list {
            let t0 = ExportTime.millis(started)
            out += row([
                text(a.attempt), XAPIProfile.registration(key: a.registrationKey), text(a.student), text(a.workstation), a.scenario,
                text(a.scenarioTitle.zh), a.mode, a.seed, offset.iso8601(millis: t0, fraction: true),
                offset.iso8601(millis: ExportTime.millis(started: t0, plusSeconds: a.durationSeconds), fraction: true),
                JSON.number(a.durationSeconds), JSON.number(a.total), JSON.number(a.max),
                String(ILabX.integerScore(total: a.total, max: a.max)), JSON.number(a.passScore), a.passed ? "true" : "false",
                a.evaluationText.zh, a.veto ?? "", String(a.safetyViolations.count), a.stateHash, a.endReason,
            ])
        }
        return out
    }

    public static func steps(_ list: [(ExportAttempt, Date)], language: Language = .zhCN, offset: UTCOffset = .beijing) -> String {
        var out = bom + row(headings(stepColumns, language))
        for (a, started) in list {
            let t0 = ExportTime.millis(started)
            for s in a.steps {
                out += row([
                    text(a.attempt), text(a.student), a.scenario, String(s.seq), s.id, text(s.title.zh), s.completed ? "true" : "false",
                    offset.iso8601(millis: ExportTime.millis(started: t0, plusSeconds: s.startSeconds), fraction: true),
                    s.endSeconds.map { offset.iso8601(millis: ExportTime.millis(started: t0, plusSeconds: $0), fraction: true) } ?? "",
                    s.timeUsed.map(JSON.number) ?? "", JSON.number(s.expectedSeconds), JSON.number(s.maxScore), JSON.number(s.score),
                    String(s.repeatCount), ILabX.stepEvaluation(s), text(s.scoringModel.zh), text(s.remarks.zh),
                ])
            }
        }
        return out
    }
}
