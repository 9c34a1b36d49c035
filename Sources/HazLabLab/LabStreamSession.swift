import Foundation
import HazLabRecords

/// Transport-agnostic state machine for one stream connection (the server wires it to a WebSocket):
///
///     client: hello(workstation, attempt)   server: challenge(nonce)
///     client: proof(signature)              server: welcome(attempt, acked)
///     client: line(seq, text) …             server: ack(seq) | error(code, message, fatal)
///
/// Any message out of order, a failed proof, or a fatal error closes the session (`closed`); the
/// transport then closes the connection. Refused proofs (unknown/revoked key, bad signature, an
/// attempt of another workstation) are audited with the workstation id the client claimed.
public final class LabStreamSession {
    let ledger: LabLedger
    let keys: KeyRegistryLookup
    let mirror: LabMirror?
    public private(set) var closed = false

    enum Phase { case start, challenged(workstation: String, attempt: String, nonce: String), streaming(workstation: String, attempt: String) }
    var phase = Phase.start
    /// Arrival times of the clock frames taken in the last second (rate limit).
    var recentClocks: [Date] = []
    /// Clock frames beyond `maxClocksPerSecond` are ignored.
    public static let maxClocksPerSecond = 5
    /// Clock frames the mirror took (moved on) and those ignored: for tests and the log.
    public private(set) var clocksTaken = 0
    public private(set) var clocksIgnored = 0

    public init(ledger: LabLedger, keys: KeyRegistryLookup, mirror: LabMirror?) {
        self.ledger = ledger; self.keys = keys; self.mirror = mirror
    }

    /// The authenticated workstation and its attempt, once welcomed.
    public var authenticated: (workstation: String, attempt: String)? {
        if case let .streaming(w, a) = phase { return (w, a) }
        return nil
    }

    public func receive(_ m: LabClientMessage, arrived: Date) -> [LabServerMessage] {
        guard !closed else { return [LabStreamError(.protocolError, "the session is closed").serverMessage] }
        do {
            return try handle(m, arrived: arrived)
        } catch let e as LabStreamError {
            if e.fatal { closed = true }
            return [e.serverMessage]
        } catch {
            closed = true
            return [LabStreamError(.internal, "internal error on the server (its store): try again").serverMessage]
        }
    }

    /// A raw text frame: decoded (malformed or oversized → error, fatal) and handled.
    public func receive(frame: String, arrived: Date) -> [LabServerMessage] {
        switch LabProtocol.decodeClient(frame) {
        case .success(let m): return receive(m, arrived: arrived)
        case .failure(let e): closed = true; return [e.serverMessage]
        }
    }

    func handle(_ m: LabClientMessage, arrived: Date) throws -> [LabServerMessage] {
        if case let .clock(tick) = m {
            clock(tick: tick, arrived: arrived)
            return []
        }
        switch (phase, m) {
        case let (.start, .hello(w, a)):
            guard WorkstationKey.validId(w) else { throw LabStreamError(.unknownKey, "the hello does not name a valid workstation id") }
            guard !a.isEmpty, a.utf8.count <= 128, a.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
                throw LabStreamError(.unknownAttempt, "the hello does not name a valid attempt id (printable ASCII, at most 128 bytes)")
            }
            var g = SystemRandomNumberGenerator()
            let nonce = (0..<4).map { _ in String(format: "%016llx", g.next() as UInt64) }.joined()
            phase = .challenged(workstation: w, attempt: a, nonce: nonce)
            return [.challenge(nonce: nonce)]
        case let (.challenged(w, a, nonce), .proof(sig)):
            func refuse(_ e: LabStreamError) throws -> Never {
                try? ledger.withStore { try $0.audit(actor: w, action: LabAuditAction.streamRefused.rawValue, subject: a, detail: e.description) }
                throw e
            }
            switch keys.keyStatus(workstation: w, at: arrived) {
            case .unknown: try refuse(LabStreamError(.unknownKey, "workstation '\(w)' has no registered key"))
            case .revoked(let at): try refuse(LabStreamError(.revokedKey, "workstation '\(w)''s key was revoked at \(at)"))
            case .active(let key):
                guard key.isValidSignature(sig, for: LabProtocol.proofMessage(nonce: nonce, attempt: a)) else {
                    try refuse(LabStreamError(.badProof, "the proof is not workstation '\(w)''s signature of the challenge"))
                }
            }
            guard let assignment = try ledger.assignment(a) else {
                try refuse(LabStreamError(.unknownAttempt, "attempt '\(a)' was not issued by this server"))
            }
            guard assignment.workstation == w else {
                try refuse(LabStreamError(.notYourAttempt, "attempt '\(a)' is assigned to another workstation"))
            }
            if try ledger.isVoided(a) {
                try refuse(LabStreamError(.voided, "attempt '\(a)' was voided by the instructor"))
            }
            phase = .streaming(workstation: w, attempt: a)
            let acked = try ledger.acked(a)
            mirror?.catchUp(attempt: a, ledger: ledger)
            return [.welcome(attempt: a, acked: acked)]
        case let (.streaming(w, a), .line(seq, text)):
            let r = try ledger.append(attempt: a, workstation: w, seq: seq, text: text, arrived: arrived)
            switch r {
            case .stored(let s): mirror?.feed(attempt: a, seq: s, text: text, ledger: ledger)
            case .finished(let s, _): mirror?.feed(attempt: a, seq: s, text: text, ledger: ledger)
            case .duplicate: break
            }
            switch r { case .stored(let s), .duplicate(let s), .finished(let s, _): return [.ack(seq: s)] }
        default:
            let kind: String
            switch m {
            case .hello: kind = "hello"; case .proof: kind = "proof"; case .line(let seq, _): kind = "line (seq \(seq))"
            case .clock: kind = "clock"
            }
            let expected: String
            switch phase { case .start: expected = "hello"; case .challenged: expected = "proof"; case .streaming: expected = "line" }
            throw LabStreamError(.protocolError, "unexpected \(kind) message: expected \(expected)")
        }
    }

    /// A clock frame: never answered and never an error that ends the stream. Before the welcome,
    /// behind the mirror, beyond the time limit, or more than `maxClocksPerSecond` in a second: ignored.
    func clock(tick: Int64, arrived: Date) {
        guard case let .streaming(_, a) = phase, let mirror else { clocksIgnored += 1; return }
        recentClocks.removeAll { arrived.timeIntervalSince($0) >= 1 || arrived < $0 }
        guard recentClocks.count < Self.maxClocksPerSecond else { clocksIgnored += 1; return }
        recentClocks.append(arrived)
        if mirror.clock(attempt: a, tick: tick) { clocksTaken += 1 } else { clocksIgnored += 1 }
    }
}
