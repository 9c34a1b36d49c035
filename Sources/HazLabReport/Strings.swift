import HazLabCore
import HazLabScoring

/// The language a report is written in. zh-CN is the default.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case zhCN = "zh-CN"
    case en = "en"

    /// Accepts "zh-CN", "zh", "zh_CN", "en", "en-US", … (case-insensitive).
    public init?(tag: String) {
        let t = tag.lowercased()
        if t == "zh" || t.hasPrefix("zh-") || t.hasPrefix("zh_") { self = .zhCN } else if t == "en" || t.hasPrefix("en-") || t.hasPrefix("en_") { self = .en } else { return nil }
    }

    /// The `LocalizedText.text(_:)` key: "zh" or "en".
    var key: String { self == .en ? "en" : "zh" }

    func text(_ t: LocalizedText) -> String { t.text(key) }
}

/// Every fixed label of the reports, in zh-CN and en. Content (titles, scoring models,
/// remarks) comes from the scenario as `LocalizedText`.
enum L: Sendable {
    // attempt header
    case attemptReport, classReport, scenario, student, workstation, mode, seed, duration, stateHash, engine, scenarioSHA
    case journalEngine, total, passed, yes, no, grade, endReason, veto, journal, workstationHash, agrees, disagrees, incomplete
    case summary, passScore
    // breakdown
    case breakdown, steps, seq, step, start, end, timeUsed, expected, maxScore, score, repeats, evaluation, scoringModel, remarks
    case quality, band, phase, inBand, excursions, range, deductions, time, cause, subject, detail, points, vetoFlag
    case noDeductions, noQuality, earned, deducted, hintsUsed
    // trends and timeline
    case trends, timeAxis, noTrends, timeline, events, kind, lanes
    case laneSteps, laneActions, laneFaults, laneAlarms, laneHazards, laneDeductions
    case actionApplied, actionRejected, fault, alarmRaised, alarmAcknowledged, alarmCleared, hazard, violation, trip, accident, ended
    case deductionEvent, stepDone, markerDeduction, markerFault, markerHazard, markerVeto, bandLegend, noEvents, by
    // class
    case attempts, students, mean, median, minimum, maximum, passRate, gradeDistribution, histogram, scoreAxis, scorePercentAxis
    case count, stepOutcomes, full, partial, noCredit, notCompleted, failureRate, partialRate, meanScore, commonDeductions
    case occurrences, attemptsAffected, share, totalPoints, stepTimes, expectedTime, timeValues, attemptList, noAttempts
    case scenarios, percentOfAttempts, qualityStats, meanInBand, attempt, overview, scenarioVersions, stepOutcomeNote
    case generatedBy, stepTimesNote, percentAxis, outOfOrderCount, hintCount, medianTime, subtotal

    var text: LocalizedText {
        switch self {
        case .attemptReport: return T("单次操作报告", "Attempt report")
        case .classReport: return T("班级成绩分析报告", "Class report")
        case .scenario: return T("场景", "Scenario")
        case .student: return T("学员", "Student")
        case .workstation: return T("工位", "Workstation")
        case .mode: return T("模式", "Mode")
        case .seed: return T("随机种子", "Seed")
        case .duration: return T("时长", "Duration")
        case .stateHash: return T("状态哈希", "State hash")
        case .engine: return T("引擎版本", "Engine version")
        case .scenarioSHA: return T("场景文件 SHA-256", "Scenario SHA-256")
        case .journalEngine: return T("记录时引擎版本", "Recorded with engine")
        case .total: return T("总分", "Total")
        case .passed: return T("是否通过", "Passed")
        case .yes: return T("通过", "Passed")
        case .no: return T("未通过", "Failed")
        case .grade: return T("总评", "Grade")
        case .endReason: return T("结束方式", "Ended by")
        case .veto: return T("否决项", "Critical error (veto)")
        case .journal: return T("操作日志", "Journal")
        case .workstationHash: return T("工位上报哈希", "Workstation's state hash")
        case .agrees: return T("与重放一致", "agrees with the replay")
        case .disagrees: return T("与重放不一致", "differs from the replay")
        case .incomplete: return T("日志不完整（无结尾行）", "incomplete journal (no trailer)")
        case .summary: return T("概况", "Summary")
        case .passScore: return T("及格线", "Pass score")

        case .breakdown: return T("评分明细", "Score breakdown")
        case .steps: return T("操作步骤", "Procedure steps")
        case .seq: return T("序号", "#")
        case .step: return T("步骤", "Step")
        case .start: return T("开始", "Start")
        case .end: return T("完成", "End")
        case .timeUsed: return T("用时", "Time used")
        case .expected: return T("标准用时", "Expected")
        case .maxScore: return T("满分", "Max")
        case .score: return T("得分", "Score")
        case .repeats: return T("操作次数", "Operations")
        case .evaluation: return T("评价", "Evaluation")
        case .scoringModel: return T("评分模型", "Scoring model")
        case .remarks: return T("备注", "Remarks")
        case .quality: return T("过程质量", "Process quality")
        case .band: return T("允许范围", "Band")
        case .phase: return T("评判时段", "Judged phase")
        case .inBand: return T("带内时间比例", "Time in band")
        case .excursions: return T("超出次数", "Excursions")
        case .range: return T("实际范围", "Actual range")
        case .deductions: return T("扣分项", "Deductions")
        case .time: return T("时间", "Time")
        case .cause: return T("原因", "Cause")
        case .subject: return T("对象", "Subject")
        case .detail: return T("说明", "Detail")
        case .points: return T("扣分", "Points")
        case .vetoFlag: return T("否决", "Veto")
        case .noDeductions: return T("无扣分项。", "No deductions.")
        case .noQuality: return T("该场景未设过程质量评分。", "This scenario has no quality windows.")
        case .earned: return T("步骤与质量得分", "Earned by steps and quality")
        case .deducted: return T("扣分合计", "Deducted")
        case .hintsUsed: return T("使用提示", "Hints used")

        case .trends: return T("关键变量趋势", "Key variable trends")
        case .timeAxis: return T("时间 (s)", "Time (s)")
        case .noTrends: return T("该场景未定义趋势变量。", "This scenario defines no trend variables.")
        case .timeline: return T("事件时间线", "Timeline")
        case .events: return T("事件列表", "Events")
        case .kind: return T("类型", "Kind")
        case .lanes: return T("事件", "Events")
        case .laneSteps: return T("步骤完成", "Steps")
        case .laneActions: return T("操作", "Actions")
        case .laneFaults: return T("故障", "Faults")
        case .laneAlarms: return T("报警", "Alarms")
        case .laneHazards: return T("危险", "Hazards")
        case .laneDeductions: return T("扣分", "Deductions")
        case .actionApplied: return T("操作", "Action")
        case .actionRejected: return T("操作被拒绝", "Rejected action")
        case .fault: return T("故障", "Fault")
        case .alarmRaised: return T("报警", "Alarm")
        case .alarmAcknowledged: return T("报警确认", "Alarm acknowledged")
        case .alarmCleared: return T("报警消除", "Alarm cleared")
        case .hazard: return T("危险事件", "Hazard")
        case .violation: return T("违规", "Violation")
        case .trip: return T("设备跳闸", "Trip")
        case .accident: return T("事故", "Accident")
        case .ended: return T("结束", "End")
        case .deductionEvent: return T("扣分", "Deduction")
        case .stepDone: return T("步骤完成", "Step completed")
        case .markerDeduction: return T("扣分时刻", "Deduction")
        case .markerFault: return T("故障时刻", "Fault")
        case .markerHazard: return T("危险事件", "Hazard")
        case .markerVeto: return T("否决项", "Veto")
        case .bandLegend: return T("允许范围", "band")
        case .noEvents: return T("无事件。", "No events.")
        case .by: return T("执行人", "by")

        case .attempts: return T("考核人次", "Attempts")
        case .students: return T("学员人数", "Students")
        case .mean: return T("平均分", "Mean")
        case .median: return T("中位数", "Median")
        case .minimum: return T("最低分", "Lowest")
        case .maximum: return T("最高分", "Highest")
        case .passRate: return T("通过率", "Pass rate")
        case .gradeDistribution: return T("等级分布", "Grades")
        case .histogram: return T("成绩分布", "Score distribution")
        case .scoreAxis: return T("得分", "Score")
        case .scorePercentAxis: return T("得分率 (%)", "Score (% of max)")
        case .count: return T("人次", "Attempts")
        case .stepOutcomes: return T("各步骤得分情况", "Step outcomes")
        case .full: return T("全部得分", "Full credit")
        case .partial: return T("部分得分", "Partial credit")
        case .noCredit: return T("未得分", "No credit")
        case .notCompleted: return T("未完成", "Not completed")
        case .failureRate: return T("失分率", "No-credit rate")
        case .partialRate: return T("部分得分率", "Partial-credit rate")
        case .meanScore: return T("平均得分", "Mean score")
        case .commonDeductions: return T("常见扣分项", "Most common deductions")
        case .occurrences: return T("次数", "Occurrences")
        case .attemptsAffected: return T("涉及人次", "Attempts")
        case .share: return T("占比", "Share of attempts")
        case .totalPoints: return T("合计扣分", "Points")
        case .stepTimes: return T("各步骤用时分布", "Time used per step")
        case .expectedTime: return T("标准用时", "Expected time")
        case .timeValues: return T("实际用时", "Time used")
        case .attemptList: return T("考核记录", "Attempts")
        case .noAttempts: return T("没有考核记录。", "No attempts.")
        case .scenarios: return T("场景数", "Scenarios")
        case .percentOfAttempts: return T("占考核人次比例", "share of attempts")
        case .qualityStats: return T("过程质量", "Process quality")
        case .meanInBand: return T("平均带内时间比例", "Mean time in band")
        case .attempt: return T("考核编号", "Attempt")
        case .overview: return T("总览", "Overview")
        case .scenarioVersions: return T("注意：记录来自该场景的多个版本（SHA-256 不同）。", "Note: these records come from more than one version of the scenario (different SHA-256).")
        case .stepOutcomeNote: return T("全部得分：得到该步骤全部分数；部分得分：完成但超时等原因少得分；未得分：该步骤得 0 分（多为未完成）。",
                                        "Full credit: every point of the step; partial: completed but late or otherwise short; no credit: 0 points (usually not completed).")
        case .generatedBy: return T("由 hazlab report 生成，引擎版本", "Generated by hazlab report, engine")
        case .stepTimesNote: return T("仅统计完成该步骤的考核；红线为标准用时。", "Completed steps only; the red line is the expected time.")
        case .percentAxis: return T("考核人次比例 (%)", "Share of attempts (%)")
        case .outOfOrderCount: return T("顺序错误", "Out of order")
        case .hintCount: return T("使用提示", "Hints")
        case .medianTime: return T("用时中位数", "Median time")
        case .subtotal: return T("小计", "Subtotal")
        }
    }

    func callAsFunction(_ lang: ReportLanguage) -> String { lang.text(text) }
}

private func T(_ zh: String, _ en: String) -> LocalizedText { LocalizedText(zh: zh, en: en) }

/// Names of engine codes (reject reasons, violations, consequences, causes, end reasons).
enum CodeText {
    static func cause(_ raw: String) -> LocalizedText {
        switch raw {
        case "rejected-action": return T("无效操作", "Rejected action")
        case "violation": return T("违规操作", "Violation")
        case "out-of-order": return T("顺序错误", "Out of order")
        case "rule": return T("安全规则", "Safety rule")
        case "hint": return T("使用提示", "Hint")
        case "hazard": return T("危险事件", "Hazard")
        case "accident": return T("事故", "Accident")
        default: return T(raw, raw)
        }
    }

    static func detail(_ raw: String) -> LocalizedText {
        switch raw {
        // reject reasons
        case "unknown-verb": return T("未知操作", "unknown verb")
        case "unknown-target": return T("对象不存在", "unknown target")
        case "unsupported-verb": return T("该设备不支持此操作", "unsupported verb")
        case "locked": return T("设备已上锁", "locked")
        case "locked-by-other": return T("被他人上锁", "locked by someone else")
        case "not-locked": return T("未上锁", "not locked")
        case "already-locked": return T("已上锁", "already locked")
        case "no-effect": return T("操作无效果", "no effect")
        case "invalid-value": return T("数值无效", "invalid value")
        case "not-in-zone": return T("不在作业区域", "not in the zone")
        case "no-power": return T("无电源", "no power")
        case "tripped": return T("设备已跳闸，须先复位", "tripped (reset first)")
        case "unknown-person": return T("人员不存在", "unknown person")
        case "scenario-over": return T("场景已结束", "scenario over")
        case "interlock-blocked": return T("五防闭锁拒绝", "blocked by an interlock")
        // violations
        case "operated-tagged-equipment": return T("操作挂牌设备", "operated tagged equipment")
        case "scripted-operation-of-locked": return T("操作上锁设备", "operated locked equipment")
        case "five-prevention": return T("违反五防规则", "five-prevention breach")
        // consequences
        case "alarm": return T("报警", "alarm")
        case "injury": return T("人员受伤", "injury")
        case "accident": return T("事故", "accident")
        case "explosion": return T("爆炸", "explosion")
        case "fatality": return T("人员死亡", "fatality")
        case "arc-flash": return T("电弧", "arc flash")
        case "electric-shock": return T("触电", "electric shock")
        case "fire": return T("火灾", "fire")
        case "out-of-order": return T("顺序错误", "out of order")
        case "practice": return T("练习模式", "practice")
        case "teaching": return T("教学模式", "teaching")
        case "exam": return T("考核模式", "exam")
        default: return T(raw, raw)
        }
    }

    static func endReason(_ raw: String) -> LocalizedText {
        switch raw {
        case "submitted": return T("学员提交", "submitted")
        case "time-limit": return T("到达时限", "time limit")
        case "hazard": return T("危险事件终止", "hazard")
        case "accident": return T("事故终止", "accident")
        case "running": return T("未结束", "running")
        default: return T(raw, raw)
        }
    }

    static func verb(_ raw: String) -> LocalizedText {
        switch raw {
        case "open": return T("打开", "open")
        case "close": return T("关闭", "close")
        case "set": return T("设定", "set")
        case "start": return T("启动", "start")
        case "stop": return T("停止", "stop")
        case "reset": return T("复位", "reset")
        case "lock": return T("上锁", "lock")
        case "unlock": return T("解锁", "unlock")
        case "tag": return T("挂牌", "tag")
        case "untag": return T("摘牌", "untag")
        case "wear": return T("穿戴", "wear")
        case "remove": return T("脱下", "remove")
        case "acknowledge": return T("确认报警", "acknowledge")
        case "move-to": return T("前往", "move to")
        case "inspect": return T("检查", "inspect")
        case "measure": return T("测量/读数", "measure")
        case "report": return T("汇报", "report")
        case "submit": return T("提交", "submit")
        case "verify": return T("验电/验证", "verify")
        case "hint": return T("请求提示", "hint")
        default: return T(raw, raw)
        }
    }

    static func mode(_ raw: String) -> LocalizedText {
        if let m = TrainingMode(rawValue: raw) { return m.title }
        return T(raw, raw)
    }
}
