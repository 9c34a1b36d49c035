import Crypto
import Foundation

// Building blocks of the exports (xAPI, ilab-x, CSV): name-based UUIDs, an ordered JSON value
// that always renders to the same bytes, and clock-free time formatting. Nothing here reads a
// clock or iterates a dictionary, so an export is a pure function of (record, started).

/// RFC 4122 name-based UUIDs, version 5 (SHA-1).
public enum UUIDv5 {
    /// The RFC 4122 URL namespace, 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
    public static let urlNamespace: [UInt8] = [0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                               0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]
    /// The RFC 4122 DNS namespace, 6ba7b810-9dad-11d1-80b4-00c04fd430c8.
    public static let dnsNamespace: [UInt8] = [0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                               0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]

    /// The 16 bytes of UUIDv5(namespace, name): SHA-1 of namespace bytes + UTF-8 name, first 16
    /// bytes, version nibble 5, RFC 4122 variant.
    public static func bytes(namespace: [UInt8], name: String) -> [UInt8] {
        precondition(namespace.count == 16)
        var h = Insecure.SHA1()
        h.update(data: namespace)
        h.update(data: Array(name.utf8))
        var b = Array(h.finalize().prefix(16))
        b[6] = (b[6] & 0x0F) | 0x50
        b[8] = (b[8] & 0x3F) | 0x80
        return b
    }

    /// Lowercase 8-4-4-4-12 text.
    public static func string(namespace: [UInt8], name: String) -> String { format(bytes(namespace: namespace, name: name)) }

    public static func format(_ b: [UInt8]) -> String {
        let hex = b.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-"
            + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }

    /// Parses 8-4-4-4-12 hex text (either case) into 16 bytes.
    public static func parse(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count == 36, u[8] == 45, u[13] == 45, u[18] == 45, u[23] == 45 else { return nil }
        var out: [UInt8] = [], hi: UInt8? = nil
        for (i, c) in u.enumerated() where ![8, 13, 18, 23].contains(i) {
            let d: UInt8
            switch c {
            case 48...57: d = c - 48
            case 97...102: d = c - 87
            case 65...70: d = c - 55
            default: return nil
            }
            if let h = hi { out.append(h << 4 | d); hi = nil } else { hi = d }
        }
        return out
    }
}

/// A JSON value whose objects keep their members in the order written, so `render()` gives
/// the same bytes every time. Numbers are kept as their text (as `JSON.number` writes them).
public indirect enum OrderedJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    public static func double(_ x: Double) -> OrderedJSON { .number(JSON.number(x)) }
    public static func int(_ x: Int) -> OrderedJSON { .number(String(x)) }

    public static func == (a: OrderedJSON, b: OrderedJSON) -> Bool { a.render() == b.render() }

    public func render() -> String {
        var s = ""
        write(to: &s)
        return s
    }

    public func write(to s: inout String) {
        switch self {
        case .null: s += "null"
        case .bool(let b): s += b ? "true" : "false"
        case .number(let n): s += n
        case .string(let t): JSON.appendString(t, to: &s)
        case .array(let items):
            s += "["
            for (i, v) in items.enumerated() {
                if i > 0 { s += "," }
                v.write(to: &s)
            }
            s += "]"
        case .object(let members):
            s += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { s += "," }
                JSON.appendString(m.0, to: &s)
                s += ":"
                m.1.write(to: &s)
            }
            s += "}"
        }
    }

    public subscript(key: String) -> OrderedJSON? {
        if case .object(let ms) = self { return ms.first { $0.0 == key }?.1 }
        return nil
    }

    /// The same value as the parser would give for `render()`, without rendering and parsing.
    public var value: JSONText.Value {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let n): return .number(n)
        case .string(let s): return .string(s)
        case .array(let a): return .array(a.map(\.value))
        case .object(let ms): return .object(ms.map { JSONText.Member(key: $0.0, value: $0.1.value, offset: 0) })
        }
    }

    /// Converts a parsed value (member order kept).
    public init(_ v: JSONText.Value) {
        switch v {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(OrderedJSON.init))
        case .object(let ms): self = .object(ms.map { ($0.key, OrderedJSON($0.value)) })
        }
    }
}

/// UTC time as integer milliseconds since 1970, formatted without a calendar object (and so
/// without a locale or time zone database).
public enum ExportTime {
    /// `started` in whole milliseconds (rounded half away from zero).
    public static func millis(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }

    /// `started + seconds`, in ms; seconds come from the record (ticks / tick rate, 0.01 s at most).
    public static func millis(started: Int64, plusSeconds s: Double) -> Int64 { started + Int64((s * 1000).rounded()) }

    /// ISO 8601 UTC with milliseconds: `2026-11-29T08:00:15.100Z`.
    public static func iso8601(millis ms: Int64) -> String {
        let days = floorDiv(ms, 86_400_000)
        let msOfDay = ms - days * 86_400_000
        let (y, m, d) = civil(fromDays: days)
        let h = msOfDay / 3_600_000, mi = msOfDay / 60_000 % 60, sec = msOfDay / 1000 % 60, milli = msOfDay % 1000
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(h, 2) + ":" + pad(mi, 2) + ":" + pad(sec, 2)
            + "." + pad(milli, 3) + "Z"
    }

    /// Parses the ISO 8601 timestamps xAPI allows (date, `T`, time with optional fraction, then
    /// `Z` or `±hh:mm`) into ms. Returns nil for anything else.
    public static func parseISO8601(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        func num(_ a: Int, _ n: Int) -> Int64? {
            guard a + n <= u.count else { return nil }
            var v: Int64 = 0
            for c in u[a..<(a + n)] { guard (48...57).contains(c) else { return nil }; v = v * 10 + Int64(c - 48) }
            return v
        }
        guard u.count >= 20, let y = num(0, 4), u[4] == 45, let mo = num(5, 2), u[7] == 45, let d = num(8, 2),
              u[10] == 84 || u[10] == 116, let h = num(11, 2), u[13] == 58, let mi = num(14, 2), u[16] == 58,
              let sec = num(17, 2) else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= daysIn(month: mo, year: y), h < 24, mi < 60, sec < 61 else { return nil }
        var i = 19, fracMs: Int64 = 0
        if i < u.count, u[i] == 46 {
            i += 1
            var digits = 0
            while i < u.count, (48...57).contains(u[i]) {
                if digits < 3 { fracMs = fracMs * 10 + Int64(u[i] - 48) }
                digits += 1; i += 1
            }
            guard digits > 0 else { return nil }
            for _ in 0..<max(0, 3 - digits) { fracMs *= 10 }
        }
        guard i < u.count else { return nil }
        var offsetMin: Int64 = 0
        if u[i] == 90 || u[i] == 122 { i += 1 } else if u[i] == 43 || u[i] == 45 {
            let sign: Int64 = u[i] == 45 ? -1 : 1
            guard let oh = num(i + 1, 2) else { return nil }
            var j = i + 3
            if j < u.count, u[j] == 58 { j += 1 }
            guard let om = num(j, 2), oh < 24, om < 60 else { return nil }
            // "-00:00" is not allowed by xAPI (RFC 3339 "unknown offset").
            if sign < 0 && oh == 0 && om == 0 { return nil }
            offsetMin = sign * (oh * 60 + om)
            i = j + 2
        } else { return nil }
        guard i == u.count else { return nil }
        let days = daysFromCivil(y, mo, d)
        return days * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + fracMs - offsetMin * 60_000
    }

    /// ISO 8601 duration for seconds, to 0.01 s: `PT15.1S`, `PT540S`, `PT0S`.
    public static func duration(seconds: Double) -> String {
        let cs = Int64((max(0, seconds) * 100).rounded())
        let whole = cs / 100, frac = cs % 100
        if frac == 0 { return "PT\(whole)S" }
        var f = pad(frac, 2)
        if f.hasSuffix("0") { f.removeLast() }
        return "PT\(whole).\(f)S"
    }

    static func pad(_ v: Int64, _ n: Int) -> String {
        let s = String(v)
        return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    static func daysIn(month m: Int64, year y: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Howard Hinnant's days-from-civil (proleptic Gregorian).
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
