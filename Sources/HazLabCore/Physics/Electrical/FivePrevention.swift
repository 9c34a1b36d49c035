/// The five-prevention interlocks (五防).
///
/// Sources: DL/T 687-2010 《微机型防止电气误操作系统通用技术条件》 (general specification of
/// computerised anti-misoperation systems, which defines the five preventions), and the State
/// Grid safety rules 《国家电网公司电力安全工作规程》 (Q/GDW 1799.1-2013, 变电部分), which
/// require 防误闭锁装置 on high-voltage switchgear and set the switching order: when
/// de-energising, breaker → load-side disconnector → source-side disconnector; when energising,
/// the reverse; test for voltage (验电) before earthing; earth before work.
///
/// 1. 防止误分、误合断路器 — no operation of the wrong breaker.
/// 2. 防止带负荷拉、合隔离开关 — no opening/closing a disconnector under load.
/// 3. 防止带电挂（合）接地线（接地开关） — no earthing a live conductor.
/// 4. 防止带接地线（接地开关）合断路器（隔离开关） — no closing a breaker/disconnector onto earth.
/// 5. 防止误入带电间隔 — no entering a live compartment.
///
/// Every operation is assessed BEFORE it is applied. A rule can be disabled for training; the
/// operation then goes through and the assessment reports its physical consequence.
public enum FivePrevention: UInt8, Sendable, CaseIterable {
    case wrongBreaker = 1
    case disconnectorUnderLoad = 2
    case earthingLive = 3
    case closingOntoEarth = 4
    case enteringLiveCompartment = 5

    /// Stable identifier for scenarios, events and reports.
    public var name: String {
        switch self {
        case .wrongBreaker: return "wrong-breaker"
        case .disconnectorUnderLoad: return "disconnector-under-load"
        case .earthingLive: return "earthing-live"
        case .closingOntoEarth: return "closing-onto-earth"
        case .enteringLiveCompartment: return "entering-live-compartment"
        }
    }

    public var title: String {
        switch self {
        case .wrongBreaker: return "防止误分、误合断路器"
        case .disconnectorUnderLoad: return "防止带负荷拉、合隔离开关"
        case .earthingLive: return "防止带电挂（合）接地线（接地开关）"
        case .closingOntoEarth: return "防止带接地线（接地开关）合断路器（隔离开关）"
        case .enteringLiveCompartment: return "防止误入带电间隔"
        }
    }
}

/// A set of the five rules (bit r-1 for rule r).
public struct FivePreventionSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rule: FivePrevention) { rawValue = 1 << (rule.rawValue - 1) }
    public static let all = FivePreventionSet(rawValue: 0b1_1111)
    public static let none = FivePreventionSet([])
    public func contains(_ rule: FivePrevention) -> Bool { contains(FivePreventionSet(rule)) }
    public func removing(_ rule: FivePrevention) -> FivePreventionSet { subtracting(FivePreventionSet(rule)) }
}

public struct InterlockSettings: Sendable, Equatable {
    /// Rules in force. A scenario may disable some for training.
    public var enabled: FivePreventionSet
    /// Rule 1: the operations the operating ticket allows now — its next item (the 电脑钥匙 of a
    /// computerised 五防 system unlocks only that device). nil = no ticket in force: rule 1 is
    /// not checked. An empty list blocks every switching operation.
    public var permitted: [SwitchingOperation]?
    /// Rule 4, strict form (as the mechanical interlock between a disconnector and its
    /// earthing switch): closing a disconnector is also blocked while either terminal is
    /// earthed, even if no source is connected yet. False = only the electrical consequence
    /// (a source connected to an earthed node) is blocked.
    public var earthAdjacency: Bool

    public init(enabled: FivePreventionSet = .all, permitted: [SwitchingOperation]? = nil, earthAdjacency: Bool = true) {
        self.enabled = enabled; self.permitted = permitted; self.earthAdjacency = earthAdjacency
    }
}

/// Opening or closing one branch: what an operating ticket item permits.
public struct SwitchingOperation: Sendable, Hashable {
    public var branch: Int32
    public var close: Bool
    public init(branch: Int32, close: Bool) { self.branch = branch; self.close = close }
}

public enum InterlockDecision: Sendable, Equatable {
    case allowed
    case blocked(FivePrevention)
    /// The branch is a `.link` (or out of range): nothing to operate.
    case notSwitchable
}

public enum ArcFlashCause: UInt8, Sendable, CaseIterable {
    /// A disconnector opened while carrying load current (带负荷拉闸).
    case disconnectorBrokeLoad = 1
    /// A disconnector closed onto a load or between live systems (带负荷合闸).
    case disconnectorMadeLoad
    /// An earthing switch closed onto a live node (带电合接地开关).
    case earthedLiveNode
    /// A breaker or disconnector closed a source onto an earthed node (带地线合闸).
    case closedOntoEarth

    public var name: String {
        switch self {
        case .disconnectorBrokeLoad: return "disconnector-broke-load"
        case .disconnectorMadeLoad: return "disconnector-made-load"
        case .earthedLiveNode: return "earthed-live-node"
        case .closedOntoEarth: return "closed-onto-earth"
        }
    }
}

public enum ElectricalHazard: Sendable, Equatable {
    /// Arc flash at the operated branch (row).
    case arcFlash(branch: Int32, cause: ArcFlashCause)
    /// Electric shock on entering a compartment (row) with a live node.
    case electricShock(compartment: Int32, node: Int32)
}

public struct InterlockAssessment: Sendable, Equatable {
    /// What to do: apply the operation only when `.allowed`.
    public var decision: InterlockDecision
    /// Every rule the operation breaks, enabled or not — so scoring can see an attempted
    /// misoperation even when the interlock stopped it. A set: assessing allocates nothing.
    public var violatedRules: FivePreventionSet
    /// The physical consequence of performing the operation; nil when blocked or harmless.
    public var hazard: ElectricalHazard?

    public init(decision: InterlockDecision, violated: [FivePrevention] = [], hazard: ElectricalHazard? = nil) {
        self.init(decision: decision, violatedRules: FivePreventionSet(violated.map(FivePreventionSet.init)), hazard: hazard)
    }

    init(decision: InterlockDecision, violatedRules: FivePreventionSet, hazard: ElectricalHazard? = nil) {
        self.decision = decision; self.violatedRules = violatedRules; self.hazard = hazard
    }

    /// `violatedRules` ascending by rule number.
    public var violated: [FivePrevention] { FivePrevention.allCases.filter { violatedRules.contains($0) } }
}

// MARK: - Load current

/// True per node-component label where a load point (load or transformer primary) lies.
/// Marks, per component of `e`, whether it holds a load point, in `scratch.componentLoad`.
func markComponentsWithLoad(_ spec: ElectricalSpec, _ e: Energisation, _ scratch: inout ElectricalScratch) {
    for c in 0..<spec.nodeCount { scratch.componentLoad[c] = false }
    for i in 0..<spec.nodeCount where spec.isLoadPoint[i] { scratch.componentLoad[Int(e.component[i])] = true }
}

public func breaksLoadCurrent(_ spec: ElectricalSpec, closed: [Bool], branch: Int) -> Bool {
    var scratch = ElectricalScratch(spec: spec)
    return breaksLoadCurrent(spec, closed: closed, branch: branch, scratch: &scratch)
}

/// Whether opening `branch` interrupts load current (see the public form); uses `scratch`'s
/// `before`, `after` and `trial`.
func breaksLoadCurrent(_ spec: ElectricalSpec, closed: [Bool], branch: Int, scratch: inout ElectricalScratch) -> Bool {
    guard branch >= 0 && branch < spec.branches.count, spec.conducts(branch, closed) else { return false }
    let br = spec.branches[branch]
    scratch.before.compute(spec, closed: closed, buffers: &scratch.buffers)
    if !scratch.before.live[Int(br.a)] { return false }
    scratch.setTrial(closed, branch: branch, to: false)
    scratch.after.compute(spec, closed: scratch.trial, buffers: &scratch.buffers)
    let after = scratch.after
    let a = Int(br.a), b = Int(br.b)
    if after.component[a] == after.component[b] { return false }
    markComponentsWithLoad(spec, after, &scratch)
    let liveA = after.live[a], liveB = after.live[b]
    return (liveA && liveB)
        || (!liveA && scratch.componentLoad[Int(after.component[a])])
        || (!liveB && scratch.componentLoad[Int(after.component[b])])
}

public func makesLoadCurrent(_ spec: ElectricalSpec, closed: [Bool], branch: Int) -> Bool {
    var scratch = ElectricalScratch(spec: spec)
    return makesLoadCurrent(spec, closed: closed, branch: branch, scratch: &scratch)
}

/// Whether closing `branch` makes load current; uses `scratch.before`.
func makesLoadCurrent(_ spec: ElectricalSpec, closed: [Bool], branch: Int, scratch: inout ElectricalScratch) -> Bool {
    guard branch >= 0 && branch < spec.branches.count, !spec.conducts(branch, closed) else { return false }
    let br = spec.branches[branch]
    scratch.before.compute(spec, closed: closed, buffers: &scratch.buffers)
    let e = scratch.before
    let a = Int(br.a), b = Int(br.b)
    let ca = Int(e.component[a]), cb = Int(e.component[b])
    if ca == cb { return false }
    markComponentsWithLoad(spec, e, &scratch)
    let liveA = e.live[a], liveB = e.live[b]
    return (liveA && liveB) || (liveA && scratch.componentLoad[cb]) || (liveB && scratch.componentLoad[ca])
}

public func createsFault(_ spec: ElectricalSpec, closed: [Bool], branch: Int) -> Bool {
    var scratch = ElectricalScratch(spec: spec)
    return createsFault(spec, closed: closed, branch: branch, scratch: &scratch)
}

/// Whether closing `branch` makes a node live and earthed that was not; uses `before`, `after`, `trial`.
func createsFault(_ spec: ElectricalSpec, closed: [Bool], branch: Int, scratch: inout ElectricalScratch) -> Bool {
    guard branch >= 0 && branch < spec.branches.count, !spec.conducts(branch, closed) else { return false }
    scratch.before.compute(spec, closed: closed, buffers: &scratch.buffers)
    scratch.setTrial(closed, branch: branch, to: true)
    scratch.after.compute(spec, closed: scratch.trial, buffers: &scratch.buffers)
    let before = scratch.before, after = scratch.after
    for i in 0..<spec.nodeCount where after.live[i] && after.earthed[i] && !(before.live[i] && before.earthed[i]) {
        return true
    }
    return false
}

extension ElectricalScratch {
    /// `trial` = `closed` with `branch` set to `value`.
    mutating func setTrial(_ closed: [Bool], branch: Int, to value: Bool) {
        for i in 0..<closed.count { trial[i] = closed[i] }
        trial[branch] = value
    }
}

// MARK: - Assessment

public enum ElectricalInterlocks {
    /// Assesses opening (`close == false`) or closing (`close == true`) branch `branch` in the
    /// network whose present positions are `closed`. Pure: nothing is changed.
    ///
    /// The decision names the first violated *enabled* rule in the order 1, 3, 4, 2: the
    /// earthing rules come before the load rule because a fault to earth is the graver
    /// consequence and names the actual omission (an earth left on). Requesting the position
    /// the branch is already in is `.allowed` with no violation (the caller reports no-effect).
    public static func assessSwitching(_ spec: ElectricalSpec, closed: [Bool], branch: Int, close: Bool,
                                       settings: InterlockSettings = InterlockSettings()) -> InterlockAssessment {
        var scratch = ElectricalScratch(spec: spec)
        return assessSwitching(spec, closed: closed, branch: branch, close: close, settings: settings, scratch: &scratch)
    }

    /// `assessSwitching` with the buffers of `scratch` (the step's form: it allocates nothing).
    static func assessSwitching(_ spec: ElectricalSpec, closed: [Bool], branch: Int, close: Bool,
                                settings: InterlockSettings, scratch: inout ElectricalScratch) -> InterlockAssessment {
        guard branch >= 0 && branch < spec.branches.count, spec.branches[branch].kind.isSwitchable else {
            return InterlockAssessment(decision: .notSwitchable)
        }
        if closed[branch] == close { return InterlockAssessment(decision: .allowed) }
        let br = spec.branches[branch]
        let row = Int32(branch)
        var violated = FivePreventionSet.none
        var hazard: ElectricalHazard? = nil

        // Rule 1: wrong breaker — with a ticket in force, any switching device that is not the
        // ticket's next operation (wrong bay, out of order, not on the ticket).
        if let permitted = settings.permitted, !permitted.contains(SwitchingOperation(branch: row, close: close)) {
            violated.insert(FivePreventionSet(.wrongBreaker))
        }
        // Rule 2: disconnector under load.
        var loadArc: ArcFlashCause? = nil
        if br.kind == .disconnector {
            if close ? makesLoadCurrent(spec, closed: closed, branch: branch, scratch: &scratch)
                     : breaksLoadCurrent(spec, closed: closed, branch: branch, scratch: &scratch) {
                violated.insert(FivePreventionSet(.disconnectorUnderLoad))
                loadArc = close ? .disconnectorMadeLoad : .disconnectorBrokeLoad
            }
        }
        if close {
            let fault = createsFault(spec, closed: closed, branch: branch, scratch: &scratch)
            if br.kind == .earthingSwitch {
                // Rule 3: earthing a live node.
                if fault {
                    violated.insert(FivePreventionSet(.earthingLive))
                    hazard = .arcFlash(branch: row, cause: .earthedLiveNode)
                }
            } else {
                // Rule 4: closing onto earth.
                var strict = false
                if settings.earthAdjacency && br.kind == .disconnector {
                    scratch.before.compute(spec, closed: closed, buffers: &scratch.buffers)
                    let e = scratch.before
                    let a = Int(br.a), b = Int(br.b)
                    strict = e.component[a] != e.component[b] && (e.earthed[a] || e.earthed[b])
                }
                if fault { hazard = .arcFlash(branch: row, cause: .closedOntoEarth) }
                if fault || strict { violated.insert(FivePreventionSet(.closingOntoEarth)) }
            }
        }
        if hazard == nil, let cause = loadArc { hazard = .arcFlash(branch: row, cause: cause) }

        for rule in decisionOrder where violated.contains(rule) && settings.enabled.contains(rule) {
            return InterlockAssessment(decision: .blocked(rule), violatedRules: violated, hazard: nil)
        }
        return InterlockAssessment(decision: .allowed, violatedRules: violated, hazard: hazard)
    }

    /// The rule a blocked operation is reported under, when it breaks several.
    static let decisionOrder: [FivePrevention] = [.wrongBreaker, .earthingLive, .closingOntoEarth, .disconnectorUnderLoad]

    /// Rule 5: may a person enter compartment row `compartment`? Blocked if any of its nodes
    /// is live, or (when the compartment requires it) any is not earthed. With the rule
    /// disabled, entering a compartment with a live node is `.allowed` with an electric shock.
    public static func assessEntry(_ spec: ElectricalSpec, energisation e: Energisation, compartment: Int,
                                   settings: InterlockSettings = InterlockSettings()) -> InterlockAssessment {
        let c = spec.compartments[compartment]
        var liveNode: Int32 = -1
        var allEarthed = true
        for node in c.nodes {
            if liveNode < 0 && e.live[Int(node)] { liveNode = node }
            if !e.earthed[Int(node)] { allEarthed = false }
        }
        let violates = liveNode >= 0 || (c.requireEarthed && !allEarthed)
        if !violates { return InterlockAssessment(decision: .allowed) }
        if settings.enabled.contains(.enteringLiveCompartment) {
            return InterlockAssessment(decision: .blocked(.enteringLiveCompartment), violatedRules: FivePreventionSet(.enteringLiveCompartment))
        }
        return InterlockAssessment(decision: .allowed, violatedRules: FivePreventionSet(.enteringLiveCompartment),
                                   hazard: liveNode >= 0 ? .electricShock(compartment: Int32(compartment), node: liveNode) : nil)
    }

    /// Rule 5 as a yes/no: no node live, and (if required) every node earthed.
    public static func canEnter(_ spec: ElectricalSpec, energisation e: Energisation, compartment: Int) -> Bool {
        assessEntry(spec, energisation: e, compartment: compartment).decision == .allowed
    }
}
