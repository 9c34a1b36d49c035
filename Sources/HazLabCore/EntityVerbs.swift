/// What a trainee can do to each kind of entity: THE verb table. The core (stage 1, `Inputs`)
/// rejects any other verb as `unsupported-verb`; the workstation's menus and the documentation
/// read it too. `VerbTableTests` steps the core with every kind and verb and checks that the
/// core applies exactly these.
extension EntityKind {
    /// The verbs offered for an entity of this kind, in menu order. `inspect` and `measure`
    /// apply to any entity; they are listed where they tell the trainee something. A lockable
    /// entity also takes `lockVerbs`.
    public var verbs: [Verb] { Self.verbTable[Int(rawValue)] }

    /// `verbs` of each kind by raw value, built once (the core reads it for every action).
    private static let verbTable: [[Verb]] = allCases.map(\.listedVerbs)

    private var listedVerbs: [Verb] {
        switch self {
        case .valve: return [.open, .close, .set, .inspect]
        case .switchgear: return [.close, .open, .reset, .inspect]
        case .motor: return [.start, .stop, .reset, .inspect]
        case .tank, .sensor, .detector, .reactor: return [.measure, .inspect]
        // Buses, supplies, loads and indicators are tested for voltage (验电) by `measure`;
        // `verify` (zero energy) belongs to lockout-tagout energy sources.
        case .bus, .indicator, .supply, .load: return [.measure, .inspect]
        case .alarm: return [.acknowledge, .inspect]
        case .ppe: return [.wear, .remove]
        case .zone: return [.moveTo]
        case .contact: return [.report]
        case .energy: return [.verify, .inspect]
        case .opening: return [.open, .close]
        case .hotwork: return [.stop, .start, .inspect]
        case .leak: return [.inspect]
        case .timer: return [.start, .stop, .reset]
        case .link: return []
        }
    }

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
        switch (self, verb) {
        case (.switchgear, .close): return LocalizedText(zh: "合闸", en: "Close (switch on)")
        case (.switchgear, .open): return LocalizedText(zh: "分闸", en: "Open (switch off)")
        case (.switchgear, .reset), (.motor, .reset): return LocalizedText(zh: "复位（跳闸后）", en: "Reset trip")
        case (.energy, .verify): return LocalizedText(zh: "验证零能量", en: "Verify zero energy")
        case (.bus, .measure), (.supply, .measure), (.load, .measure), (.indicator, .measure):
            return LocalizedText(zh: "验电", en: "Test for voltage")
        case (.hotwork, .start): return LocalizedText(zh: "开始动火", en: "Start hot work")
        case (.hotwork, .stop): return LocalizedText(zh: "停止动火", en: "Stop hot work")
        default: return nil
        }
    }
}
