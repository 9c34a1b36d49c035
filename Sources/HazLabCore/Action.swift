/// What a trainee (or a scripted person) can do. The raw values are the journal's spelling.
public enum Verb: String, Sendable, CaseIterable, Codable {
    case open, close, set, start, stop, reset
    case lock, unlock, tag, untag
    case wear, remove
    case acknowledge
    case moveTo = "move-to"
    case inspect, measure
    case report
    case submit
    /// Verify zero energy at an energy source (lockout-tagout).
    case verify
    /// An instructor fires a scenario fault declared `instructor: true` (target: the fault id).
    case instructorFault = "instructor-fault"
    /// An instructor undoes a fired fault's reversible effects (target: the fault id).
    case instructorClear = "instructor-clear"

    /// Whether a trainee or a scripted person may use the verb (the instructor verbs are not theirs).
    public var isTraineeVerb: Bool { self != .instructorFault && self != .instructorClear }
    /// The verbs a trainee or a scenario's scripted person may use.
    public static let traineeCases: [Verb] = allCases.filter(\.isTraineeVerb)
}

/// An action as it appears in a journal: names, not indices.
public struct Action: Sendable, Hashable {
    public var tick: Int64
    public var verb: String
    public var target: String
    /// Numeric value (`set`), or nil.
    public var number: Double?
    /// Text value (lock owner, report message), or nil.
    public var text: String?
    /// Journal member `by`: the instructor (user id) whose command this line records, or nil.
    /// The core never reads it.
    public var by: String?
    /// Journal member `cmd`: the lab server's command id this line records, or nil. The core never reads it.
    public var command: Int64?

    public init(tick: Int64, verb: String, target: String, number: Double? = nil, text: String? = nil,
                by: String? = nil, command: Int64? = nil) {
        self.tick = tick; self.verb = verb; self.target = target; self.number = number; self.text = text
        self.by = by; self.command = command
    }
}

/// Where a journal line's verb goes when the attempt is stepped (`AttemptStepper.take`).
public enum VerbRoute: Sendable, Hashable {
    /// Resolved into an `Input` for the core (trainee verbs, `instructor-fault`, `instructor-clear`, `submit`).
    case core
    /// To the scorer only (`hint`: its target is a procedure step).
    case hint
    /// Journal only: neither the core nor the scorer sees it (freeze, run, message, pause, resume).
    case note
}

/// An instructor's intervention (Docs/journals.md, "Instructor actions"; Docs/lab.md, "Instructor
/// commands"). THE table: the core's resolve, replay, the workstation, the lab mirror and the
/// grader's verb check all read it.
public enum InstructorCommand: String, Sendable, CaseIterable {
    case fault, clear, freeze, run, message, hint, pause, resume, submit

    /// The journal verb the workstation writes for the command.
    public var verb: String {
        switch self {
        case .fault: return Verb.instructorFault.rawValue
        case .clear: return Verb.instructorClear.rawValue
        case .freeze: return "instructor-freeze"
        case .run: return "instructor-run"
        case .message: return "instructor-message"
        case .hint: return "hint"
        case .pause: return "incident-pause"
        case .resume: return "incident-resume"
        case .submit: return Verb.submit.rawValue
        }
    }

    /// Training modes (their raw names) in which an instructor may send it.
    public var modes: [String] {
        switch self {
        case .fault, .clear, .message, .hint: return ["teaching", "practice"]
        case .freeze, .run: return ["teaching"]
        case .pause, .resume: return ["teaching", "practice", "exam"]
        case .submit: return ["exam"]
        }
    }

    /// Where the journal line goes when stepped.
    public var route: VerbRoute {
        switch self {
        case .fault, .clear, .submit: return .core
        case .hint: return .hint
        case .freeze, .run, .message, .pause, .resume: return .note
        }
    }

    /// The workstation's clock after the command: false stops it (freeze, pause), true lets it
    /// run again (run, resume), nil leaves it.
    public var clockRuns: Bool? {
        switch self {
        case .freeze, .pause: return false
        case .run, .resume: return true
        default: return nil
        }
    }

    /// The command whose journal verb this is, or nil. `hint` and `submit` are also a student's
    /// own verbs: a line is an instructor's when it carries `by`/`cmd`.
    public static func from(verb: String) -> InstructorCommand? { byVerb[verb] }
    private static let byVerb: [String: InstructorCommand] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.verb, $0) })

    /// Where a journal verb goes: the journal-only verbs (freeze, run, message, pause, resume) and
    /// `hint` never reach the core; every other verb does (an unknown one is rejected there).
    public static func route(verb: String) -> VerbRoute { byVerb[verb]?.route ?? .core }

    /// The journal verbs that are not core `Verb`s (the grader's list of known verbs adds them).
    public static let journalOnlyVerbs: [String] = allCases.filter { $0.route != .core }.map(\.verb)
}

/// An action resolved against a model, ready for `step`. Unknown names stay representable
/// (entity -1, verb nil) so that the core records them as rejected instead of failing.
public struct Input: Sendable, Hashable {
    public var verb: Verb?
    /// Entity row, or -1 if the target names nothing in the model. For `instructor-fault` and
    /// `instructor-clear` it is the fault row (-1: no such fault).
    public var entity: Int32
    public var number: Double
    public var hasNumber: Bool
    /// Person row: 0 is the trainee. -1 if a named person is unknown.
    public var person: Int32
    /// Position of the action in its journal (for events), or -1 for scripted actions.
    public var ordinal: Int32

    public init(verb: Verb?, entity: Int32, number: Double = 0, hasNumber: Bool = false, person: Int32 = 0, ordinal: Int32 = -1) {
        self.verb = verb; self.entity = entity; self.number = number
        self.hasNumber = hasNumber; self.person = person; self.ordinal = ordinal
    }
}

extension Model {
    /// Resolves one journal action. For `lock`/`unlock`, `text` names the person (default: trainee).
    public func resolve(_ action: Action, ordinal: Int32) -> Input {
        let verb = Verb(rawValue: action.verb)
        let entity: Int32
        if verb == .submit && action.target.isEmpty {
            entity = -1
        } else if verb == .instructorFault || verb == .instructorClear {
            // The target is a fault id: `entity` carries the fault row.
            entity = faults.ids.firstIndex(of: action.target).map { Int32($0) } ?? -1
        } else {
            entity = entityIndex[action.target] ?? -1
        }
        var person: Int32 = 0
        if verb == .lock || verb == .unlock, let who = action.text, !who.isEmpty {
            person = personIndex[who] ?? -1
        }
        return Input(verb: verb, entity: entity, number: action.number ?? 0, hasNumber: action.number != nil,
                     person: person, ordinal: ordinal)
    }
}
