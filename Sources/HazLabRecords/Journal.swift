import Foundation
import HazLabCore

/// An attempt journal (JSON Lines): a header, one line per action, then a trailer.
///
///     {"type":"header","format":1,"engine":"0.1.0","scenario":"tank-filling","scenarioSHA256":"…","seed":7,"mode":"exam","student":"s001","workstation":"ws-01"}
///     {"type":"action","tick":120,"verb":"wear","target":"helmet"}
///     {"type":"action","tick":300,"verb":"set","target":"XV101","value":0.5}
///     {"type":"trailer","endTick":4200,"stateHash":"0123456789abcdef","actions":2}
///
/// A journal without a trailer is incomplete (the workstation stopped) but replays.
public struct Journal: Sendable, Hashable {
    public struct Header: Sendable, Hashable {
        public var format: Int = Journal.formatVersion
        public var engine: String = HazLabVersion.engine
        public var scenario: String
        public var scenarioSHA256: String
        public var seed: UInt64
        public var mode: String = "practice"
        public var student: String = ""
        public var workstation: String = ""
        /// Attempt id (unique per attempt); empty in journals that predate it.
        public var attempt: String = ""
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
        public init(endTick: Int64, stateHash: String, actions: Int) {
            self.endTick = endTick; self.stateHash = stateHash; self.actions = actions
        }
    }

    public static let formatVersion = 1
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
    public static let engine = "0.1.0"
}

/// A problem at a position in a journal file.
public struct JournalIssue: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(path):\(line):\(column): error: \(message)" }
}

extension Journal {
    public static func read(path: String) throws -> Journal {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JournalIssue(path: path, line: 1, column: 1, message: "cannot read journal")
        }
        return try parse(data: data, path: path)
    }

    /// Parses a journal. Every action before a torn (unterminated, unparsable) last line is kept.
    public static func parse(data: Data, path: String) throws -> Journal {
        let bytes = [UInt8](data)
        var lines: [(Int, ArraySlice<UInt8>, Bool)] = []   // (line number, bytes, terminated)
        var start = 0, number = 1
        for i in 0..<bytes.count where bytes[i] == 0x0A {
            lines.append((number, bytes[start..<i], true)); start = i + 1; number += 1
        }
        if start < bytes.count { lines.append((number, bytes[start..<bytes.count], false)) }

        func fail(_ line: Int, _ message: String, column: Int = 1) -> JournalIssue {
            JournalIssue(path: path, line: line, column: column, message: message)
        }

        var header: Header?
        var actions: [Action] = []
        var trailer: Trailer?
        var warnings: [JournalIssue] = []
        var lastTick: Int64 = 0
        for (index, (n, raw, terminated)) in lines.enumerated() {
            if raw.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let isLast = index == lines.count - 1
            let object: [String: Any]
            do {
                guard let o = try JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any] else {
                    throw fail(n, "expected a JSON object")
                }
                object = o
            } catch {
                if isLast && !terminated {
                    warnings.append(fail(n, "torn last line dropped (the workstation stopped mid-write)"))
                    break
                }
                if let issue = error as? JournalIssue { throw issue }
                throw fail(n, "invalid JSON")
            }
            guard let type = object["type"] as? String else { throw fail(n, "missing \"type\"") }
            if trailer != nil { throw fail(n, "line after the trailer") }
            switch type {
            case "header":
                if header != nil { throw fail(n, "second header") }
                guard let format = object["format"] as? Int else { throw fail(n, "header: missing \"format\"") }
                guard format == formatVersion else { throw fail(n, "header: unsupported journal format \(format)") }
                guard let scenario = object["scenario"] as? String, !scenario.isEmpty else { throw fail(n, "header: missing \"scenario\"") }
                guard let sha = object["scenarioSHA256"] as? String else { throw fail(n, "header: missing \"scenarioSHA256\"") }
                // Read integer seeds from their digits: a Double cannot hold every 64-bit seed.
                guard let seed = (object["seed"] as? NSNumber).flatMap({ UInt64($0.stringValue) ?? UInt64(exactly: $0.doubleValue) }) else {
                    throw fail(n, "header: \"seed\" must be a non-negative integer")
                }
                var h = Header(scenario: scenario, scenarioSHA256: sha, seed: seed)
                h.format = format
                h.engine = object["engine"] as? String ?? ""
                h.mode = object["mode"] as? String ?? "practice"
                h.student = object["student"] as? String ?? ""
                h.workstation = object["workstation"] as? String ?? ""
                h.attempt = object["attempt"] as? String ?? ""
                header = h
            case "action":
                guard header != nil else { throw fail(n, "action before the header") }
                guard let tickNumber = object["tick"] as? NSNumber, let tick = Int64(exactly: tickNumber.doubleValue), tick >= 0 else {
                    throw fail(n, "action: \"tick\" must be a non-negative integer")
                }
                if tick < lastTick { throw fail(n, "action: tick \(tick) goes back in time (previous \(lastTick))") }
                lastTick = tick
                guard let verb = object["verb"] as? String else { throw fail(n, "action: missing \"verb\"") }
                let target = object["target"] as? String ?? ""
                var action = Action(tick: tick, verb: verb, target: target)
                switch object["value"] {
                case nil, is NSNull: break
                case let s as String: action.text = s
                case let x as NSNumber:
                    guard x.doubleValue.isFinite else { throw fail(n, "action: \"value\" must be finite") }
                    action.number = x.doubleValue
                default: throw fail(n, "action: \"value\" must be a number or a string")
                }
                actions.append(action)
            case "trailer":
                guard header != nil else { throw fail(n, "trailer before the header") }
                guard let end = (object["endTick"] as? NSNumber).flatMap({ Int64(exactly: $0.doubleValue) }) else {
                    throw fail(n, "trailer: missing \"endTick\"")
                }
                let hash = object["stateHash"] as? String ?? ""
                let count = object["actions"] as? Int ?? actions.count
                if count != actions.count { throw fail(n, "trailer: says \(count) actions, journal has \(actions.count)") }
                trailer = Trailer(endTick: end, stateHash: hash, actions: count)
            default:
                throw fail(n, "unknown line type \"\(type)\"")
            }
        }
        guard let header else { throw fail(1, "no header") }
        var journal = Journal(header: header, actions: actions, trailer: trailer)
        journal.warnings = warnings
        return journal
    }

    /// Serialises to JSON Lines, keys in a fixed order so the bytes are reproducible.
    public func jsonl() -> String {
        var out = "{\"type\":\"header\",\"format\":\(header.format),\"engine\":\(JSON.string(header.engine)),"
        out += "\"scenario\":\(JSON.string(header.scenario)),\"scenarioSHA256\":\(JSON.string(header.scenarioSHA256)),"
        out += "\"seed\":\(header.seed),\"mode\":\(JSON.string(header.mode)),\"student\":\(JSON.string(header.student)),"
        out += "\"workstation\":\(JSON.string(header.workstation))"
        if !header.attempt.isEmpty { out += ",\"attempt\":\(JSON.string(header.attempt))" }
        out += "}\n"
        for a in actions { out += Journal.line(for: a) + "\n" }
        if let t = trailer {
            out += "{\"type\":\"trailer\",\"endTick\":\(t.endTick),\"stateHash\":\(JSON.string(t.stateHash)),\"actions\":\(t.actions)}\n"
        }
        return out
    }

    public static func line(for a: Action) -> String {
        var s = "{\"type\":\"action\",\"tick\":\(a.tick),\"verb\":\(JSON.string(a.verb)),\"target\":\(JSON.string(a.target))"
        if let x = a.number { s += ",\"value\":\(JSON.number(x))" } else if let t = a.text { s += ",\"value\":\(JSON.string(t))" }
        return s + "}"
    }
}

/// Minimal, byte-stable JSON writing helpers.
public enum JSON {
    public static func string(_ s: String) -> String {
        var out = "\""
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
        return out + "\""
    }

    /// Shortest round-trip form; integers without a fraction; non-finite as null.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        // -0.0 keeps its sign ("-0.0"); as "0" it would read back as +0.0, a different bit pattern.
        if x == x.rounded(), abs(x) < 1e15, !(x == 0 && x.sign == .minus) { return String(Int64(x)) }
        return "\(x)"
    }
}
