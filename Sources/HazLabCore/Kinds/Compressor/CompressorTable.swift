/// The compressors of a scenario, one row each (see `KindDescriptor.compressor`). Pressures
/// are gauge, in Pa.
public struct CompressorTable: Sendable {
    public var entity: [Int32] = []
    public var initialRunning: [Bool] = []
    /// Valve row on the discharge; -1 = none (always open).
    public var dischargeValve: [Int32] = []
    public var suctionPressure: [Double] = []
    public var dischargePressure: [Double] = []
    public var deadheadPressure: [Double] = []
    public var tripPressure: [Double] = []
    /// Fraction of the gap to the target pressure closed per tick: min(1, dt / response time).
    public var approachPerTick: [Double] = []
    public init() {}
    public var count: Int { entity.count }
}
