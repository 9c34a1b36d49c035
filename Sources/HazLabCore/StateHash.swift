/// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3), over the
/// canonical bytes of a `State`: every integer as little-endian bytes of its fixed width,
/// every Double as the little-endian bytes of its IEEE-754 bit pattern, every array
/// preceded by its element count as a UInt64. Which fields, in which order: `State.columns`
/// (format 2, `StateHashFormat`).
public struct StateHasher {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    @inline(__always)
    public mutating func byte(_ b: UInt8) {
        value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01B3
    }

    @inline(__always)
    public mutating func u64(_ x: UInt64) {
        var v = x
        for _ in 0..<8 { byte(UInt8(truncatingIfNeeded: v)); v >>= 8 }
    }

    @inline(__always)
    public mutating func u32(_ x: UInt32) {
        var v = x
        for _ in 0..<4 { byte(UInt8(truncatingIfNeeded: v)); v >>= 8 }
    }

    @inline(__always)
    public mutating func u16(_ x: UInt16) { byte(UInt8(truncatingIfNeeded: x)); byte(UInt8(truncatingIfNeeded: x >> 8)) }

    public mutating func i64(_ x: Int64) { u64(UInt64(bitPattern: x)) }
    public mutating func i32(_ x: Int32) { u32(UInt32(bitPattern: x)) }
    public mutating func f64(_ x: Double) { u64(x.bitPattern) }

    public mutating func array(_ a: ContiguousArray<Double>) {
        u64(UInt64(a.count)); for x in a { f64(x) }
    }
    public mutating func array(_ a: ContiguousArray<Int32>) {
        u64(UInt64(a.count)); for x in a { i32(x) }
    }
    public mutating func array(_ a: ContiguousArray<Int64>) {
        u64(UInt64(a.count)); for x in a { i64(x) }
    }
    public mutating func array(_ a: ContiguousArray<UInt8>) {
        u64(UInt64(a.count)); for x in a { byte(x) }
    }
}

extension UInt64 {
    /// 16 lowercase hex digits, zero-padded: the form used in journals, JSON and golden files.
    public var hex16: String {
        let s = String(self, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
