import Crypto
import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabReport
import HazLabRunner
import HazLabScoring
import HTTPTypes
import Hummingbird
import NIOCore

/// The teacher station's web pages (contract §4): server-rendered HTML written with `Markup`
/// (every outside string escaped), plain JavaScript and CSS from `/static/` (no inline script, no
/// CDN), zh-CN first (`?lang=en` for English). Instructors (of the class) and administrators see
/// the /teacher pages; a student gets 403 there and sees only their own growth page at `/me`;
/// anyone not signed in is sent to `/login`.
extension LabServer {
    /// The Content-Security-Policy of every page: scripts only from this server's files, no inline
    /// script, no plugins, no framing. A report page (inline `<style>` of HazLabReport) adds the
    /// SHA-256 of its style block.
    static func contentSecurityPolicy(styleHashes: [String] = []) -> String {
        let style = (["'self'"] + styleHashes.map { "'sha256-\($0)'" }).joined(separator: " ")
        return "default-src 'self'; script-src 'self'; style-src \(style); img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    static func pageHeaders(styleHashes: [String] = []) -> HTTPFields {
        var h = HTTPFields()
        h[.contentType] = "text/html; charset=utf-8"
        h[.cacheControl] = "no-store"
        h[.contentSecurityPolicy] = contentSecurityPolicy(styleHashes: styleHashes)
        h[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        h[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        h[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return h
    }

    static func html(_ status: HTTPResponse.Status, _ text: String, styleHashes: [String] = []) -> Response {
        Response(status: status, headers: pageHeaders(styleHashes: styleHashes), body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A whole report document (HazLabReport's, with its inline `<style>`): served with that style's hash in the CSP.
    static func reportPage(_ text: String) -> Response {
        var hashes: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<style>"), let close = rest.range(of: "</style>", range: open.upperBound..<rest.endIndex) {
            let css = rest[open.upperBound..<close.lowerBound]
            hashes.append(Data(SHA256.hash(data: Data(css.utf8))).base64EncodedString())
            rest = rest[close.upperBound...]
        }
        return html(.ok, text, styleHashes: hashes)
    }

    /// The page's language: `?lang=en` English, else zh-CN.
    static func language(_ req: Request) -> ReportLanguage {
        req.uri.queryParameters["lang"].flatMap { ReportLanguage(tag: String($0)) } ?? .zhCN
    }

    /// Wraps a page handler: not signed in → 303 to /login (with `next`); other refusals → an
    /// HTML error page with the status and the plain message.
    func page(_ body: @escaping @Sendable (Request, LabContext, ReportLanguage) async throws -> Response)
        -> @Sendable (Request, LabContext) async throws -> Response {
        { [logger] req, ctx in
            let lang = Self.language(req)
            do { return try await body(req, ctx, lang) }
            catch let e as LabHTTPError where e.status == .unauthorized {
                var h = HTTPFields()
                // The whole target, its query (`?task=`, `?lang=`) included, comes back after sign-in.
                let next = req.uri.path + (req.uri.query.map { $0.isEmpty ? "" : "?" + $0 } ?? "")
                let q = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~/"))) ?? "/teacher"
                h[.location] = "/login?next=\(q)" + (lang == .en ? "&lang=en" : "")
                h[.cacheControl] = "no-store"
                return Response(status: .seeOther, headers: h)
            }
            catch let e as LabHTTPError {
                let role = (try? self.authorise(req, ctx))?.user.role
                return Self.errorPage(e.status, e.message, lang, role: role)
            }
            catch let e as LabAccountError { return Self.errorPage(e.kind == .notFound ? .notFound : .badRequest, e.message, lang) }
            catch {
                logger.error("page failed", metadata: ["path": "\(req.uri.path)", "error": "\(error)"])
                return Self.errorPage(.internalServerError, "internal error (see the server log)", lang)
            }
        }
    }

    /// The error page: a sentence in the page's language for the status, the server's own text
    /// in a details line; the way back is the user's home (a student's is /me).
    static func errorPage(_ status: HTTPResponse.Status, _ message: String, _ lang: ReportLanguage, role: LabRole? = nil) -> Response {
        var p = TeacherPage(lang: lang, title: "\(status.code) — \(tr(lang, "出错了", "Error"))", csrf: "", script: nil, user: nil)
        p.m.element("h1", [], "\(status.code) \(status.reasonPhrase)")
        let sentence: String
        switch status.code {
        case 403: sentence = role == .student ? tr(lang, "学生账户不能打开教师站的页面。", "A student's account may not open the teacher station's pages.")
                                              : tr(lang, "您的账户没有权限打开此页面。", "Your account may not open this page.")
        case 404: sentence = tr(lang, "找不到所请求的内容。", "Not found.")
        case 400: sentence = tr(lang, "请求有误。", "Bad request.")
        default: sentence = tr(lang, "服务器出错，请稍后再试。", "The server failed; try again later.")
        }
        p.m.element("p", [("class", "error"), ("id", "error-sentence")], sentence)
        p.m.element("p", [("class", "note"), ("id", "error-message")], tr(lang, "详细信息：", "Details: ") + message)
        p.m.open("p")
        if role == .student { p.link("/me", tr(lang, "回到我的成绩", "Back to my records"), attrs: [("id", "back")]) }
        else { p.link("/teacher", tr(lang, "回到教师站", "Back to the teacher station"), attrs: [("id", "back")]) }
        p.m.close()
        return html(status, p.finish())
    }

    /// The signed-in web user for a page (no CSRF on GET); `roles` limits who may see it.
    func pageSession(_ req: Request, _ ctx: LabContext, roles: Set<LabRole>? = nil) throws -> LabSession {
        try authorise(req, ctx, roles: roles)
    }

    /// Who may open the teacher station's pages.
    static let teachers: Set<LabRole> = [.instructor, .administrator]

    func teacherPageRoutes(_ router: LabRoutes) {
        entryPageRoutes(router)
        classPageRoutes(router)
        attemptPageRoutes(router)
    }

    /// The way in: `/` sends each user home, the sign-in page, the static files, a student's `/me`.
    func entryPageRoutes(_ router: LabRoutes) {
        router.get("/", use: page { req, ctx, lang in
            var h = HTTPFields()
            let s = try? self.authorise(req, ctx)
            h[.location] = (s == nil ? "/login" : s?.user.role == .student ? "/me" : "/teacher") + (lang == .en ? "?lang=en" : "")
            return Response(status: .seeOther, headers: h)
        })
        router.get("/login", use: page { req, _, lang in
            // Where to go after signing in: a path on this server only (login.js checks it again).
            let next = req.uri.queryParameters["next"].map { String($0.prefix(512)) } ?? ""
            return Self.html(.ok, TeacherViews.login(lang: lang, next: next.hasPrefix("/") && !next.hasPrefix("//") ? next : ""))
        })
        router.get("/static/{file}", use: handle { req, ctx in
            let name = pathParameter(ctx.parameters.get("file"))
            guard let asset = TeacherAssets.files[name] else { throw LabHTTPError(.notFound, "no static file '\(String(name.prefix(64)))'") }
            var h = HTTPFields()
            h[.contentType] = asset.type
            h[.cacheControl] = "public, max-age=300"
            h[.eTag] = asset.etag
            h[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
            if req.headers[.ifNoneMatch] == asset.etag { return Response(status: .notModified, headers: h) }
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: asset.text)))
        })
        router.get("/me", use: page { req, ctx, lang in
            let s = try self.pageSession(req, ctx)
            guard s.user.role == .student else {
                throw LabHTTPError(.forbidden, tr(lang, "“我的成绩”是学生的页面；教师请用教师站。", "“My records” is a student's page; instructors use the teacher station."))
            }
            let page = StudentReport.html(StudentProgress(student: s.user.id, records: try self.ownRecords(s.user.id)), language: lang)
            return Self.reportPage(Self.withBar(page, lang: lang, csrf: s.csrf, links: []))
        })
    }

    /// The instructor's class pages: the class list, the live grid, exams, the class report, all attempts.
    func classPageRoutes(_ router: LabRoutes) {
        router.get("/teacher", use: page { req, ctx, lang in
            let s = try self.pageSession(req, ctx, roles: Self.teachers)
            return Self.html(.ok, TeacherViews.classes(lang: lang, session: s, classes: try self.classesOf(s.user)))
        })
        router.get("/teacher/classes/{class}", use: page { req, ctx, lang in
            let s = try self.pageSession(req, ctx, roles: Self.teachers)
            let klass = try self.pageClass(ctx, s)
            let task = req.uri.queryParameters["task"].map(String.init).flatMap { LabAccounts.validId($0) ? $0 : nil }
            let stations = try self.stationRows(klass: klass, task: task).map { self.stationJSON($0) }
            let taskTitle = try task.flatMap { try self.accounts.task($0) }.map { $0.title.isEmpty ? $0.task : $0.title }
            let working = Set(stations.compactMap { $0["student"]?.string })
            let idle = try self.accounts.members(of: klass).filter { $0.role == "student" && !working.contains($0.user.id) }.map { ($0.user.id, $0.user.name) }
            return Self.html(.ok, TeacherViews.grid(lang: lang, session: s, klass: klass, className: try self.className(klass), task: task, taskTitle: taskTitle,
                                                    stations: stations, idle: idle))
        })
        router.get("/teacher/classes/{class}/exams", use: page { req, ctx, lang in
            let s = try self.pageSession(req, ctx, roles: Self.teachers)
            let klass = try self.pageClass(ctx, s)
            let students = try self.accounts.members(of: klass).filter { $0.role == "student" }.map { ($0.user.id, $0.user.name) }
            let stations = try self.accounts.workstations().filter { $0.revoked.isEmpty }.map(\.id)
            return Self.html(.ok, TeacherViews.exams(lang: lang, session: s, klass: klass, scenarios: self.scenarioNames().map { ($0, self.scenarioTitle($0, lang)) },
                                                     students: students, workstations: stations))
        })
        router.get("/teacher/classes/{class}/report", use: page { req, ctx, lang in
            let s = try self.pageSession(req, ctx, roles: Self.teachers)
            let klass = try self.pageClass(ctx, s)
            let records = try self.classRecords(klass)
            // Each attempt id (server-made, "a-" + hex) links to its debrief.
            let page = ClassReport.html(records, language: lang, title: tr(lang, "班级成绩分析报告 — \(klass)", "Class report — \(klass)"),
                                        attemptLink: { id in
                                            LabAccounts.validId(id) ? "/teacher/attempts/\(id)/debrief\(lang == .en ? "?lang=en" : "")" : nil
                                        })
            return Self.reportPage(Self.withBar(page, lang: lang, csrf: s.csrf, links: TeacherViews.classNav(klass, lang)))
        })
        router.get("/teacher/classes/{class}/attempts", use: page { req, ctx, lang in
            let s = try self.pageSession(req, ctx, roles: Self.teachers)
            let klass = try self.pageClass(ctx, s)
            return Self.html(.ok, TeacherViews.attempts(lang: lang, session: s, klass: klass, className: try self.className(klass), rows: try self.attemptRows(klass)))
        })
    }

    /// One attempt's pages: the station view, the projector view and the debrief.
    func attemptPageRoutes(_ router: LabRoutes) {
        for view in ["", "/projector", "/debrief"] {
            router.get("/teacher/attempts/{attempt}\(view)", use: page { req, ctx, lang in
                let s = try self.pageSession(req, ctx, roles: Self.teachers)
                let attempt = pathParameter(ctx.parameters.get("attempt"))
                guard let a = try self.ledger.assignment(attempt) else { throw LabHTTPError(.notFound, tr(lang, "没有考核记录 '\(attempt)'", "no lab attempt '\(attempt)'")) }
                try self.mayManage(student: a.student, s.user)
                guard let model = try self.ledger.model(for: attempt) else { throw LabHTTPError(.notFound, "scenario '\(a.scenario)' is not on this server") }
                if self.mirror.snapshot(attempt) == nil { self.mirror.catchUp(attempt: attempt, ledger: self.ledger) }
                let stepper = self.mirror.stepper(attempt) ?? AttemptStepper(model: model, seed: a.seed, mode: TrainingMode(rawValue: a.mode.rawValue) ?? .practice)
                var info = TeacherViews.AttemptInfo(assignment: a, studentName: (try self.accounts.user(a.student))?.name ?? "", model: model)
                info.klass = try self.attemptClass(attempt)
                switch view {
                case "/projector": return Self.html(.ok, TeacherViews.projector(lang: lang, session: s, info: info, stepper: stepper))
                case "/debrief": return Self.html(.ok, try self.debriefPage(lang: lang, session: s, info: info))
                default: return Self.html(.ok, TeacherViews.station(lang: lang, session: s, info: info, stepper: stepper))
                }
            })
        }
    }

    /// The class an attempt belongs to: its task's, else its student's first class.
    func attemptClass(_ attempt: String) throws -> String? {
        try accounts.locked { st in
            try st.db.query("""
                SELECT coalesce((SELECT class FROM lab_tasks WHERE task = x.task),
                                (SELECT class FROM lab_enrolments WHERE user = x.student AND role = 'student' ORDER BY class LIMIT 1))
                FROM lab_assignments x WHERE x.attempt = ?
                """, [attempt]).first?[0].string
        }
    }

    /// The debrief page: the attempt scrubbed from tick 0, the instructor's commands to jump to,
    /// and what it may be set beside (the scenario's model runs, other finished attempts).
    func debriefPage(lang: ReportLanguage, session s: LabSession, info: TeacherViews.AttemptInfo) throws -> String {
        let a = info.assignment
        let mode = TrainingMode(rawValue: a.mode.rawValue) ?? .practice
        let lines = try ledger.lines(a.attempt)
        let (end, finished) = Self.lastTick(lines)
        let first = LabMirror.replay(model: info.model, seed: a.seed, mode: mode, lines: lines, at: 0).stepper
        // The instructor's own commands (lines carrying `by`/`cmd`): jump buttons too.
        let commands: [(tick: Int64, kind: String, text: String)] = lines.dropFirst().compactMap { text in
            guard let v = try? JSONText.parse(Array(text.utf8)), v["by"] != nil || v["cmd"] != nil,
                  let verb = v["verb"]?.string, let c = InstructorCommand.from(verb: verb),
                  let t = v["tick"]?.numberText.flatMap({ Int64($0) }) else { return nil }
            return (t, c.rawValue, v["text"]?.string ?? v["target"]?.string ?? "")
        }
        var compare = modelRuns(a.scenario).map { (value: "run:" + $0, label: tr(lang, "示范运行：\($0)", "Model run: \($0)")) }
        compare += try finishedAttempts(scenario: a.scenario, except: a.attempt, user: s.user).map {
            (value: "attempt:" + $0.attempt, label: "\($0.name.isEmpty ? $0.student : "\($0.name) (\($0.student))") · \($0.mode) · \($0.attempt)")
        }
        let canBacktrack = a.mode != .exam && s.user.role != .auditor
        return TeacherViews.debrief(lang: lang, session: s, info: info, stepper: first, endTick: end, finished: finished,
                                    compare: compare, canBacktrack: canBacktrack, commands: commands)
    }

    /// The class in the path, which the user manages (404 for no such class).
    func pageClass(_ ctx: LabContext, _ s: LabSession) throws -> String {
        let klass = pathParameter(ctx.parameters.get("class"))
        try mayManage(klass: klass, s.user)
        guard try accounts.classExists(klass) else { throw LabHTTPError(.notFound, "no class '\(klass)'") }
        return klass
    }

    /// A scenario's title in the page's language (the other language, then the folder name, when missing).
    func scenarioTitle(_ name: String, _ lang: ReportLanguage) -> String {
        guard let file = try? scenarioFile(name), let m = try? ledger.compiled(path: file).model else { return name }
        let (first, second) = lang == .en ? (m.text.title.en, m.text.title.zh) : (m.text.title.zh, m.text.title.en)
        return first.isEmpty ? (second.isEmpty ? name : second) : first
    }

    /// A class's display name ('' when it has none).
    func className(_ klass: String) throws -> String {
        try accounts.locked { st in try st.db.query("SELECT name FROM lab_classes WHERE id = ?", [klass]).first?[0].string ?? "" }
    }

    /// Every attempt of the class's students, newest first (the last 1000), with its score when graded.
    func attemptRows(_ klass: String) throws -> [TeacherViews.AttemptRow] {
        try accounts.locked { st in
            try st.db.query("""
                SELECT x.attempt, x.student, coalesce(u.name, ''), x.scenario, x.mode, x.state, a.total, a.max, x.issued, x.voided, x.workstation
                FROM lab_assignments x JOIN lab_enrolments e ON e.user = x.student AND e.class = ? AND e.role = 'student'
                LEFT JOIN lab_users u ON u.id = x.student LEFT JOIN attempts a ON a.attempt = x.attempt
                ORDER BY x.issued DESC, x.attempt LIMIT 1000
                """, [klass]).map { r in
                TeacherViews.AttemptRow(attempt: r[0].string ?? "", student: r[1].string ?? "", name: r[2].string ?? "", scenario: r[3].string ?? "",
                                        mode: r[4].string ?? "", state: r[5].string ?? "", score: r[6].double, maxScore: r[7].double,
                                        issued: r[8].string ?? "", voided: r[9].string != nil, workstation: r[10].string ?? "")
            }
        }
    }

    /// A report document (HazLabReport's) with a bar of links and a sign-out button put after its
    /// `<body>`, and the CSRF token and the shared script in its head (teacher.js signs out).
    static func withBar(_ text: String, lang: ReportLanguage, csrf: String, links: [(String, String)]) -> String {
        var bar = Markup()
        bar.open("nav", [("class", "hz-bar"), ("id", "hz-bar"), ("aria-label", tr(lang, "导航", "Navigation"))])
        for (href, label) in links {
            bar.element("a", [("href", href + (lang == .en ? (href.contains("?") ? "&lang=en" : "?lang=en") : ""))], label)
            bar.content(" · ")
        }
        bar.element("button", [("type", "button"), ("id", "sign-out")], tr(lang, "退出", "Sign out"))
        bar.close()
        var head = Markup()
        head.leaf("meta", [("name", "csrf-token"), ("content", csrf)])
        head.leaf("link", [("rel", "icon"), ("href", "data:,")])
        head.element("script", [("src", "/static/teacher.js"), ("defer", "defer")])
        var out = text
        if let r = out.range(of: "</head>") { out.replaceSubrange(r, with: head.text + "</head>") }
        if let open = out.range(of: "<body"), let end = out.range(of: ">", range: open.upperBound..<out.endIndex) {
            out.insert(contentsOf: bar.text, at: end.upperBound)
        }
        return out
    }

    /// The classes a user may open: an instructor's own, every class for an administrator.
    func classesOf(_ user: LabUser) throws -> [(id: String, name: String)] {
        try accounts.locked { st in
            let rows = user.role == .administrator
                ? try st.db.query("SELECT id, name FROM lab_classes ORDER BY id", [])
                : try st.db.query("""
                    SELECT c.id, c.name FROM lab_classes c JOIN lab_enrolments e ON e.class = c.id
                    WHERE e.user = ? AND e.role = 'instructor' ORDER BY c.id
                    """, [user.id])
            return rows.map { (id: $0[0].string ?? "", name: $0[1].string ?? "") }
        }
    }

    /// A student's own graded records, less exam results not yet published.
    func ownRecords(_ student: String) throws -> [ClassRecord] {
        let rows = try accounts.locked { st in
            try st.db.query("""
                SELECT a.record FROM attempts a WHERE a.student = ?
                  AND NOT EXISTS (SELECT 1 FROM lab_assignments l WHERE l.attempt = a.attempt AND (l.published = 0 OR l.voided IS NOT NULL))
                ORDER BY a.started, a.attempt
                """, [student])
        }
        return parseRecords(rows.compactMap { $0[0].string }, what: "student \(student)")
    }

    /// The graded records of the class's students (the store's records; voided attempts left out).
    func classRecords(_ klass: String) throws -> [ClassRecord] {
        let rows = try accounts.locked { st in
            try st.db.query("""
                SELECT a.record FROM attempts a JOIN lab_enrolments e ON e.user = a.student AND e.class = ? AND e.role = 'student'
                WHERE NOT EXISTS (SELECT 1 FROM lab_assignments l WHERE l.attempt = a.attempt AND l.voided IS NOT NULL)
                ORDER BY a.started, a.attempt
                """, [klass])
        }
        return parseRecords(rows.compactMap { $0[0].string }, what: "class \(klass)")
    }

    /// Stored records as report rows; one unreadable record is logged and skipped, never fatal.
    func parseRecords(_ texts: [String], what: String) -> [ClassRecord] {
        var out: [ClassRecord] = []
        for (i, t) in texts.enumerated() {
            do { out += try ClassRecord.parse(Data(t.utf8), path: "store (\(what) record \(i + 1))") } catch {
                logger.warning("unreadable stored record skipped", metadata: ["which": "\(what) record \(i + 1)", "error": "\(error)"])
            }
        }
        return out
    }
}

/// zh-CN or English.
func tr(_ lang: ReportLanguage, _ zh: String, _ en: String) -> String { lang == .en ? en : zh }

/// The frame of every teacher station page: head (CSP-friendly: stylesheet and scripts from
/// /static/, the CSRF token in a meta tag), a navigation bar, and `main`.
struct TeacherPage {
    var m = Markup()
    let lang: ReportLanguage

    init(lang: ReportLanguage, title: String, csrf: String, script: String?, user: LabUser?, bodyClass: String = "",
         data: Markup.Attributes = [], nav: [(String, String)] = []) {
        self.lang = lang
        m.raw("<!DOCTYPE html>\n")
        m.open("html", [("lang", lang.rawValue)])
        m.open("head")
        m.leaf("meta", [("charset", "utf-8")])
        m.leaf("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])
        m.leaf("meta", [("name", "csrf-token"), ("content", csrf)])
        m.element("title", [], title)
        m.leaf("link", [("rel", "stylesheet"), ("href", "/static/teacher.css")])
        m.leaf("link", [("rel", "icon"), ("href", "data:,")])
        m.element("script", [("src", "/static/teacher.js"), ("defer", "defer")])
        if let script { m.element("script", [("src", "/static/\(script)"), ("defer", "defer")]) }
        m.close()
        m.newline()
        m.open("body", [("class", bodyClass), ("data-lang", lang.rawValue)] + data)
        m.element("a", [("class", "skip"), ("href", "#main")], tr(lang, "跳到正文", "Skip to content"))
        if let user {
            m.open("header", [("class", "top")])
            m.open("nav", [("aria-label", tr(lang, "导航", "Navigation"))])
            link("/teacher", tr(lang, "教师站", "Teacher station"), cls: "brand")
            for (href, text) in nav { link(href, text) }
            m.close()
            m.open("div", [("class", "who")])
            m.element("span", [("class", "user")], user.name.isEmpty ? user.id : "\(user.name) (\(user.id))")
            m.element("a", [("href", "?lang=\(lang == .en ? "zh-CN" : "en")"), ("class", "lang"), ("hreflang", lang == .en ? "zh-CN" : "en")],
                      lang == .en ? "中文" : "English")
            m.element("button", [("type", "button"), ("id", "sign-out")], tr(lang, "退出", "Sign out"))
            m.close()
            m.close()
        }
        m.open("main", [("id", "main"), ("tabindex", "-1")])
    }

    /// A link that keeps the page's language.
    mutating func link(_ href: String, _ text: String, cls: String? = nil, attrs: Markup.Attributes = []) {
        var a: Markup.Attributes = [("href", href + (lang == .en ? (href.contains("?") ? "&lang=en" : "?lang=en") : ""))]
        if let cls { a.append(("class", cls)) }
        m.element("a", a + attrs, text)
    }

    mutating func finish() -> String {
        m.close(to: 0)
        m.newline()
        return m.text
    }
}
