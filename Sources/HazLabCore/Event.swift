/// Everything observable that happens in a step. Events are output, not state:
/// scoring, recorders and the viewer read them; the next step never does.
public enum EventKind: UInt8, Sendable, CaseIterable {
    case actionApplied, actionRejected, violation
    case faultFired
    case hazardTriggered, hazardCleared
    case alarmRaised, alarmAcknowledged, alarmCleared
    case equipmentTripped, equipmentChanged
    case measurement, report
    case scenarioEnded
    /// A physics accident (arc flash, shock, explosion, energy release): code = Consequence.
    case accident

    public var name: String {
        switch self {
        case .actionApplied: return "action-applied"
        case .actionRejected: return "action-rejected"
        case .violation: return "violation"
        case .faultFired: return "fault"
        case .hazardTriggered: return "hazard"
        case .hazardCleared: return "hazard-cleared"
        case .alarmRaised: return "alarm"
        case .alarmAcknowledged: return "alarm-acknowledged"
        case .alarmCleared: return "alarm-cleared"
        case .equipmentTripped: return "trip"
        case .equipmentChanged: return "changed"
        case .measurement: return "measurement"
        case .report: return "report"
        case .scenarioEnded: return "end"
        case .accident: return "accident"
        }
    }
}

/// Why an action could not apply.
public enum RejectReason: Int32, Sendable, CaseIterable {
    case unknownVerb = 1, unknownTarget, unsupportedVerb, locked, lockedByOther, notLocked
    case alreadyLocked, noEffect, invalidValue, notInZone, noPower, tripped, unknownPerson, scenarioOver
    /// A five-prevention interlock refused it; `Event.detail` is the `FivePrevention` rule.
    case interlockBlocked

    public var name: String {
        switch self {
        case .unknownVerb: return "unknown-verb"
        case .unknownTarget: return "unknown-target"
        case .unsupportedVerb: return "unsupported-verb"
        case .locked: return "locked"
        case .lockedByOther: return "locked-by-other"
        case .notLocked: return "not-locked"
        case .alreadyLocked: return "already-locked"
        case .noEffect: return "no-effect"
        case .invalidValue: return "invalid-value"
        case .notInZone: return "not-in-zone"
        case .noPower: return "no-power"
        case .tripped: return "tripped"
        case .unknownPerson: return "unknown-person"
        case .scenarioOver: return "scenario-over"
        case .interlockBlocked: return "interlock-blocked"
        }
    }
}

/// Rule breaches the core can see by itself. Scoring turns them into deductions.
public enum ViolationCode: Int32, Sendable, CaseIterable {
    case operatedTagged = 1
    case scriptedOperationOfLocked
    /// An operation that broke a five-prevention rule (blocked or not); `Event.detail` is the rule.
    case fivePrevention
    /// An operation off the operating ticket that went through: a switching operation with rule 1
    /// disabled (also a `fivePrevention` violation, as it is when blocked), or an item no
    /// interlock can stop (check, test, sign, lock) done ahead of its turn. `Event.detail` is the
    /// ticket step it performed ahead of its turn (1-based), or 0.
    case ticketDeviation

    public var name: String {
        switch self {
        case .operatedTagged: return "operated-tagged-equipment"
        case .scriptedOperationOfLocked: return "scripted-operation-of-locked"
        case .fivePrevention: return "five-prevention"
        case .ticketDeviation: return "ticket-deviation"
        }
    }
}

/// Why the scenario ended.
public enum EndReason: Int32, Sendable {
    case running = 0, submitted, timeLimit, hazard, accident
    public var name: String {
        switch self {
        case .accident: return "accident"
        case .running: return "running"
        case .submitted: return "submitted"
        case .timeLimit: return "time-limit"
        case .hazard: return "hazard"
        }
    }
}

public struct Event: Sendable, Hashable {
    public var tick: Int64
    public var kind: EventKind
    /// Entity row, fault row (faultFired), hazard row (hazard*), or -1.
    public var subject: Int32
    /// Kind-specific: the Verb's index for actions, a RejectReason, a ViolationCode,
    /// a Consequence for hazards, an EndReason for scenarioEnded.
    public var code: Int32
    /// Journal ordinal of the action that caused it, or -1.
    public var ordinal: Int32
    /// Kind-specific number: the measured value for `measurement`.
    public var value: Double
    /// Person row who acted, for action events.
    public var person: Int32
    /// Kind-specific extra code: the five-prevention rule for interlock events, the cause
    /// of an accident.
    public var detail: Int32 = 0

    public init(tick: Int64, kind: EventKind, subject: Int32, code: Int32 = 0, ordinal: Int32 = -1, value: Double = 0,
                person: Int32 = 0, detail: Int32 = 0) {
        self.tick = tick; self.kind = kind; self.subject = subject; self.code = code
        self.ordinal = ordinal; self.value = value; self.person = person; self.detail = detail
    }
}

extension Verb {
    /// Stable index used in `Event.code`.
    public var index: Int32 { Int32(Verb.allCases.firstIndex(of: self)!) }
    public static func from(index: Int32) -> Verb? {
        index >= 0 && Int(index) < allCases.count ? allCases[Int(index)] : nil
    }
}
