import Foundation
import HazLabCore

/// An attempt journal (JSON Lines): a header, one line per action, then a trailer.
///
///     {"type":"header","format":1,"engine":"0.1.0","scenario":"tank-filling","scenarioSHA256":"…","seed":7,"mode":"exam","student":"s001","workstation":"ws-01"}
///     {"type":"action","tick":120,"verb":"wear","target":"helmet"}
///     {"type":"action","tick":300,"verb":"set","target":"XV101","value":0.5}
///     {"type":"action","tick":812,"verb":"instructor-fault","target":"cw_pump_trip","by":"teacher","cmd":17}
///     {"type":"trailer","endTick":4200,"stateHash":"0123456789abcdef","hashFormat":2,"actions":2}
///
/// A journal without a trailer is incomplete (the workstation stopped) but replays.
public struct Journal: Sendable, Hashable {
    public struct Header: Sendable, Hashable {
        /// 1 by default (legacy, unchained), so existing callers keep their bytes;
        /// `JournalWriter` and `hazlab test --update` write `Journal.formatVersion` (2).
        public var format: Int = Journal.legacyFormat
        public var engine: String = HazLabVersion.engine
        public var scenario: String
        public var scenarioSHA256: String
        public var seed: UInt64
        public var mode: String = "practice"
        public var student: String = ""
        public var workstation: String = ""
        /// Attempt id (unique per attempt); empty in journals that predate it. Required in format 2.
        public var attempt: String = ""
        /// Format 2: the workstation's wall-clock start, ISO 8601 UTC with milliseconds
        /// ("2026-11-29T08:30:00.000Z"). The core never reads it; exports derive timestamps from it.
        public var started: String = ""
        /// Format 2: id of the workstation key that signs the trailer (see Docs/journals.md).
        public var key: String = ""
        /// A backtrack (teaching, Docs/journals.md): the attempt this one continues from (empty: none).
        /// Written only when set, after `key`, with `fromTick`.
        public var from: String = ""
        /// A backtrack: the tick of `from` the student continued at; the actions before it are
        /// `from`'s own, copied at their ticks. Nil when `from` is empty.
        public var fromTick: Int64? = nil
        public init(scenario: String, scenarioSHA256: String, seed: UInt64, mode: String = "practice",
                    student: String = "", workstation: String = "") {
            self.scenario = scenario; self.scenarioSHA256 = scenarioSHA256; self.seed = seed
            self.mode = mode; self.student = student; self.workstation = workstation
        }
    }

    public struct Trailer: Sendable, Hashable {
        public var endTick: Int64
        public var stateHash: String
        public var actions: Int
        /// Format 2: base64 Ed25519 signature of the trailer line without its `sig` member;
        /// empty when unsigned (format 1, or a trailer written without a key).
        public var signature: String = ""
        /// The format `stateHash` was computed in (`StateHashFormat`); 1 when the trailer has
        /// no `hashFormat` member (journals recorded before format 2).
        public var hashFormat: Int = StateHashFormat.legacy
        public init(endTick: Int64, stateHash: String, actions: Int, signature: String = "",
                    hashFormat: Int = StateHashFormat.legacy) {
            self.endTick = endTick; self.stateHash = stateHash; self.actions = actions; self.signature = signature
            self.hashFormat = hashFormat
        }
    }

    /// The format written by default: 2, hash-chained and signed (Docs/journals.md).
    public static let formatVersion = 2
    public static let legacyFormat = 1
    /// Formats this reader accepts: 1 (legacy: unchained, unsigned) and 2.
    public static let supportedFormats = [1, 2]
    /// The journal-only verb for a hint request; its target is a procedure step id.
    public static let hintVerb = "hint"

    public var header: Header
    public var actions: [Action]
    public var trailer: Trailer?
    /// Lines that were dropped when reading (a torn last line), with their reasons.
    public var warnings: [JournalIssue] = []

    public init(header: Header, actions: [Action] = [], trailer: Trailer? = nil) {
        self.header = header; self.actions = actions; self.trailer = trailer
    }

    public var isComplete: Bool { trailer != nil }
}

public enum HazLabVersion {
    /// 0.2.0: state hash format 2 (`StateHashFormat`).
    public static let engine = "0.2.0"
}

/// A problem at a position in a journal file.
public struct JournalIssue: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var column: Int
    public var message: String
    /// The journal breaks a `JournalLimits` bound (it may be valid otherwise).
    public var isOverLimit = false
    public var description: String { "\(path):\(line):\(column): error: \(message)" }

    public init(path: String, line: Int, column: Int, message: String, isOverLimit: Bool = false) {
        self.path = path; self.line = line; self.column = column; self.message = message; self.isOverLimit = isOverLimit
    }
}

/// How big a journal may be before it is refused unread (bytes) or mid-parse (actions), so a
/// hostile or runaway journal cannot exhaust a grading server's memory and time. A real
/// 25-minute attempt is a few hundred actions and well under 1 MB (Docs/journals.md, "Limits").
public struct JournalLimits: Sendable, Hashable {
    public var maxBytes: Int
    public var maxActions: Int
    public static let defaultMaxBytes = 32 << 20
    public static let defaultMaxActions = 100_000
    public static let standard = JournalLimits()
    public static let unlimited = JournalLimits(maxBytes: .max, maxActions: .max)

    public init(maxBytes: Int = JournalLimits.defaultMaxBytes, maxActions: Int = JournalLimits.defaultMaxActions) {
        self.maxBytes = maxBytes; self.maxActions = maxActions
    }

    /// The error for a file of `size` bytes, or nil when it is within the limit.
    public func sizeIssue(path: String, size: Int) -> JournalIssue? {
        guard size > maxBytes else { return nil }
        return JournalIssue(path: path, line: 1, column: 1,
                            message: "journal is \(size) bytes, over the limit of \(maxBytes) bytes (--max-journal-bytes raises it)",
                            isOverLimit: true)
    }

    /// Reads the regular file at `path` when it is within `maxBytes`: the size is checked before
    /// anything is read, and the bytes are read once, straight into the array. A FIFO or device
    /// is refused rather than waited on.
    public func readBytes(path: String) throws -> [UInt8] {
        func fail(_ why: String) -> JournalIssue { JournalIssue(path: path, line: 1, column: 1, message: why) }
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw fail("cannot read journal: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fail("cannot read journal: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw fail("cannot read journal: not a regular file") }
        let size = Int(st.st_size)
        if let issue = sizeIssue(path: path, size: size) { throw issue }
        var out = [UInt8](repeating: 0, count: size)
        var got = 0
        while got < size {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, size - got) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw fail("cannot read journal: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            got += n
        }
        // Shrunk since the stat: keep what is there. Grown: over the limit is still refused.
        if got < size { out.removeLast(size - got) }
        var extra: UInt8 = 0
        if got == size, read(fd, &extra, 1) == 1 {
            if let issue = sizeIssue(path: path, size: size + 1) { throw issue }
            throw fail("cannot read journal: it grew while being read (is the workstation still writing it?)")
        }
        return out
    }
}

extension Journal {
    public static func read(path: String, limits: JournalLimits = .standard) throws -> Journal {
        try parseWithLayout(bytes: limits.readBytes(path: path), path: path, limits: limits).journal
    }

    /// Parses a journal. Every action before a torn (unterminated, unparsable) last line is kept.
    public static func parse(data: Data, path: String, limits: JournalLimits = .standard) throws -> Journal {
        if let issue = limits.sizeIssue(path: path, size: data.count) { throw issue }
        return try parseWithLayout(bytes: [UInt8](data), path: path, limits: limits).journal
    }

    /// Parses a journal and says where each of its parts sits in the file, so that later checks
    /// (the grader's) can point at a line and column. Errors carry the column of the offending
    /// value (or of the JSON syntax error) where there is one. Past `limits.maxActions` actions it
    /// stops with an error at the first action over the limit.
    public static func parseWithLayout(bytes: [UInt8], path: String,
                                       limits: JournalLimits = .standard) throws -> (journal: Journal, layout: JournalLayout) {
        if let issue = limits.sizeIssue(path: path, size: bytes.count) { throw issue }
        var layout = JournalLayout(path: path, bytes: bytes)

        func fail(_ line: Int, _ message: String, column: Int = 1) -> JournalIssue {
            JournalIssue(path: path, line: line, column: column, message: message)
        }
        func fail(_ line: Int, _ message: String, key: String) -> JournalIssue {
            JournalIssue(path: path, line: line, column: layout.column(ofValue: key, line: line), message: message)
        }

        var header: Header?
        var actions: [Action] = []
        var trailer: Trailer?
        var warnings: [JournalIssue] = []
        var lastTick: Int64 = 0
        let count = layout.lineCount
        lines: for n in stride(from: 1, through: count, by: 1) {
            let raw = layout.bytes(line: n)
            if raw.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let object: JournalObject
            switch JournalObject.parse(raw) {
            case .success(let o):
                object = o
            case .failure(let e):
                if n == count && !layout.lastLineTerminated {
                    // Column 1 here: `hazlab run` prints this warning and its position is pinned;
                    // `JournalLayout.syntaxError(line:)` gives the column where the line breaks off.
                    warnings.append(fail(n, "torn last line dropped (the workstation stopped mid-write)"))
                    layout.tornLine = n
                    break lines
                }
                switch e {
                case .notAnObject: throw fail(n, "expected a JSON object")
                case .syntax(let e): throw fail(n, "invalid JSON: \(e.message)", column: layout.column(line: n, byteOffset: e.offset))
                case .numberOutOfRange(let key): throw fail(n, "invalid JSON: number out of range", key: key)
                }
            }
            guard let type = object.string("type") else { throw fail(n, "missing \"type\"") }
            if trailer != nil { throw fail(n, "line after the trailer") }
            switch type {
            case "header":
                if header != nil { throw fail(n, "second header") }
                header = try decodeHeader(object, line: n) { fail($0, $1, key: $2) }
                layout.headerLine = n
            case "action":
                guard header != nil else { throw fail(n, "action before the header") }
                if actions.count >= limits.maxActions {
                    var issue = fail(n, "more than \(limits.maxActions) actions, the limit per journal (--max-actions raises it)")
                    issue.isOverLimit = true
                    throw issue
                }
                let action = try decodeAction(object, after: lastTick) { fail(n, $0, key: $1) }
                lastTick = action.tick
                actions.append(action)
                layout.actionLines.append(n)
            case "trailer":
                guard header != nil else { throw fail(n, "trailer before the header") }
                trailer = try decodeTrailer(object, actionCount: actions.count) { message, key in
                    key.map { fail(n, message, key: $0) } ?? fail(n, message)
                }
                layout.trailerLine = n
            default:
                throw fail(n, "unknown line type \"\(type)\"", key: "type")
            }
        }
        guard let header else { throw fail(1, "no header") }
        var journal = Journal(header: header, actions: actions, trailer: trailer)
        journal.warnings = warnings
        return (journal, layout)
    }

    /// The header alone (the first non-blank line), or nil when it cannot be read. Cheap: the
    /// grader uses it to route a journal to its shard without parsing the rest.
    public static func parseHeader(bytes: [UInt8], path: String) -> Header? {
        let layout = JournalLayout(path: path, bytes: bytes)
        for n in stride(from: 1, through: layout.lineCount, by: 1) {
            let raw = layout.bytes(line: n)
            if raw.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            guard case .success(let o) = JournalObject.parse(raw), o.string("type") == "header" else { return nil }
            return try? decodeHeader(o, line: n) { line, message, _ in
                JournalIssue(path: path, line: line, column: 1, message: message)
            }
        }
        return nil
    }

    static func decodeHeader(_ object: JournalObject, line n: Int,
                             fail: (_ line: Int, _ message: String, _ key: String) -> JournalIssue) throws -> Header {
        guard let format = object.int("format") else { throw fail(n, "header: missing \"format\"", "format") }
        guard supportedFormats.contains(format) else { throw fail(n, "header: unsupported journal format \(format)", "format") }
        guard let scenario = object.string("scenario"), !scenario.isEmpty else { throw fail(n, "header: missing \"scenario\"", "scenario") }
        guard let sha = object.string("scenarioSHA256") else { throw fail(n, "header: missing \"scenarioSHA256\"", "scenarioSHA256") }
        // Read integer seeds from their digits: a Double cannot hold every 64-bit seed.
        guard let seed = object.uint64("seed") else {
            throw fail(n, "header: \"seed\" must be a non-negative integer", "seed")
        }
        var h = Header(scenario: scenario, scenarioSHA256: sha, seed: seed)
        h.format = format
        h.engine = object.string("engine") ?? ""
        h.mode = object.string("mode") ?? "practice"
        h.student = object.string("student") ?? ""
        h.workstation = object.string("workstation") ?? ""
        h.attempt = object.string("attempt") ?? ""
        h.started = object.string("started") ?? ""
        h.key = object.string("key") ?? ""
        if object.has("from") {
            guard let f = object.string("from"), !f.isEmpty else { throw fail(n, "header: \"from\" must be an attempt id", "from") }
            guard let t = object.int64("fromTick"), t >= 0 else {
                throw fail(n, "header: \"from\" needs \"fromTick\", a whole number of ticks, 0 or more", object.has("fromTick") ? "fromTick" : "from")
            }
            h.from = f; h.fromTick = t
        } else if object.has("fromTick") {
            throw fail(n, "header: \"fromTick\" without \"from\"", "fromTick")
        }
        if format >= 2 && h.attempt.isEmpty { throw fail(n, "header: format 2 needs an \"attempt\" id", "attempt") }
        return h
    }

    static func decodeAction(_ object: JournalObject, after lastTick: Int64,
                             fail: (_ message: String, _ key: String) -> JournalIssue) throws -> Action {
        guard let tick = object.int64("tick"), tick >= 0 else {
            throw fail("action: \"tick\" must be a non-negative integer", "tick")
        }
        if tick < lastTick { throw fail("action: tick \(tick) goes back in time (previous \(lastTick))", "tick") }
        guard let verb = object.string("verb") else { throw fail("action: missing \"verb\"", "verb") }
        var action = Action(tick: tick, verb: verb, target: object.string("target") ?? "")
        switch object["value"] {
        case nil, .null?: break
        case .string(let s)?: action.text = s
        case .number(let text)?:
            guard let x = Double(text), x.isFinite else { throw fail("action: \"value\" must be finite", "value") }
            action.number = x
        default: throw fail("action: \"value\" must be a number or a string", "value")
        }
        if object.has("by") {
            guard let who = object.string("by"), !who.isEmpty else {
                throw fail("action: \"by\" must be a non-empty string (the instructor's user id)", "by")
            }
            action.by = who
        }
        if object.has("cmd") {
            guard let id = object.int64("cmd"), id > 0 else {
                throw fail("action: \"cmd\" must be a positive integer (the lab server's command id)", "cmd")
            }
            action.command = id
        }
        return action
    }

    static func decodeTrailer(_ object: JournalObject, actionCount: Int,
                              fail: (_ message: String, _ key: String?) -> JournalIssue) throws -> Trailer {
        guard let end = object.int64("endTick") else { throw fail("trailer: missing \"endTick\"", nil) }
        let count = object.int("actions") ?? actionCount
        if count != actionCount { throw fail("trailer: says \(count) actions, journal has \(actionCount)", "actions") }
        var hashFormat = StateHashFormat.legacy
        if object.has("hashFormat") {
            guard let f = object.int("hashFormat"), f >= 1 else {
                throw fail("trailer: \"hashFormat\" must be a positive integer (the state hash's format)", "hashFormat")
            }
            hashFormat = f
        }
        return Trailer(endTick: end, stateHash: object.string("stateHash") ?? "", actions: count,
                       signature: object.string("sig") ?? "", hashFormat: hashFormat)
    }

    /// Serialises to JSON Lines, keys in a fixed order so the bytes are reproducible. A format-2
    /// journal is chained (each line after the header carries `prev`); its trailer is signed with
    /// `signer` when one is given, else it keeps the stored signature (empty: unsigned).
    public func jsonl(signedBy signer: (any JournalSigner)?) throws -> String {
        let head = Journal.headerLine(header)
        var out = head + "\n"
        var prev = header.format >= 2 ? JournalChain.hash(head) : nil
        for a in actions {
            let l = Journal.line(for: a, prev: prev)
            out += l + "\n"
            if prev != nil { prev = JournalChain.hash(l) }
        }
        if let t = trailer {
            let l = try Journal.trailerLine(t, prev: prev, signer: signer)
            out += l + "\n"
        }
        return out
    }

    /// `jsonl()` for journals that need no signing (format 1, or keeping the stored signature).
    public func jsonl() -> String { (try? jsonl(signedBy: nil)) ?? "" }

    public static func headerLine(_ header: Header) -> String {
        var out = "{\"type\":\"header\",\"format\":\(header.format),\"engine\":\(JSON.string(header.engine)),"
        out += "\"scenario\":\(JSON.string(header.scenario)),\"scenarioSHA256\":\(JSON.string(header.scenarioSHA256)),"
        out += "\"seed\":\(header.seed),\"mode\":\(JSON.string(header.mode)),\"student\":\(JSON.string(header.student)),"
        out += "\"workstation\":\(JSON.string(header.workstation))"
        if header.format >= 2 {
            out += ",\"attempt\":\(JSON.string(header.attempt)),\"started\":\(JSON.string(header.started)),\"key\":\(JSON.string(header.key))"
            if !header.from.isEmpty { out += ",\"from\":\(JSON.string(header.from)),\"fromTick\":\(header.fromTick ?? 0)" }
        } else if !header.attempt.isEmpty {
            out += ",\"attempt\":\(JSON.string(header.attempt))"
        }
        return out + "}"
    }

    /// The trailer line. With `prev` (format 2) it is chained; with a signer it is signed: the
    /// signature covers exactly the line as written without its final `,"sig":"…"` member.
    public static func trailerLine(_ t: Trailer, prev: String?, signer: (any JournalSigner)?) throws -> String {
        var body = "{\"type\":\"trailer\",\"endTick\":\(t.endTick),\"stateHash\":\(JSON.string(t.stateHash)),"
        // Format 1 trailers have no member, so their bytes (and signatures) stay as written.
        if t.hashFormat != StateHashFormat.legacy { body += "\"hashFormat\":\(t.hashFormat)," }
        body += "\"actions\":\(t.actions)"
        if let prev { body += ",\"prev\":\"\(prev)\"" }
        if let signer {
            let sig = try signer.sign(Array((body + "}").utf8))
            return body + ",\"sig\":\"\(sig.base64EncodedString())\"}"
        }
        if !t.signature.isEmpty { return body + ",\"sig\":\(JSON.string(t.signature))}" }
        return body + "}"
    }

    public static func line(for a: Action, prev: String?) -> String {
        var s = line(for: a)
        if let prev { s.removeLast(); s += ",\"prev\":\"\(prev)\"}" }
        return s
    }

    public static func line(for a: Action) -> String {
        var s = "{\"type\":\"action\",\"tick\":\(a.tick),\"verb\":\(JSON.string(a.verb)),\"target\":\(JSON.string(a.target))"
        if let x = a.number { s += ",\"value\":\(JSON.number(x))" } else if let t = a.text { s += ",\"value\":\(JSON.string(t))" }
        if let by = a.by { s += ",\"by\":\(JSON.string(by))" }
        if let c = a.command { s += ",\"cmd\":\(c)" }
        return s + "}"
    }
}

/// Where the parts of a journal file sit: its lines (1-based), which line holds the header,
/// each action and the trailer, and the column of any value on a line. Columns count Unicode
/// scalars from 1, as `hazlab check` does.
public struct JournalLayout: Sendable {
    public let path: String
    let data: [UInt8]
    /// Byte range of each line, without its newline; index = line number − 1.
    let lineRanges: [Range<Int>]
    /// The file ends with a newline (or is empty): its last line is whole.
    public let lastLineTerminated: Bool
    public internal(set) var headerLine = 0
    /// Line of each action, in journal order.
    public internal(set) var actionLines: [Int] = []
    public internal(set) var trailerLine: Int?
    /// The torn last line that was dropped, if any.
    public internal(set) var tornLine: Int?

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        data = bytes
        var ranges: [Range<Int>] = []
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 0x0A {
            ranges.append(start..<i); start = i + 1
        }
        if start < bytes.count { ranges.append(start..<bytes.count) }
        lineRanges = ranges
        lastLineTerminated = bytes.last.map { $0 == 0x0A } ?? true
    }

    public var lineCount: Int { lineRanges.count }

    /// The last line that is not blank (0 when there is none).
    public var lastContentLine: Int {
        var n = lineCount
        while n > 0 && bytes(line: n).allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { n -= 1 }
        return n
    }

    public func bytes(line n: Int) -> ArraySlice<UInt8> {
        guard n >= 1 && n <= lineRanges.count else { return [] }
        return data[lineRanges[n - 1]]
    }

    /// Column (1-based, in Unicode scalars) of byte `offset` within line `n`.
    public func column(line n: Int, byteOffset offset: Int) -> Int {
        let raw = bytes(line: n)
        var column = 1
        for b in raw.prefix(max(0, offset)) where b & 0xC0 != 0x80 { column += 1 }
        return column
    }

    /// Column of the value of top-level `key` in the JSON object on line `n`; 1 when absent.
    public func column(ofValue key: String, line n: Int) -> Int {
        guard let value = try? JSONText.parse(Array(bytes(line: n))), let offset = value.offset(of: key) else { return 1 }
        return column(line: n, byteOffset: offset)
    }

    /// The first JSON syntax error on line `n` (message and column), or nil when the line parses.
    public func syntaxError(line n: Int) -> (message: String, column: Int)? {
        do { _ = try JSONText.parse(Array(bytes(line: n))); return nil } catch let e as JSONText.SyntaxError {
            return (e.message, column(line: n, byteOffset: e.offset))
        } catch { return nil }
    }

    /// An issue at the value of `key` on line `n` (or column 1 of it).
    public func issue(line n: Int, key: String? = nil, _ message: String) -> JournalIssue {
        JournalIssue(path: path, line: n, column: key.map { column(ofValue: $0, line: n) } ?? 1, message: message)
    }
}
