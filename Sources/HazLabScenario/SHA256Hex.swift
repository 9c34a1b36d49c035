import Crypto

/// The one SHA-256 in HazLab is swift-crypto's. These two helpers give it the byte-array shape the
/// scenario fingerprint (journals, results), exam draws, shards and grading batches use.
extension SHA256 {
    /// The 32-byte digest of `message`.
    public static func digest(_ message: [UInt8]) -> [UInt8] { Array(hash(data: message)) }

    /// Lowercase hex digest of `message` (64 characters).
    public static func hex(_ message: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(64)
        for b in hash(data: message) { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return s
    }
}
