import Synchronization

/// The gas model as compiled into a scenario: the grid, what moves air (openings, fans,
/// wind), leaks, detectors, ignition sources and the trainee's exposure limits.
public struct GasNet: Sendable {
    public enum FanMode: UInt8, Sendable { case extract, supply }
    /// What a detector's `value` holds, in SI: a fraction of the LEL, or a volume fraction.
    public enum Reading: UInt8, Sendable { case lelFraction, volumeFraction }

    public var spec: GasGridSpec
    /// The gas field advances every this many ticks (dt = updateEveryTicks / tickRate).
    public var updateEveryTicks: Int64
    /// Natural ventilation: a uniform wind through the rooms while any opening to the outside
    /// is open (m/s). An open door between two rooms alone makes no draught.
    public var wind: Vec3

    /// Doors and windows: entity rows, and each one's opening in `spec.openings`.
    public var openingEntities: [Int32]
    public var openingInitiallyOpen: [Bool]

    /// Fans that move air in the grid (motor rows), with their cell and airflow.
    public var fanMotorRows: [Int32]
    public var fanMode: [FanMode]
    public var fanAirflow: [Double]
    public var fanCell: [Int]
    /// Supply fans blow along this axis (0 x, 1 y, 2 z), signed by `fanSign`.
    public var fanAxis: [Int]
    public var fanSign: [Double]

    public var leakEntities: [Int32]
    public var leakSpecies: [Int]
    public var leakCell: [Int]
    public var leakInitialRate: [Double]
    /// Valve row whose opening scales the leak (a leak downstream of a main valve), or -1.
    public var leakValve: [Int32]

    public var detectorEntities: [Int32]
    public var detectors: [GasDetector]
    public var detectorReading: [Reading]
    /// Per-tick first-order response factor of each detector.
    public var detectorFactor: [Double]

    /// Entity rows that spark when operated (switches and motors not rated explosion-proof).
    public var sparks: [Bool]
    /// Hot-work entity rows: an ignition source while started.
    public var hotworkEntities: [Int32]
    public var fatalRadius: Double
    public var injuryRadius: Double
    /// Height of the trainee's breathing zone above their position (m).
    public var breathingHeight: Double

    /// The air in the grid at t = 0 (`gas.initial`): regions applied in order over clean air.
    public var initialAtmosphere: [GasInitialRegion] = []

    /// Plans depend only on which openings are open and which fans run; built on demand.
    public let plans: GasPlanCache

    public init(spec: GasGridSpec, updateEveryTicks: Int64, wind: Vec3, openingEntities: [Int32], openingInitiallyOpen: [Bool],
                fanMotorRows: [Int32], fanMode: [FanMode], fanAirflow: [Double], fanCell: [Int], fanAxis: [Int], fanSign: [Double],
                leakEntities: [Int32], leakSpecies: [Int], leakCell: [Int], leakInitialRate: [Double], leakValve: [Int32],
                detectorEntities: [Int32], detectors: [GasDetector], detectorReading: [Reading], detectorFactor: [Double],
                sparks: [Bool], hotworkEntities: [Int32], fatalRadius: Double, injuryRadius: Double, breathingHeight: Double) {
        self.spec = spec; self.updateEveryTicks = updateEveryTicks; self.wind = wind
        self.openingEntities = openingEntities; self.openingInitiallyOpen = openingInitiallyOpen
        self.fanMotorRows = fanMotorRows; self.fanMode = fanMode; self.fanAirflow = fanAirflow; self.fanCell = fanCell
        self.fanAxis = fanAxis; self.fanSign = fanSign
        self.leakEntities = leakEntities; self.leakSpecies = leakSpecies; self.leakCell = leakCell
        self.leakInitialRate = leakInitialRate; self.leakValve = leakValve
        self.detectorEntities = detectorEntities; self.detectors = detectors; self.detectorReading = detectorReading
        self.detectorFactor = detectorFactor; self.sparks = sparks; self.hotworkEntities = hotworkEntities
        self.fatalRadius = fatalRadius; self.injuryRadius = injuryRadius; self.breathingHeight = breathingHeight
        self.plans = GasPlanCache()
    }

    /// The transport plan for one ventilation configuration (a pure function of it).
    public func plan(openingOpen: ContiguousArray<UInt8>, fanRunning: [Bool], dt: Double) -> GasStepPlan {
        var key: [UInt8] = Array(openingOpen)
        for f in fanRunning { key.append(f ? 1 : 0) }
        if let p = plans.get(key) { return p }
        var flow = GasFlow(spec: spec)
        for (k, o) in openingOpen.enumerated() { flow.openingOpen[k] = o }
        var draught = false
        for (k, o) in openingOpen.enumerated() where o != 0 && k < spec.openings.count && spec.openings[k].isBoundary { draught = true }
        if draught { flow.setUniform(ux: wind.x, uy: wind.y, uz: wind.z) }
        var sinks: [GasSink] = []
        let face = spec.cellSize * spec.cellSize
        for f in 0..<fanRunning.count where fanRunning[f] {
            switch fanMode[f] {
            case .extract:
                sinks.append(GasSink(cell: fanCell[f], flowRate: fanAirflow[f]))
            case .supply:
                let c = fanCell[f]
                let i = c % spec.nx, j = (c / spec.nx) % spec.ny, k = c / (spec.nx * spec.ny)
                flow.addJet(i: i, j: j, k: k, axis: fanAxis[f], speed: fanSign[f] * fanAirflow[f] / face, lengthCells: 4)
            }
        }
        let p = GasKernel.plan(spec: spec, flow: flow, sinks: sinks, dt: dt)
        plans.put(key, p)
        return p
    }
}

/// A thread-safe memo of transport plans. What it returns never depends on what it holds,
/// so sharing it between threads cannot affect determinism.
public final class GasPlanCache: Sendable {
    private let entries = Mutex<[[UInt8]: GasStepPlan]>([:])
    init() {}
    func get(_ key: [UInt8]) -> GasStepPlan? { entries.withLock { $0[key] } }
    func put(_ key: [UInt8], _ plan: GasStepPlan) { entries.withLock { $0[key] = plan } }
}
