import Foundation
import HazLabCore
import HazLabLab
import HazLabReport
import HazLabRunner

/// The teacher station's page bodies. Every string from outside (names, ids, titles) goes
/// through `Markup`, which escapes it; the scripts fill in live values with `textContent` only.
enum TeacherViews {
    struct AttemptInfo {
        var assignment: LabAssignment
        var studentName: String
        var model: Model
        var title: String { assignment.attempt }
    }

    static func modeName(_ mode: String, _ lang: ReportLanguage) -> String {
        switch mode {
        case "teaching": return tr(lang, "教学", "teaching")
        case "practice": return tr(lang, "练习", "practice")
        case "exam": return tr(lang, "考核", "exam")
        default: return mode
        }
    }

    static func connectionName(_ c: String, _ lang: ReportLanguage) -> String {
        switch c {
        case "live": return tr(lang, "在线", "live")
        case "reconnecting": return tr(lang, "重连中", "reconnecting")
        case "submitted": return tr(lang, "已交卷", "submitted")
        default: return tr(lang, "离线", "offline")
        }
    }

    static func clock(_ seconds: Double) -> String {
        let t = max(0, Int(seconds.rounded(.down)))
        return String(format: "%02d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
    }

    // MARK: login

    static func login(lang: ReportLanguage, next: String) -> String {
        var p = TeacherPage(lang: lang, title: tr(lang, "登录 — HazLab 教师站", "Sign in — HazLab teacher station"), csrf: "", script: "login.js",
                            user: nil, bodyClass: "login", data: [("data-next", next)])
        p.m.element("h1", [], tr(lang, "HazLab 教师站登录", "HazLab teacher station: sign in"))
        p.m.open("form", [("id", "login-form"), ("class", "card narrow"), ("method", "post"), ("action", "/login")])
        p.m.element("label", [("for", "user")], tr(lang, "用户名", "User id"))
        p.m.leaf("input", [("id", "user"), ("name", "user"), ("autocomplete", "username"), ("required", "required")])
        p.m.element("label", [("for", "password")], tr(lang, "密码", "Password"))
        p.m.leaf("input", [("id", "password"), ("name", "password"), ("type", "password"), ("autocomplete", "current-password"), ("required", "required")])
        p.m.element("button", [("type", "submit"), ("id", "login-button")], tr(lang, "登录", "Sign in"))
        p.m.element("p", [("id", "login-error"), ("class", "error"), ("role", "alert")])
        p.m.close()
        p.m.open("p")
        p.link("/login", lang == .en ? "中文" : "English", attrs: [("id", "other-language")])
        p.m.close()
        var text = p.finish()
        // The language link switches: written plainly to avoid the page's own language suffix.
        if lang == .en { text = text.replacingOccurrences(of: "href=\"/login?lang=en\" id=\"other-language\"", with: "href=\"/login\" id=\"other-language\"") }
        else { text = text.replacingOccurrences(of: "href=\"/login\" id=\"other-language\"", with: "href=\"/login?lang=en\" id=\"other-language\"") }
        return text
    }

    // MARK: my classes

    static func classes(lang: ReportLanguage, session s: LabSession, classes: [(id: String, name: String)]) -> String {
        var p = TeacherPage(lang: lang, title: tr(lang, "我的班级 — HazLab 教师站", "My classes — HazLab teacher station"), csrf: s.csrf, script: nil, user: s.user)
        p.m.element("h1", [], tr(lang, "我的班级", "My classes"))
        if classes.isEmpty { p.m.element("p", [("class", "note")], tr(lang, "您还没有任教的班级。", "You teach no class yet.")) }
        p.m.open("ul", [("class", "classes"), ("id", "classes")])
        for c in classes {
            p.m.open("li", [("class", "card"), ("data-class", c.id)])
            p.m.element("h2", [], c.name.isEmpty ? c.id : "\(c.name) (\(c.id))")
            p.m.open("p", [("class", "actions")])
            let base = "/teacher/classes/" + pathEscape(c.id)
            p.link(base, tr(lang, "实时监控", "Live view"), cls: "button")
            p.link(base + "/exams", tr(lang, "考核", "Exams"), cls: "button")
            p.link(base + "/report", tr(lang, "班级报告", "Class report"), cls: "button")
            p.m.close()
            p.m.close()
        }
        p.m.close()
        return p.finish()
    }

    static func pathEscape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }

    // MARK: live grid

    static func classNav(_ klass: String, _ lang: ReportLanguage) -> [(String, String)] {
        let base = "/teacher/classes/" + pathEscape(klass)
        return [(base, tr(lang, "实时监控", "Live view")), (base + "/exams", tr(lang, "考核", "Exams")), (base + "/report", tr(lang, "班级报告", "Class report"))]
    }

    static func grid(lang: ReportLanguage, session s: LabSession, klass: String, task: String?, stations: [[String: Any]]) -> String {
        var p = TeacherPage(lang: lang, title: tr(lang, "实时监控 — \(klass)", "Live view — \(klass)"), csrf: s.csrf, script: "grid.js", user: s.user,
                            data: [("data-class", klass), ("data-task", task ?? "")], nav: classNav(klass, lang))
        p.m.element("h1", [], tr(lang, "实时监控：\(klass)", "Live view: \(klass)"))
        p.m.open("div", [("class", "toolbar"), ("role", "group"), ("aria-label", tr(lang, "全班操作", "Whole class"))])
        p.m.element("span", [("id", "feed-state"), ("class", "feed"), ("role", "status")], tr(lang, "正在连接实时数据…", "Connecting to the live feed…"))
        p.m.element("button", [("type", "button"), ("data-class-kind", "freeze")], tr(lang, "全班冻结", "Freeze class"))
        p.m.element("button", [("type", "button"), ("data-class-kind", "run")], tr(lang, "全班继续", "Run class"))
        p.m.element("label", [("for", "class-message")], tr(lang, "全班消息", "Message to all"))
        p.m.leaf("input", [("id", "class-message"), ("maxlength", "500")])
        p.m.element("button", [("type", "button"), ("data-class-kind", "message")], tr(lang, "发送", "Send"))
        p.m.element("p", [("id", "command-result"), ("role", "status"), ("aria-live", "polite")])
        p.m.close()
        p.m.open("ul", [("class", "grid"), ("id", "grid"), ("aria-live", "off")])
        for st in stations { card(&p, st, lang) }
        p.m.close()
        if stations.isEmpty { p.m.element("p", [("class", "note"), ("id", "no-stations")], tr(lang, "目前没有工位在做本班的任务。", "No station is working on this class's tasks now.")) }
        return p.finish()
    }

    /// One station card (grid.js builds the same structure from the feed's JSON).
    static func card(_ p: inout TeacherPage, _ st: [String: Any], _ lang: ReportLanguage) {
        let attempt = st["attempt"] as? String ?? "", conn = st["connection"] as? String ?? "offline"
        let name = st["studentName"] as? String ?? "", student = st["student"] as? String ?? ""
        p.m.open("li", [("class", "card station conn-\(conn)"), ("data-attempt", attempt), ("data-connection", conn)])
        p.m.open("h2", [("class", "card-title")])
        p.link("/teacher/attempts/" + pathEscape(attempt), name.isEmpty ? student : "\(name) (\(student))")
        p.m.close()
        p.m.open("dl")
        func field(_ key: String, _ label: String, _ value: String) {
            p.m.element("dt", [], label)
            p.m.element("dd", [("data-f", key)], value)
        }
        let title = (st["stepTitle"] as? [String: String]).map { lang == .en && !($0["en"] ?? "").isEmpty ? $0["en"] ?? "" : $0["zh"] ?? "" } ?? ""
        let idx = st["stepIndex"] as? Int ?? -1, total = st["stepsTotal"] as? Int ?? 0, done = st["stepsDone"] as? Int ?? 0
        field("workstation", tr(lang, "工位", "Station"), st["workstation"] as? String ?? "")
        field("scenario", tr(lang, "场景", "Scenario"), st["scenario"] as? String ?? "")
        field("mode", tr(lang, "模式", "Mode"), modeName(st["mode"] as? String ?? "", lang))
        field("time", tr(lang, "仿真时间", "Sim time"), clock(st["simSeconds"] as? Double ?? 0))
        field("step", tr(lang, "步骤", "Step"), idx >= 0 ? "\(idx + 1)/\(total) \(title)" : "\(done)/\(total)")
        field("alarms", tr(lang, "报警", "Alarms"), (st["alarms"] as? [String] ?? []).joined(separator: ", "))
        field("hazards", tr(lang, "危险", "Hazards"), (st["hazards"] as? [String] ?? []).joined(separator: ", "))
        field("accidents", tr(lang, "事故", "Accidents"), (st["accidents"] as? [String] ?? []).joined(separator: ", "))
        if let score = st["score"] as? Double, let max = st["maxScore"] as? Double {
            field("score", tr(lang, "得分", "Score"), "\(Fmt.number(score))/\(Fmt.number(max))")
        }
        var flags: [String] = []
        if st["frozen"] as? Bool == true { flags.append(tr(lang, "已冻结", "frozen")) }
        if st["paused"] as? Bool == true { flags.append(tr(lang, "已暂停", "paused")) }
        let ended = st["finished"] as? Bool == true
        field("clock", tr(lang, "状态", "State"),
              flags.isEmpty ? (ended ? tr(lang, "已结束", "ended") : tr(lang, "运行", "running")) : flags.joined(separator: ", "))
        p.m.element("dt", [], tr(lang, "连接", "Connection"))
        p.m.open("dd", [("data-f", "connection")])
        p.m.element("span", [("class", "conn conn-\(conn)")], connectionName(conn, lang))
        p.m.close()
        p.m.close()
        p.m.close()
    }

    // MARK: station

    static func attemptNav(_ a: LabAssignment, _ lang: ReportLanguage) -> [(String, String)] {
        let base = "/teacher/attempts/" + pathEscape(a.attempt)
        return [(base, tr(lang, "工位详情", "Station")), (base + "/projector", tr(lang, "投屏", "Projector")), (base + "/debrief", tr(lang, "复盘", "Debrief"))]
    }

    static func header(_ p: inout TeacherPage, _ info: AttemptInfo, _ lang: ReportLanguage, _ h1: String) {
        let a = info.assignment
        p.m.element("h1", [], "\(h1)：\(info.studentName.isEmpty ? a.student : "\(info.studentName) (\(a.student))")")
        p.m.element("p", [("class", "subtitle")],
                    "\(tr(lang, "工位", "Station")) \(a.workstation) · \(lang == .en ? info.model.text.title.text("en") : info.model.text.title.text("zh")) (\(a.scenario)) · \(modeName(a.mode.rawValue, lang)) · \(a.attempt)")
    }

    static func statusBlock(_ p: inout TeacherPage, _ stepper: AttemptStepper, _ lang: ReportLanguage, exam: Bool) {
        p.m.open("dl", [("class", "status"), ("id", "status")])
        func field(_ id: String, _ label: String, _ value: String) {
            p.m.element("dt", [], label)
            p.m.element("dd", [("id", id)], value)
        }
        field("st-time", tr(lang, "仿真时间", "Sim time"), clock(stepper.state.seconds))
        field("st-step", tr(lang, "步骤", "Step"), "")
        if !exam { field("st-score", tr(lang, "得分", "Score"), "") }
        field("st-alarms", tr(lang, "报警", "Alarms"), "")
        field("st-hazards", tr(lang, "危险", "Hazards"), "")
        field("st-accidents", tr(lang, "事故", "Accidents"), "")
        field("st-clock", tr(lang, "状态", "State"), "")
        field("st-connection", tr(lang, "连接", "Connection"), "")
        p.m.close()
    }

    static func plan(_ p: inout TeacherPage, _ stepper: AttemptStepper, _ lang: ReportLanguage, live: Bool = true) {
        p.m.open("section", [("aria-labelledby", "plan-h")])
        p.m.element("h2", [("id", "plan-h")], live ? tr(lang, "平面图（实时）", "Plan (live)") : tr(lang, "平面图（所选时刻）", "Plan (at the chosen moment)"))
        p.m.open("div", [("class", "chart-box"), ("id", "plan")])
        if let svg = LivePlan.svg(model: stepper.model, state: stepper.state, language: lang) { p.m.raw(svg) }
        else { p.m.element("p", [("class", "note")], tr(lang, "本场景没有布置位置。", "This scenario places nothing on a plan.")) }
        p.m.close()
        p.m.element("p", [("class", "note legend")],
                    tr(lang, "颜色兼顾色盲：绿=开/运行，灰=关/停止，天蓝=部分开启，橙=报警/泄漏，朱红=跳闸/故障；虚线框=需注意。悬停看文字说明。",
                       "Colour-blind safe: green = open/running, grey = closed/stopped, sky blue = partly open, orange = alarm/leak, vermillion = tripped/failed; a dashed outline needs attention. Hover for the state in words."))
        p.m.close()
    }

    static func gauges(_ p: inout TeacherPage, _ stepper: AttemptStepper, _ lang: ReportLanguage, trends: Bool) {
        let model = stepper.model, e = model.entities
        p.m.open("section", [("aria-labelledby", "gauges-h")])
        p.m.element("h2", [("id", "gauges-h")], trends ? tr(lang, "仪表趋势", "Gauge trends") : tr(lang, "仪表", "Gauges"))
        p.m.open("div", [("class", "trends"), ("id", "gauges")])
        for i in 0..<model.sensors.count {
            let row = Int(model.sensors.entity[i])
            let name = row < model.text.entityNames.count ? model.text.entityNames[row].text(lang == .en ? "en" : "zh") : ""
            p.m.open("figure", [("class", "trend"), ("data-gauge", e.ids[row])])
            p.m.open("figcaption")
            p.m.element("span", [("class", "gname")], name.isEmpty ? e.ids[row] : "\(name) (\(e.ids[row]))")
            p.m.element("span", [("class", "gval")], Fmt.number(stepper.state.sensorValue[i], maxDigits: 4) + " " + model.sensors.dimension[i].description)
            p.m.close()
            if trends {
                p.m.open("svg", [("class", "spark"), ("viewBox", "0 0 300 60"), ("width", "300"), ("height", "60"), ("role", "img"),
                                 ("aria-label", tr(lang, "趋势", "trend"))])
                p.m.leaf("polyline", [("points", ""), ("fill", "none"), ("stroke", "#0072B2"), ("stroke-width", "1.5")])
                p.m.close()
            }
            p.m.close()
        }
        p.m.close()
        p.m.close()
    }

    static func checklist(_ p: inout TeacherPage, _ stepper: AttemptStepper, _ lang: ReportLanguage) {
        p.m.open("section", [("aria-labelledby", "check-h")])
        p.m.element("h2", [("id", "check-h")], tr(lang, "检查表（操作步骤）", "Checklist (procedure)"))
        p.m.open("ol", [("id", "checklist"), ("class", "checklist")])
        for s in stepper.scorer.result.steps {
            p.m.open("li", [("data-step", s.id), ("class", s.completed ? "done" : "todo")])
            p.m.element("span", [("class", "mark")], s.completed ? "✔ " + tr(lang, "完成", "done") : "○ " + tr(lang, "未完成", "to do"))
            p.m.content(" " + s.title.text(lang == .en ? "en" : "zh"))
            p.m.close()
        }
        p.m.close()
        p.m.close()
    }

    static func station(lang: ReportLanguage, session s: LabSession, info: AttemptInfo, stepper: AttemptStepper) -> String {
        let a = info.assignment, exam = a.mode == .exam
        var p = TeacherPage(lang: lang, title: tr(lang, "工位详情 — \(a.workstation)", "Station — \(a.workstation)"), csrf: s.csrf, script: "station.js",
                            user: s.user, data: [("data-attempt", a.attempt), ("data-mode", a.mode.rawValue)], nav: attemptNav(a, lang))
        header(&p, info, lang, tr(lang, "工位详情", "Station"))
        statusBlock(&p, stepper, lang, exam: exam)
        intervention(&p, info, lang)
        p.m.open("div", [("class", "columns")])
        p.m.open("div")
        plan(&p, stepper, lang)
        gauges(&p, stepper, lang, trends: true)
        p.m.close()
        p.m.open("div")
        checklist(&p, stepper, lang)
        p.m.open("section", [("aria-labelledby", "events-h")])
        p.m.element("h2", [("id", "events-h")], tr(lang, "事件记录", "Event log"))
        p.m.element("ol", [("id", "events"), ("class", "events"), ("aria-live", "polite")])
        p.m.close()
        p.m.close()
        p.m.close()
        return p.finish()
    }

    /// The intervention panel (§2): exam mode shows only pause and resume.
    static func intervention(_ p: inout TeacherPage, _ info: AttemptInfo, _ lang: ReportLanguage) {
        let exam = info.assignment.mode == .exam, teaching = info.assignment.mode == .teaching
        p.m.open("section", [("id", "intervene"), ("class", "card"), ("aria-labelledby", "intervene-h")])
        p.m.element("h2", [("id", "intervene-h")], tr(lang, "教师干预", "Intervention"))
        if exam {
            p.m.element("p", [("class", "note")], tr(lang, "考核模式：只能因突发情况暂停和继续（记入日志并审计）。", "Exam mode: only pause for an incident and resume (journaled and audited)."))
        } else {
            p.m.open("div", [("class", "row")])
            p.m.element("label", [("for", "fault")], tr(lang, "故障", "Fault"))
            p.m.open("select", [("id", "fault")])
            p.m.element("option", [("value", "")], tr(lang, "（加载中…）", "(loading…)"))
            p.m.close()
            p.m.element("button", [("type", "button"), ("data-kind", "fault")], tr(lang, "注入故障", "Inject fault"))
            p.m.element("button", [("type", "button"), ("data-kind", "clear")], tr(lang, "清除故障", "Clear fault"))
            p.m.close()
            if teaching {
                p.m.open("div", [("class", "row")])
                p.m.element("button", [("type", "button"), ("data-kind", "freeze")], tr(lang, "冻结", "Freeze"))
                p.m.element("button", [("type", "button"), ("data-kind", "run")], tr(lang, "继续运行", "Run"))
                p.m.close()
            }
            p.m.open("div", [("class", "row")])
            p.m.element("label", [("for", "message")], tr(lang, "消息", "Message"))
            p.m.leaf("input", [("id", "message"), ("maxlength", "500")])
            p.m.element("button", [("type", "button"), ("data-kind", "message")], tr(lang, "发送消息", "Send message"))
            p.m.close()
            p.m.open("div", [("class", "row")])
            p.m.element("label", [("for", "hint-step")], tr(lang, "提示步骤", "Hint for step"))
            p.m.open("select", [("id", "hint-step")])
            for step in info.model.procedure {
                p.m.element("option", [("value", step.id)], step.title.text(lang == .en ? "en" : "zh"))
            }
            p.m.close()
            p.m.leaf("input", [("id", "hint-text"), ("maxlength", "500"), ("aria-label", tr(lang, "提示内容", "Hint text"))])
            p.m.element("button", [("type", "button"), ("data-kind", "hint")], tr(lang, "发送提示", "Send hint"))
            p.m.close()
        }
        p.m.open("div", [("class", "row")])
        p.m.element("label", [("for", "pause-reason")], tr(lang, "暂停原因", "Reason"))
        p.m.leaf("input", [("id", "pause-reason"), ("maxlength", "500")])
        p.m.element("button", [("type", "button"), ("data-kind", "pause")], tr(lang, "暂停（突发情况）", "Pause (incident)"))
        p.m.element("button", [("type", "button"), ("data-kind", "resume")], tr(lang, "继续", "Resume"))
        p.m.close()
        p.m.element("p", [("id", "command-result"), ("role", "status"), ("aria-live", "polite")])
        // The commands sent and whether the station has journaled them: the live mirror shows a
        // command's effect only once a later journal line arrives, this list as soon as it is stored.
        p.m.element("h3", [("id", "commands-h")], tr(lang, "已发送的命令", "Commands sent"))
        p.m.element("ol", [("id", "commands"), ("class", "events"), ("aria-labelledby", "commands-h"), ("aria-live", "polite")])
        p.m.close()
    }

    // MARK: projector

    static func projector(lang: ReportLanguage, session s: LabSession, info: AttemptInfo, stepper: AttemptStepper) -> String {
        let a = info.assignment
        var p = TeacherPage(lang: lang, title: tr(lang, "投屏 — \(a.workstation)", "Projector — \(a.workstation)"), csrf: s.csrf, script: "station.js",
                            user: s.user, bodyClass: "projector", data: [("data-attempt", a.attempt), ("data-mode", a.mode.rawValue), ("data-view", "projector")],
                            nav: attemptNav(a, lang))
        header(&p, info, lang, tr(lang, "投屏", "Projector"))
        statusBlock(&p, stepper, lang, exam: a.mode == .exam)
        plan(&p, stepper, lang)
        return p.finish()
    }

    // MARK: debrief

    /// `compare`: what the second column may show, `(value, label)`; value `run:<name>` (a model
    /// run) or `attempt:<id>` (a classmate's finished attempt of the same scenario).
    static func debrief(lang: ReportLanguage, session s: LabSession, info: AttemptInfo, stepper: AttemptStepper, endTick: Int64, finished: Bool,
                        compare: [(value: String, label: String)] = [], canBacktrack: Bool = false) -> String {
        let a = info.assignment
        var p = TeacherPage(lang: lang, title: tr(lang, "复盘 — \(a.attempt)", "Debrief — \(a.attempt)"), csrf: s.csrf, script: "debrief.js", user: s.user,
                            data: [("data-attempt", a.attempt), ("data-end-tick", String(endTick)), ("data-tick-rate", String(info.model.tickRate)),
                                   ("data-scenario", a.scenario)],
                            nav: attemptNav(a, lang))
        header(&p, info, lang, tr(lang, "复盘", "Debrief"))
        if !finished { p.m.element("p", [("class", "note")], tr(lang, "该次考核尚未结束：可回看到目前收到的最后一刻。", "This attempt has not ended: you can scrub up to the last tick received.")) }
        p.m.open("div", [("class", "card slider")])
        p.m.element("label", [("for", "tick")], tr(lang, "时刻（tick）", "Moment (tick)"))
        p.m.leaf("input", [("type", "range"), ("id", "tick"), ("min", "0"), ("max", String(endTick)), ("step", "1"), ("value", "0")])
        p.m.leaf("input", [("type", "number"), ("id", "tick-number"), ("min", "0"), ("max", String(endTick)), ("value", "0"),
                           ("aria-label", tr(lang, "时刻（精确）", "Moment (exact)"))])
        p.m.element("output", [("id", "tick-out"), ("for", "tick")], "0 / \(endTick)")
        p.m.element("span", [("id", "at-hash"), ("class", "mono"), ("title", tr(lang, "该时刻的状态哈希", "State hash at this moment"))], stepper.state.hash.hex16)
        p.m.element("p", [("id", "debrief-error"), ("class", "error"), ("role", "alert")])
        p.m.close()
        // The second column: a classmate's finished attempt or a model run, at the same simulated time.
        p.m.open("div", [("class", "card compare-pick")])
        p.m.element("label", [("for", "compare")], tr(lang, "并排对照", "Side by side with"))
        p.m.open("select", [("id", "compare")])
        p.m.element("option", [("value", "")], tr(lang, "（不对照）", "(nothing)"))
        for c in compare { p.m.element("option", [("value", c.value)], c.label) }
        p.m.close()
        if canBacktrack {
            p.m.element("button", [("type", "button"), ("id", "backtrack")], tr(lang, "从此刻继续练习", "Continue practising from here"))
        }
        p.m.element("p", [("id", "command-result"), ("role", "status"), ("aria-live", "polite")])
        p.m.close()
        p.m.open("div", [("class", "side-by-side")])
        p.m.open("div", [("id", "primary-col")])
        p.m.open("section", [("aria-labelledby", "jumps-h")])
        p.m.element("h2", [("id", "jumps-h")], tr(lang, "跳转到事件、故障、扣分", "Jump to events, faults, deductions"))
        p.m.element("div", [("id", "jumps"), ("class", "jumps")])
        p.m.close()
        statusBlock(&p, stepper, lang, exam: false)
        p.m.open("div", [("class", "columns")])
        p.m.open("div")
        plan(&p, stepper, lang, live: false)
        gauges(&p, stepper, lang, trends: false)
        p.m.close()
        p.m.open("div")
        checklist(&p, stepper, lang)
        p.m.open("section", [("aria-labelledby", "ded-h")])
        p.m.element("h2", [("id", "ded-h")], tr(lang, "扣分（至此刻）", "Deductions (so far)"))
        p.m.element("ol", [("id", "deductions"), ("class", "events")])
        p.m.close()
        p.m.close()
        p.m.close()
        p.m.close()
        p.m.open("section", [("id", "compare-col"), ("class", "card"), ("aria-labelledby", "cmp-h"), ("hidden", "hidden")])
        p.m.element("h2", [("id", "cmp-h")], tr(lang, "对照", "Compared with"))
        p.m.open("dl", [("class", "cmp-status")])
        for (id, zh, en) in [("cmp-tick", "时刻", "Tick"), ("cmp-time", "仿真时间", "Sim time"), ("cmp-step", "当前步骤", "Step"),
                             ("cmp-score", "得分", "Score"), ("cmp-hash", "状态哈希", "State hash")] {
            p.m.element("dt", [], tr(lang, zh, en))
            p.m.element("dd", [("id", id)], "—")
        }
        p.m.close()
        p.m.element("h3", [], tr(lang, "设备状态", "Plan"))
        p.m.element("ul", [("id", "cmp-plan"), ("class", "cmp-plan")])
        p.m.element("h3", [], tr(lang, "步骤", "Checklist"))
        p.m.element("ol", [("id", "cmp-checklist")])
        p.m.element("h3", [], tr(lang, "扣分（至此刻）", "Deductions (so far)"))
        p.m.element("ol", [("id", "cmp-deductions"), ("class", "events")])
        p.m.close()
        p.m.close()
        return p.finish()
    }

    // MARK: exams

    static func exams(lang: ReportLanguage, session s: LabSession, klass: String, scenarios: [(String, String)], students: [(String, String)],
                      workstations: [String]) -> String {
        var p = TeacherPage(lang: lang, title: tr(lang, "考核 — \(klass)", "Exams — \(klass)"), csrf: s.csrf, script: "exams.js", user: s.user,
                            data: [("data-class", klass)], nav: classNav(klass, lang))
        p.m.element("h1", [], tr(lang, "考核组织：\(klass)", "Exams: \(klass)"))
        p.m.open("form", [("id", "exam-form"), ("class", "card")])
        p.m.element("h2", [], tr(lang, "新建考核", "New exam"))
        p.m.element("label", [("for", "exam-title")], tr(lang, "名称", "Title"))
        p.m.leaf("input", [("id", "exam-title"), ("required", "required"), ("maxlength", "200")])
        func boxes(_ name: String, _ legend: String, _ items: [(String, String)], checked: Bool) {
            p.m.open("fieldset", [("id", name)])
            p.m.element("legend", [], legend)
            for (id, text) in items {
                p.m.open("label", [("class", "check")])
                var a: Markup.Attributes = [("type", "checkbox"), ("name", name), ("value", id)]
                if checked { a.append(("checked", "checked")) }
                p.m.leaf("input", a)
                p.m.content(" " + (text.isEmpty || text == id ? id : "\(text) (\(id))"))
                p.m.close()
            }
            p.m.close()
        }
        boxes("scenarios", tr(lang, "抽题范围（场景）", "Scenarios to draw from"), scenarios, checked: false)
        boxes("students", tr(lang, "考生（不选 = 全班）", "Students (none ticked = whole roster)"), students, checked: false)
        boxes("workstations", tr(lang, "允许的工位（不选 = 任何在用工位）", "Workstations allowed (none = any active)"), workstations.map { ($0, $0) }, checked: false)
        p.m.element("label", [("for", "exam-opens")], tr(lang, "开始时间（可空）", "Opens (optional)"))
        p.m.leaf("input", [("id", "exam-opens"), ("type", "datetime-local")])
        p.m.element("label", [("for", "exam-closes")], tr(lang, "结束时间（可空）", "Closes (optional)"))
        p.m.leaf("input", [("id", "exam-closes"), ("type", "datetime-local")])
        p.m.element("button", [("type", "submit")], tr(lang, "创建考核", "Create exam"))
        p.m.close()
        p.m.element("p", [("id", "command-result"), ("role", "status"), ("aria-live", "polite")])
        p.m.element("h2", [], tr(lang, "本班考核", "This class's exams"))
        p.m.element("div", [("id", "exam-list")], tr(lang, "加载中…", "Loading…"))
        return p.finish()
    }
}
