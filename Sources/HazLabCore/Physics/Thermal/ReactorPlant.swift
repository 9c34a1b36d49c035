/// Reactors as compiled into a scenario: each reactor's kinetics and heat transfer, and the
/// equipment that drives its inputs (valves scale a rated flow; pumps must run).
public struct ReactorPlant: Sendable {
    public struct Stream: Sendable {
        /// Valve row whose opening scales `flow`, or -1 (always fully open).
        public var valve: Int32
        /// Motor rows of which at least one must run (empty: no pump needed).
        public var pumps: [Int32]
        public var flow: Double
        public var temperature: Double
        public var concentration: Double
        public init(valve: Int32 = -1, pumps: [Int32] = [], flow: Double = 0, temperature: Double = 293.15, concentration: Double = 0) {
            self.valve = valve; self.pumps = pumps; self.flow = flow; self.temperature = temperature; self.concentration = concentration
        }
    }

    public var entities: [Int32]
    public var specs: [ReactorSpec]
    public var feed: [Stream?]
    public var coolant: [Stream?]
    public var quench: [Stream?]
    public var dump: [Stream?]
    /// Agitator motor row, or -1 (always stirred).
    public var agitator: [Int32]

    public init(entities: [Int32], specs: [ReactorSpec], feed: [Stream?], coolant: [Stream?], quench: [Stream?],
                dump: [Stream?], agitator: [Int32]) {
        self.entities = entities; self.specs = specs; self.feed = feed; self.coolant = coolant
        self.quench = quench; self.dump = dump; self.agitator = agitator
    }

    /// Flow a stream delivers now (m³/s).
    func flow(_ stream: Stream?, _ s: State) -> Double {
        guard let st = stream else { return 0 }
        if !st.pumps.isEmpty && !st.pumps.contains(where: { s.motorRunning[Int($0)] != 0 }) { return 0 }
        let opening = st.valve >= 0 ? s.valvePosition[Int(st.valve)] : 1
        return st.flow * opening
    }
}

extension ReactorState: Hashable {
    public func hash(into hasher: inout Hasher) { hasher.combine(stateHash) }
}
