import Crypto
import Foundation

/// ilab-x (实验空间) v2 experiment records (Docs/ilabx.md): one upload JSON per attempt, and the
/// optional upload (ticket → access token with an MD5 signature, then data_upload).
public enum ILabX {
    /// Length limits, in characters (Docs/ilabx.md). Longer text is cut at a character boundary
    /// and ends in "…".
    public enum Limit {
        public static let username = 64
        public static let title = 255
        public static let originId = 64
        public static let stepTitle = 255
        public static let evaluation = 32
        public static let scoringModel = 255
        public static let remarks = 255
    }

    public struct Options: Sendable {
        public var appid: String
        /// The ilab-x user name of each student; by default the student id itself.
        public var username: @Sendable (String) -> String
        public init(appid: String, username: @escaping @Sendable (String) -> String = { $0 }) {
            self.appid = appid; self.username = username
        }
    }

    /// Cuts `s` to at most `n` characters (grapheme clusters), ending in "…" when cut.
    public static func limit(_ s: String, _ n: Int) -> String {
        s.count <= n ? s : String(s.prefix(max(0, n - 1))) + "…"
    }

    /// `originId`: only `[A-Za-z0-9_]`, at most 64 characters, unique per attempt. An attempt id
    /// that already fits is used as it is; otherwise every other character becomes `_`, the
    /// result is cut to 51 characters and `_` plus the first 12 hex digits of SHA-256(attempt
    /// id) is appended, so two attempt ids that sanitise alike still differ.
    public static func originId(attempt: String) -> String {
        let ok = attempt.unicodeScalars.allSatisfy(isOriginScalar)
        if ok && !attempt.isEmpty && attempt.count <= Limit.originId { return attempt }
        let clean = String(String.UnicodeScalarView(attempt.unicodeScalars.map { isOriginScalar($0) ? $0 : "_" }))
        let hash = SHA256.hash(data: Array(attempt.utf8)).map { String(format: "%02x", $0) }.joined()
        return String(clean.prefix(Limit.originId - 13)) + "_" + hash.prefix(12)
    }

    static func isOriginScalar(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_"
    }

    /// The integer score 0–100: the attempt's percentage of its maximum (total / max × 100),
    /// rounded half up (43.5 → 44), clamped to 0…100. The percentage is computed from the
    /// record's 0.01-rounded figures in hundredths, in integers, so no binary fraction decides
    /// a tie.
    public static func integerScore(total: Double, max: Double) -> Int {
        guard max > 0 else { return 0 }
        let t = Int64((total * 100).rounded()), m = Int64((max * 100).rounded())
        // round(100·t/m) half up = floor((200·t + m) / (2·m))
        let v = (200 * t + m) / (2 * m)
        return Int(Swift.min(100, Swift.max(0, v)))
    }

    /// Whole seconds, at least 1 (ilab-x rejects 0).
    public static func seconds(_ s: Double) -> Int { Swift.max(1, Int(s.rounded())) }

    /// A step's start and end in ms, and its whole seconds: the end is at least start + 1 s and
    /// `timeUsed` is `(end − start)` rounded half up, so the two always agree.
    static func span(_ t0: Int64, from a: Double, to b: Double) -> (start: Int64, end: Int64, used: Int) {
        let st = ExportTime.millis(started: t0, plusSeconds: a)
        let en = Swift.max(ExportTime.millis(started: t0, plusSeconds: b), st + 1000)
        return (st, en, Int((en - st + 500) / 1000))
    }

    /// The evaluation a step shows: the record's 优/良/中/差, except for a 0-point step (a marker
    /// such as "arrive at the tank farm"), which has nothing to grade: 完成 or 未完成.
    static func stepEvaluation(_ s: ExportAttempt.Step) -> String {
        if s.maxScore <= 0 { return s.completed ? "完成" : "未完成" }
        return s.evaluationText.zh
    }

    /// The points the attempt lost beyond its steps and quality windows: deductions, and what a
    /// veto or cap took. Steps + quality − this = the total.
    public static func pointsLost(_ a: ExportAttempt) -> Double {
        let earned = a.steps.reduce(0) { $0 + $1.score } + a.quality.reduce(0) { $0 + $1.score }
        return ((earned - a.total) * 100).rounded() / 100
    }

    /// The upload JSON of one attempt (keys in a fixed order). After the procedure steps come
    /// one step per quality window and, when the attempt lost points, a 0-point "扣分" step whose
    /// evaluation and remarks list the deductions (ilab-x takes no negative step score): the
    /// steps' scores minus those points add up to the attempt's total, which the uploaded
    /// `score` is in percent of the maximum.
    public static func record(_ a: ExportAttempt, started: Date, options o: Options) -> OrderedJSON {
        let t0 = ExportTime.millis(started)
        let whole = span(t0, from: 0, to: a.durationSeconds)
        func step(seq: Int, title: String, _ sp: (start: Int64, end: Int64, used: Int), expect: Double, maxScore: Double, score: Double,
                  repeatCount: Int, evaluation: String, scoringModel: String, remarks: String) -> OrderedJSON {
            .object([
                ("seq", .int(seq)),
                ("title", .string(limit(title, Limit.stepTitle))),
                ("startTime", .number(String(sp.start))),
                ("endTime", .number(String(sp.end))),
                ("timeUsed", .int(sp.used)),
                ("expectTime", .int(seconds(expect))),
                ("maxScore", .double(maxScore)),
                ("score", .double(score)),
                ("repeatCount", .int(Swift.max(1, repeatCount))),
                ("evaluation", .string(limit(evaluation, Limit.evaluation))),
                ("scoringModel", .string(limit(scoringModel, Limit.scoringModel))),
                ("remarks", .string(limit(remarks, Limit.remarks))),
            ])
        }
        var steps: [OrderedJSON] = a.steps.map { s in
            step(seq: s.seq, title: s.title.zh.isEmpty ? s.title.en : s.title.zh, span(t0, from: s.startSeconds, to: a.endSeconds(of: s)),
                 expect: s.expectedSeconds, maxScore: s.maxScore, score: s.score, repeatCount: s.repeatCount,
                 evaluation: stepEvaluation(s), scoringModel: s.scoringModel.zh, remarks: s.remarks.zh)
        }
        var seq = (a.steps.map(\.seq).max() ?? 0) + 1
        for q in a.quality {
            let title = q.title.zh.isEmpty ? (q.title.en.isEmpty ? q.id : q.title.en) : q.title.zh
            let evaluation = !q.judged ? "未进入考核阶段" : (q.score >= q.maxScore - 1e-9 ? "保持在范围内" : "超出范围")
            steps.append(step(seq: seq, title: "过程质量：" + title, whole, expect: a.durationSeconds, maxScore: q.maxScore, score: q.score,
                              repeatCount: 1, evaluation: evaluation, scoringModel: "过程质量窗口（按在范围内的时间比例计分）",
                              remarks: "得分 \(JSON.number(q.score))/\(JSON.number(q.maxScore))"))
            seq += 1
        }
        let lost = pointsLost(a)
        if lost > 0 || !a.deductions.isEmpty || a.veto != nil {
            var parts = a.deductions.map { d -> String in
                let what = d.title.zh.isEmpty ? (d.subject.isEmpty ? d.cause : d.subject) : d.title.zh
                return what + (d.veto ? "（否决）" : "") + " −" + JSON.number(d.points)
            }
            if let v = a.veto { parts.append("否决项 \(v)") }
            steps.append(step(seq: seq, title: "扣分项", whole, expect: a.durationSeconds, maxScore: 0, score: 0, repeatCount: a.deductions.count,
                              evaluation: "扣 \(JSON.number(lost)) 分", scoringModel: "安全违规、否决项等从各步骤得分中扣除",
                              remarks: "共扣 \(JSON.number(lost)) 分：" + parts.joined(separator: "；")))
        }
        let finished = a.complete && a.endReason == "submitted"
        return .object([
            ("username", .string(limit(o.username(a.student), Limit.username))),
            ("title", .string(limit(a.scenarioTitle.zh.isEmpty ? a.scenarioTitle.en : a.scenarioTitle.zh, Limit.title))),
            ("status", .int(finished ? 1 : 2)),
            ("score", .int(integerScore(total: a.total, max: a.max))),
            ("startTime", .number(String(whole.start))),
            ("endTime", .number(String(whole.end))),
            ("timeUsed", .int(whole.used)),
            ("appid", .string(o.appid)),
            ("originId", .string(originId(attempt: a.attempt))),
            ("steps", .array(steps)),
        ])
    }

    public struct ExportError: Error, CustomStringConvertible { public var description: String }

    /// Records for a batch; fails if two attempts would share an originId.
    public static func records(_ attempts: [(ExportAttempt, Date)], options: Options) throws -> [(originId: String, json: OrderedJSON)] {
        var seen: [String: String] = [:]
        return try attempts.map { a, started in
            let id = originId(attempt: a.attempt)
            if let other = seen[id] { throw ExportError(description: "attempts \(other) and \(a.attempt) share originId \(id)") }
            seen[id] = a.attempt
            return (id, record(a, started: started, options: options))
        }
    }

    /// The token request signature: upper-case hex MD5 of ticket + appid + secret.
    public static func signature(ticket: String, appid: String, secret: String) -> String {
        Insecure.MD5.hash(data: Array((ticket + appid + secret).utf8)).map { String(format: "%02X", $0) }.joined()
    }
}

/// The upload: `GET {base}/open/api/v2/token?ticket=…&appid=…&signature=…` answers
/// `{"code":0,"access_token":…}`; then `POST {base}/open/api/v2/data_upload?access_token=…`
/// with the record as the body answers `{"code":0,…}`. The secret and the token never appear
/// in errors.
public struct ILabXUploader: Sendable {
    public var base: URL
    public var appid: String
    public var secret: String
    public var transport: any HTTPTransport
    public var timeout: Double

    public init(base: URL, appid: String, secret: String, transport: any HTTPTransport = URLSessionTransport(), timeout: Double = 30) {
        self.base = base; self.appid = appid; self.secret = secret; self.transport = transport; self.timeout = timeout
    }

    public struct UploadError: Error, CustomStringConvertible, Equatable {
        public var description: String
        /// True for 5xx and network errors (worth a retry).
        public var transient: Bool
    }

    func url(_ path: String, _ q: [(String, String)]) -> URL {
        var c = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        c.queryItems = q.map { URLQueryItem(name: $0.0, value: $0.1) }
        // '+' is a space in form decoding: encode it.
        c.percentEncodedQuery = c.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return c.url!
    }

    func call(_ r: HTTPRequest, _ what: String) throws -> JSONText.Value {
        let resp: HTTPResponse
        do { resp = try transport.send(r) } catch {
            throw UploadError(description: "ilab-x \(what): \((error as? HTTPTransportError)?.description.replacingOccurrences(of: secret, with: "***") ?? "network error")", transient: true)
        }
        guard resp.status == 200 else {
            throw UploadError(description: "ilab-x \(what): HTTP \(resp.status)", transient: resp.status >= 500)
        }
        guard let v = try? JSONText.parse(resp.body) else { throw UploadError(description: "ilab-x \(what): the answer is not JSON", transient: false) }
        let code = v["code"]?.numberText ?? "?"
        guard code == "0" else {
            let msg = (v["msg"]?.string ?? v["message"]?.string ?? "").replacingOccurrences(of: secret, with: "***")
            throw UploadError(description: "ilab-x \(what): code \(code) \(msg)", transient: false)
        }
        return v
    }

    /// Exchanges a ticket for an access token.
    public func token(ticket: String) throws -> String {
        let sig = ILabX.signature(ticket: ticket, appid: appid, secret: secret)
        let v = try call(HTTPRequest(method: "GET", url: url("open/api/v2/token", [("ticket", ticket), ("appid", appid), ("signature", sig)]), timeout: timeout), "token")
        guard let t = v["access_token"]?.string, !t.isEmpty else { throw UploadError(description: "ilab-x token: no access_token in the answer", transient: false) }
        return t
    }

    /// Uploads one record with a token.
    public func upload(record: OrderedJSON, token: String) throws {
        _ = try call(HTTPRequest(method: "POST", url: url("open/api/v2/data_upload", [("access_token", token)]),
                                 headers: [("Content-Type", "application/json; charset=utf-8")], body: Array(record.render().utf8), timeout: timeout), "data_upload")
    }
}
