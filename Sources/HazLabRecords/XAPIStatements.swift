import Foundation

/// The HazLab xAPI profile: IRIs of verbs, activity types and extensions (Docs/xapi-profile.md).
public enum XAPIProfile {
    public static let base = "https://w3id.org/xapi/hazlab"
    /// Namespace of every HazLab UUIDv5: UUIDv5(URL namespace, base).
    public static let namespace: [UInt8] = UUIDv5.bytes(namespace: UUIDv5.urlNamespace, name: base)

    public enum Verb {
        public static let initialized = "http://adlnet.gov/expapi/verbs/initialized"
        public static let completed = "http://adlnet.gov/expapi/verbs/completed"
        public static let passed = "http://adlnet.gov/expapi/verbs/passed"
        public static let failed = "http://adlnet.gov/expapi/verbs/failed"
        public static let terminated = "http://adlnet.gov/expapi/verbs/terminated"
        /// A procedure step was performed (completed or not: see result.completion).
        public static let performedStep = base + "/verbs/performed-step"
        /// A safety rule was violated (a safety deduction).
        public static let violated = base + "/verbs/violated"
    }

    public enum ActivityType {
        public static let scenario = "http://adlnet.gov/expapi/activities/simulation"
        public static let step = base + "/activity-types/step"
        public static let safetyRule = base + "/activity-types/safety-rule"
    }

    public enum Extension {
        public static let expectedTime = base + "/extensions/expected-time"
        public static let repeatCount = base + "/extensions/repeat-count"
        public static let evaluation = base + "/extensions/evaluation"
        public static let scoringModel = base + "/extensions/scoring-model"
        public static let remarks = base + "/extensions/remarks"
        public static let points = base + "/extensions/points"
        public static let veto = base + "/extensions/veto"
        public static let cause = base + "/extensions/cause"
        public static let attempt = base + "/extensions/attempt"
        public static let seed = base + "/extensions/seed"
        public static let stateHash = base + "/extensions/state-hash"
        public static let cmi5SessionId = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
    }

    public static let cmi5Category = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
    public static let moveOnCategory = "https://w3id.org/xapi/cmi5/context/categories/moveon"

    public static func scenarioActivity(_ scenario: String) -> String { base + "/scenarios/" + iriSegment(scenario) }
    public static func stepActivity(_ scenario: String, _ step: String) -> String { scenarioActivity(scenario) + "/steps/" + iriSegment(step) }
    /// A safety rule's activity; a deduction without a subject (e.g. an accident) is the cause's own.
    public static func safetyActivity(_ scenario: String, cause: String, subject: String) -> String {
        scenarioActivity(scenario) + "/safety/" + iriSegment(cause) + (subject.isEmpty ? "" : "/" + iriSegment(subject))
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters, so any id makes a valid IRI.
    public static func iriSegment(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 65...90, 97...122, 48...57, 45, 46, 95, 126: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// Registration: UUIDv5(namespace, "registration:" + key), where the key names the learner's
    /// enrolment (`ExportAttempt.registrationKey`), so one student's attempts of one assignment
    /// share it.
    public static func registration(key: String) -> String { UUIDv5.string(namespace: namespace, name: "registration:" + key) }

    /// cmi5 session id of one launch (one attempt): UUIDv5(namespace, "session:" + attempt id).
    public static func sessionId(attempt: String) -> String { UUIDv5.string(namespace: namespace, name: "session:" + attempt) }

    /// Id of the statement at `sequence` (0-based, in the order sent) of one result:
    /// UUIDv5(namespace, "statement:" + attempt id + ":" + result identity + ":" + sequence).
    /// A regraded result (another identity) gets new ids; the same result the same ids.
    public static func statementId(attempt: String, result: String, sequence: Int) -> String {
        UUIDv5.string(namespace: namespace, name: "statement:" + attempt + ":" + result + ":" + String(sequence))
    }

    /// Id of the statement that voids `statementId`: UUIDv5(namespace, "void:" + statementId).
    public static func voidingId(of statementId: String) -> String { UUIDv5.string(namespace: namespace, name: "void:" + statementId.lowercased()) }

    /// The system agent that voids superseded statements (not the student: cmi5 keeps an AU's
    /// statements to its own learner).
    public static let systemAgent: OrderedJSON = .object([
        ("objectType", .string("Agent")),
        ("account", .object([("homePage", .string(base)), ("name", .string("hazlab-grader"))])),
    ])
    public static let voidedVerb = "http://adlnet.gov/expapi/verbs/voided"

    /// The voiding statement for a superseded statement, at `millis`; with the attempt's
    /// registration, so `GET statements?registration=` finds it beside the new result.
    public static func voiding(statementId: String, attempt: String, registration: String?, atMillis ms: Int64) -> XAPIStatement {
        let id = voidingId(of: statementId)
        var m: [(String, OrderedJSON)] = [
            ("id", .string(id)), ("actor", systemAgent),
            ("verb", .object([("id", .string(voidedVerb)), ("display", .object([("zh-CN", .string("已作废")), ("en-US", .string("voided"))]))])),
            ("object", .object([("objectType", .string("StatementRef")), ("id", .string(statementId))])),
        ]
        var ctx: [(String, OrderedJSON)] = []
        if let registration { ctx.append(("registration", .string(registration))) }
        ctx.append(("extensions", .object([(Extension.attempt, .string(attempt))])))
        m.append(("context", .object(ctx)))
        m.append(("timestamp", .string(ExportTime.iso8601(millis: ms))))
        return XAPIStatement(id: id, attempt: attempt, registration: registration ?? "", sequence: -1, verb: voidedVerb, json: .object(m))
    }
}

/// One statement, ready to send: its id, its position and its exact bytes.
public struct XAPIStatement: Sendable, Equatable {
    public var id: String
    public var attempt: String
    public var registration: String
    public var sequence: Int
    /// The verb IRI (for logs and tests).
    public var verb: String
    public var json: OrderedJSON
    public var body: String { json.render() }
}

/// Turns an attempt record into its statements, in the order sent (cmi5 rules for an AU):
/// initialized; one per step and one per safety violation, in time order; completed (only when
/// every step was done); passed or failed; terminated.
public struct XAPIStatementBuilder: Sendable {
    /// `account.homePage` of the actor: the school platform that owns the student ids.
    public var accountHomePage: String
    /// Language tags of the two texts in every language map.
    public var zhTag = "zh-CN"
    public var enTag = "en-US"

    public init(accountHomePage: String = XAPIProfile.base + "/students") {
        self.accountHomePage = accountHomePage
    }

    public func statements(for a: ExportAttempt, started: Date) -> [XAPIStatement] {
        var w = AttemptStatements(a, startMillis: ExportTime.millis(started), accountHomePage: accountHomePage,
                                  tags: LanguageTags(zh: zhTag, en: enTag))
        w.addInitialized()
        w.addStepsAndViolations()
        w.addCompleted()
        w.addPassedOrFailed()
        w.addTerminated()
        return w.out
    }
}

/// The two language tags of every language map.
private struct LanguageTags {
    var zh: String
    var en: String

    /// A language map without empty texts; `fallback` when both are empty (xAPI wants a
    /// name in some language, and an empty one helps no reader).
    func map(_ t: ExportAttempt.Text, fallback: String) -> OrderedJSON {
        var ms: [(String, OrderedJSON)] = []
        if !t.zh.isEmpty { ms.append((zh, .string(t.zh))) }
        if !t.en.isEmpty { ms.append((en, .string(t.en))) }
        if ms.isEmpty { ms.append((en, .string(fallback))) }
        return .object(ms)
    }

    func map(_ t: ExportAttempt.Text) -> OrderedJSON { .object([(zh, .string(t.zh)), (en, .string(t.en))]) }

    func verb(_ iri: String, _ zhName: String, _ enName: String) -> OrderedJSON {
        .object([("id", .string(iri)), ("display", .object([(zh, .string(zhName)), (en, .string(enName))]))])
    }
}

/// One attempt's statements as they are written, in the order sent; what every statement
/// shares (actor, registration, session) is worked out once.
private struct AttemptStatements {
    /// A step or violation statement, waiting to be put in time order.
    struct Pending {
        var ms: Int64
        var rank: Int
        var verb: String
        var verbJSON: OrderedJSON
        var object: OrderedJSON
        var result: OrderedJSON
    }

    let a: ExportAttempt
    let tags: LanguageTags
    let t0: Int64
    let tEnd: Int64
    let registration: String
    let session: String
    let scenarioIRI: String
    let attemptDuration: String
    let actor: OrderedJSON
    let scenarioActivity: OrderedJSON
    private(set) var out: [XAPIStatement] = []
    // Timestamps never go back: each statement's is at least the one sent before it.
    private var lastMillis: Int64

    init(_ a: ExportAttempt, startMillis t0: Int64, accountHomePage: String, tags: LanguageTags) {
        self.a = a
        self.tags = tags
        self.t0 = t0
        tEnd = ExportTime.millis(started: t0, plusSeconds: a.durationSeconds)
        lastMillis = t0
        registration = XAPIProfile.registration(key: a.registrationKey)
        session = XAPIProfile.sessionId(attempt: a.attempt)
        let scenarioIRI = XAPIProfile.scenarioActivity(a.scenario)
        self.scenarioIRI = scenarioIRI
        attemptDuration = ExportTime.duration(seconds: a.durationSeconds)
        actor = .object([("objectType", .string("Agent")),
                         ("account", .object([("homePage", .string(accountHomePage)), ("name", .string(a.student))]))])
        scenarioActivity = .object([
            ("objectType", .string("Activity")), ("id", .string(scenarioIRI)),
            ("definition", .object([("name", tags.map(a.scenarioTitle, fallback: a.scenario)), ("type", .string(XAPIProfile.ActivityType.scenario))])),
        ])
    }

    func context(cmi5: Bool, moveOn: Bool = false, parent: Bool) -> OrderedJSON {
        var ca: [(String, OrderedJSON)] = []
        if parent { ca.append(("parent", .array([.object([("objectType", .string("Activity")), ("id", .string(scenarioIRI))])]))) }
        if cmi5 {
            var cats: [OrderedJSON] = [.object([("id", .string(XAPIProfile.cmi5Category))])]
            if moveOn { cats.append(.object([("id", .string(XAPIProfile.moveOnCategory))])) }
            ca.append(("category", .array(cats)))
        }
        var c: [(String, OrderedJSON)] = [("registration", .string(registration))]
        if !ca.isEmpty { c.append(("contextActivities", .object(ca))) }
        c.append(("extensions", .object([
            (XAPIProfile.Extension.cmi5SessionId, .string(session)),
            (XAPIProfile.Extension.attempt, .string(a.attempt)),
            (XAPIProfile.Extension.seed, .number(a.seed)),
            (XAPIProfile.Extension.stateHash, .string(a.stateHash)),
        ])))
        return .object(c)
    }

    /// A score, or nil when there are no points to score (xAPI needs min < max).
    func score(_ raw: Double, _ max: Double) -> OrderedJSON? {
        guard max > 0, raw.isFinite, max.isFinite else { return nil }
        let scaled = Swift.min(1, Swift.max(0, (raw / max * 10000).rounded() / 10000))
        return .object([("scaled", .double(scaled)), ("raw", .double(Swift.min(Swift.max(raw, 0), max))), ("min", .int(0)), ("max", .double(max))])
    }

    mutating func add(_ verbIRI: String, _ verbJSON: OrderedJSON, object: OrderedJSON, result: OrderedJSON?, context ctx: OrderedJSON, atMillis ms: Int64) {
        let seq = out.count
        let id = XAPIProfile.statementId(attempt: a.attempt, result: a.resultIdentity, sequence: seq)
        lastMillis = Swift.max(lastMillis, ms)
        var m: [(String, OrderedJSON)] = [("id", .string(id)), ("actor", actor), ("verb", verbJSON), ("object", object)]
        if let result { m.append(("result", result)) }
        m.append(("context", ctx))
        m.append(("timestamp", .string(ExportTime.iso8601(millis: lastMillis))))
        out.append(XAPIStatement(id: id, attempt: a.attempt, registration: registration, sequence: seq, verb: verbIRI, json: .object(m)))
    }

    /// 1. initialized
    mutating func addInitialized() {
        add(XAPIProfile.Verb.initialized, tags.verb(XAPIProfile.Verb.initialized, "已初始化", "initialized"), object: scenarioActivity,
            result: nil, context: context(cmi5: true, parent: false), atMillis: t0)
    }

    /// 2. steps and safety violations, in the order they happened (steps first on a tie)
    mutating func addStepsAndViolations() {
        var middle: [Pending] = []
        for s in a.steps { middle.append(step(s, rank: middle.count)) }
        for d in a.safetyViolations { middle.append(violation(d, rank: middle.count)) }
        middle.sort { ($0.ms, $0.rank) < ($1.ms, $1.rank) }
        for m in middle {
            add(m.verb, m.verbJSON, object: m.object, result: m.result, context: context(cmi5: false, parent: true), atMillis: m.ms)
        }
    }

    func step(_ s: ExportAttempt.Step, rank: Int) -> Pending {
        let stepObject: OrderedJSON = .object([
            ("objectType", .string("Activity")), ("id", .string(XAPIProfile.stepActivity(a.scenario, s.id))),
            ("definition", .object([("name", tags.map(s.title, fallback: s.id)), ("type", .string(XAPIProfile.ActivityType.step))])),
        ])
        let end = a.endSeconds(of: s)
        var r: [(String, OrderedJSON)] = []
        if let sc = score(s.score, s.maxScore) { r.append(("score", sc)) }
        r += [
            ("success", .bool(s.completed && s.evaluation != "fail")),
            ("completion", .bool(s.completed)),
            ("duration", .string(ExportTime.duration(seconds: Swift.max(0, end - s.startSeconds)))),
            ("extensions", .object([
                (XAPIProfile.Extension.expectedTime, .string(ExportTime.duration(seconds: s.expectedSeconds))),
                (XAPIProfile.Extension.repeatCount, .int(s.repeatCount)),
                (XAPIProfile.Extension.evaluation, .object([("code", .string(s.evaluation)), ("display", tags.map(s.evaluationText))])),
                (XAPIProfile.Extension.scoringModel, tags.map(s.scoringModel)),
                (XAPIProfile.Extension.remarks, tags.map(s.remarks)),
            ])),
        ]
        return Pending(ms: ExportTime.millis(started: t0, plusSeconds: end), rank: rank, verb: XAPIProfile.Verb.performedStep,
                       verbJSON: tags.verb(XAPIProfile.Verb.performedStep, "执行步骤", "performed step"), object: stepObject, result: .object(r))
    }

    func violation(_ d: ExportAttempt.Deduction, rank: Int) -> Pending {
        let fallbackName = d.subject.isEmpty ? d.cause : d.subject
        let obj: OrderedJSON = .object([
            ("objectType", .string("Activity")),
            ("id", .string(XAPIProfile.safetyActivity(a.scenario, cause: d.cause, subject: d.subject))),
            ("definition", .object([("name", tags.map(d.title, fallback: fallbackName)), ("type", .string(XAPIProfile.ActivityType.safetyRule))])),
        ])
        var ext: [(String, OrderedJSON)] = [(XAPIProfile.Extension.cause, .string(d.cause)), (XAPIProfile.Extension.points, .double(d.points))]
        if d.veto { ext.append((XAPIProfile.Extension.veto, .bool(true))) }
        if !d.detail.isEmpty { ext.append((XAPIProfile.Extension.remarks, .string(d.detail))) }
        return Pending(ms: ExportTime.millis(started: t0, plusSeconds: d.seconds), rank: rank, verb: XAPIProfile.Verb.violated,
                       verbJSON: tags.verb(XAPIProfile.Verb.violated, "违反安全规定", "violated"), object: obj,
                       result: .object([("success", .bool(false)), ("extensions", .object(ext))]))
    }

    /// 3. completed, only when every step of the procedure was done (cmi5: the learner
    ///    completed the AU's content); never for an idle attempt or one cut short
    mutating func addCompleted() {
        guard a.completedProcedure else { return }
        add(XAPIProfile.Verb.completed, tags.verb(XAPIProfile.Verb.completed, "已完成", "completed"), object: scenarioActivity,
            result: .object([("completion", .bool(true)), ("duration", .string(attemptDuration))]),
            context: context(cmi5: true, moveOn: true, parent: false), atMillis: tEnd)
    }

    /// 4. passed or failed: the only attempt-level statement with a score
    mutating func addPassedOrFailed() {
        let pf = a.passed ? XAPIProfile.Verb.passed : XAPIProfile.Verb.failed
        var pr: [(String, OrderedJSON)] = []
        if let sc = score(a.total, a.max) { pr.append(("score", sc)) }
        pr += [("success", .bool(a.passed)), ("duration", .string(attemptDuration)),
               ("extensions", .object([(XAPIProfile.Extension.evaluation, .object([("code", .string(a.evaluation)), ("display", tags.map(a.evaluationText))]))]))]
        add(pf, a.passed ? tags.verb(pf, "已通过", "passed") : tags.verb(pf, "未通过", "failed"), object: scenarioActivity,
            result: .object(pr), context: context(cmi5: true, moveOn: true, parent: false), atMillis: tEnd)
    }

    /// 5. terminated: always last
    mutating func addTerminated() {
        add(XAPIProfile.Verb.terminated, tags.verb(XAPIProfile.Verb.terminated, "已终止", "terminated"), object: scenarioActivity,
            result: .object([("duration", .string(attemptDuration))]), context: context(cmi5: true, parent: false), atMillis: tEnd)
    }
}
