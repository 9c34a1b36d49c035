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
    case generatedBy, stepTimesNote, percentAxis, outOfOrderCount, hintCount, medianTime, subtotal, timeRatioAxis, untimedSteps

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
        case .stepTimesNote: return T("仅统计完成该步骤的考核。每个步骤按各自的标准用时归一：横轴为实际用时 ÷ 标准用时，红线 1 为标准用时，超过 4 倍的画在右端（红点）；括号内为标准用时。",
                                      "Completed steps only. Each step on its own scale: time used ÷ the step's expected time (in brackets); the red line at 1 is the expected time; more than 4× is drawn at the right edge (red dots).")
        case .timeRatioAxis: return T("实际用时 ÷ 标准用时", "Time used ÷ expected time")
        case .untimedSteps: return T("无标准用时、未画出的步骤：", "Steps without an expected time (not drawn): ")
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
        case "ticket-deviation": return T("未按操作票操作（票外或越项）", "operation off the operating ticket")
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

/// Labels of the instructor sheet (`hazlab doc`), in zh-CN and en.
enum SL: Sendable {
    case sheet, overview, scenarioId, description, discipline, modes, timeLimit, tickRate, defaultSeed, version, maxTotal
    case procedure, prerequisites, doneWhen, lateRule, hint, hintCost, stepGraph, stepGraphNote, total, none
    case lateNone, lateNotTimed, attemptStart, attemptEnd
    case rubric, gradeBands, vetoEffect, vetoZero, vetoCap, vetoEnd, deductionRules, item, rule
    case rejectedAction, violationDefault, violationCode, outOfOrder, hintItem, hintPerStep, hintExamNote
    case qualityWindows, variable, band, phaseFrom, phaseTo, during, grace, perExcursion
    case safetyRules, condition, accidentRules, accidentNote, consequence, endsScenario, inRubric, noDeduction, vetoWord, points
    case faults, noFaults, trigger, effects, hazards, noHazards, message, noRules
    case entities, type, nameZh, nameEn, zone, position, size, persons, fixedZone, moves, variables, noVariables
    case plan, planNote, notPlaced, noPositions, offPlan, gasGrid, scaleBar, legendZone, legendEquipment, legendSensor
    case legendAlarm, legendLeak, legendOpening, legendPerson, legendGas, yes, no, generatedBy, seededDraw

    var text: LocalizedText {
        switch self {
        case .sheet: return T("教员说明书", "Instructor sheet")
        case .overview: return T("场景概况", "Overview")
        case .scenarioId: return T("场景编号", "Scenario id")
        case .description: return T("说明", "Description")
        case .discipline: return T("专业类别", "Discipline")
        case .modes: return T("训练模式", "Modes")
        case .timeLimit: return T("时限", "Time limit")
        case .tickRate: return T("仿真步频", "Tick rate")
        case .defaultSeed: return T("默认随机种子", "Default seed")
        case .version: return T("场景版本", "Scenario version")
        case .maxTotal: return T("满分", "Maximum score")
        case .procedure: return T("操作步骤", "Procedure")
        case .prerequisites: return T("前置步骤", "Prerequisites")
        case .doneWhen: return T("完成条件", "Done when")
        case .lateRule: return T("超时规则", "Late rule")
        case .hint: return T("提示", "Hint")
        case .hintCost: return T("提示扣分", "Hint cost")
        case .stepGraph: return T("步骤先后关系", "Step dependencies")
        case .stepGraphNote: return T("方框为步骤（序号、分值、标准用时），箭头由前置步骤指向须在其后完成的步骤；同一行的步骤之间没有先后要求。",
                                      "Boxes are steps (number, points, expected time); an arrow runs from a prerequisite to the step that must come after it. Steps on the same row have no order between them.")
        case .total: return T("合计", "Total")
        case .none: return T("无", "none")
        case .lateNone: return T("不计时", "not timed")
        case .lateNotTimed: return T("无标准用时", "no expected time")
        case .attemptStart: return T("开始", "the start")
        case .attemptEnd: return T("结束", "the end")
        case .rubric: return T("评分标准", "Rubric")
        case .gradeBands: return T("等级划分", "Grades")
        case .vetoEffect: return T("否决项后果", "Effect of a veto")
        case .vetoZero: return T("总分记 0 分，不通过", "the score is set to 0; the attempt fails")
        case .vetoCap: return T("总分最高记", "the attempt fails and its score is capped at")
        case .vetoEnd: return T("操作立即终止，已得分保留，不通过", "the attempt ends there; the points earned so far stand; it fails")
        case .deductionRules: return T("扣分规则", "Deductions")
        case .item: return T("项目", "Item")
        case .rule: return T("扣分", "Points")
        case .rejectedAction: return T("无效操作（每次）", "Rejected action (each)")
        case .violationDefault: return T("违规操作（默认，每次）", "Violation (default, each)")
        case .violationCode: return T("违规操作", "Violation")
        case .outOfOrder: return T("步骤顺序错误（每次）", "Step done out of order (each)")
        case .hintItem: return T("使用提示（每步骤首次）", "Hint (first use per step)")
        case .hintPerStep: return T("见各步骤「提示扣分」", "see each step's hint cost")
        case .hintExamNote: return T("考核模式不提供提示。", "No hints in exam mode.")
        case .qualityWindows: return T("过程质量", "Quality windows")
        case .variable: return T("变量", "Variable")
        case .band: return T("允许范围", "Band")
        case .phaseFrom: return T("起于（步骤完成）", "From (step done)")
        case .phaseTo: return T("止于（步骤完成）", "Until (step done)")
        case .during: return T("仅当", "Only while")
        case .grace: return T("宽限", "Grace")
        case .perExcursion: return T("每次超出扣分", "Per excursion")
        case .safetyRules: return T("安全规则", "Safety rules")
        case .condition: return T("条件", "Condition")
        case .accidentRules: return T("学员受伤害（物理事故）", "Accidents to the trainee (physics)")
        case .accidentNote: return T("由气体、电气、反应等物理模型判定的伤害，不在危险事件表中。", "Harm judged by the gas, electrical and reaction physics; not listed among the hazards.")
        case .consequence: return T("后果", "Consequence")
        case .endsScenario: return T("终止场景", "Ends the scenario")
        case .inRubric: return T("评分处理", "In the rubric")
        case .noDeduction: return T("不扣分", "no deduction")
        case .vetoWord: return T("否决", "veto")
        case .points: return T("分", "points")
        case .faults: return T("故障设置", "Faults")
        case .noFaults: return T("该场景未设故障。", "This scenario has no faults.")
        case .trigger: return T("触发", "Trigger")
        case .effects: return T("效果", "Effects")
        case .hazards: return T("危险事件", "Hazards")
        case .noHazards: return T("该场景未设危险事件。", "This scenario has no hazards.")
        case .message: return T("提示信息", "Message")
        case .noRules: return T("该场景未设安全规则。", "This scenario has no safety rules.")
        case .entities: return T("设备与对象", "Entities")
        case .type: return T("类型", "Type")
        case .nameZh: return T("名称（中文）", "Name (zh)")
        case .nameEn: return T("名称（英文）", "Name (en)")
        case .zone: return T("区域", "Zone")
        case .position: return T("位置 x, y, z (m)", "Position x, y, z (m)")
        case .size: return T("尺寸 宽 × 深 × 高 (m)", "Size w × d × h (m)")
        case .persons: return T("人员", "Persons")
        case .fixedZone: return T("固定作业区域", "Fixed zone")
        case .moves: return T("随操作移动", "moves")
        case .variables: return T("命名条件（变量）", "Named conditions (variables)")
        case .noVariables: return T("无。", "None.")
        case .plan: return T("平面布置图", "Plan view")
        case .planNote: return T("俯视图：x 向右（东），y 向上（北），单位 m；位置为设备底面中心。同一位置的多个对象共用一个标注。",
                                 "Top-down view: x to the right (east), y up (north), in metres; positions are footprint centres. Objects at the same spot share one label.")
        case .notPlaced: return T("未布置（无位置）", "Not placed (no position)")
        case .noPositions: return T("该场景的对象均未给出位置，无平面图。", "No entity has a position, so there is no plan to draw.")
        case .offPlan: return T("远处（未按比例画入）", "Far away (not drawn to scale)")
        case .gasGrid: return T("气体扩散网格", "Gas grid")
        case .scaleBar: return T("比例尺", "Scale")
        case .legendZone: return T("区域", "zone")
        case .legendEquipment: return T("设备", "equipment")
        case .legendSensor: return T("检测器/传感器", "detector / sensor")
        case .legendAlarm: return T("报警", "alarm")
        case .legendLeak: return T("泄漏源", "leak")
        case .legendOpening: return T("门窗/人孔", "door / window")
        case .legendPerson: return T("人员（固定区域）", "person (fixed zone)")
        case .legendGas: return T("气体网格范围", "gas grid")
        case .yes: return T("是", "yes")
        case .no: return T("否", "no")
        case .generatedBy: return T("由 hazlab doc 生成，引擎版本", "Generated by hazlab doc, engine")
        case .seededDraw: return T("默认种子下", "with the default seed")
        }
    }

    func callAsFunction(_ lang: ReportLanguage) -> String { lang.text(text) }
}

extension CodeText {
    static func discipline(_ raw: String) -> LocalizedText {
        switch raw {
        case "chemical": return T("化工", "Chemical")
        case "electrical": return T("电气", "Electrical")
        case "confined-space": return T("受限空间", "Confined space")
        case "gas": return T("燃气", "Gas")
        case "lockout-tagout": return T("上锁挂牌", "Lockout-tagout")
        case "general": return T("通用", "General")
        default: return T(raw, raw)
        }
    }

    /// The kind of an entity in words; motors and switches by their role.
    static func entityType(_ kind: EntityKind, role: String? = nil) -> LocalizedText {
        kind.descriptor.label(type: role)
    }

    static func sensorFailure(_ f: SensorFailure) -> LocalizedText {
        switch f {
        case .none: return T("正常", "none")
        case .stuck: return T("卡死", "stuck")
        case .low: return T("读数偏低", "reads low")
        case .high: return T("读数偏高", "reads high")
        case .erratic: return T("读数乱跳", "erratic")
        }
    }
}
