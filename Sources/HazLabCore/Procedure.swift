/// A zh-CN / en pair. zh-CN is the primary language; `en` falls back to it when empty.
public struct LocalizedText: Sendable, Hashable {
    public var zh: String
    public var en: String
    public init(zh: String, en: String) { self.zh = zh; self.en = en }
    public static let empty = LocalizedText(zh: "", en: "")
    public func text(_ language: String) -> String {
        if language.hasPrefix("en") { return en.isEmpty ? zh : en }
        return zh.isEmpty ? en : zh
    }
}

/// One step of the operating procedure, as the rubric scores it.
public struct ProcedureStep: Sendable {
    public var id: String
    public var title: LocalizedText
    public var hint: LocalizedText
    /// Completion condition; the step completes on the first tick it holds after every
    /// prerequisite has completed.
    public var done: Program
    /// Rows of the steps that must complete first.
    public var after: [Int32]
    public var expectedTicks: Int64
    public var maxScore: Double
    /// Base of this step's slots in the scorer's own temporal memory.
    public var memoryBase: Int32

    public init(id: String, title: LocalizedText, hint: LocalizedText, done: Program, after: [Int32],
                expectedTicks: Int64, maxScore: Double, memoryBase: Int32) {
        self.id = id; self.title = title; self.hint = hint; self.done = done; self.after = after
        self.expectedTicks = expectedTicks; self.maxScore = maxScore; self.memoryBase = memoryBase
    }
}

/// How a hazard counts against the trainee.
public enum HazardRule: Sendable, Hashable {
    case none
    case deduct(Double)
    /// Critical error: the attempt scores 0 and fails.
    case veto
}

/// The minimal rubric: step scores, per-event deductions, hazard deductions and vetoes.
public struct Rubric: Sendable {
    public var passScore: Double
    public var rejectedActionDeduction: Double
    public var violationDeduction: Double
    /// Indexed by hazard row.
    public var hazardRules: [HazardRule]
    /// Indexed by `Consequence.rawValue`: what a physics accident to the trainee costs.
    public var accidentRules: [HazardRule]
    public var memorySlots: Int
    public var initialMemory: ContiguousArray<Double>

    public init(passScore: Double, rejectedActionDeduction: Double, violationDeduction: Double,
                hazardRules: [HazardRule], accidentRules: [HazardRule] = Consequence.allCases.map { _ in .veto },
                memorySlots: Int, initialMemory: ContiguousArray<Double>) {
        self.passScore = passScore; self.rejectedActionDeduction = rejectedActionDeduction
        self.violationDeduction = violationDeduction; self.hazardRules = hazardRules; self.accidentRules = accidentRules
        self.memorySlots = memorySlots; self.initialMemory = initialMemory
    }
}

/// Human-facing text and metadata: titles, names and messages in both languages.
public struct ScenarioText: Sendable {
    public var title: LocalizedText
    public var description: LocalizedText
    public var discipline: String
    public var modes: [String]
    /// By entity row.
    public var entityNames: [LocalizedText]
    /// By hazard row.
    public var hazardMessages: [LocalizedText]
    /// By alarm row.
    public var alarmMessages: [LocalizedText]
    /// By fault row.
    public var faultDescriptions: [LocalizedText]
    /// By person row.
    public var personNames: [LocalizedText]

    public init(title: LocalizedText, description: LocalizedText, discipline: String, modes: [String],
                entityNames: [LocalizedText], hazardMessages: [LocalizedText], alarmMessages: [LocalizedText],
                faultDescriptions: [LocalizedText], personNames: [LocalizedText]) {
        self.title = title; self.description = description; self.discipline = discipline; self.modes = modes
        self.entityNames = entityNames; self.hazardMessages = hazardMessages; self.alarmMessages = alarmMessages
        self.faultDescriptions = faultDescriptions; self.personNames = personNames
    }
}
