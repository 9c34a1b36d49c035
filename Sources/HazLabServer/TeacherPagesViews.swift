import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabReport
import HazLabRunner

/// The teacher station's page bodies. Every string from outside (names, ids, titles) goes
/// through `Markup`, which escapes it; the scripts fill in live values with `textContent` only.
enum TeacherViews {
    struct AttemptInfo {
        var assignment: LabAssignment
        var studentName: String
        var model: Model
        /// The class whose grid the pages link back to (nil: none found).
        var klass: String? = nil
        var title: String { assignment.attempt }
    }

    /// One row of the class's attempts page.
    struct AttemptRow {
        var attempt, student, name, scenario, mode, state: String
        var score, maxScore: Double?
        var issued: String
        var voided: Bool
        var workstation: String
    }

    static func stateName(_ s: String, voided: Bool, _ lang: ReportLanguage) -> String {
        if voided { return tr(lang, "已作废", "voided") }
        switch s {
        case "issued": return tr(lang, "已下发", "issued")
        case "streaming": return tr(lang, "进行中", "in progress")
        case "finished": return tr(lang, "待评分", "grading pending")
        case "graded": return tr(lang, "已评分", "graded")
        default: return s
        }
    }

    /// "2026-12-07T15:50:19.123Z" → "2026-12-07 15:50 UTC" (the page shows the server's record plainly).
    static func shortTime(_ iso: String) -> String {
        iso.count >= 16 ? iso.prefix(10) + " " + iso.dropFirst(11).prefix(5) + " UTC" : iso
    }

    /// The class's attempts, newest first, each linked to its station and debrief pages: a
    /// finished attempt stays reachable after its workstation starts a new one.
    static func attempts(lang: ReportLanguage, session s: LabSession, klass: String, className: String, rows: [AttemptRow]) -> String {
        let label = className.isEmpty ? klass : "\(className) (\(klass))"
        var p = TeacherPage(lang: lang, title: tr(lang, "全部记录 — \(label)", "Attempts — \(label)"), csrf: s.csrf, script: nil, user: s.user,
                            data: [("data-class", klass)], nav: classNav(klass, lang))
        p.m.element("h1", [], tr(lang, "全部考核记录：\(label)", "All attempts: \(label)"))
        if rows.isEmpty { p.m.element("p", [("class", "note"), ("id", "no-attempts")], tr(lang, "本班还没有考核记录。", "No attempt in this class yet.")) }
        p.m.open("table", [("id", "attempts"), ("class", "attempts")])
        p.m.open("tr")
        for h in [tr(lang, "学生", "Student"), tr(lang, "场景", "Scenario"), tr(lang, "模式", "Mode"), tr(lang, "状态", "State"), tr(lang, "得分", "Score"),
                  tr(lang, "开始时间", "Started"), tr(lang, "工位", "Station"), tr(lang, "查看", "Open")] { p.m.element("th", [("scope", "col")], h) }
        p.m.close()
        for r in rows {
            p.m.open("tr", [("data-attempt", r.attempt), ("data-student", r.student), ("data-state", r.voided ? "voided" : r.state)])
            p.m.open("td")
            p.link("/teacher/attempts/" + pathEscape(r.attempt), r.name.isEmpty ? r.student : "\(r.name) (\(r.student))")
            p.m.close()
            p.m.element("td", [], r.scenario)
            p.m.element("td", [], modeName(r.mode, lang))
            p.m.element("td", [], stateName(r.state, voided: r.voided, lang))
            p.m.element("td", [], r.mode == "exam" && r.score != nil ? "\(Fmt.number(r.score ?? 0))/\(Fmt.number(r.maxScore ?? 0)) " + tr(lang, "（考核）", "(exam)")
                        : r.score.map { "\(Fmt.number($0))/\(Fmt.number(r.maxScore ?? 0))" } ?? "—")
            p.m.element("td", [], shortTime(r.issued))
            p.m.element("td", [], r.workstation)
            p.m.open("td")
            p.link("/teacher/attempts/" + pathEscape(r.attempt), tr(lang, "工位详情", "Station"))
            p.m.content(" · ")
            p.link("/teacher/attempts/" + pathEscape(r.attempt) + "/debrief", tr(lang, "复盘", "Debrief"), attrs: [("class", "debrief")])
            p.m.element("span", [("class", "mono note")], " " + r.attempt)
            p.m.close()
            p.m.close()
        }
        p.m.close()
        return p.finish()
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

    static func dash(_ s: String) -> String { s.isEmpty ? "—" : s }

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
        // The other language keeps where to go after signing in (its `?task=` included).
        let keep = next.isEmpty ? "" : "next=" + pathEscape(next)
        let other = "/login" + (lang == .en ? (keep.isEmpty ? "" : "?" + keep) : "?" + (keep.isEmpty ? "" : keep + "&") + "lang=en")
        p.m.open("p")
        p.m.element("a", [("href", other), ("id", "other-language"), ("hreflang", lang == .en ? "zh-CN" : "en")], lang == .en ? "中文" : "English")
        p.m.close()
        let text = p.finish()
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
        return [(base, tr(lang, "实时监控", "Live view")), (base + "/attempts", tr(lang, "全部记录", "All attempts")),
                (base + "/exams", tr(lang, "考核", "Exams")), (base + "/report", tr(lang, "班级报告", "Class report"))]
    }

    static func grid(lang: ReportLanguage, session s: LabSession, klass: String, className: String = "", task: String?, taskTitle: String? = nil,
                     stations: [JSONText.Value], idle: [(String, String)] = []) -> String {
        let label = className.isEmpty ? klass : className
        var p = TeacherPage(lang: lang, title: tr(lang, "实时监控 — \(label)", "Live view — \(label)"), csrf: s.csrf, script: "grid.js", user: s.user,
                            data: [("data-class", klass), ("data-task", task ?? "")], nav: classNav(klass, lang))
        p.m.element("h1", [], tr(lang, "实时监控：\(label)", "Live view: \(label)") + (task == nil ? "" : tr(lang, " · 任务：\(taskTitle ?? task ?? "")", " · task: \(taskTitle ?? task ?? "")")))
        p.m.open("div", [("class", "toolbar"), ("role", "group"), ("aria-label", tr(lang, "全班操作", "Whole class"))])
        p.m.element("span", [("id", "feed-state"), ("class", "feed"), ("role", "status")], tr(lang, "正在连接实时数据…", "Connecting to the live feed…"))
        p.m.element("button", [("type", "button"), ("data-class-kind", "freeze")], tr(lang, "全班冻结", "Freeze class"))
        p.m.element("button", [("type", "button"), ("data-class-kind", "run")], tr(lang, "全班继续", "Run class"))
        p.m.element("span", [("class", "note")], tr(lang, "（冻结只对教学模式的工位）", "(freeze: teaching stations only)"))
        p.m.element("button", [("type", "button"), ("data-class-kind", "pause")], tr(lang, "全班暂停（突发情况）", "Pause class (incident)"))
        p.m.element("button", [("type", "button"), ("data-class-kind", "resume")], tr(lang, "全班继续作答", "Resume class"))
        p.m.element("label", [("for", "class-message")], tr(lang, "全班消息", "Message to all"))
        p.m.leaf("input", [("id", "class-message"), ("data-max", "500"), ("aria-describedby", "class-message-count")])
        p.m.element("span", [("id", "class-message-count"), ("class", "note count")], "0/500")
        p.m.element("button", [("type", "button"), ("data-class-kind", "message")], tr(lang, "发送", "Send"))
        p.m.element("p", [("id", "command-result"), ("role", "status"), ("aria-live", "polite")])
        p.m.close()
        p.m.open("ul", [("class", "grid"), ("id", "grid"), ("aria-live", "off")])
        for st in stations { card(&p, st, lang) }
        p.m.close()
        if stations.isEmpty { p.m.element("p", [("class", "note"), ("id", "no-stations")], tr(lang, "目前没有工位在做本班的任务。", "No station is working on this class's tasks now.")) }
        // Rostered students with no attempt on the grid (grid.js hides one once they start).
        if !idle.isEmpty {
            p.m.element("h2", [("id", "idle-h")], tr(lang, "未开始的学生", "Students not started"))
            p.m.open("ul", [("class", "grid"), ("id", "idle"), ("aria-labelledby", "idle-h")])
            for (id, name) in idle {
                p.m.open("li", [("class", "card station idle"), ("data-student", id)])
                p.m.element("h2", [("class", "card-title")], name.isEmpty ? id : "\(name) (\(id))")
                p.m.element("p", [("class", "badge")], tr(lang, "未开始", "not started"))
                p.m.close()
            }
            p.m.close()
        }
        return p.finish()
    }

    /// One station card (grid.js builds the same structure from the feed's JSON).
    static func card(_ p: inout TeacherPage, _ st: JSONText.Value, _ lang: ReportLanguage) {
        func text(_ key: String) -> String { st[key]?.string ?? "" }
        func list(_ key: String) -> String { dash((st[key]?.strings ?? []).joined(separator: ", ")) }
        func count(_ key: String, _ absent: Int64) -> Int64 { st[key]?.int64 ?? absent }
        let attempt = text("attempt"), conn = st["connection"]?.string ?? "offline"
        let name = text("studentName"), student = text("student")
        let frozen = st["frozen"]?.bool == true, paused = st["paused"]?.bool == true
        p.m.open("li", [("class", "card station conn-\(conn)" + (frozen ? " frozen" : "") + (paused ? " paused" : "")), ("data-attempt", attempt),
                        ("data-connection", conn), ("data-student", student)])
        p.m.open("h2", [("class", "card-title")])
        p.link("/teacher/attempts/" + pathEscape(attempt), name.isEmpty ? student : "\(name) (\(student))")
        p.m.close()
        if frozen { p.m.element("p", [("class", "badge badge-frozen")], tr(lang, "❄ 已冻结", "❄ frozen")) }
        if paused { p.m.element("p", [("class", "badge badge-paused")], tr(lang, "⏸ 已暂停", "⏸ paused")) }
        p.m.open("dl")
        func field(_ key: String, _ label: String, _ value: String) {
            p.m.element("dt", [], label)
            p.m.element("dd", [("data-f", key)], value)
        }
        let en = st["stepTitle"]?["en"]?.string ?? "", zh = st["stepTitle"]?["zh"]?.string ?? ""
        let title = lang == .en && !en.isEmpty ? en : zh
        let idx = count("stepIndex", -1), total = count("stepsTotal", 0), done = count("stepsDone", 0)
        field("workstation", tr(lang, "工位", "Station"), text("workstation"))
        field("scenario", tr(lang, "场景", "Scenario"), text("scenario"))
        field("mode", tr(lang, "模式", "Mode"), modeName(text("mode"), lang))
        field("time", tr(lang, "仿真时间", "Sim time"), clock(st["simSeconds"]?.double ?? 0))
        field("step", tr(lang, "步骤", "Step"), idx >= 0 ? "\(idx + 1)/\(total) \(title)" : "\(done)/\(total)")
        field("alarms", tr(lang, "报警", "Alarms"), list("alarms"))
        field("hazards", tr(lang, "危险", "Hazards"), list("hazards"))
        field("accidents", tr(lang, "事故", "Accidents"), list("accidents"))
        if let score = st["score"]?.double, let max = st["maxScore"]?.double {
            field("score", tr(lang, "得分", "Score"), "\(Fmt.number(score))/\(Fmt.number(max))")
        }
        var flags: [String] = []
        if frozen { flags.append(tr(lang, "已冻结", "frozen")) }
        if paused { flags.append(tr(lang, "已暂停", "paused")) }
        let ended = st["finished"]?.bool == true
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

    static func attemptNav(_ a: LabAssignment, _ lang: ReportLanguage, klass: String? = nil) -> [(String, String)] {
        let base = "/teacher/attempts/" + pathEscape(a.attempt)
        let back: [(String, String)] = klass.map { [("/teacher/classes/" + pathEscape($0), tr(lang, "班级实时监控", "Class live view")),
                                                    ("/teacher/classes/" + pathEscape($0) + "/attempts", tr(lang, "全部记录", "All attempts"))] } ?? []
        return back + [(base, tr(lang, "工位详情", "Station")), (base + "/projector", tr(lang, "投屏", "Projector")), (base + "/debrief", tr(lang, "复盘", "Debrief"))]
    }

    static func header(_ p: inout TeacherPage, _ info: AttemptInfo, _ lang: ReportLanguage, _ h1: String, showAttempt: Bool = true) {
        let a = info.assignment
        p.m.element("h1", [], "\(h1)：\(info.studentName.isEmpty ? a.student : "\(info.studentName) (\(a.student))")")
        p.m.element("p", [("class", "subtitle")],
                    "\(tr(lang, "工位", "Station")) \(a.workstation) · \(lang == .en ? info.model.text.title.text("en") : info.model.text.title.text("zh")) (\(a.scenario)) · \(modeName(a.mode.rawValue, lang))\(showAttempt ? " · " + a.attempt : "")")
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
            p.m.element("span", [("class", "gval"), ("data-value", String(stepper.state.sensorValue[i])), ("data-unit", model.sensors.dimension[i].description)],
                        Fmt.number(stepper.state.sensorValue[i], maxDigits: 4) + " " + model.sensors.dimension[i].description)
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
                            user: s.user, data: [("data-attempt", a.attempt), ("data-mode", a.mode.rawValue)], nav: attemptNav(a, lang, klass: info.klass))
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
        // Shown (and the controls disabled) by station.js while the workstation is offline.
        p.m.open("div", [("id", "offline-box"), ("class", "offline-box"), ("hidden", "hidden")])
        p.m.element("p", [("class", "error"), ("id", "offline-note")],
                    tr(lang, "工位离线：干预命令无法送达，已停用。可等待工位重新连接，或作废本次记录（需填写原因，记入审计）。",
                       "The workstation is offline: commands cannot reach it and are disabled. Wait for it to reconnect, or void this attempt (with a reason, audited)."))
        p.m.element("label", [("for", "void-reason")], tr(lang, "作废原因", "Reason to void"))
        p.m.leaf("input", [("id", "void-reason"), ("maxlength", "500")])
        p.m.element("button", [("type", "button"), ("id", "void")], tr(lang, "作废", "Void"))
        p.m.close()
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
            p.m.leaf("input", [("id", "message"), ("data-max", "500"), ("aria-describedby", "message-count")])
            p.m.element("span", [("id", "message-count"), ("class", "note count")], "0/500")
            p.m.element("button", [("type", "button"), ("data-kind", "message")], tr(lang, "发送消息", "Send message"))
            p.m.close()
            p.m.open("div", [("class", "row")])
            p.m.element("label", [("for", "hint-step")], tr(lang, "提示步骤", "Hint for step"))
            p.m.open("select", [("id", "hint-step")])
            for step in info.model.procedure {
                p.m.element("option", [("value", step.id), ("data-cost", Fmt.number(step.hintCost))], step.title.text(lang == .en ? "en" : "zh"))
            }
            p.m.close()
            p.m.leaf("input", [("id", "hint-text"), ("data-max", "500"), ("aria-label", tr(lang, "提示内容", "Hint text"))])
            p.m.element("button", [("type", "button"), ("data-kind", "hint"), ("aria-describedby", "hint-cost")], tr(lang, "发送提示", "Send hint"))
            let costs = info.model.procedure.map(\.hintCost)
            p.m.element("p", [("class", "note warn"), ("id", "hint-cost")],
                        tr(lang, "注意：提示将按评分规则扣分（", "Note: a hint costs the student points under the rubric (")
                        + (Set(costs).count <= 1 ? tr(lang, "每次 \(Fmt.number(costs.first ?? 0)) 分", "\(Fmt.number(costs.first ?? 0)) per hint")
                                                 : tr(lang, "各步骤 \(Fmt.number(costs.min() ?? 0))–\(Fmt.number(costs.max() ?? 0)) 分", "\(Fmt.number(costs.min() ?? 0))–\(Fmt.number(costs.max() ?? 0)) by step"))
                        + tr(lang, "）。", ")."))
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
        // For the class's screen: no navigation bar, no sign-out, no attempt id; the plan fits the viewport.
        var p = TeacherPage(lang: lang, title: tr(lang, "投屏 — \(a.workstation)", "Projector — \(a.workstation)"), csrf: s.csrf, script: "station.js",
                            user: nil, bodyClass: "projector", data: [("data-attempt", a.attempt), ("data-mode", a.mode.rawValue), ("data-view", "projector")])
        header(&p, info, lang, tr(lang, "投屏", "Projector"), showAttempt: false)
        statusBlock(&p, stepper, lang, exam: a.mode == .exam)
        plan(&p, stepper, lang)
        return p.finish()
    }

    // MARK: debrief

    static func commandName(_ kind: String, _ lang: ReportLanguage) -> String {
        switch kind {
        case "fault": return tr(lang, "注入故障", "fault")
        case "clear": return tr(lang, "清除故障", "clear fault")
        case "freeze": return tr(lang, "冻结", "freeze")
        case "run": return tr(lang, "继续运行", "run")
        case "message": return tr(lang, "教师消息", "message")
        case "hint": return tr(lang, "教师提示", "hint")
        case "pause": return tr(lang, "突发暂停", "incident pause")
        case "resume": return tr(lang, "继续作答", "resume")
        case "submit": return tr(lang, "交卷", "submit")
        default: return kind
        }
    }

    /// `compare`: what the second column may show, `(value, label)`; value `run:<name>` (a model
    /// run) or `attempt:<id>` (a classmate's finished attempt of the same scenario).
    static func debrief(lang: ReportLanguage, session s: LabSession, info: AttemptInfo, stepper: AttemptStepper, endTick: Int64, finished: Bool,
                        compare: [(value: String, label: String)] = [], canBacktrack: Bool = false,
                        commands: [(tick: Int64, kind: String, text: String)] = []) -> String {
        let a = info.assignment
        var p = TeacherPage(lang: lang, title: tr(lang, "复盘 — \(a.attempt)", "Debrief — \(a.attempt)"), csrf: s.csrf, script: "debrief.js", user: s.user,
                            data: [("data-attempt", a.attempt), ("data-end-tick", String(endTick)), ("data-tick-rate", String(info.model.tickRate)),
                                   ("data-scenario", a.scenario)],
                            nav: attemptNav(a, lang, klass: info.klass))
        header(&p, info, lang, tr(lang, "复盘", "Debrief"))
        if !finished { p.m.element("p", [("class", "note")], tr(lang, "该次考核尚未结束：可回看到目前收到的最后一刻。", "This attempt has not ended: you can scrub up to the last tick received.")) }
        p.m.open("div", [("class", "card slider")])
        p.m.element("label", [("for", "tick")], tr(lang, "时刻（tick）", "Moment (tick)"))
        p.m.leaf("input", [("type", "range"), ("id", "tick"), ("min", "0"), ("max", String(endTick)), ("step", "1"), ("value", "0")])
        p.m.leaf("input", [("type", "number"), ("id", "tick-number"), ("min", "0"), ("max", String(endTick)), ("value", "0"),
                           ("aria-label", tr(lang, "时刻（精确）", "Moment (exact)"))])
        p.m.element("output", [("id", "tick-out"), ("for", "tick")], "0 / \(endTick)")
        p.m.element("span", [("id", "at-hash"), ("class", "mono"), ("title", tr(lang, "该时刻的状态哈希", "State hash at this moment"))], stepper.state.hash.hex16)
        p.m.element("p", [("id", "debrief-error"), ("class", "error"), ("role", "alert"), ("aria-live", "assertive")])
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
        p.m.element("h3", [("id", "teacher-jumps-h")], tr(lang, "教师命令", "The instructor's commands"))
        p.m.open("div", [("id", "teacher-jumps"), ("class", "jumps")])
        for c in commands.prefix(300) {
            let text = c.text.count > 40 ? String(c.text.prefix(40)) + "…" : c.text
            p.m.element("button", [("type", "button"), ("class", "k-command"), ("data-tick", String(c.tick)), ("data-command", c.kind)],
                        "tick \(c.tick) · \(commandName(c.kind, lang))" + (text.isEmpty ? "" : " “\(text)”"))
        }
        if commands.isEmpty { p.m.element("p", [("class", "note")], tr(lang, "没有教师命令。", "No command from the instructor.")) }
        p.m.close()
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
        // novalidate: exams.js names the missing field itself (the browser's bubble is easy to miss).
        p.m.open("form", [("id", "exam-form"), ("class", "card"), ("novalidate", "novalidate")])
        p.m.element("h2", [], tr(lang, "新建考核", "New exam"))
        p.m.element("label", [("for", "exam-title")], tr(lang, "名称", "Title"))
        p.m.leaf("input", [("id", "exam-title"), ("required", "required"), ("maxlength", "200")])
        func boxes(_ name: String, _ legend: String, _ items: [(String, String)], checked: Bool) {
            p.m.open("fieldset", [("id", name)])
            p.m.element("legend", [], legend)
            for (id, text) in items {
                p.m.open("label", [("class", "check")])
                var a: Markup.Attributes = [("type", "checkbox"), ("name", name), ("value", id),
                                            (name == "scenarios" ? "data-title" : "data-name", text == id ? "" : text)]
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
