/// Pinned final state hashes of the demo's golden runs (Scenarios/tank-filling/runs).
/// Change only deliberately, and say why in the commit message.
enum GoldenHashes {
    static let perfect = "b14ccf10c9bfe32d"
    static let mistakes = "dc2edb3b54bc0b97"
    static let idle = "5957fe51bc166ff8"
}
