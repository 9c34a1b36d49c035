// The project's JSON: `JSON` writes strings and numbers byte-stably, `JSONText` reads values
// keeping positions and exact number text, and writes them back (`JSONText.Value.write`).
// Journals, records, exports, the lab protocol, the lab server and its client use these.

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

/// A small, strict JSON reader (RFC 8259) that keeps what Foundation's JSON reader loses: the byte
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

        /// Member `key` of an object (the first, if repeated; nil for any other value). Setting
        /// replaces the first member's value in place or appends a member; nil removes it.
        /// Setting on a value that is not an object leaves it as it is.
        public subscript(key: String) -> Value? {
            get {
                if case .object(let ms) = self { return ms.first { $0.key == key }?.value }
                return nil
            }
            set {
                guard case .object(var ms) = self else { return }
                let at = ms.firstIndex { $0.key == key }
                switch (at, newValue) {
                case let (at?, value?): ms[at].value = value
                case let (at?, nil): ms.remove(at: at)
                case let (nil, value?): ms.append(Member(key: key, value: value, offset: 0))
                case (nil, nil): return
                }
                self = .object(ms)
            }
        }
        /// Byte offset (from the start of the parsed text) of the value of member `key`.
        public func offset(of key: String) -> Int? {
            if case .object(let ms) = self { return ms.first { $0.key == key }?.offset }
            return nil
        }
        public var string: String? { if case .string(let s) = self { return s }; return nil }
        public var numberText: String? { if case .number(let s) = self { return s }; return nil }
        /// The number as a Double (nil for any other value).
        public var double: Double? { numberText.flatMap { Double($0) } }
        /// The number as a whole Int64, read from its digits (`3.0` and `1e3` too).
        public var int64: Int64? {
            guard let text = numberText else { return nil }
            return Int64(text) ?? Double(text).flatMap { Int64(exactly: $0) }
        }
        public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
        public var array: [Value]? { if case .array(let a) = self { return a }; return nil }
        /// An array of strings only (nil when not an array or when an item is not a string).
        public var strings: [String]? {
            guard let a = array else { return nil }
            let s = a.compactMap(\.string)
            return s.count == a.count ? s : nil
        }
        /// The members of an object (nil for any other value).
        public var members: [Member]? { if case .object(let ms) = self { return ms }; return nil }
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

// MARK: - Building and writing values

extension JSONText.Value {
    /// A whole number, written with all its digits.
    public static func int(_ n: some BinaryInteger) -> Self { .number(String(n)) }

    /// A double as `JSON.number` writes it; a value that is not finite is null.
    public static func double(_ x: Double) -> Self { x.isFinite ? .number(JSON.number(x)) : .null }

    /// The value as JSON text: members in their order (with `sortedKeys`, by key at every depth),
    /// strings as `JSON.appendString` writes them, numbers as their text. No whitespace.
    public func write(to out: inout String, sortedKeys: Bool = false) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let text): out += text
        case .string(let s): JSON.appendString(s, to: &out)
        case .array(let items):
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += "," }
                item.write(to: &out, sortedKeys: sortedKeys)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (n, m) in (sortedKeys ? members.sorted { $0.key < $1.key } : members).enumerated() {
                if n > 0 { out += "," }
                JSON.appendString(m.key, to: &out)
                out += ":"
                m.value.write(to: &out, sortedKeys: sortedKeys)
            }
            out += "}"
        }
    }

    /// `write(to:sortedKeys:)` into a new string.
    public func text(sortedKeys: Bool = false) -> String {
        var out = ""
        write(to: &out, sortedKeys: sortedKeys)
        return out
    }
}

/// A Swift value with one JSON form, so that an object can be written as a literal of plain
/// Swift values: `JSONText.object(["id": id, "seq": seq, "tags": tags])` (a nil optional is `null`).
public protocol JSONTextConvertible {
    var jsonValue: JSONText.Value { get }
}

extension JSONText {
    /// An object with the members in the order written.
    public static func object(_ members: KeyValuePairs<String, any JSONTextConvertible>) -> Value {
        .object(members.map { Member(key: $0.key, value: $0.value.jsonValue, offset: 0) })
    }
}

extension JSONText.Value: JSONTextConvertible {
    public var jsonValue: JSONText.Value { self }
}

extension String: JSONTextConvertible { public var jsonValue: JSONText.Value { .string(self) } }
extension Bool: JSONTextConvertible { public var jsonValue: JSONText.Value { .bool(self) } }
extension Int: JSONTextConvertible { public var jsonValue: JSONText.Value { .int(self) } }
extension Int64: JSONTextConvertible { public var jsonValue: JSONText.Value { .int(self) } }
extension Int32: JSONTextConvertible { public var jsonValue: JSONText.Value { .int(self) } }
extension Double: JSONTextConvertible { public var jsonValue: JSONText.Value { .double(self) } }

extension Optional: JSONTextConvertible where Wrapped: JSONTextConvertible {
    public var jsonValue: JSONText.Value { self?.jsonValue ?? .null }
}

extension Array: JSONTextConvertible where Element: JSONTextConvertible {
    public var jsonValue: JSONText.Value { .array(map(\.jsonValue)) }
}

/// A dictionary has no order: its members are sorted by key.
extension Dictionary: JSONTextConvertible where Key == String, Value: JSONTextConvertible {
    public var jsonValue: JSONText.Value {
        .object(sorted { $0.key < $1.key }.map { JSONText.Member(key: $0.key, value: $0.value.jsonValue, offset: 0) })
    }
}
