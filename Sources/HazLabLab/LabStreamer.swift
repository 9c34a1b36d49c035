import Foundation
import HazLabRecords

/// A connection to the lab server carrying stream messages (a WebSocket in the viewer; in memory in tests).
public protocol LabTransport: AnyObject {
    func send(_ m: LabClientMessage) throws
    /// The next server message; blocks until one comes; throws when the connection is gone.
    func receive() throws -> LabServerMessage
    /// A server message already received, without waiting (nil: none now); throws when the
    /// connection is gone. Instructor commands come unasked: the streamer polls for them.
    func poll() throws -> LabServerMessage?
}

extension LabTransport {
    /// A transport that cannot peek never has a message waiting.
    public func poll() throws -> LabServerMessage? { nil }
}

public struct LabTransportClosed: Error, CustomStringConvertible, Sendable {
    public init() {}
    public var description: String { "the connection to the lab server is closed" }
}

/// The workstation's side of the stream. It tails the local journal that a `JournalWriter` is
/// appending to (the writer fsyncs each line; the local file stays the source of truth), and sends
/// every complete line after the server's last acknowledged one. After a cut, a server restart or
/// a workstation crash, `connect` on a new transport learns `welcome.acked` and streaming resumes
/// from acked + 1: nothing lost, nothing sent twice that the server keeps twice.
public final class LabStreamer {
    public let journalPath: String
    public let workstation: String
    public let attempt: String
    let key: WorkstationKey
    /// Highest seq the server acknowledged (-1: none).
    public private(set) var acked = -1
    /// The trailer is acknowledged: the server holds the whole journal.
    public private(set) var done = false
    /// Lines sent (counting resends): for tests and metrics.
    public private(set) var sent = 0
    /// Clock frames sent: for tests.
    public private(set) var clocksSent = 0
    /// Called (on the streamer's thread) with each instructor command the server sends: after
    /// every welcome for those not yet journaled, and at once for new ones. The same id may come
    /// more than once; the workstation journals each id once.
    public var onCommand: ((LabCommandFrame) -> Void)?

    public init(journalPath: String, workstation: String, attempt: String, key: WorkstationKey) {
        self.journalPath = journalPath; self.workstation = workstation; self.attempt = attempt; self.key = key
    }

    /// hello → challenge → proof → welcome; returns the server's acked seq.
    @discardableResult
    public func connect(_ t: LabTransport) throws -> Int {
        try t.send(.hello(workstation: workstation, attempt: attempt))
        guard case let .challenge(nonce) = try expect(t) else { throw LabStreamError(.protocolError, "expected a challenge") }
        let sig = try key.sign(LabProtocol.proofMessage(nonce: nonce, attempt: attempt)).base64EncodedString()
        try t.send(.proof(signature: sig))
        guard case let .welcome(a, k) = try expect(t), a == attempt else { throw LabStreamError(.protocolError, "expected a welcome for \(attempt)") }
        acked = k
        return k
    }

    /// Complete (newline-terminated) lines of the local journal, in order; a torn last line is left for later.
    public func localLines() throws -> [String] {
        guard let data = FileManager.default.contents(atPath: journalPath) else {
            throw LabStreamError(.internal, "\(journalPath): cannot read the journal")
        }
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        lines.removeLast()   // after the last newline: empty, or a line still being written
        return lines.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Sends every complete local line after `acked` and waits for their answers; returns the new
    /// acked. Lines are pipelined: each line sent gets exactly one answer, so a round reads as
    /// many answers as it sent. A `gap` answer (the server missed a line) is not fatal: the next
    /// round resends from acked + 1. A round that makes no progress is an error.
    @discardableResult
    public func pump(_ t: LabTransport) throws -> Int {
        let lines = try localLines()
        while acked + 1 < lines.count {
            let from = acked + 1, last = lines.count - 1
            for seq in from...last { try t.send(.line(seq: seq, text: lines[seq])); sent += 1 }
            var lastGap = ""
            for _ in from...last {
                switch try expect(t) {
                case .ack(let s): if s == acked + 1 { acked = s }
                case .error(_, let message, _): lastGap = message   // not fatal (expect throws on fatal)
                default: throw LabStreamError(.protocolError, "unexpected message while streaming")
                }
            }
            if acked < from { throw LabStreamError(.gap, "no progress from line \(from): \(lastGap)", fatal: false) }
        }
        if acked == lines.count - 1, let l = lines.last, l.contains("\"type\":\"trailer\"") { done = true }
        return acked
    }

    /// Tells the server the workstation's tick (`{"type":"clock"}`; no answer comes). Call it only
    /// after a `pump` that sent every line written before the session reached `tick`: the server's
    /// mirror then steps up to `tick` while the student is idle.
    public func clock(_ t: LabTransport, tick: Int64) throws {
        try t.send(.clock(tick: tick))
        clocksSent += 1
    }

    /// Takes every server message already waiting (commands; a fatal error throws), without blocking.
    public func poll(_ t: LabTransport) throws {
        while let m = try t.poll() {
            switch m {
            case .command(let c): onCommand?(c)
            case let .error(code, message, true): throw LabStreamError(LabErrorCode(rawValue: code) ?? .internal, message, fatal: true)
            default: break   // nothing else comes unasked
            }
        }
    }

    /// The next answer; instructor commands met on the way go to `onCommand`.
    private func expect(_ t: LabTransport) throws -> LabServerMessage {
        while true {
            let m = try t.receive()
            if case .command(let c) = m { onCommand?(c); continue }
            if case let .error(code, message, fatal) = m, fatal {
                throw LabStreamError(LabErrorCode(rawValue: code) ?? .internal, message, fatal: true)
            }
            return m
        }
    }
}

/// A transport straight into a `LabStreamSession` (tests, and a server talking to itself). `cut()`
/// drops the connection: later calls throw, as a closed socket would.
public final class InMemoryLabTransport: LabTransport {
    let session: LabStreamSession
    var inbox: [LabServerMessage] = []
    public private(set) var isCut = false
    /// The arrival time the session records (tests set it to simulate pace).
    public var clock: () -> Date = Date.init
    /// Cut the connection after this many more sends (nil: never): a cut mid-stream.
    public var cutAfterSends: Int?
    /// Deliver the `line` frame with this seq after the next one, once (out-of-order delivery, for
    /// tests: the server answers the early one with `gap`).
    public var delayLine: Int?
    private var held: LabClientMessage?

    public init(session: LabStreamSession) { self.session = session }
    public func cut() { isCut = true }

    public func send(_ m: LabClientMessage) throws {
        guard !isCut else { throw LabTransportClosed() }
        if let n = cutAfterSends { if n <= 0 { isCut = true; throw LabTransportClosed() }; cutAfterSends = n - 1 }
        if case let .line(seq, _) = m, seq == delayLine { delayLine = nil; held = m; return }
        // Through the wire format, so the JSON coding is exercised too.
        inbox += session.receive(frame: LabProtocol.encode(m), arrived: clock())
        if let h = held { held = nil; inbox += session.receive(frame: LabProtocol.encode(h), arrived: clock()) }
    }
    public func receive() throws -> LabServerMessage {
        guard !isCut, !inbox.isEmpty else { throw LabTransportClosed() }
        let m = inbox.removeFirst()
        return try LabProtocol.decodeServer(LabProtocol.encode(m))
    }
    public func poll() throws -> LabServerMessage? {
        guard !isCut else { throw LabTransportClosed() }
        return inbox.isEmpty ? nil : try receive()
    }
    /// A server message pushed outside any answer (an instructor command), as the server would.
    public func push(_ m: LabServerMessage) { inbox.append(m) }
}
