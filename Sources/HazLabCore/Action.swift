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

    public init(tick: Int64, verb: String, target: String, number: Double? = nil, text: String? = nil) {
        self.tick = tick; self.verb = verb; self.target = target; self.number = number; self.text = text
    }
}

/// An action resolved against a model, ready for `step`. Unknown names stay representable
/// (entity -1, verb nil) so that the core records them as rejected instead of failing.
public struct Input: Sendable, Hashable {
    public var verb: Verb?
    /// Entity row, or -1 if the target names nothing in the model.
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
