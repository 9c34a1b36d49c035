/// Pinned final state hashes of the demo's golden runs (Scenarios/tank-filling/runs).
/// Change only deliberately, and say why in the commit message.
enum GoldenHashes {
    static let perfect = "414ac7d3bf7021d3"
    static let mistakes = "650a72e622478f0b"
    static let idle = "789c095e80699262"
}
