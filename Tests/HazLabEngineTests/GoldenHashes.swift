/// Pinned final state hashes of the demo's golden runs (Scenarios/tank-filling/runs).
/// Change only deliberately, and say why in the commit message.
enum GoldenHashes {
    static let perfect = "a9ee818385780e7d"
    static let mistakes = "a8bb9808f6fb6fcf"
    static let idle = "92154e5048366c74"
}
