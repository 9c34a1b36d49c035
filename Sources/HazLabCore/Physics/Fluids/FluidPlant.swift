/// The fluid network as compiled into a scenario: tanks are vessels, lines are links, and
/// each line end without a tank is a boundary node of its own (supply or drain).
public struct FluidPlant: Sendable {
    public var spec: FluidNetworkSpec
    /// Node of each tank row.
    public var nodeOfTank: [Int32]
    /// Link of each line row.
    public var linkOfLine: [Int32]
    public init(spec: FluidNetworkSpec, nodeOfTank: [Int32], linkOfLine: [Int32]) {
        self.spec = spec; self.nodeOfTank = nodeOfTank; self.linkOfLine = linkOfLine
    }
}

extension FluidNetworkState: Hashable {
    public func hash(into hasher: inout Hasher) { hasher.combine(stateHash) }
}
