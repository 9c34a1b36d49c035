/// Pinned final state hashes of the demo's golden runs (Scenarios/tank-filling/runs).
/// Change only deliberately, and say why in the commit message.
enum GoldenHashes {
    static let perfect = "61bd9d0a63edcf12"
    static let mistakes = "9f09770f28c5379c"
    static let idle = "da00d92ef5678bd3"
}
