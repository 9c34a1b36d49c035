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
        plan(openingOpen: openingOpen, fanCount: fanRunning.count, fanRunning: { fanRunning[$0] }, dt: dt)
    }

    /// The same, with fan `f` running when `fanRunning(f)`. Finding a plan already made
    /// allocates nothing for up to 64 openings and fans (the stage calls it every update).
    public func plan(openingOpen: ContiguousArray<UInt8>, fanCount: Int, fanRunning isRunning: (Int) -> Bool,
                     dt: Double) -> GasStepPlan {
        let key = GasPlanKey(openingOpen: openingOpen, fanCount: fanCount, fanRunning: isRunning)
        if let p = plans.get(key) { return p }
        let fanRunning = (0..<fanCount).map(isRunning)
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
    private let entries = Mutex<[GasPlanKey: GasStepPlan]>([:])
    init() {}
    func get(_ key: GasPlanKey) -> GasStepPlan? { entries.withLock { $0[key] } }
    func put(_ key: GasPlanKey, _ plan: GasStepPlan) { entries.withLock { $0[key] = plan } }
}

/// A ventilation configuration: which openings are open and which fans run. Up to 64 of them
/// fit in `bits`; a larger plant keeps one flag per opening and fan in `flags`.
struct GasPlanKey: Hashable, Sendable {
    var bits: UInt64 = 0
    var flags: [UInt8] = []

    init(openingOpen: ContiguousArray<UInt8>, fanCount: Int, fanRunning: (Int) -> Bool) {
        if openingOpen.count + fanCount <= 64 {
            for (k, o) in openingOpen.enumerated() where o != 0 { bits |= 1 << UInt64(k) }
            for f in 0..<fanCount where fanRunning(f) { bits |= 1 << UInt64(openingOpen.count + f) }
        } else {
            flags = Array(openingOpen)
            for f in 0..<fanCount { flags.append(fanRunning(f) ? 1 : 0) }
        }
    }
}
