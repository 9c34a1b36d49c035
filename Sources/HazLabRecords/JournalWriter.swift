import Foundation
import HazLabCore

/// Low-level file helpers for crash-safe journals.
enum JournalFile {
    static func writeAll(fd: Int32, _ bytes: [UInt8], path: String) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw JournalIssue(path: path, line: 1, column: 1, message: "cannot write: \(String(cString: strerror(errno)))")
            }
            off += n
        }
    }

    static func sync(fd: Int32, path: String) throws {
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw JournalIssue(path: path, line: 1, column: 1, message: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    /// fsyncs the folder holding `path`, so a newly created file's directory entry is durable.
    static func syncDirectory(of path: String) {
        let dir = (path as NSString).deletingLastPathComponent
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }
}

/// Writes a format-2 journal as the attempt happens: the header when created, then each action
/// on its own line, then the signed trailer. Every line is written with one `write` and fsync'd
/// before the call returns, and earlier bytes are never rewritten, so after a crash the file
/// holds every acknowledged line and at most one torn line after them (`JournalRecovery`).
public final class JournalWriter {
    public let path: String
    private var fd: Int32
    private var prev: String
    public private(set) var actionCount = 0
    private var lastTick: Int64 = 0
    public private(set) var finished = false
    /// Crash tests only: when > 0, each line is written in two `write`s with this pause (µs)
    /// between them, so a kill can leave a torn line as a power loss would.
    public var tearTestPauseMicros: UInt32 = 0

    /// Creates `path` (it must not exist; mode 0600 by default), writes `header` as format 2
    /// and syncs it and its folder.
    public init(path: String, header: Journal.Header, mode: mode_t = 0o600) throws {
        var h = header
        h.format = Journal.formatVersion
        guard !h.attempt.isEmpty else { throw JournalIssue(path: path, line: 1, column: 1, message: "header: a journal needs an attempt id") }
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw JournalIssue(path: path, line: 1, column: 1, message: "cannot create the journal: \(String(cString: strerror(errno)))")
        }
        let line = Journal.headerLine(h)
        prev = JournalChain.hash(line)
        do {
            try JournalFile.writeAll(fd: fd, Array((line + "\n").utf8), path: path)
            try JournalFile.sync(fd: fd, path: path)
        } catch { close(fd); fd = -1; throw error }
        JournalFile.syncDirectory(of: path)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends one action and fsyncs. Ticks must not go back.
    public func append(_ action: Action) throws {
        guard !finished, fd >= 0 else { throw JournalIssue(path: path, line: 1, column: 1, message: "journal already finished") }
        guard action.tick >= lastTick else {
            throw JournalIssue(path: path, line: 1, column: 1, message: "action tick \(action.tick) goes back in time (previous \(lastTick))")
        }
        let line = Journal.line(for: action, prev: prev)
        let bytes = Array((line + "\n").utf8)
        if tearTestPauseMicros > 0 {
            let half = bytes.count / 2
            try JournalFile.writeAll(fd: fd, Array(bytes[..<half]), path: path)
            usleep(tearTestPauseMicros)
            try JournalFile.writeAll(fd: fd, Array(bytes[half...]), path: path)
        } else {
            try JournalFile.writeAll(fd: fd, bytes, path: path)
        }
        try JournalFile.sync(fd: fd, path: path)
        prev = JournalChain.hash(line)
        lastTick = action.tick
        actionCount += 1
    }

    /// Writes the trailer, signed with `signer` (unsigned when nil), fsyncs and closes.
    /// `stateHash` is in `hashFormat` (the current format unless a caller says otherwise).
    public func finish(endTick: Int64, stateHash: String, hashFormat: Int = StateHashFormat.current,
                       signer: (any JournalSigner)?) throws {
        guard !finished, fd >= 0 else { throw JournalIssue(path: path, line: 1, column: 1, message: "journal already finished") }
        let t = Journal.Trailer(endTick: endTick, stateHash: stateHash, actions: actionCount, hashFormat: hashFormat)
        let line = try Journal.trailerLine(t, prev: prev, signer: signer)
        try JournalFile.writeAll(fd: fd, Array((line + "\n").utf8), path: path)
        try JournalFile.sync(fd: fd, path: path)
        close(fd); fd = -1
        finished = true
    }
}

/// Repairs a journal left by a crash: keeps the longest prefix of whole lines that parse and,
/// in a format-2 journal, whose chain holds; moves the rest (the torn tail) to `FILE.torn`
/// and truncates the file to the prefix. It never rewrites the bytes it keeps.
public enum JournalRecovery {
    public struct Report: Sendable {
        public var path: String
        /// Lines and actions kept.
        public var keptLines: Int
        public var actions: Int
        /// Bytes removed (saved in `tornPath`), 0 when the journal was intact.
        public var removedBytes: Int
        /// Whole (newline-terminated) lines removed: more than a crash leaves, so possibly tampering.
        public var removedWholeLines: Int
        public var tornPath: String?
        /// The kept journal has a trailer.
        public var complete: Bool
        public var reason: String
    }

    /// The byte length of the longest valid prefix, and what it holds.
    public static func validPrefix(bytes: [UInt8], path: String) -> (length: Int, lines: Int, actions: Int, complete: Bool, reason: String)? {
        let layout = JournalLayout(path: path, bytes: bytes)
        var end = 0, kept = 0, actions = 0, complete = false, format = 1
        var prev: String?
        var reason = "intact"
        var offset = 0
        for n in stride(from: 1, through: layout.lineCount, by: 1) {
            let raw = layout.bytes(line: n)
            let lineEnd = offset + raw.count + 1
            defer { offset = lineEnd }
            guard lineEnd <= bytes.count else { reason = "line \(n) is torn (no newline)"; break }
            guard let v = try? JSONText.parse(Array(raw)), let type = v["type"]?.string else { reason = "line \(n) is not a JSON line"; break }
            if n == 1 {
                guard type == "header", let f = v["format"]?.numberText.flatMap(Int.init) else { return nil }
                format = f
            } else {
                if complete { reason = "line \(n) follows the trailer"; break }
                if format >= 2 {
                    guard v["prev"]?.string == prev else { reason = "line \(n) breaks the chain"; break }
                }
                if type == "action" { actions += 1 } else if type == "trailer" { complete = true } else { reason = "line \(n) has an unknown type"; break }
            }
            prev = JournalChain.hash(raw)
            end = lineEnd; kept = n
        }
        // The kept prefix must parse as a journal (ticks in order, trailer count …); else cut more.
        // No size limits here: recovery must never cut recorded actions for being many.
        while kept > 0 {
            if (try? Journal.parseWithLayout(bytes: Array(bytes[..<end]), path: path, limits: .unlimited)) != nil { break }
            let l = JournalLayout(path: path, bytes: Array(bytes[..<end]))
            end -= l.bytes(line: kept).count + 1
            kept -= 1
            reason = "line \(kept + 1) does not parse as part of the journal"
            complete = false
        }
        if kept == 0 { return nil }
        if let j = try? Journal.parseWithLayout(bytes: Array(bytes[..<end]), path: path, limits: .unlimited) { actions = j.journal.actions.count; complete = j.journal.trailer != nil }
        return (end, kept, actions, complete, reason)
    }

    public static func recover(path: String) throws -> Report {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JournalIssue(path: path, line: 1, column: 1, message: "cannot read journal")
        }
        let bytes = [UInt8](data)
        guard let p = validPrefix(bytes: bytes, path: path) else {
            throw JournalIssue(path: path, line: 1, column: 1, message: "no readable header: nothing to recover")
        }
        var report = Report(path: path, keptLines: p.lines, actions: p.actions, removedBytes: bytes.count - p.length,
                            removedWholeLines: 0, tornPath: nil, complete: p.complete, reason: p.reason)
        guard p.length < bytes.count else { return report }
        let tail = Array(bytes[p.length...])
        report.removedWholeLines = tail.filter { $0 == 0x0A }.count
        // FILE.torn, or FILE.torn.2, .3 … so an earlier recovery's tail is never overwritten.
        var tornPath = path + ".torn"
        var k = 2
        while FileManager.default.fileExists(atPath: tornPath) { tornPath = path + ".torn.\(k)"; k += 1 }
        // Save the tail first (durably), then cut: a crash in between loses nothing.
        try Data(tail).write(to: URL(fileURLWithPath: tornPath), options: .atomic)
        let tfd = open(tornPath, O_RDONLY)
        if tfd >= 0 { _ = fsync(tfd); close(tfd) }
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw JournalIssue(path: path, line: 1, column: 1, message: "cannot open for repair: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard ftruncate(fd, off_t(p.length)) == 0 else {
            throw JournalIssue(path: path, line: 1, column: 1, message: "cannot truncate: \(String(cString: strerror(errno)))")
        }
        try JournalFile.sync(fd: fd, path: path)
        report.tornPath = tornPath
        return report
    }
}
