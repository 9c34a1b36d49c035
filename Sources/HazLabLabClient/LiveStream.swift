import Foundation
import HazLabLab
import HazLabRecords

/// Streams one attempt's journal to the server on a thread of its own while the student works:
/// a `LabStreamer` over a `WebSocketLabTransport`, pumping every line the `JournalWriter` has
/// fsync'd; after a cut it reconnects with backoff (0.25 s doubling to 5 s) and resumes from the
/// server's acknowledged line. The GL thread only reads `status`.
public final class LabLiveStream: @unchecked Sendable {
    public enum Connection: String, Sendable { case connecting, online, reconnecting, refused, done }
    public struct Status: Sendable, Equatable {
        public var connection: Connection
        /// Complete local lines not yet acknowledged by the server.
        public var unsynced: Int
        public var acked: Int
        /// Last problem (a cut, a refusal), for the log and the HUD.
        public var problem: String?
    }

    public let journalPath: String
    public let attempt: String
    let workstation: String
    let key: WorkstationKey
    let makeTransport: @Sendable () -> LabTransport
    private let cond = NSCondition()
    private var _status = Status(connection: .connecting, unsynced: 0, acked: -1, problem: nil)
    private var stopping = false
    private var finished = false
    private var _connections = 0
    private var commandInbox: [LabCommandFrame] = []
    /// The session's tick, as the GL thread last reported it (-1: none yet).
    private var sessionTick: Int64 = -1
    /// Wall seconds between clock frames while the attempt runs (Docs/lab.md, "Clock").
    public var clockInterval: Double = 1
    /// Connections made (1 + reconnects): tests and the log.
    public var connections: Int { cond.lock(); defer { cond.unlock() }; return _connections }

    public init(journalPath: String, attempt: String, key: WorkstationKey, makeTransport: @escaping @Sendable () -> LabTransport) {
        self.journalPath = journalPath; self.attempt = attempt; self.key = key; workstation = key.keyId
        self.makeTransport = makeTransport
    }

    public convenience init(journalPath: String, attempt: String, key: WorkstationKey, endpoint: LabEndpoint) {
        self.init(journalPath: journalPath, attempt: attempt, key: key, makeTransport: { WebSocketLabTransport(endpoint: endpoint) })
    }

    public var status: Status { cond.lock(); defer { cond.unlock() }; return _status }
    /// The thread has ended (trailer acknowledged, refused, or stopped).
    public var isFinished: Bool { cond.lock(); defer { cond.unlock() }; return finished }

    public func start() {
        let t = Thread { [self] in run() }
        t.name = "hazlab-stream"
        t.start()
    }

    /// Instructor commands received since the last call (oldest first; an id may repeat after a
    /// reconnect: the session takes each once). The GL thread applies them at its next tick.
    public func takeCommands() -> [LabCommandFrame] {
        cond.lock(); defer { cond.unlock() }
        let out = commandInbox
        commandInbox.removeAll()
        return out
    }

    /// The session has reached `tick`, and every line stamped before it is written (the GL thread
    /// calls it each frame). About once a second the stream thread sends it as a clock frame,
    /// after the lines, so the teacher station's mirror moves on while the student is idle.
    public func clock(_ tick: Int64) { cond.lock(); if tick > sessionTick { sessionTick = tick }; cond.unlock() }

    /// A line was written: pump now instead of at the next poll.
    public func nudge() { cond.lock(); cond.broadcast(); cond.unlock() }

    /// Asks the thread to end (logout, window closed) and waits for it, up to `seconds`.
    public func stop(waitSeconds: Double = 5) {
        cond.lock()
        stopping = true
        cond.broadcast()
        let deadline = Date().addingTimeInterval(waitSeconds)
        while !finished && cond.wait(until: deadline) {}
        cond.unlock()
    }

    private func update(_ f: (inout Status) -> Void) { cond.lock(); f(&_status); cond.unlock() }
    private var shouldStop: Bool { cond.lock(); defer { cond.unlock() }; return stopping }
    /// Waits up to `seconds` or until nudged / stopped.
    private func pause(_ seconds: Double) {
        cond.lock()
        if !stopping { _ = cond.wait(until: Date().addingTimeInterval(seconds)) }
        cond.unlock()
    }

    /// Backoff: nudges do not shorten it (a busy UI nudging every frame would turn it into a spin).
    private func sleepUnlessStopped(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        cond.lock()
        while !stopping && cond.wait(until: deadline) {}
        cond.unlock()
    }

    func localCount(_ s: LabStreamer) -> Int { (try? s.localLines().count) ?? 0 }

    private func run() {
        let streamer = LabStreamer(journalPath: journalPath, workstation: workstation, attempt: attempt, key: key)
        streamer.onCommand = { [self] c in cond.lock(); commandInbox.append(c); cond.unlock() }
        var backoff = 0.25
        defer { cond.lock(); finished = true; cond.broadcast(); cond.unlock() }
        while !shouldStop {
            let t = makeTransport()
            defer { (t as? WebSocketLabTransport)?.close() }
            do {
                update { _ in _connections += 1 }
                try streamer.connect(t)
                update { $0.connection = .online; $0.acked = streamer.acked; $0.problem = nil }
                backoff = 0.25
                var sentClock: Int64 = -1
                var lastClock = Date.distantPast
                while true {
                    // The tick is read before the journal: every line stamped before it is in the
                    // file now, so the pump below sends it ahead of the clock frame.
                    let tick: Int64 = { cond.lock(); defer { cond.unlock() }; return sessionTick }()
                    try streamer.pump(t)
                    try streamer.poll(t)
                    if !streamer.done, tick > sentClock, Date().timeIntervalSince(lastClock) >= clockInterval {
                        try streamer.clock(t, tick: tick)
                        sentClock = tick; lastClock = Date()
                    }
                    let local = localCount(streamer)
                    update { $0.acked = streamer.acked; $0.unsynced = max(0, local - streamer.acked - 1) }
                    if streamer.done { update { $0.connection = .done; $0.unsynced = 0 }; return }
                    if shouldStop { return }
                    pause(0.05)
                }
            } catch let e as LabStreamError where e.fatal {
                // The server refuses this stream for good (fork, header, revoked key …): stop; the
                // local journal stays, and `--sync` or the instructor deals with it.
                let local = localCount(streamer)
                update { $0.connection = .refused; $0.problem = "\(e)"; $0.unsynced = max(0, local - streamer.acked - 1) }
                return
            } catch {
                let local = localCount(streamer)
                update { $0.connection = .reconnecting; $0.problem = "\(error)"; $0.unsynced = max(0, local - streamer.acked - 1) }
                if case .untrusted? = error as? LabClientError {
                    update { $0.connection = .refused }
                    return
                }
                sleepUnlessStopped(backoff)
                backoff = min(backoff * 2, 5)
            }
        }
    }
}

/// `.synced` next to the journals: one line per journal the server holds, `FILE<TAB>ATTEMPT`
/// (the server's attempt id). Appended with fsync; read on every sync.
public struct LabSyncLedger {
    public let dir: String
    public var path: String { (dir as NSString).appendingPathComponent(".synced") }
    public init(dir: String) { self.dir = dir }

    public func entries() -> [String: String] {
        guard let d = FileManager.default.contents(atPath: path) else { return [:] }
        var out: [String: String] = [:]
        for line in String(decoding: d, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: "\t", maxSplits: 1).map(String.init)
            if f.count == 2 { out[f[0]] = f[1] }
        }
        return out
    }

    public func record(file: String, attempt: String) throws {
        let name = (file as NSString).lastPathComponent
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data("\(name)\t\(attempt)\n".utf8))
        try h.synchronize()
    }
}

/// `hazlab-viewer --sync`: uploads every finished journal in the folder that the ledger does not
/// list. One bad file never blocks the others: each gets its own line, and the result says which failed.
public enum LabSync {
    public struct Outcome: Sendable { public var uploaded = 0, already = 0, unfinished = 0; public var failed: [String] = [] }

    public static func run(dir: String, client: LabWorkstationClient, progress: (String) -> Void) -> Outcome {
        var out = Outcome()
        let ledger = LabSyncLedger(dir: dir)
        let known = ledger.entries()
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
        for name in files {
            let path = (dir as NSString).appendingPathComponent(name)
            if let a = known[name] { out.already += 1; progress("\(name): already on the server (\(a))"); continue }
            guard let data = FileManager.default.contents(atPath: path) else {
                out.failed.append(name); progress("\(name): error: cannot read the file"); continue
            }
            let journal: Journal
            do { journal = try Journal.parse(data: data, path: path) } catch {
                out.failed.append(name); progress("\(name): error: \(error)"); continue
            }
            guard journal.trailer != nil else { out.unfinished += 1; progress("\(name): not finished (no trailer), left for later"); continue }
            do {
                let r = try client.upload(journal: [UInt8](data))
                try ledger.record(file: name, attempt: r.attempt)
                // A duplicate (the server already had these bytes) was not uploaded now: counted as already there.
                if r.duplicate { out.already += 1 } else { out.uploaded += 1 }
                progress("\(name): \(r.duplicate ? "already on the server (\(r.attempt))" : "uploaded as \(r.attempt)")\(r.flagged ? " — flagged for the instructor" : "")")
            } catch {
                out.failed.append(name); progress("\(name): error: \(error)")
                if case .unreachable? = error as? LabClientError { continue }
            }
        }
        return out
    }
}
