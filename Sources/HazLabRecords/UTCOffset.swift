import Foundation

/// A fixed offset from UTC for showing times to a reader: times are stored in UTC and shown in
/// the reader's zone. Beijing (UTC+8, no daylight saving) is the school default; a fixed offset
/// needs no zone database, so every machine writes the same text.
public struct UTCOffset: Sendable, Hashable, CustomStringConvertible {
    /// Minutes east of UTC.
    public var minutes: Int

    public init(minutes: Int) { self.minutes = minutes }

    public static let utc = UTCOffset(minutes: 0)
    public static let beijing = UTCOffset(minutes: 8 * 60)

    /// Accepts `Z`, `UTC`, `+08:00`, `+0800`, `+8`, `-05:30`, `UTC+8`, `Asia/Shanghai`/`Beijing`/`CST`
    /// (UTC+8). Offsets beyond ±14:00 are refused.
    public init?(_ text: String) {
        var t = text.trimmingCharacters(in: .whitespaces)
        switch t.lowercased() {
        case "z", "utc", "gmt", "+00:00", "0": self = .utc; return
        case "asia/shanghai", "beijing", "prc", "cst", "utc+8", "utc+08:00": self = .beijing; return
        default: break
        }
        if t.uppercased().hasPrefix("UTC") { t.removeFirst(3) }
        guard let sign = t.first, sign == "+" || sign == "-" else { return nil }
        let rest = t.dropFirst()
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        var h = 0, m = 0
        if parts.count == 2 {
            guard let hh = Int(parts[0]), let mm = Int(parts[1]), parts[1].count == 2 else { return nil }
            h = hh; m = mm
        } else if rest.count == 4, let v = Int(rest) {
            h = v / 100; m = v % 100
        } else if rest.count <= 2, let v = Int(rest) {
            h = v
        } else { return nil }
        guard rest.allSatisfy(\.isASCII), h <= 14, m < 60, h * 60 + m <= 14 * 60 else { return nil }
        minutes = (sign == "-" ? -1 : 1) * (h * 60 + m)
    }

    /// `+08:00`, `-05:30`, `+00:00`.
    public var description: String {
        let a = abs(minutes)
        return (minutes < 0 ? "-" : "+") + Self.two(a / 60) + ":" + Self.two(a % 60)
    }

    /// ISO 8601 local time with the offset: `2026-01-01T08:00:00+08:00`, or with `fraction`
    /// the milliseconds too (`2026-01-01T08:00:15.100+08:00`).
    public func iso8601(millis ms: Int64, fraction: Bool = false) -> String {
        let local = ExportTime.iso8601(millis: ms + Int64(minutes) * 60_000)
        return String(local.prefix(fraction ? 23 : 19)) + description
    }

    /// For people: `2026-01-01 08:00` (the offset is said once, in the heading or a note).
    public func display(millis ms: Int64) -> String {
        let local = ExportTime.iso8601(millis: ms + Int64(minutes) * 60_000)
        return String(local.prefix(10)) + " " + String(local.dropFirst(11).prefix(5))
    }

    /// The local calendar date: `2026-01-01`.
    public func date(millis ms: Int64) -> String {
        String(ExportTime.iso8601(millis: ms + Int64(minutes) * 60_000).prefix(10))
    }

    /// Local midnight of `YYYY-MM-DD`, or a full ISO 8601 timestamp, in UTC milliseconds.
    public func parseDateOrTime(_ text: String) -> Int64? {
        if let ms = ExportTime.parseISO8601(text) { return ms }
        guard text.count == 10, let ms = ExportTime.parseISO8601(text + "T00:00:00Z") else { return nil }
        return ms - Int64(minutes) * 60_000
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
