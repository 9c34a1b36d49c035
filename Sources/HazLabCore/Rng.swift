/// The simulation's only source of randomness: xoshiro256** (Blackman & Vigna, 2018),
/// seeded by expanding a 64-bit seed with SplitMix64. Its four words live inside `State`,
/// so snapshots, restores and hashes include the generator's position.
///
/// - `next()` returns the next 64-bit output of xoshiro256**.
/// - `uniform()` returns `Double(next() >> 11) * 2^-53`, in [0, 1).
/// - `normal()` is the Irwin–Hall sum of twelve uniforms minus six: mean 0, variance 1,
///   bounded to ±6. It needs no logarithm, so it is exact on every CPU.
public struct Rng: Hashable, Sendable {
    public var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x = x &+ 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Rng.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Rng.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniform() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform integer in lo...hi (inclusive), by Lemire's multiply-shift with rejection.
    public mutating func int(in lo: Int64, _ hi: Int64) -> Int64 {
        precondition(lo <= hi)
        let span = UInt64(bitPattern: hi &- lo) &+ 1
        if span == 0 { return Int64(bitPattern: next()) }   // full 64-bit range
        let threshold = (0 &- span) % span
        while true {
            let r = next()
            let product = r.multipliedFullWidth(by: span)
            if product.low >= threshold { return lo &+ Int64(bitPattern: product.high) }
        }
    }

    /// Approximately standard normal (Irwin–Hall, n = 12).
    @inline(__always)
    public mutating func normal() -> Double {
        var sum = 0.0
        for _ in 0..<12 { sum += uniform() }
        return sum - 6.0
    }
}
