/// Pinned final state hashes of the demo's golden runs (Scenarios/tank-filling/runs).
/// Change only deliberately, and say why in the commit message.
enum GoldenHashes {
    static let perfect = "6daf731fa50093b9"
    static let mistakes = "85e833b9734a18de"
    static let idle = "da00d92ef5678bd3"
}
