/// Everything the engine says about one kind of entity, in one place: the words scenario files
/// use for it, its name in reports, its YAML keys, the verbs a trainee may use on it and the
/// kind's own words for them, and the fields expressions read. The compiler, `hazlab schema`,
/// the core's stage 1, the workstation's menus, the reports and the docs all read it, so they
/// cannot drift apart. Each kind's descriptor is in its own file in this folder; `all` lists them.
///
/// The descriptor is description only: the step never reads it. Each kind's columns and stage
/// stay flat arrays dispatched per stage (see Docs/adding-an-entity-kind.md).
public struct KindDescriptor: Sendable {
    /// A `type:` word of scenario files and the kind's name for it (断路器 for `breaker`).
    public struct TypeWord: Sendable {
        public let word: String
        public let label: LocalizedText
        public init(_ word: String, _ label: LocalizedText) { self.word = word; self.label = label }
    }

    /// The kind's own word for a verb (分闸 for opening a breaker).
    public struct VerbWord: Sendable {
        public let verb: Verb
        public let text: LocalizedText
        public init(_ verb: Verb, _ text: LocalizedText) { self.verb = verb; self.text = text }
    }

    public let kind: EntityKind
    /// The kind's name in messages and the docs (`EntityKind.name`).
    public let name: String
    /// Its name in reports when the entity's role gives no better one.
    public let label: LocalizedText
    /// The words scenario files write in `type:`, the usual one first.
    public let types: [TypeWord]
    /// Keys besides `Format.entityCommon`; a lockable kind also takes `isolationKeys` (see `keys`).
    public let ownKeys: [KeySpec]
    /// The verbs offered for it, in menu order; the core rejects any other (`EntityKind.verbs`).
    public let verbs: [Verb]
    public let words: [VerbWord]
    /// Takes lock, unlock, tag and untag, and may isolate energy (lockout-tagout).
    public let lockable: Bool
    /// Fields read in expressions (`TK101.level`), besides `FieldCatalog.common` and, when
    /// lockable, `FieldCatalog.lockable`.
    public let ownFields: [FieldSpec]
    /// The field that says the entity is tripped: menus offer `reset` only while it reads 1.
    public let trippedField: FieldKind?

    public init(kind: EntityKind, name: String, label: LocalizedText, types: [TypeWord], keys: [KeySpec] = [],
                verbs: [Verb], words: [VerbWord] = [], lockable: Bool = false, fields: [FieldSpec],
                trippedField: FieldKind? = nil) {
        self.kind = kind; self.name = name; self.label = label; self.types = types; self.ownKeys = keys
        self.verbs = verbs; self.words = words; self.lockable = lockable; self.ownFields = fields
        self.trippedField = trippedField
    }

    /// Every key an entity of this kind takes besides the common ones.
    public var keys: [KeySpec] { lockable ? ownKeys + KindDescriptor.isolationKeys : ownKeys }

    /// The name for an entity of this kind whose `type:` word (or role) is `word`.
    public func label(type word: String?) -> LocalizedText {
        guard let word, let t = types.first(where: { $0.word == word }) else { return label }
        return t.label
    }

    /// Keys any equipment that can isolate energy accepts (valves, switches, pumps, fans).
    public static let isolationKeys: [KeySpec] = [
        KeySpec("isolates", .list(.identifier), "energy sources this equipment isolates (lockout-tagout)"),
        KeySpec("dissipates", .list(.identifier), "energy sources whose stored energy it bleeds off in its safe position"),
        KeySpec("dissipationTime", .quantity(.time), "time constant of the bleed-off (0 = at once)"),
    ]

    /// The faces of the gas grid's box, as scenario files name them (`GasFace` order).
    public static let faces = ["x-", "x+", "y-", "y+", "z-", "z+"]
}

extension EntityKind {
    /// This kind's descriptor.
    public var descriptor: KindDescriptor { KindDescriptor.byKind[Int(rawValue)] }
}

extension KindDescriptor {
    /// Every kind's descriptor, in `EntityKind` order: the one list a new kind is added to.
    public static let all: [KindDescriptor] = [
        .tank, .valve, .switchgear, .motor, .sensor, .alarm, .timer, .ppe, .zone, .contact,
        .bus, .supply, .load, .indicator, .link, .energy,
        .opening, .leak, .detector, .hotwork, .reactor, .compressor,
    ]

    /// `all` by raw value, checked once: a descriptor out of place or missing stops every process at once.
    static let byKind: [KindDescriptor] = {
        precondition(all.count == EntityKind.allCases.count, "KindDescriptor.all must list every EntityKind")
        for (i, d) in all.enumerated() { precondition(Int(d.kind.rawValue) == i, "KindDescriptor.all out of EntityKind order at \(d.name)") }
        return all
    }()

    /// Every `type:` word, in kind order.
    public static let typeWords: [String] = all.flatMap { $0.types.map(\.word) }

    /// The kind a `type:` word declares, or nil for an unknown word.
    public static func kind(ofType word: String) -> EntityKind? {
        all.first { $0.types.contains { $0.word == word } }?.kind
    }
}

/// A readable field, for the descriptors' field lists.
func field(_ name: String, _ kind: FieldKind, _ type: ValueType?, byEntity: Bool = false, _ help: String) -> FieldSpec {
    FieldSpec(name: name, kind: kind, type: type, byEntity: byEntity, help: help)
}

/// Both languages' words, for the descriptors.
func zhEn(_ zh: String, _ en: String) -> LocalizedText { LocalizedText(zh: zh, en: en) }
