/// Pinned final state hashes of the demo's golden runs (Scenarios/tank-filling/runs).
/// Change only deliberately, and say why in the commit message.
enum GoldenHashes {
    static let perfect = "0a761af8ba4c68e5"
    static let mistakes = "6d55fd3e3da4fcbf"
    static let idle = "7e7bd0459f6ab1f8"
}
