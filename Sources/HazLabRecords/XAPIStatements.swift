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
    public static func safetyActivity(_ scenario: String, cause: String, subject: String) -> String {
        scenarioActivity(scenario) + "/safety/" + iriSegment(cause) + "/" + iriSegment(subject)
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

    /// Registration of an attempt: UUIDv5(namespace, "registration:" + attempt id).
    public static func registration(attempt: String) -> String { UUIDv5.string(namespace: namespace, name: "registration:" + attempt) }

    /// Id of the statement at `sequence` (0-based, in the order sent): UUIDv5(namespace,
    /// "statement:" + attempt id + ":" + sequence).
    public static func statementId(attempt: String, sequence: Int) -> String {
        UUIDv5.string(namespace: namespace, name: "statement:" + attempt + ":" + String(sequence))
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

/// Turns an attempt record into its statements, in the order of issue 6:
/// initialized; one per step; one per safety violation; completed; passed or failed; terminated.
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
        let t0 = ExportTime.millis(started)
        let registration = XAPIProfile.registration(attempt: a.attempt)
        let scenarioIRI = XAPIProfile.scenarioActivity(a.scenario)
        let attemptDuration = ExportTime.duration(seconds: a.durationSeconds)
        var out: [XAPIStatement] = []

        func lang(_ t: ExportAttempt.Text) -> OrderedJSON { .object([(zhTag, .string(t.zh)), (enTag, .string(t.en))]) }
        func verb(_ iri: String, _ zh: String, _ en: String) -> OrderedJSON { .object([("id", .string(iri)), ("display", .object([(zhTag, .string(zh)), (enTag, .string(en))]))]) }
        let actor: OrderedJSON = .object([("objectType", .string("Agent")),
                                          ("account", .object([("homePage", .string(accountHomePage)), ("name", .string(a.student))]))])
        let scenarioActivity: OrderedJSON = .object([
            ("objectType", .string("Activity")), ("id", .string(scenarioIRI)),
            ("definition", .object([("name", lang(a.scenarioTitle)), ("type", .string(XAPIProfile.ActivityType.scenario))])),
        ])
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
                (XAPIProfile.Extension.cmi5SessionId, .string(registration)),
                (XAPIProfile.Extension.attempt, .string(a.attempt)),
                (XAPIProfile.Extension.seed, .number(a.seed)),
                (XAPIProfile.Extension.stateHash, .string(a.stateHash)),
            ])))
            return .object(c)
        }
        func add(_ verbIRI: String, _ verbJSON: OrderedJSON, object: OrderedJSON, result: OrderedJSON?, context ctx: OrderedJSON, atMillis ms: Int64) {
            let seq = out.count
            let id = XAPIProfile.statementId(attempt: a.attempt, sequence: seq)
            var m: [(String, OrderedJSON)] = [("id", .string(id)), ("actor", actor), ("verb", verbJSON), ("object", object)]
            if let result { m.append(("result", result)) }
            m.append(("context", ctx))
            m.append(("timestamp", .string(ExportTime.iso8601(millis: ms))))
            out.append(XAPIStatement(id: id, attempt: a.attempt, registration: registration, sequence: seq, verb: verbIRI, json: .object(m)))
        }
        func score(_ raw: Double, _ max: Double) -> OrderedJSON {
            let scaled = max > 0 ? Swift.min(1, Swift.max(0, (raw / max * 10000).rounded() / 10000)) : 0
            return .object([("scaled", .double(scaled)), ("raw", .double(Swift.min(raw, Swift.max(max, 0)))), ("min", .int(0)), ("max", .double(Swift.max(max, 0)))])
        }
        let tEnd = ExportTime.millis(started: t0, plusSeconds: a.durationSeconds)

        // 1. initialized
        add(XAPIProfile.Verb.initialized, verb(XAPIProfile.Verb.initialized, "已初始化", "initialized"), object: scenarioActivity,
            result: nil, context: context(cmi5: true, parent: false), atMillis: t0)

        // 2. one per step
        for s in a.steps {
            let stepObject: OrderedJSON = .object([
                ("objectType", .string("Activity")), ("id", .string(XAPIProfile.stepActivity(a.scenario, s.id))),
                ("definition", .object([("name", lang(s.title)), ("type", .string(XAPIProfile.ActivityType.step))])),
            ])
            let end = a.endSeconds(of: s)
            let result: OrderedJSON = .object([
                ("score", score(s.score, s.maxScore)),
                ("success", .bool(s.completed && s.evaluation != "fail")),
                ("completion", .bool(s.completed)),
                ("duration", .string(ExportTime.duration(seconds: Swift.max(0, end - s.startSeconds)))),
                ("extensions", .object([
                    (XAPIProfile.Extension.expectedTime, .string(ExportTime.duration(seconds: s.expectedSeconds))),
                    (XAPIProfile.Extension.repeatCount, .int(s.repeatCount)),
                    (XAPIProfile.Extension.evaluation, .object([("code", .string(s.evaluation)), ("display", lang(s.evaluationText))])),
                    (XAPIProfile.Extension.scoringModel, lang(s.scoringModel)),
                    (XAPIProfile.Extension.remarks, lang(s.remarks)),
                ])),
            ])
            add(XAPIProfile.Verb.performedStep, verb(XAPIProfile.Verb.performedStep, "执行步骤", "performed step"), object: stepObject,
                result: result, context: context(cmi5: false, parent: true), atMillis: ExportTime.millis(started: t0, plusSeconds: end))
        }

        // 3. one per safety violation
        for d in a.safetyViolations {
            let name = d.title.zh.isEmpty && d.title.en.isEmpty ? ExportAttempt.Text(zh: d.subject, en: d.subject) : d.title
            let obj: OrderedJSON = .object([
                ("objectType", .string("Activity")),
                ("id", .string(XAPIProfile.safetyActivity(a.scenario, cause: d.cause, subject: d.subject))),
                ("definition", .object([("name", lang(name)), ("type", .string(XAPIProfile.ActivityType.safetyRule))])),
            ])
            var ext: [(String, OrderedJSON)] = [(XAPIProfile.Extension.cause, .string(d.cause)), (XAPIProfile.Extension.points, .double(d.points))]
            if d.veto { ext.append((XAPIProfile.Extension.veto, .bool(true))) }
            if !d.detail.isEmpty { ext.append((XAPIProfile.Extension.remarks, .string(d.detail))) }
            add(XAPIProfile.Verb.violated, verb(XAPIProfile.Verb.violated, "违反安全规定", "violated"), object: obj,
                result: .object([("success", .bool(false)), ("extensions", .object(ext))]),
                context: context(cmi5: false, parent: true), atMillis: ExportTime.millis(started: t0, plusSeconds: d.seconds))
        }

        // 4. completed (no score)
        add(XAPIProfile.Verb.completed, verb(XAPIProfile.Verb.completed, "已完成", "completed"), object: scenarioActivity,
            result: .object([("completion", .bool(true)), ("duration", .string(attemptDuration))]),
            context: context(cmi5: true, moveOn: true, parent: false), atMillis: tEnd)

        // 5. passed or failed: the only attempt-level statements with a score
        let pf = a.passed ? XAPIProfile.Verb.passed : XAPIProfile.Verb.failed
        add(pf, a.passed ? verb(pf, "已通过", "passed") : verb(pf, "未通过", "failed"), object: scenarioActivity,
            result: .object([("score", score(a.total, a.max)), ("success", .bool(a.passed)), ("duration", .string(attemptDuration)),
                             ("extensions", .object([(XAPIProfile.Extension.evaluation, .object([("code", .string(a.evaluation)), ("display", lang(a.evaluationText))]))]))]),
            context: context(cmi5: true, moveOn: true, parent: false), atMillis: tEnd)

        // 6. terminated
        add(XAPIProfile.Verb.terminated, verb(XAPIProfile.Verb.terminated, "已终止", "terminated"), object: scenarioActivity,
            result: .object([("duration", .string(attemptDuration))]), context: context(cmi5: true, parent: false), atMillis: tEnd)
        return out
    }
}
