/// The dynamic part of an electrical network: one closed flag per branch row.
/// A convenience around the pure functions for callers that keep their own state struct;
/// the engine may equally keep the flags in `State` and call the functions directly.
public struct ElectricalState: Sendable, Hashable {
    /// Per branch row; `.link` rows are always true.
    public private(set) var closed: [Bool]

    /// - Parameter closed: initial positions per branch row; nil = every switch open.
    public init(_ spec: ElectricalSpec, closed: [Bool]? = nil) {
        var c = closed ?? spec.allOpen
        precondition(c.count == spec.branches.count, "closed must have one entry per branch row")
        for i in 0..<c.count where spec.branches[i].kind == .link { c[i] = true }
        self.closed = c
    }

    /// Assesses the operation and applies it when the decision is `.allowed`.
    @discardableResult
    public mutating func operate(_ spec: ElectricalSpec, branch: Int, close: Bool,
                                 settings: InterlockSettings = InterlockSettings()) -> InterlockAssessment {
        let a = ElectricalInterlocks.assessSwitching(spec, closed: closed, branch: branch, close: close, settings: settings)
        if a.decision == .allowed { closed[branch] = close }
        return a
    }

    /// Forces a position with no interlock check (scripted faults, protection trips).
    public mutating func force(_ spec: ElectricalSpec, branch: Int, closed value: Bool) {
        if spec.branches[branch].kind.isSwitchable { closed[branch] = value }
    }

    public func energisation(_ spec: ElectricalSpec) -> Energisation { energise(spec, closed: closed) }

    /// Canonical bytes: the count as UInt64, then one byte per branch.
    public func hash(into h: inout StateHasher) {
        h.u64(UInt64(closed.count))
        for c in closed { h.byte(c ? 1 : 0) }
    }
}
