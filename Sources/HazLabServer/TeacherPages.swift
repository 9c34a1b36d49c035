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
                let next = req.uri.path + (lang == .en ? "?lang=en" : "")
                let q = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~/"))) ?? "/teacher"
                h[.location] = "/login?next=\(q)" + (lang == .en ? "&lang=en" : "")
                h[.cacheControl] = "no-store"
                return Response(status: .seeOther, headers: h)
            }
            catch let e as LabHTTPError { return Self.errorPage(e.status, e.message, lang) }
            catch let e as LabAccountError { return Self.errorPage(e.kind == .notFound ? .notFound : .badRequest, e.message, lang) }
            catch {
                logger.error("page failed", metadata: ["path": "\(req.uri.path)", "error": "\(error)"])
                return Self.errorPage(.internalServerError, "internal error (see the server log)", lang)
            }
        }
    }

    static func errorPage(_ status: HTTPResponse.Status, _ message: String, _ lang: ReportLanguage) -> Response {
        var p = TeacherPage(lang: lang, title: "\(status.code) — \(tr(lang, "出错了", "Error"))", csrf: "", script: nil, user: nil)
        p.m.element("h1", [], "\(status.code) \(status.reasonPhrase)")
        p.m.element("p", [("class", "error"), ("id", "error-message")], message)
        p.m.open("p")
        p.link("/teacher", tr(lang, "回到教师站", "Back to the teacher station"))
        p.m.close()
        return html(status, p.finish())
    }

    /// The signed-in web user for a page (no CSRF on GET); `roles` limits who may see it.
    func pageSession(_ req: Request, _ ctx: LabContext, roles: Set<LabRole>? = nil) throws -> LabSession {
        try authorise(req, ctx, roles: roles)
    }

    func teacherPageRoutes(_ router: LabRoutes) {
        let teachers: Set<LabRole> = [.instructor, .administrator]
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
            return Self.reportPage(StudentReport.html(StudentProgress(student: s.user.id, records: try self.ownRecords(s.user.id)), language: lang))
        })
        router.get("/teacher", use: page { req, ctx, lang in
            let s = try self.pageSession(req, ctx, roles: teachers)
            return Self.html(.ok, TeacherViews.classes(lang: lang, session: s, classes: try self.classesOf(s.user)))
        })
        router.get("/teacher/classes/{class}", use: page { req, ctx, lang in
            let s = try self.pageSession(req, ctx, roles: teachers)
            let klass = try self.pageClass(ctx, s)
            let task = req.uri.queryParameters["task"].map(String.init).flatMap { LabAccounts.validId($0) ? $0 : nil }
            let stations = try self.stationRows(klass: klass, task: task).map { self.stationJSON($0) }
            return Self.html(.ok, TeacherViews.grid(lang: lang, session: s, klass: klass, task: task, stations: stations))
        })
        router.get("/teacher/classes/{class}/exams", use: page { req, ctx, lang in
            let s = try self.pageSession(req, ctx, roles: teachers)
            let klass = try self.pageClass(ctx, s)
            let students = try self.accounts.members(of: klass).filter { $0.role == "student" }.map { ($0.user.id, $0.user.name) }
            let stations = try self.accounts.workstations().filter { $0.revoked.isEmpty }.map(\.id)
            return Self.html(.ok, TeacherViews.exams(lang: lang, session: s, klass: klass, scenarios: self.scenarioNames().map { ($0, self.scenarioTitle($0)) },
                                                     students: students, workstations: stations))
        })
        router.get("/teacher/classes/{class}/report", use: page { req, ctx, lang in
            let s = try self.pageSession(req, ctx, roles: teachers)
            let klass = try self.pageClass(ctx, s)
            let records = try self.classRecords(klass)
            return Self.reportPage(ClassReport.html(records, language: lang, title: tr(lang, "班级成绩分析报告 — \(klass)", "Class report — \(klass)")))
        })
        for view in ["", "/projector", "/debrief"] {
            router.get("/teacher/attempts/{attempt}\(view)", use: page { req, ctx, lang in
                let s = try self.pageSession(req, ctx, roles: teachers)
                let attempt = pathParameter(ctx.parameters.get("attempt"))
                guard let a = try self.ledger.assignment(attempt) else { throw LabHTTPError(.notFound, tr(lang, "没有考核记录 '\(attempt)'", "no lab attempt '\(attempt)'")) }
                try self.mayManage(student: a.student, s.user)
                guard let model = try self.ledger.model(for: attempt) else { throw LabHTTPError(.notFound, "scenario '\(a.scenario)' is not on this server") }
                if self.mirror.snapshot(attempt) == nil { self.mirror.catchUp(attempt: attempt, ledger: self.ledger) }
                let stepper = self.mirror.stepper(attempt) ?? AttemptStepper(model: model, seed: a.seed, mode: TrainingMode(rawValue: a.mode.rawValue) ?? .practice)
                let name = (try self.accounts.user(a.student))?.name ?? ""
                let info = TeacherViews.AttemptInfo(assignment: a, studentName: name, model: model)
                switch view {
                case "/projector": return Self.html(.ok, TeacherViews.projector(lang: lang, session: s, info: info, stepper: stepper))
                case "/debrief":
                    let lines = try self.ledger.lines(attempt)
                    let (end, finished) = Self.lastTick(lines)
                    let first = LabMirror.replay(model: model, seed: a.seed, mode: TrainingMode(rawValue: a.mode.rawValue) ?? .practice, lines: lines, at: 0).stepper
                    var compare = self.modelRuns(a.scenario).map { (value: "run:" + $0, label: tr(lang, "示范运行：\($0)", "Model run: \($0)")) }
                    compare += try self.finishedAttempts(scenario: a.scenario, except: a.attempt, user: s.user).map {
                        (value: "attempt:" + $0.attempt, label: "\($0.name.isEmpty ? $0.student : "\($0.name) (\($0.student))") · \($0.mode) · \($0.attempt)")
                    }
                    let canBacktrack = a.mode != .exam && s.user.role != .auditor
                    return Self.html(.ok, TeacherViews.debrief(lang: lang, session: s, info: info, stepper: first, endTick: end, finished: finished,
                                                               compare: compare, canBacktrack: canBacktrack))
                default: return Self.html(.ok, TeacherViews.station(lang: lang, session: s, info: info, stepper: stepper))
                }
            })
        }
    }

    /// The class in the path, which the user manages (404 for no such class).
    func pageClass(_ ctx: LabContext, _ s: LabSession) throws -> String {
        let klass = pathParameter(ctx.parameters.get("class"))
        try mayManage(klass: klass, s.user)
        guard try accounts.classExists(klass) else { throw LabHTTPError(.notFound, "no class '\(klass)'") }
        return klass
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
