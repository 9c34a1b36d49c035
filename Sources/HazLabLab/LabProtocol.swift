import Foundation
import HazLabCore
import HazLabRecords

/// How an attempt is run in the lab. `exam` results stay unpublished until the instructor publishes them.
public enum LabMode: String, Codable, Sendable { case teaching, practice, exam }

/// What the server hands a workstation: it, not the workstation, picks attempt id and seed.
public struct LabAssignment: Codable, Sendable, Equatable {
    public var attempt: String        // server-made, unguessable ("a-" + 16 random hex)
    public var scenario: String       // scenario id
    public var scenarioSHA256: String // of the scenario file's bytes
    public var seed: UInt64
    public var mode: LabMode
    public var student: String
    public var workstation: String
    public var issued: String         // ISO 8601 (ExportTime)

    public init(attempt: String, scenario: String, scenarioSHA256: String, seed: UInt64, mode: LabMode,
                student: String, workstation: String, issued: String) {
        self.attempt = attempt; self.scenario = scenario; self.scenarioSHA256 = scenarioSHA256; self.seed = seed
        self.mode = mode; self.student = student; self.workstation = workstation; self.issued = issued
    }
}

/// Frames a workstation sends on the stream (JSON text frames, one message each, `type` discriminator):
///   {"type":"hello","workstation":"ws-01","attempt":"a-…"}
///   {"type":"proof","signature":"<base64 Ed25519>"}
///   {"type":"line","seq":0,"text":"<the journal line, without its newline>"}
public enum LabClientMessage: Codable, Sendable, Equatable {
    case hello(workstation: String, attempt: String)             // → challenge
    case proof(signature: String)                                // base64 Ed25519 over LabProtocol.proofMessage(nonce:attempt:)
    case line(seq: Int, text: String)                            // seq 0 = the journal's header line, then every line in file order

    private enum Keys: String, CodingKey { case type, workstation, attempt, signature, seq, text }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "hello": self = .hello(workstation: try c.decode(String.self, forKey: .workstation), attempt: try c.decode(String.self, forKey: .attempt))
        case "proof": self = .proof(signature: try c.decode(String.self, forKey: .signature))
        case "line": self = .line(seq: try c.decode(Int.self, forKey: .seq), text: try c.decode(String.self, forKey: .text))
        case let t: throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown client message type '\(t)'")
        }
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case let .hello(w, a): try c.encode("hello", forKey: .type); try c.encode(w, forKey: .workstation); try c.encode(a, forKey: .attempt)
        case let .proof(s): try c.encode("proof", forKey: .type); try c.encode(s, forKey: .signature)
        case let .line(seq, text): try c.encode("line", forKey: .type); try c.encode(seq, forKey: .seq); try c.encode(text, forKey: .text)
        }
    }
}

/// Frames the server sends:
///   {"type":"challenge","nonce":"<hex>"}
///   {"type":"welcome","attempt":"a-…","acked":-1}
///   {"type":"ack","seq":3}
///   {"type":"error","code":"fork","message":"…","fatal":true}
///   {"type":"command","id":17,"kind":"fault","verb":"instructor-fault","target":"cw_pump_trip","text":"","by":"teacher"}
public enum LabServerMessage: Codable, Sendable, Equatable {
    case challenge(nonce: String)
    case welcome(attempt: String, acked: Int)                    // acked: highest seq stored, -1 if none → client resends from acked+1
    case ack(seq: Int)
    case error(code: String, message: String, fatal: Bool)       // codes: LabErrorCode
    /// An instructor's command (Docs/lab.md, "Instructor commands"): the workstation journals it
    /// once, by id, at its next tick. Sent at once and again after every welcome until journaled.
    case command(LabCommandFrame)

    private enum Keys: String, CodingKey { case type, nonce, attempt, acked, seq, code, message, fatal, id, kind, verb, target, text, by }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "challenge": self = .challenge(nonce: try c.decode(String.self, forKey: .nonce))
        case "welcome": self = .welcome(attempt: try c.decode(String.self, forKey: .attempt), acked: try c.decode(Int.self, forKey: .acked))
        case "ack": self = .ack(seq: try c.decode(Int.self, forKey: .seq))
        case "error": self = .error(code: try c.decode(String.self, forKey: .code), message: try c.decode(String.self, forKey: .message),
                                    fatal: try c.decode(Bool.self, forKey: .fatal))
        case "command": self = .command(LabCommandFrame(id: try c.decode(Int64.self, forKey: .id), kind: try c.decode(String.self, forKey: .kind),
                                                        verb: try c.decode(String.self, forKey: .verb), target: try c.decode(String.self, forKey: .target),
                                                        text: try c.decode(String.self, forKey: .text), by: try c.decode(String.self, forKey: .by)))
        case let t: throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown server message type '\(t)'")
        }
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case let .challenge(n): try c.encode("challenge", forKey: .type); try c.encode(n, forKey: .nonce)
        case let .welcome(a, k): try c.encode("welcome", forKey: .type); try c.encode(a, forKey: .attempt); try c.encode(k, forKey: .acked)
        case let .ack(s): try c.encode("ack", forKey: .type); try c.encode(s, forKey: .seq)
        case let .error(code, m, f):
            try c.encode("error", forKey: .type); try c.encode(code, forKey: .code); try c.encode(m, forKey: .message); try c.encode(f, forKey: .fatal)
        case let .command(f):
            try c.encode("command", forKey: .type); try c.encode(f.id, forKey: .id); try c.encode(f.kind, forKey: .kind)
            try c.encode(f.verb, forKey: .verb); try c.encode(f.target, forKey: .target); try c.encode(f.text, forKey: .text)
            try c.encode(f.by, forKey: .by)
        }
    }
}

/// One instructor command as the stream carries it (`LabServerMessage.command`).
public struct LabCommandFrame: Codable, Sendable, Equatable {
    /// The server's command id: the journal line's `cmd`.
    public var id: Int64
    /// The API kind (`InstructorCommand` raw value) and its journal verb.
    public var kind: String
    public var verb: String
    /// A fault id (fault, clear), a procedure step id (hint), else "".
    public var target: String
    /// The message, the hint's text or the pause's reason; "" when none.
    public var text: String
    /// The instructor's user id.
    public var by: String

    public init(id: Int64, kind: String, verb: String, target: String, text: String, by: String) {
        self.id = id; self.kind = kind; self.verb = verb; self.target = target; self.text = text; self.by = by
    }

    /// The journal line the workstation writes for it at `tick`: the verb, target, the text as
    /// `value` (when there is one), `by` and `cmd`.
    public func action(tick: Int64) -> Action {
        Action(tick: tick, verb: verb, target: target, text: text.isEmpty ? nil : text, by: by, command: id)
    }
}

/// Error codes on the stream.
public enum LabErrorCode: String, Sendable {
    case unknownAttempt = "unknown-attempt", notYourAttempt = "not-your-attempt", badProof = "bad-proof",
         unknownKey = "unknown-key", revokedKey = "revoked-key", fork, gap, badLine = "bad-line", chain,
         tooLarge = "too-large", header, protocolError = "protocol", finished, voided, badFrame = "bad-frame", `internal`
}

public enum LabProtocol {
    public static let version = "hazlab-stream-v1"
    /// The bytes a workstation signs to prove it holds its key.
    public static func proofMessage(nonce: String, attempt: String) -> [UInt8] { Array("\(version)\n\(nonce)\n\(attempt)".utf8) }
    /// What a workstation signs over HTTP (Docs/lab.md, "Workstation routes"); one definition for
    /// the server that checks and the viewer that signs.
    public static func assignmentMessage(nonce: String, workstation: String, student: String, scenario: String) -> [UInt8] {
        Array("hazlab-assignment-v1\n\(nonce)\n\(workstation)\n\(student)\n\(scenario)".utf8)
    }
    public static func loginMessage(nonce: String, workstation: String, student: String) -> [UInt8] {
        Array("hazlab-login-v1\n\(nonce)\n\(workstation)\n\(student)".utf8)
    }
    /// `sha256`: lowercase hex SHA-256 of the uploaded journal's UTF-8 bytes.
    public static func uploadMessage(nonce: String, workstation: String, sha256: String) -> [UInt8] {
        Array("hazlab-upload-v1\n\(nonce)\n\(workstation)\n\(sha256)".utf8)
    }
    /// Largest journal line accepted on the stream (bytes of `text`).
    public static let maxLineBytes = 64 * 1024
    /// Largest frame (JSON of one message) a transport should accept.
    public static let maxFrameBytes = 128 * 1024

    /// Decodes one frame; a malformed or oversized frame is an `error` message to send back.
    public static func decodeClient(_ frame: String) -> Result<LabClientMessage, LabStreamError> {
        guard frame.utf8.count <= maxFrameBytes else {
            return .failure(LabStreamError(.tooLarge, "frame of \(frame.utf8.count) bytes is over the limit of \(maxFrameBytes)"))
        }
        do { return .success(try JSONDecoder().decode(LabClientMessage.self, from: Data(frame.utf8))) } catch {
            return .failure(LabStreamError(.badFrame, "frame is not a stream message: \(plain(error))"))
        }
    }
    /// A bounded, plain account of why a frame did not decode: the field, never the decoder's
    /// dump or the frame itself.
    static func plain(_ error: any Error) -> String {
        func field(_ path: [any CodingKey], _ key: (any CodingKey)? = nil) -> String {
            let names = (path + (key.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return String(names.joined(separator: ".").prefix(64))
        }
        guard let e = error as? DecodingError else { return "not a JSON object" }
        switch e {
        case .keyNotFound(let key, let c): return "missing field '\(field(c.codingPath, key))'"
        case .typeMismatch(let type, let c): return "field '\(field(c.codingPath))' must be \(type == String.self ? "a string" : type == Int.self ? "an integer" : "of another type")"
        case .valueNotFound(_, let c): return "field '\(field(c.codingPath))' is null"
        case .dataCorrupted(let c):
            if c.codingPath.last?.stringValue == "type" { return "field 'type' must be hello, proof or line" }
            return c.codingPath.isEmpty ? "not valid JSON" : "field '\(field(c.codingPath))' is not valid"
        @unknown default: return "not a stream message"
        }
    }

    public static func decodeServer(_ frame: String) throws -> LabServerMessage {
        try JSONDecoder().decode(LabServerMessage.self, from: Data(frame.utf8))
    }
    public static func encode<T: Encodable>(_ m: T) -> String {
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? e.encode(m)) ?? Data(), as: UTF8.self)
    }
}

/// A refusal on the stream, with its code.
public struct LabStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: LabErrorCode
    public var message: String
    public var fatal: Bool
    public init(_ code: LabErrorCode, _ message: String, fatal: Bool = true) { self.code = code; self.message = message; self.fatal = fatal }
    public var description: String { "\(code.rawValue): \(message)" }
    public var serverMessage: LabServerMessage { .error(code: code.rawValue, message: message, fatal: fatal) }
}

/// What the server knows of a workstation's key (fits `KeyRegistry` in Keys.swift).
public enum LabKeyStatus: Sendable, Equatable { case active(PublicKeyRecord), revoked(String), unknown }

/// Gives a workstation's Ed25519 public key, or says it is revoked/unknown, at a given instant.
public protocol KeyRegistryLookup: Sendable {
    func keyStatus(workstation: String, at: Date) -> LabKeyStatus
}

extension KeyRegistry: KeyRegistryLookup {
    public func keyStatus(workstation: String, at: Date) -> LabKeyStatus {
        guard let k = self[workstation] else { return .unknown }
        switch refusal(keyId: workstation, started: Timestamp.format(at)) {
        case .none: return .active(k)
        case .unknown?: return .unknown
        case .revoked(let r)?: return .revoked(r)
        }
    }
}

/// A lookup from a closure (the server's own registry, a test's).
public struct ClosureKeyLookup: KeyRegistryLookup {
    let f: @Sendable (String, Date) -> LabKeyStatus
    public init(_ f: @escaping @Sendable (String, Date) -> LabKeyStatus) { self.f = f }
    public func keyStatus(workstation: String, at: Date) -> LabKeyStatus { f(workstation, at) }
}

/// Every audit action the lab server and its ledger write: the one list (Docs/lab.md, "Audit
/// actions", lists exactly these; a test holds the two together).
public enum LabAuditAction: String, CaseIterable, Sendable {
    // Accounts and sessions
    case login = "lab-login", loginFailed = "lab-login-failed", loginRefused = "lab-login-refused",
         loginThrottled = "lab-login-throttled", lockout = "lab-lockout", logout = "lab-logout",
         csrfRefused = "lab-csrf-refused", userCreate = "lab-user-create", roleChange = "lab-role-change",
         classCreate = "lab-class-create", enrol = "lab-enrol", rosterImport = "lab-roster-import"
    // Workstations
    case keyRegister = "lab-key-register", keyRevoke = "lab-key-revoke", workstationRefused = "lab-workstation-refused",
         ticketRefused = "lab-ticket-refused"
    // Tasks and attempts
    case taskCreate = "lab-task-create", taskOpen = "lab-task-open", taskClose = "lab-task-close",
         examOpen = "lab-exam-open", examClose = "lab-exam-close", assignment = "lab-assignment", assign = "lab-assign", reassign = "lab-reassign",
         streamRefused = "lab-stream-refused", streamFork = "lab-stream-fork", streamHeaderRefused = "lab-stream-header-refused",
         upload = "lab-upload", uploadRefused = "lab-upload-refused", graded = "lab-graded", gradeFailed = "lab-grade-failed",
         publish = "lab-publish", void = "lab-void",
         command = "lab-command", commandRefused = "lab-command-refused"
    // Exam sessions (issue 15)
    case examCreate = "lab-exam-create", examEnd = "lab-exam-end", examPublish = "lab-exam-publish",
         examRefused = "lab-exam-refused"
    // Debrief (issue 15)
    case backtrack = "lab-backtrack"
    // Operations
    case serveStart = "lab-serve-start", backupFailed = "backup-failed", backupDeleted = "backup-deleted",
         backupDeleteFailed = "backup-delete-failed"
}
