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
        for n in stride(from: 1, through: count, by: 1) {
            let raw = layout.bytes(line: n)
            if raw.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let isLast = n == count
            let object: [String: Any]
            do {
                guard let o = try JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any] else {
                    throw fail(n, "expected a JSON object")
                }
                object = o
            } catch {
                if isLast && !layout.lastLineTerminated {
                    // Column 1 here: `hazlab run` prints this warning and its position is pinned;
                    // `JournalLayout.syntaxError(line:)` gives the column where the line breaks off.
                    warnings.append(fail(n, "torn last line dropped (the workstation stopped mid-write)"))
                    layout.tornLine = n
                    break
                }
                if let issue = error as? JournalIssue { throw issue }
                if let e = layout.syntaxError(line: n) { throw fail(n, "invalid JSON: \(e.message)", column: e.column) }
                if let key = layout.outOfRangeNumber(line: n) { throw fail(n, "invalid JSON: number out of range", key: key) }
                throw fail(n, "invalid JSON")
            }
            guard let type = object["type"] as? String else { throw fail(n, "missing \"type\"") }
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
                guard let tickNumber = object["tick"] as? NSNumber, let tick = Int64(exactly: tickNumber.doubleValue), tick >= 0 else {
                    throw fail(n, "action: \"tick\" must be a non-negative integer", key: "tick")
                }
                if tick < lastTick { throw fail(n, "action: tick \(tick) goes back in time (previous \(lastTick))", key: "tick") }
                lastTick = tick
                guard let verb = object["verb"] as? String else { throw fail(n, "action: missing \"verb\"") }
                let target = object["target"] as? String ?? ""
                var action = Action(tick: tick, verb: verb, target: target)
                switch object["value"] {
                case nil, is NSNull: break
                case let s as String: action.text = s
                case let x as NSNumber:
                    guard x.doubleValue.isFinite else { throw fail(n, "action: \"value\" must be finite", key: "value") }
                    action.number = x.doubleValue
                default: throw fail(n, "action: \"value\" must be a number or a string", key: "value")
                }
                switch object["by"] {
                case nil: break
                case let who as String where !who.isEmpty: action.by = who
                default: throw fail(n, "action: \"by\" must be a non-empty string (the instructor's user id)", key: "by")
                }
                switch object["cmd"] {
                case nil: break
                case let c as NSNumber:
                    guard let id = Int64(c.stringValue), id > 0 else {
                        throw fail(n, "action: \"cmd\" must be a positive integer (the lab server's command id)", key: "cmd")
                    }
                    action.command = id
                default: throw fail(n, "action: \"cmd\" must be a positive integer (the lab server's command id)", key: "cmd")
                }
                actions.append(action)
                layout.actionLines.append(n)
            case "trailer":
                guard header != nil else { throw fail(n, "trailer before the header") }
                guard let end = (object["endTick"] as? NSNumber).flatMap({ Int64(exactly: $0.doubleValue) }) else {
                    throw fail(n, "trailer: missing \"endTick\"")
                }
                let hash = object["stateHash"] as? String ?? ""
                let count = object["actions"] as? Int ?? actions.count
                if count != actions.count { throw fail(n, "trailer: says \(count) actions, journal has \(actions.count)", key: "actions") }
                var hashFormat = StateHashFormat.legacy
                if let v = object["hashFormat"] {
                    guard let f = v as? Int, f >= 1, !(v is Bool) else {
                        throw fail(n, "trailer: \"hashFormat\" must be a positive integer (the state hash's format)", key: "hashFormat")
                    }
                    hashFormat = f
                }
                trailer = Trailer(endTick: end, stateHash: hash, actions: count, signature: object["sig"] as? String ?? "",
                                  hashFormat: hashFormat)
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
            guard let o = (try? JSONSerialization.jsonObject(with: Data(raw))) as? [String: Any],
                  o["type"] as? String == "header" else { return nil }
            return try? decodeHeader(o, line: n) { line, message, _ in
                JournalIssue(path: path, line: line, column: 1, message: message)
            }
        }
        return nil
    }

    static func decodeHeader(_ object: [String: Any], line n: Int,
                             fail: (_ line: Int, _ message: String, _ key: String) -> JournalIssue) throws -> Header {
        guard let format = object["format"] as? Int else { throw fail(n, "header: missing \"format\"", "format") }
        guard supportedFormats.contains(format) else { throw fail(n, "header: unsupported journal format \(format)", "format") }
        guard let scenario = object["scenario"] as? String, !scenario.isEmpty else { throw fail(n, "header: missing \"scenario\"", "scenario") }
        guard let sha = object["scenarioSHA256"] as? String else { throw fail(n, "header: missing \"scenarioSHA256\"", "scenarioSHA256") }
        // Read integer seeds from their digits: a Double cannot hold every 64-bit seed.
        guard let seed = (object["seed"] as? NSNumber).flatMap({ UInt64($0.stringValue) ?? UInt64(exactly: $0.doubleValue) }) else {
            throw fail(n, "header: \"seed\" must be a non-negative integer", "seed")
        }
        var h = Header(scenario: scenario, scenarioSHA256: sha, seed: seed)
        h.format = format
        h.engine = object["engine"] as? String ?? ""
        h.mode = object["mode"] as? String ?? "practice"
        h.student = object["student"] as? String ?? ""
        h.workstation = object["workstation"] as? String ?? ""
        h.attempt = object["attempt"] as? String ?? ""
        h.started = object["started"] as? String ?? ""
        h.key = object["key"] as? String ?? ""
        if let from = object["from"] {
            guard let f = from as? String, !f.isEmpty else { throw fail(n, "header: \"from\" must be an attempt id", "from") }
            guard let t = (object["fromTick"] as? NSNumber).flatMap({ Int64($0.stringValue) }), t >= 0 else {
                throw fail(n, "header: \"from\" needs \"fromTick\", a whole number of ticks, 0 or more", object["fromTick"] == nil ? "from" : "fromTick")
            }
            h.from = f; h.fromTick = t
        } else if object["fromTick"] != nil {
            throw fail(n, "header: \"fromTick\" without \"from\"", "fromTick")
        }
        if format >= 2 && h.attempt.isEmpty { throw fail(n, "header: format 2 needs an \"attempt\" id", "attempt") }
        return h
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

/// Minimal, byte-stable JSON writing helpers.
public enum JSON {
    public static func string(_ s: String) -> String {
        var out = ""
        appendString(s, to: &out)
        return out
    }

    /// Appends `s` as a JSON string literal. Most text needs no escape: it is copied whole.
    public static func appendString(_ s: String, to out: inout String) {
        out += "\""
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    /// Shortest round-trip form; integers without a fraction; non-finite as null.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        // -0.0 keeps its sign ("-0.0"); as "0" it would read back as +0.0, a different bit pattern.
        if x == x.rounded(), abs(x) < 1e15, !(x == 0 && x.sign == .minus) { return String(Int64(x)) }
        return "\(x)"
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

    /// The key of a top-level member of line `n` whose number overflows a Double (1e999), if any.
    func outOfRangeNumber(line n: Int) -> String? {
        guard case .object(let members)? = try? JSONText.parse(Array(bytes(line: n))) else { return nil }
        return members.first { m in m.value.numberText.map { !(Double($0)?.isFinite ?? false) } ?? false }?.key
    }

    /// An issue at the value of `key` on line `n` (or column 1 of it).
    public func issue(line n: Int, key: String? = nil, _ message: String) -> JournalIssue {
        JournalIssue(path: path, line: n, column: key.map { column(ofValue: $0, line: n) } ?? 1, message: message)
    }
}

/// A small, strict JSON reader (RFC 8259) that keeps what `JSONSerialization` loses: the byte
/// offset of every object member's value, and numbers as their exact source text (so a
/// 64-bit seed or a shortest-round-trip double is copied, never re-formatted). Used for error
/// positions in journals and for reading the grader's own records back.
public enum JSONText {
    public indirect enum Value: Sendable, Equatable {
        case null
        case bool(Bool)
        /// The number exactly as written.
        case number(String)
        case string(String)
        case array([Value])
        case object([Member])

        public subscript(key: String) -> Value? {
            if case .object(let ms) = self { return ms.first { $0.key == key }?.value }
            return nil
        }
        /// Byte offset (from the start of the parsed text) of the value of member `key`.
        public func offset(of key: String) -> Int? {
            if case .object(let ms) = self { return ms.first { $0.key == key }?.offset }
            return nil
        }
        public var string: String? { if case .string(let s) = self { return s }; return nil }
        public var numberText: String? { if case .number(let s) = self { return s }; return nil }
        public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
        public var array: [Value]? { if case .array(let a) = self { return a }; return nil }
        public var isNull: Bool { self == .null }
    }

    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: Value
        /// Byte offset of the value.
        public var offset: Int
    }

    public struct SyntaxError: Error, Sendable, Equatable {
        /// Byte offset of the first byte that does not fit (the length, at an early end).
        public var offset: Int
        public var message: String
    }

    /// Parses one JSON value filling all of `bytes` (surrounding whitespace allowed).
    public static func parse(_ bytes: [UInt8]) throws -> Value {
        var p = Parser(b: bytes)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.i < bytes.count { throw SyntaxError(offset: p.i, message: "unexpected text after the value") }
        return v
    }

    struct Parser {
        let b: [UInt8]
        var i = 0
        static let maxDepth = 256

        func error(_ message: String, at offset: Int? = nil) -> SyntaxError {
            let at = offset ?? i
            return SyntaxError(offset: at, message: at >= b.count ? "line ends early (\(message))" : message)
        }

        mutating func skipSpace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        }

        mutating func value(depth: Int) throws -> Value {
            guard depth < Parser.maxDepth else { throw error("nested too deeply") }
            guard i < b.count else { throw error("expected a value") }
            switch b[i] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("expected a value")
            }
        }

        mutating func literal(_ word: String) throws {
            for c in word.utf8 {
                guard i < b.count, b[i] == c else { throw error("expected '\(word)'") }
                i += 1
            }
        }

        mutating func object(depth: Int) throws -> Value {
            i += 1
            var members: [Member] = []
            skipSpace()
            if i < b.count && b[i] == UInt8(ascii: "}") { i += 1; return .object([]) }
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw error("expected a key in quotes") }
                let key = try string()
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
                i += 1
                skipSpace()
                let at = i
                let v = try value(depth: depth + 1)
                members.append(Member(key: key, value: v, offset: at))
                skipSpace()
                guard i < b.count else { throw error("expected ',' or '}'") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw error("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws -> Value {
            i += 1
            var items: [Value] = []
            skipSpace()
            if i < b.count && b[i] == UInt8(ascii: "]") { i += 1; return .array([]) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < b.count else { throw error("expected ',' or ']'") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw error("expected ',' or ']'")
            }
        }

        mutating func hex4() throws -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard i < b.count else { throw error("incomplete \\u escape") }
                let c = b[i]
                let d: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
                default: throw error("bad \\u escape")
                }
                v = v << 4 | UInt32(d)
                i += 1
            }
            return v
        }

        mutating func string() throws -> String {
            let open = i
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < b.count else { throw error("unterminated string") }
                let c = b[i]
                if c == UInt8(ascii: "\"") { i += 1; break }
                if c < 0x20 { throw error("raw control character in a string") }
                if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
                i += 1
                guard i < b.count else { throw error("unterminated string") }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate in \\u escape")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    out.append(contentsOf: String(Unicode.Scalar(scalar)!).utf8)
                default: throw error("bad escape", at: i - 1)
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in a string", at: open) }
            return s
        }

        mutating func number() throws -> String {
            let start = i
            func digits(_ p: inout Parser) -> Int {
                let s = p.i
                while p.i < p.b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.b[p.i]) { p.i += 1 }
                return p.i - s
            }
            if b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) else { throw error("expected a digit") }
            if b[i] == UInt8(ascii: "0") { i += 1 } else { _ = digits(&self) }
            if i < b.count && b[i] == UInt8(ascii: ".") {
                i += 1
                guard digits(&self) > 0 else { throw error("expected a digit after '.'") }
            }
            if i < b.count && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
                i += 1
                if i < b.count && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
                guard digits(&self) > 0 else { throw error("expected a digit in the exponent") }
            }
            return String(decoding: b[start..<i], as: UTF8.self)
        }
    }
}
