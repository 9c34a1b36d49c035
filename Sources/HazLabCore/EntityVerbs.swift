/// What a trainee can do to each kind of entity: THE verb table, read from each kind's
/// `KindDescriptor`. The core (stage 1, `Inputs`)
/// rejects any other verb as `unsupported-verb`; the workstation's menus and the documentation
/// read it too. `VerbTableTests` steps the core with every kind and verb and checks that the
/// core applies exactly these.
extension EntityKind {
    /// The verbs offered for an entity of this kind, in menu order. `inspect` and `measure`
    /// apply to any entity; they are listed where they tell the trainee something. A lockable
    /// entity also takes `lockVerbs`.
    public var verbs: [Verb] { Self.verbTable[Int(rawValue)] }

    /// `verbs` of each kind by raw value, built once (the core reads it for every action).
    private static let verbTable: [[Verb]] = allCases.map(\.descriptor.verbs)

    /// Verbs every lockable entity takes (lockout-tagout).
    public static let lockVerbs: [Verb] = [.lock, .unlock, .tag, .untag]
    /// Verbs the core applies to any entity, whatever its kind.
    public static let anyEntityVerbs: [Verb] = [.inspect, .measure]

    /// Does the core apply `verb` to an entity of this kind (rather than reject it as unsupported)?
    public func accepts(_ verb: Verb, lockable: Bool) -> Bool {
        verbs.contains(verb) || EntityKind.anyEntityVerbs.contains(verb) || (lockable && EntityKind.lockVerbs.contains(verb))
    }

    /// The kind's own word for a verb where it has one (分闸/合闸 for a breaker), else nil.
    public func word(for verb: Verb) -> LocalizedText? {
        descriptor.words.first { $0.verb == verb }?.text
    }
}
