/// Pinned final state hashes of the demo's golden runs (Scenarios/tank-filling/runs).
/// Change only deliberately, and say why in the commit message.
enum GoldenHashes {
    static let perfect = "b6bcaf94515d001d"
    static let mistakes = "d90c6eeefcfc3faf"
    static let idle = "96a7d458d2a982f4"
}
