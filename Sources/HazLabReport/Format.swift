/// Number formatting that never depends on the locale or the platform: digits are produced
/// from integers, so reports are byte-identical everywhere.
public enum Fmt {
    /// `x` with exactly `digits` decimals (0...6), rounded half away from zero; "-0" never appears.
    public static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "∞" : "-∞") }
        let d = Swift.max(0, Swift.min(6, digits))
        var scale = 1.0
        for _ in 0..<d { scale *= 10 }
        let scaled = (x * scale).rounded(.toNearestOrAwayFromZero)
        guard abs(scaled) < 9.0e15 else { return String(x) }
        var n = Int64(scaled)
        let negative = n < 0
        if negative { n = -n }
        var digitsText = String(n)
        if d > 0 {
            if digitsText.count <= d { digitsText = String(repeating: "0", count: d - digitsText.count + 1) + digitsText }
            digitsText.insert(".", at: digitsText.index(digitsText.endIndex, offsetBy: -d))
        }
        return (negative && n != 0 ? "-" : "") + digitsText
    }

    /// At most `maxDigits` decimals, trailing zeros dropped: 3 → "3", 2.50 → "2.5".
    public static func number(_ x: Double, maxDigits: Int = 2) -> String {
        var s = fixed(x, maxDigits)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// SVG coordinate: two decimals, trailing zeros dropped.
    public static func coord(_ x: Double) -> String { number(x, maxDigits: 2) }

    /// Seconds as "478.3 s"; a negative tick count (not reached) as "—".
    public static func seconds(_ s: Double?) -> String {
        guard let s, s >= 0 else { return "—" }
        return number(s, maxDigits: 1) + " s"
    }

    /// A fraction as a percentage: 0.6875 → "68.8%".
    public static func percent(_ f: Double, digits: Int = 1) -> String { number(f * 100, maxDigits: digits) + "%" }

    /// Minutes and seconds for long durations: 385 → "6:25".
    public static func clock(_ s: Double) -> String {
        let t = Int64(s.rounded(.down))
        let m = t / 60, r = t % 60
        return "\(m):" + (r < 10 ? "0" : "") + "\(r)"
    }
}
