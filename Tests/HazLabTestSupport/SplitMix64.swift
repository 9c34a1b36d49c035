import Foundation

/// SplitMix64 (Steele, Lea, Flood 2014): the seeded generator every test uses to make the same
/// "random" choices on every run (DetMath sweeps, compiler fuzzing, hostile YAML, tampered journals).
public struct SplitMix64 {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<max(1, n).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * unit() }
    /// Log-uniform magnitude in [2^lo, 2^hi) with random sign if `signed`.
    public mutating func logUniform(_ lo: Double, _ hi: Double, signed: Bool = false) -> Double {
        let v = Foundation.exp2(uniform(lo, hi))
        return signed && next() & 1 == 1 ? -v : v
    }
}
