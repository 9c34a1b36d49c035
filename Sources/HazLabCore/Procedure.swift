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

/// How a step's credit falls once it takes longer than expected.
public struct LateRule: Sendable, Hashable {
    public enum Shape: String, Sendable, CaseIterable {
        /// Credit falls linearly from full at the expected time to `floor` at the end of the window.
        case linear
        /// Full credit within the window, `floor` after it.
        case step
        /// Time is recorded but never costs credit.
        case none
    }
    public var shape: Shape
    /// Extra ticks after the expected time before credit reaches `floor`.
    public var windowTicks: Int64
    /// Fraction of the step score kept by a step completed after the window (0...1).
    public var floor: Double
    public init(shape: Shape, windowTicks: Int64, floor: Double) {
        self.shape = shape; self.windowTicks = windowTicks; self.floor = floor
    }

    /// Fraction of the step score earned when it took `used` ticks against `expected`.
    public func credit(used: Int64, expected: Int64) -> Double {
        if shape == .none || expected <= 0 || used <= expected { return 1 }
        let late = used - expected
        if late > windowTicks || windowTicks <= 0 { return floor }
        switch shape {
        case .step: return 1
        case .linear: return 1 - (1 - floor) * Double(late) / Double(windowTicks)
        case .none: return 1
        }
    }
}

/// One step of the operating procedure, as the rubric scores it.
public struct ProcedureStep: Sendable {
    public var id: String
    public var title: LocalizedText
    public var hint: LocalizedText
    /// Completion condition. The step starts when every prerequisite has completed and
    /// completes on the first tick after that on which the condition holds. A condition that
    /// came true before the prerequisites were done is out of order and must be redone.
    public var done: Program
    /// Rows of the steps that must complete first.
    public var after: [Int32]
    /// Expected time used, from the step's start to its completion (0: no time rule).
    public var expectedTicks: Int64
    public var late: LateRule
    public var maxScore: Double
    /// Points a hint for this step costs.
    public var hintCost: Double
    /// Entity rows whose operation counts towards this step's repeat count.
    public var targets: [Int32]
    /// Base of this step's slots in the scorer's own temporal memory.
    public var memoryBase: Int32

    public init(id: String, title: LocalizedText, hint: LocalizedText, done: Program, after: [Int32],
                expectedTicks: Int64, late: LateRule = LateRule(shape: .none, windowTicks: 0, floor: 1),
                maxScore: Double, hintCost: Double = 0, targets: [Int32] = [], memoryBase: Int32) {
        self.id = id; self.title = title; self.hint = hint; self.done = done; self.after = after
        self.expectedTicks = expectedTicks; self.late = late; self.maxScore = maxScore
        self.hintCost = hintCost; self.targets = targets; self.memoryBase = memoryBase
    }
}

/// How a hazard, accident or rule breach counts against the trainee.
public enum HazardRule: Sendable, Hashable {
    case none
    case deduct(Double)
    /// Critical error (否决项): what it does to the score is `Rubric.vetoEffect`.
    case veto
}

/// What a veto does to the attempt. Every veto fails the attempt.
public enum VetoEffect: Sendable, Hashable {
    /// The score is set to 0.
    case zero
    /// The score is capped at this many points.
    case cap(Double)
    /// The attempt ends there (the compiler makes vetoed hazards and accidents end the
    /// scenario); the score earned so far stands.
    case end
}

/// 优/良/中/差 thresholds, as percentages of the maximum score.
public struct GradeThresholds: Sendable, Hashable {
    public var excellent: Double
    public var good: Double
    public var pass: Double
    public init(excellent: Double = 90, good: Double = 75, pass: Double = 60) {
        self.excellent = excellent; self.good = good; self.pass = pass
    }
}

/// A process variable that should stay within a band during a phase (质量分).
public struct QualityWindow: Sendable {
    public var id: String
    public var title: LocalizedText
    public var value: Program
    /// Display unit of the band as written (e.g. "m", "°C"): display = (SI − unitOffset) / unitFactor.
    public var unit: String
    public var unitFactor: Double = 1
    public var unitOffset: Double = 0
    /// Band limits in SI units.
    public var low: Double
    public var high: Double
    /// The phase starts when this step completes (-1: at the start of the attempt) ...
    public var fromStep: Int32
    /// ... and ends when this step completes (-1: at the end of the attempt).
    public var toStep: Int32
    /// Optional extra condition: only ticks on which it holds are in the phase.
    public var during: Program?
    /// Ticks after the phase starts that are not judged (time to settle).
    public var graceTicks: Int64
    public var maxScore: Double
    /// Points per excursion out of the band.
    public var excursionCost: Double
    public var valueMemoryBase: Int32
    public var duringMemoryBase: Int32

    /// Converts an SI value of `value` to the band's display unit.
    public func display(_ si: Double) -> Double { unitFactor == 1 && unitOffset == 0 ? si : (si - unitOffset) / unitFactor }

    public init(id: String, title: LocalizedText, value: Program, unit: String, low: Double, high: Double,
                fromStep: Int32, toStep: Int32, during: Program?, graceTicks: Int64, maxScore: Double,
                excursionCost: Double, valueMemoryBase: Int32, duringMemoryBase: Int32) {
        self.id = id; self.title = title; self.value = value; self.unit = unit; self.low = low; self.high = high
        self.fromStep = fromStep; self.toStep = toStep; self.during = during; self.graceTicks = graceTicks
        self.maxScore = maxScore; self.excursionCost = excursionCost
        self.valueMemoryBase = valueMemoryBase; self.duringMemoryBase = duringMemoryBase
    }
}

/// A scenario-specific safety rule: each time `when` comes true it is a violation
/// (for example, in the tank farm without a helmet).
public struct SafetyRule: Sendable {
    public var id: String
    public var title: LocalizedText
    public var when: Program
    public var points: Double
    public var memoryBase: Int32
    public init(id: String, title: LocalizedText, when: Program, points: Double, memoryBase: Int32) {
        self.id = id; self.title = title; self.when = when; self.points = points; self.memoryBase = memoryBase
    }
}

/// A variable the per-attempt report plots over time.
public struct TrendSpec: Sendable {
    public var id: String
    public var title: LocalizedText
    public var value: Program
    /// Display unit as written in `unit:` (display = (SI − unitOffset) / unitFactor).
    public var unit: String
    public var unitFactor: Double
    public var unitOffset: Double
    public var memoryBase: Int32
    public init(id: String, title: LocalizedText, value: Program, unit: String, unitFactor: Double = 1, unitOffset: Double = 0,
                memoryBase: Int32) {
        self.id = id; self.title = title; self.value = value; self.unit = unit
        self.unitFactor = unitFactor; self.unitOffset = unitOffset; self.memoryBase = memoryBase
    }
    public func display(_ si: Double) -> Double { unitFactor == 1 && unitOffset == 0 ? si : (si - unitOffset) / unitFactor }
}

/// The rubric: step scores with time rules, quality windows, safety deductions, vetoes,
/// hint costs and grade thresholds.
public struct Rubric: Sendable {
    public var passScore: Double
    public var rejectedActionDeduction: Double
    /// Default points per core violation; `violationRules` overrides it per code.
    public var violationDeduction: Double
    /// Indexed by `ViolationCode.rawValue` (index 0 unused).
    public var violationRules: [HazardRule]
    /// Points for a step whose condition came true before its prerequisites were done.
    public var outOfOrderDeduction: Double
    /// Indexed by hazard row.
    public var hazardRules: [HazardRule]
    /// Indexed by `Consequence.rawValue`: what a physics accident to the trainee costs.
    public var accidentRules: [HazardRule]
    public var vetoEffect: VetoEffect
    public var grades: GradeThresholds
    public var quality: [QualityWindow]
    public var rules: [SafetyRule]
    /// Variables for the report's trend plots (they share the rubric's memory layout).
    public var trends: [TrendSpec] = []
    public var memorySlots: Int
    public var initialMemory: ContiguousArray<Double>

    public init(passScore: Double, rejectedActionDeduction: Double, violationDeduction: Double,
                violationRules: [HazardRule]? = nil, outOfOrderDeduction: Double = 0,
                hazardRules: [HazardRule], accidentRules: [HazardRule] = Consequence.allCases.map { _ in .veto },
                vetoEffect: VetoEffect = .zero, grades: GradeThresholds = GradeThresholds(),
                quality: [QualityWindow] = [], rules: [SafetyRule] = [],
                memorySlots: Int, initialMemory: ContiguousArray<Double>) {
        self.passScore = passScore; self.rejectedActionDeduction = rejectedActionDeduction
        self.violationDeduction = violationDeduction
        self.violationRules = violationRules ?? Array(repeating: .deduct(violationDeduction), count: ViolationCode.allCases.count + 1)
        self.outOfOrderDeduction = outOfOrderDeduction
        self.hazardRules = hazardRules; self.accidentRules = accidentRules
        self.vetoEffect = vetoEffect; self.grades = grades; self.quality = quality; self.rules = rules
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
    /// Expressions as written in the scenario file, for documents such as the instructor sheet
    /// (never evaluated): `fault.<id>.when`, `hazard.<id>.when`, `rule.<id>.when`,
    /// `step.<id>.done`, `quality.<id>.value`, `quality.<id>.during`, `variable.<name>`.
    public var sources: [String: String] = [:]

    public init(title: LocalizedText, description: LocalizedText, discipline: String, modes: [String],
                entityNames: [LocalizedText], hazardMessages: [LocalizedText], alarmMessages: [LocalizedText],
                faultDescriptions: [LocalizedText], personNames: [LocalizedText]) {
        self.title = title; self.description = description; self.discipline = discipline; self.modes = modes
        self.entityNames = entityNames; self.hazardMessages = hazardMessages; self.alarmMessages = alarmMessages
        self.faultDescriptions = faultDescriptions; self.personNames = personNames
    }
}
