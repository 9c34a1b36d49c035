import HazLabCore

/// Labels of the growth record (student report) and the class report's per-student and
/// teaching-diagnosis sections, in zh-CN and en.
enum PL {
    private static func T(_ zh: String, _ en: String) -> LocalizedText { LocalizedText(zh: zh, en: en) }

    // class report
    static let passRateByAttempt = T("通过率（按尝试）", "Pass rate (by attempt)")
    static let passRateByStudent = T("通过率（按学生）", "Pass rate (by student)")
    static let modes = T("考试与练习", "Exam and practice")
    static let kind = T("类型", "Kind")
    static let exam = T("考试", "Exam")
    static let practice = T("练习（含教学）", "Practice (incl. teaching)")
    static let studentSummary = T("学生汇总", "Students")
    static let examAttempts = T("考试次数", "Exam attempts")
    static let practiceAttempts = T("练习次数", "Practice attempts")
    static let latest = T("最近一次", "Latest")
    static let best = T("最好成绩", "Best")
    static let started = T("开始时间", "Started")
    static let needsHelp = T("需要帮助的学生", "Who needs help")
    static let needsHelpNote = T("按依据权重排序：未通过 3，每次否决 2，每个反复出现的安全扣分 1，最近一次每个未得分步骤 0.5，最近一次比最好成绩低 10% 以上 1；列出权重不低于 1 的学生。",
                                 "Ranked by weight of evidence: not passed 3, each veto 2, each recurring safety deduction 1, each step without credit in the latest attempt 0.5, latest 10 % or more below the best 1; students with a weight of 1 or more are listed.")
    static let evidence = T("依据权重", "Evidence")
    static let reasons = T("依据", "Why")
    static let noneNeedsHelp = T("没有需要特别关注的学生。", "No student stands out.")
    static let what = T("扣分内容", "What")
    static let diagnosis = T("教学诊断：各步骤未得分率对比", "Teaching diagnosis: no-credit rate per step, compared")
    static let diagnosisNote = T("按考试尝试计；变化为百分点，正数表示本期比对照期更多学生在该步骤未得分，按变化从大到小排列。",
                                 "Exam attempts; the change is in percentage points, positive where more attempts got no credit for the step than before; largest increase first.")
    static let thisTerm = T("本学期", "This term")
    static let lastTerm = T("上学期", "Last term")
    static let change = T("变化", "Change")
    static let changeAxis = T("未得分率变化（百分点）", "Change in no-credit rate (percentage points)")
    static let notInPrevious = T("对照数据中没有该场景。", "The comparison data has no attempts of this scenario.")

    // student report
    static let studentReport = T("学生成长档案", "Student growth record")
    static let attemptsOverTime = T("历次操作记录", "Attempts over time")
    static let scoreOverTime = T("成绩变化", "Score over time")
    static let attemptAxis = T("第几次尝试（按时间）", "Attempt (in time order)")
    static let scorePercentAxis = T("得分率 (%)", "Score (% of maximum)")
    static let passLine = T("及格线", "Pass line")
    static let byScenario = T("按场景", "By scenario")
    static let discipline = T("专业类别", "Discipline")
    static let mastery = T("步骤掌握情况", "Step mastery")
    static let masteryNote = T("每格是一次尝试中的一个步骤：绿色满分，黄色部分得分，红色未得分。已掌握：最近两次均满分；巩固中：曾经满分；未掌握：从未满分。",
                               "Each cell is one step in one attempt: green full credit, amber partial, red none. Mastered: full credit in the last two attempts; improving: full credit at least once; not yet: never.")
    static let firstSuccess = T("首次满分", "First full credit")
    static let failures = T("失分次数", "Times short")
    static let recurringFailure = T("反复失分", "Recurring failure")
    static let status = T("状态", "Status")
    static let mastered = T("已掌握", "Mastered")
    static let improving = T("巩固中", "Improving")
    static let notYet = T("未掌握", "Not yet")
    static let violations = T("反复出现的安全违规", "Recurring safety violations")
    static let noViolations = T("没有反复出现的安全违规。", "No safety violation recurs.")
    static let lastSeen = T("最近一次出现", "Last seen")
    static let practiceVsExam = T("练习与考试", "Practice and exam")
    static let next = T("下一步练习建议", "What to practise next")
    static let nothingNext = T("各场景均已通过且步骤均已掌握，可以尝试新的场景。", "Every scenario passed and every step mastered: time for a new scenario.")
    static let noAttempts = T("没有该学生的记录。", "No attempts of this student.")
    static let scenariosPassed = T("已通过场景", "Scenarios passed")
    static let period = T("时间范围", "Period")
    static let attemptsLabel = T("尝试", "Attempt")
}

extension ReportLanguage {
    func callAsFunction(_ t: LocalizedText) -> String { text(t) }
}
