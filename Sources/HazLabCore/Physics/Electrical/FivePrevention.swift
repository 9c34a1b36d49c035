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
    /// Every rule the operation breaks, enabled or not, ascending by rule number — so scoring
    /// can see an attempted misoperation even when the interlock stopped it.
    public var violated: [FivePrevention]
    /// The physical consequence of performing the operation; nil when blocked or harmless.
    public var hazard: ElectricalHazard?

    public init(decision: InterlockDecision, violated: [FivePrevention] = [], hazard: ElectricalHazard? = nil) {
        self.decision = decision; self.violated = violated; self.hazard = hazard
    }
}

// MARK: - Load current

/// True per node-component label where a load point (load or transformer primary) lies.
func componentsWithLoad(_ spec: ElectricalSpec, _ e: Energisation) -> [Bool] {
    var count: Int32 = 0
    for c in e.component where c + 1 > count { count = c + 1 }
    var has = [Bool](repeating: false, count: Int(count))
    for i in 0..<spec.nodeCount where spec.isLoadPoint[i] { has[Int(e.component[i])] = true }
    return has
}

/// Whether opening the (closed) branch would interrupt current: "breaking under load".
///
/// Definition: with the branch open, its two terminals fall into different components (it
/// was the only path — a bridge), and either a terminal's side that loses supply holds a load
/// point, or both sides stay live (two live systems are being separated, which interrupts the
/// current they exchange). A branch in a closed loop (a parallel path remains) is not under
/// load: its terminals stay equipotential (等电位拉合). A disconnector in series with an open
/// breaker is not under load: the side beyond it holds no load point. A dead branch is never
/// under load.
public func breaksLoadCurrent(_ spec: ElectricalSpec, closed: [Bool], branch: Int) -> Bool {
    guard branch >= 0 && branch < spec.branches.count, spec.conducts(branch, closed) else { return false }
    let br = spec.branches[branch]
    let before = energise(spec, closed: closed)
    if !before.live[Int(br.a)] { return false }
    var opened = closed
    opened[branch] = false
    let after = energise(spec, closed: opened)
    let a = Int(br.a), b = Int(br.b)
    if after.component[a] == after.component[b] { return false }
    let load = componentsWithLoad(spec, after)
    let liveA = after.live[a], liveB = after.live[b]
    return (liveA && liveB)
        || (!liveA && load[Int(after.component[a])])
        || (!liveB && load[Int(after.component[b])])
}

/// Whether closing the (open) branch would start current: "making under load".
///
/// Definition: its terminals are in different components, and either one side is live and
/// the other holds a load point, or both sides are live (paralleling two systems). Closing a
/// loop (terminals already connected elsewhere) is equipotential and makes no current. Current
/// into EARTH is not load current: closing onto earth is rule 3/4 (`createsFault`).
public func makesLoadCurrent(_ spec: ElectricalSpec, closed: [Bool], branch: Int) -> Bool {
    guard branch >= 0 && branch < spec.branches.count, !spec.conducts(branch, closed) else { return false }
    let br = spec.branches[branch]
    let e = energise(spec, closed: closed)
    let a = Int(br.a), b = Int(br.b)
    let ca = Int(e.component[a]), cb = Int(e.component[b])
    if ca == cb { return false }
    let load = componentsWithLoad(spec, e)
    let liveA = e.live[a], liveB = e.live[b]
    return (liveA && liveB) || (liveA && load[cb]) || (liveB && load[ca])
}

/// Whether closing the (open) branch would make some node live and earthed that is not so now.
public func createsFault(_ spec: ElectricalSpec, closed: [Bool], branch: Int) -> Bool {
    guard branch >= 0 && branch < spec.branches.count, !spec.conducts(branch, closed) else { return false }
    let before = energise(spec, closed: closed)
    var next = closed
    next[branch] = true
    let after = energise(spec, closed: next)
    for i in 0..<spec.nodeCount where after.live[i] && after.earthed[i] && !(before.live[i] && before.earthed[i]) {
        return true
    }
    return false
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
        guard branch >= 0 && branch < spec.branches.count, spec.branches[branch].kind.isSwitchable else {
            return InterlockAssessment(decision: .notSwitchable)
        }
        if closed[branch] == close { return InterlockAssessment(decision: .allowed) }
        let br = spec.branches[branch]
        let row = Int32(branch)
        var violated: [FivePrevention] = []
        var hazard: ElectricalHazard? = nil

        // Rule 1: wrong breaker — with a ticket in force, any switching device that is not the
        // ticket's next operation (wrong bay, out of order, not on the ticket).
        if let permitted = settings.permitted, !permitted.contains(SwitchingOperation(branch: row, close: close)) {
            violated.append(.wrongBreaker)
        }
        // Rule 2: disconnector under load.
        var loadArc: ArcFlashCause? = nil
        if br.kind == .disconnector {
            if close ? makesLoadCurrent(spec, closed: closed, branch: branch)
                     : breaksLoadCurrent(spec, closed: closed, branch: branch) {
                violated.append(.disconnectorUnderLoad)
                loadArc = close ? .disconnectorMadeLoad : .disconnectorBrokeLoad
            }
        }
        if close {
            let fault = createsFault(spec, closed: closed, branch: branch)
            if br.kind == .earthingSwitch {
                // Rule 3: earthing a live node.
                if fault {
                    violated.append(.earthingLive)
                    hazard = .arcFlash(branch: row, cause: .earthedLiveNode)
                }
            } else {
                // Rule 4: closing onto earth.
                var strict = false
                if settings.earthAdjacency && br.kind == .disconnector {
                    let e = energise(spec, closed: closed)
                    let a = Int(br.a), b = Int(br.b)
                    strict = e.component[a] != e.component[b] && (e.earthed[a] || e.earthed[b])
                }
                if fault { hazard = .arcFlash(branch: row, cause: .closedOntoEarth) }
                if fault || strict { violated.append(.closingOntoEarth) }
            }
        }
        if hazard == nil, let cause = loadArc { hazard = .arcFlash(branch: row, cause: cause) }

        violated.sort { $0.rawValue < $1.rawValue }
        for rule in [FivePrevention.wrongBreaker, .earthingLive, .closingOntoEarth, .disconnectorUnderLoad]
        where violated.contains(rule) && settings.enabled.contains(rule) {
            return InterlockAssessment(decision: .blocked(rule), violated: violated, hazard: nil)
        }
        return InterlockAssessment(decision: .allowed, violated: violated, hazard: hazard)
    }

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
            return InterlockAssessment(decision: .blocked(.enteringLiveCompartment), violated: [.enteringLiveCompartment])
        }
        return InterlockAssessment(decision: .allowed, violated: [.enteringLiveCompartment],
                                   hazard: liveNode >= 0 ? .electricShock(compartment: Int32(compartment), node: liveNode) : nil)
    }

    /// Rule 5 as a yes/no: no node live, and (if required) every node earthed.
    public static func canEnter(_ spec: ElectricalSpec, energisation e: Energisation, compartment: Int) -> Bool {
        assessEntry(spec, energisation: e, compartment: compartment).decision == .allowed
    }
}
