/// The electrical network as compiled into a model: the topology plus the maps between
/// entity rows (switches, buses, supplies, loads, indicators) and topology rows.
public struct ElectricalNet: Sendable {
    public var spec: ElectricalSpec
    /// Branch row of each switch row (every switch entity is a branch), or -1.
    public var branchOfSwitch: [Int32]
    /// Switch row of each branch row, or -1 for links.
    public var switchOfBranch: [Int32]
    /// Node of each bus entity, by bus order (entity rows in `busEntities`).
    public var busEntities: [Int32]
    public var busNode: [Int32]
    public var supplyEntities: [Int32]
    public var loadEntities: [Int32]
    public var indicatorEntities: [Int32]
    /// Compartment of each zone entity row (by entity row), or -1.
    public var compartmentOfEntity: [Int32]
    public var settings: InterlockSettings
    /// The operating ticket (操作票) the five-prevention rule 1 checks switching against, if any.
    public var ticket: OperatingTicket?
    /// Per ticket step: the switching operations rule 1 permits while it is next (its own, or
    /// none), made once by `setTicket` so the step builds no list. Empty when not made.
    public private(set) var ticketPermitted: [[SwitchingOperation]] = []

    public init(spec: ElectricalSpec, branchOfSwitch: [Int32], switchOfBranch: [Int32], busEntities: [Int32],
                busNode: [Int32], supplyEntities: [Int32], loadEntities: [Int32], indicatorEntities: [Int32],
                compartmentOfEntity: [Int32], settings: InterlockSettings, ticket: OperatingTicket? = nil) {
        self.spec = spec; self.branchOfSwitch = branchOfSwitch; self.switchOfBranch = switchOfBranch
        self.busEntities = busEntities; self.busNode = busNode; self.supplyEntities = supplyEntities
        self.loadEntities = loadEntities; self.indicatorEntities = indicatorEntities
        self.compartmentOfEntity = compartmentOfEntity; self.settings = settings; self.ticket = ticket
    }

    /// Sets the ticket and what rule 1 permits at each of its steps; `switchRow` maps an entity
    /// row to its switch row.
    public mutating func setTicket(_ t: OperatingTicket, switchRow: (Int32) -> Int32) {
        ticket = t
        ticketPermitted = t.steps.map { step in
            guard step.operation.isSwitching else { return [] }
            let branch = branchOfSwitch[Int(switchRow(step.entity))]
            return branch >= 0 ? [SwitchingOperation(branch: branch, close: step.operation == .close)] : []
        }
    }

    /// Branch closed flags from the switches' states (links always closed).
    public func closedFlags(_ switchClosed: ContiguousArray<UInt8>) -> [Bool] {
        (0..<switchOfBranch.count).map { isClosed(branch: $0, switchClosed) }
    }

    /// `closedFlags` into `flags` (one entry per branch), allocating nothing.
    func closedFlags(_ switchClosed: ContiguousArray<UInt8>, into flags: inout [Bool]) {
        for b in 0..<switchOfBranch.count { flags[b] = isClosed(branch: b, switchClosed) }
    }

    /// Whether branch `b` is closed (a link always is).
    public func isClosed(branch b: Int, _ switchClosed: ContiguousArray<UInt8>) -> Bool {
        let sw = switchOfBranch[b]
        return sw < 0 || switchClosed[Int(sw)] != 0
    }
}

/// Lockout-tagout as compiled into a model: energy sources (entities of type `energy`) and the
/// equipment that isolates them.
public struct IsolationNet: Sendable {
    public var spec: IsolationSpec
    /// Entity row of each energy source, by source row.
    public var energyEntities: [Int32]
    /// Entity row of each isolation point, by point row.
    public var pointEntities: [Int32]

    public init(spec: IsolationSpec, energyEntities: [Int32], pointEntities: [Int32]) {
        self.spec = spec; self.energyEntities = energyEntities; self.pointEntities = pointEntities
    }
}

/// What physics accidents (arc flash, shock, explosion, energy release) do to the attempt.
public struct AccidentPolicy: Sendable {
    /// Consequences that end the scenario when they happen to the trainee.
    public var ending: [Consequence]
    public init(ending: [Consequence] = [.arcFlash, .explosion, .fatality]) { self.ending = ending }
}
