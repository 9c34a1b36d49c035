/// A compiled reference to one readable field of one entity (or of the scenario itself).
/// `kind` is a `FieldKind` raw value; `index` is the row in that entity kind's table.
public struct FieldRef: Hashable, Sendable {
    public var kind: FieldKind
    public var index: Int32
    public init(_ kind: FieldKind, _ index: Int32) { self.kind = kind; self.index = index }
}

/// Read access to the simulation for expression evaluation.
/// Generic (not existential) so evaluation specialises and inlines.
public protocol FieldReader {
    /// Current value of a field; booleans read as 0 or 1.
    func read(_ field: FieldRef) -> Double
    /// Current tick.
    var tick: Int64 { get }
    /// Seconds per tick (1 / tick rate).
    var secondsPerTick: Double { get }
}
