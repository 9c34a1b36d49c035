/// Pinned final state hashes of the demo's golden runs (Scenarios/tank-filling/runs).
/// Change only deliberately, and say why in the commit message.
enum GoldenHashes {
    static let perfect = "85d8851d3f5c455d"
    static let mistakes = "9f09770f28c5379c"
    static let idle = "da00d92ef5678bd3"
}
