/// The immutable topology of an electrical network: nodes, branches, sources, loads,
/// voltage indicators and compartments. Built once (by the scenario compiler) and shared.
///
/// Nodes are integers `0 ..< nodeCount`. Node 0 is EARTH (`ElectricalSpec.earth`), the
/// station earth grid. Everything else (busbar sections, breaker terminals, cable ends,
/// load terminals) is an ordinary node.
///
/// Switch states are never stored here: every query takes `closed: [Bool]`, indexed by
/// branch row (`closed.count == branches.count`). The value of a `.link` row is ignored.
///
/// Determinism: every table is an array; the adjacency is CSR, built in branch order.

/// What a branch is, which decides who may operate it and which of the five preventions apply.
public enum ElectricalBranchKind: UInt8, Sendable, CaseIterable {
    /// 断路器 circuit breaker: makes and breaks load and fault current.
    case breaker
    /// 隔离开关 disconnector / isolator: gives a visible gap; must not make or break load current.
    case disconnector
    /// 接地开关 earthing switch: connects its node to EARTH. One end must be node 0.
    case earthingSwitch
    /// Fuse, fixed link, busbar joint or cable: always conducts; not switchable.
    case link

    public var name: String {
        switch self {
        case .breaker: return "breaker"
        case .disconnector: return "disconnector"
        case .earthingSwitch: return "earthing-switch"
        case .link: return "link"
        }
    }

    public var isSwitchable: Bool { self != .link }
}

public struct ElectricalBranch: Sendable, Hashable {
    public var kind: ElectricalBranchKind
    public var a: Int32
    public var b: Int32
    /// Switchgear bay (间隔) the branch belongs to, or -1. Informational; `ElectricalSpec.branches(inBay:)`
    /// helps the caller build the operations the five-prevention rule 1 permits.
    public var bay: Int32

    public init(_ kind: ElectricalBranchKind, _ a: Int32, _ b: Int32, bay: Int32 = -1) {
        self.kind = kind; self.a = a; self.b = b; self.bay = bay
    }
}

/// A voltage source attached to a node: a grid infeed, or a transformer secondary.
public struct ElectricalSource: Sendable, Hashable {
    public var node: Int32
    /// Nominal line voltage, volts (e.g. 10_000 for 10 kV).
    public var volts: Double
    /// For a transformer secondary: the node of the primary terminal. The source is live only
    /// while that node is live, and that node counts as a load point (the transformer draws
    /// current from it). -1 = an independent infeed.
    public var fedFrom: Int32

    public init(node: Int32, volts: Double, fedFrom: Int32 = -1) {
        self.node = node; self.volts = volts; self.fedFrom = fedFrom
    }
}

/// A consumer between a node and earth/neutral. It is an impedance, not a bolted connection:
/// it never makes its node "earthed". A node with a load is a load point.
public struct ElectricalLoad: Sendable, Hashable {
    public var node: Int32
    /// Rated power, watts. Informational (any load > 0 W or = 0 W still makes a load point).
    public var watts: Double

    public init(node: Int32, watts: Double) { self.node = node; self.watts = watts }
}

/// A switchgear compartment (柜室/间隔) a person may enter: the nodes exposed inside it.
public struct ElectricalCompartment: Sendable, Hashable {
    public var nodes: [Int32]
    /// If true, entry also requires every node to be earthed (the full 安规 requirement:
    /// 停电、验电、接地 before work). If false, dead is enough.
    public var requireEarthed: Bool

    public init(nodes: [Int32], requireEarthed: Bool = true) {
        self.nodes = nodes; self.requireEarthed = requireEarthed
    }
}

public enum ElectricalSpecError: Error, Sendable, Equatable {
    case noNodes
    /// `what` is "branch", "source", "source-feed", "load", "indicator" or "compartment".
    case nodeOutOfRange(what: String, row: Int, node: Int32)
    case branchSelfLoop(row: Int)
    case earthingSwitchNotToEarth(row: Int)
    case linkToEarth(row: Int)
    case breakerOrDisconnectorToEarth(row: Int)
    case sourceOnEarth(row: Int)
    case nonPositiveVoltage(row: Int)
    case negativeLoad(row: Int)
    case emptyCompartment(row: Int)
}

public struct ElectricalSpec: Sendable {
    /// The EARTH node.
    public static let earth: Int32 = 0

    public let nodeCount: Int
    public let branches: [ElectricalBranch]
    public let sources: [ElectricalSource]
    public let loads: [ElectricalLoad]
    /// Voltage indicators (带电显示器): the node each one reads.
    public let indicators: [Int32]
    public let compartments: [ElectricalCompartment]

    /// CSR adjacency: the branches incident to node n are rows
    /// `adjBranch[adjStart[n] ..< adjStart[n + 1]]`, the far end of each in `adjOther`.
    /// Built in branch-row order, end a before end b.
    public let adjStart: [Int32]
    public let adjBranch: [Int32]
    public let adjOther: [Int32]
    /// Per node: a load, or the primary of a transformer (a source's `fedFrom`), is attached.
    /// EARTH is not a load point: current into earth is fault current (rules 3 and 4), not load.
    public let isLoadPoint: [Bool]

    public init(nodeCount: Int, branches: [ElectricalBranch], sources: [ElectricalSource],
                loads: [ElectricalLoad] = [], indicators: [Int32] = [],
                compartments: [ElectricalCompartment] = []) throws(ElectricalSpecError) {
        guard nodeCount >= 1 else { throw .noNodes }
        let n = Int32(nodeCount)
        func check(_ what: String, _ row: Int, _ node: Int32) throws(ElectricalSpecError) {
            if node < 0 || node >= n { throw .nodeOutOfRange(what: what, row: row, node: node) }
        }
        for (i, br) in branches.enumerated() {
            try check("branch", i, br.a); try check("branch", i, br.b)
            if br.a == br.b { throw .branchSelfLoop(row: i) }
            let toEarth = br.a == Self.earth || br.b == Self.earth
            switch br.kind {
            case .earthingSwitch: if !toEarth { throw .earthingSwitchNotToEarth(row: i) }
            case .link: if toEarth { throw .linkToEarth(row: i) }
            case .breaker, .disconnector: if toEarth { throw .breakerOrDisconnectorToEarth(row: i) }
            }
        }
        for (i, s) in sources.enumerated() {
            try check("source", i, s.node)
            if s.node == Self.earth { throw .sourceOnEarth(row: i) }
            if !(s.volts > 0) { throw .nonPositiveVoltage(row: i) }
            if s.fedFrom != -1 { try check("source-feed", i, s.fedFrom) }
        }
        for (i, l) in loads.enumerated() {
            try check("load", i, l.node)
            if !(l.watts >= 0) { throw .negativeLoad(row: i) }
        }
        for (i, node) in indicators.enumerated() { try check("indicator", i, node) }
        for (i, c) in compartments.enumerated() {
            if c.nodes.isEmpty { throw .emptyCompartment(row: i) }
            for node in c.nodes { try check("compartment", i, node) }
        }

        self.nodeCount = nodeCount
        self.branches = branches
        self.sources = sources
        self.loads = loads
        self.indicators = indicators
        self.compartments = compartments

        var degree = [Int32](repeating: 0, count: nodeCount + 1)
        for br in branches { degree[Int(br.a) + 1] += 1; degree[Int(br.b) + 1] += 1 }
        for i in 0..<nodeCount { degree[i + 1] += degree[i] }
        var fill = degree
        var adjB = [Int32](repeating: 0, count: branches.count * 2)
        var adjO = [Int32](repeating: 0, count: branches.count * 2)
        for (i, br) in branches.enumerated() {
            let ia = Int(fill[Int(br.a)]); fill[Int(br.a)] += 1
            adjB[ia] = Int32(i); adjO[ia] = br.b
            let ib = Int(fill[Int(br.b)]); fill[Int(br.b)] += 1
            adjB[ib] = Int32(i); adjO[ib] = br.a
        }
        adjStart = degree; adjBranch = adjB; adjOther = adjO

        var lp = [Bool](repeating: false, count: nodeCount)
        for l in loads where l.node != Self.earth { lp[Int(l.node)] = true }
        for s in sources where s.fedFrom > 0 { lp[Int(s.fedFrom)] = true }
        isLoadPoint = lp
    }

    /// Branch rows of the given kind in a bay, in row order (e.g. the breaker a ticket step
    /// expects, for `InterlockSettings.permitted`).
    public func branches(inBay bay: Int32, kind: ElectricalBranchKind? = nil) -> [Int32] {
        var out: [Int32] = []
        for (i, br) in branches.enumerated() where br.bay == bay && (kind == nil || br.kind == kind!) {
            out.append(Int32(i))
        }
        return out
    }

    /// The initial `closed` array with every switchable branch open (links are reported closed).
    public var allOpen: [Bool] { branches.map { $0.kind == .link } }

    @inline(__always)
    func conducts(_ row: Int, _ closed: [Bool]) -> Bool {
        branches[row].kind == .link || closed[row]
    }
}
