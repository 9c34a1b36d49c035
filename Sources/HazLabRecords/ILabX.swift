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

    /// The upload JSON of one attempt (keys in a fixed order).
    public static func record(_ a: ExportAttempt, started: Date, options o: Options) -> OrderedJSON {
        let t0 = ExportTime.millis(started)
        let end = ExportTime.millis(started: t0, plusSeconds: a.durationSeconds)
        let steps: [OrderedJSON] = a.steps.map { s in
            let endS = a.endSeconds(of: s)
            let st = ExportTime.millis(started: t0, plusSeconds: s.startSeconds)
            let en = ExportTime.millis(started: t0, plusSeconds: endS)
            return .object([
                ("seq", .int(s.seq)),
                ("title", .string(limit(s.title.zh.isEmpty ? s.title.en : s.title.zh, Limit.stepTitle))),
                ("startTime", .number(String(st))),
                ("endTime", .number(String(Swift.max(en, st + 1000)))),
                ("timeUsed", .int(seconds(endS - s.startSeconds))),
                ("expectTime", .int(seconds(s.expectedSeconds))),
                ("maxScore", .double(s.maxScore)),
                ("score", .double(s.score)),
                ("repeatCount", .int(Swift.max(1, s.repeatCount))),
                ("evaluation", .string(limit(s.evaluationText.zh, Limit.evaluation))),
                ("scoringModel", .string(limit(s.scoringModel.zh, Limit.scoringModel))),
                ("remarks", .string(limit(s.remarks.zh, Limit.remarks))),
            ])
        }
        let finished = a.complete && a.endReason == "submitted"
        return .object([
            ("username", .string(limit(o.username(a.student), Limit.username))),
            ("title", .string(limit(a.scenarioTitle.zh.isEmpty ? a.scenarioTitle.en : a.scenarioTitle.zh, Limit.title))),
            ("status", .int(finished ? 1 : 2)),
            ("score", .int(integerScore(total: a.total, max: a.max))),
            ("startTime", .number(String(t0))),
            ("endTime", .number(String(Swift.max(end, t0 + 1000)))),
            ("timeUsed", .int(seconds(a.durationSeconds))),
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
