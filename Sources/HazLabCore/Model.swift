/// The kinds of entity a scenario can declare.
public enum EntityKind: UInt8, Sendable, CaseIterable {
    case tank, valve, switchgear, motor, sensor, alarm, timer, ppe, zone, contact
    // electrical network
    case bus, supply, load, indicator, link
    // energy isolation (lockout-tagout)
    case energy
    // gas and fire: doors/windows, leaks, fixed gas detectors, hot work
    case opening, leak, detector, hotwork
    // thermal and reaction
    case reactor
    // refrigeration
    case compressor

    /// The kind's name in messages and the docs (its descriptor's).
    public var name: String { descriptor.name }
}

/// Every entity, in declaration order. Per-kind tables refer back to rows here by `entity`.
public struct EntityTable: Sendable {
    public var ids: [String] = []
    public var kinds: [EntityKind] = []
    /// Row in the entity kind's own table.
    public var local: [Int32] = []
    /// Zone the trainee must stand in to operate it locally; -1 means anywhere.
    public var zone: [Int32] = []
    /// Accepts lock/unlock/tag/untag.
    public var lockable: [Bool] = []
    /// Layout: centre of the footprint at floor level, and size (width x, depth y, height z).
    /// `hasPosition` is false where the scenario gave none.
    public var position: [Vec3] = []
    public var size: [Vec3] = []
    public var hasPosition: [Bool] = []
    /// False where the scenario gave no `size` (then `size` is the 1 m default). Documentation
    /// only (the instructor sheet's plan view); the simulation never reads it.
    public var hasSize: [Bool] = []
    /// An OBJ mesh the viewer draws instead of its built-in shape ("" = none). Viewer only.
    public var mesh: [String] = []
    public init() {}
    public var count: Int { ids.count }
}

public struct TankTable: Sendable {
    public var entity: [Int32] = []
    public var area: [Double] = []          // m²
    public var height: [Double] = []        // m
    public var initialLevel: [Double] = []  // m
    public init() {}
    public var count: Int { entity.count }
}

public struct ValveTable: Sendable {
    public var entity: [Int32] = []
    public var strokeTicks: [Int32] = []     // ticks for a full stroke; 0 = instantaneous
    public var initialPosition: [Double] = []
    public init() {}
    public var count: Int { entity.count }
}

public enum SwitchRole: UInt8, Sendable, CaseIterable {
    case breaker, disconnector, earthing, plain
    public var name: String {
        switch self {
        case .breaker: return "breaker"
        case .disconnector: return "disconnector"
        case .earthing: return "earthing"
        case .plain: return "switch"
        }
    }
}

public struct SwitchTable: Sendable {
    public var entity: [Int32] = []
    public var role: [SwitchRole] = []
    public var operateTicks: [Int32] = []
    public var initialClosed: [Bool] = []
    public init() {}
    public var count: Int { entity.count }
}

public enum MotorRole: UInt8, Sendable, CaseIterable {
    case pump, fan
    public var name: String { self == .pump ? "pump" : "fan" }
}

public struct MotorTable: Sendable {
    public var entity: [Int32] = []
    public var role: [MotorRole] = []
    public var initialRunning: [Bool] = []
    /// Switch row that feeds it; -1 = always powered.
    public var powerSwitch: [Int32] = []
    public init() {}
    public var count: Int { entity.count }
}

/// A flow path: from a tank (or an external supply, -1) to a tank (or a drain, -1),
/// through valves in series, optionally driven by a pump.
public struct LineTable: Sendable {
    public var ids: [String] = []
    public var fromTank: [Int32] = []
    public var toTank: [Int32] = []
    public var ratedFlow: [Double] = []      // m³/s at full opening
    public var pump: [Int32] = []            // motor row, -1 = none
    /// Valve rows of line i are `valves[valveStart[i] ..< valveStart[i + 1]]`.
    public var valveStart: [Int32] = [0]
    public var valves: [Int32] = []
    public init() {}
    public var count: Int { ids.count }
}

public enum SensorFailure: UInt8, Sendable, CaseIterable {
    case none, stuck, low, high, erratic
    public var name: String {
        switch self {
        case .none: return "none"
        case .stuck: return "stuck"
        case .low: return "low"
        case .high: return "high"
        case .erratic: return "erratic"
        }
    }
}

public struct SensorTable: Sendable {
    public var entity: [Int32] = []
    public var measures: [Program] = []
    public var dimension: [Dimension] = []
    public var noise: [Double] = []          // standard deviation, SI
    public var delayTicks: [Int32] = []
    public var rangeLow: [Double] = []
    public var rangeHigh: [Double] = []
    public var memoryBase: [Int32] = []
    /// Delay line of sensor i is `history[historyStart[i] ..< historyStart[i] + delayTicks[i] + 1]` in State.
    public var historyStart: [Int32] = []
    public init() {}
    public var count: Int { entity.count }
}

public enum AlarmPriority: UInt8, Sendable, CaseIterable {
    case low, medium, high, critical
    public var name: String {
        switch self {
        case .low: return "low"
        case .medium: return "medium"
        case .high: return "high"
        case .critical: return "critical"
        }
    }
}

public struct AlarmTable: Sendable {
    public var entity: [Int32] = []
    public var condition: [Program] = []
    public var priority: [AlarmPriority] = []
    public var memoryBase: [Int32] = []
    public init() {}
    public var count: Int { entity.count }
}

public struct TimerTable: Sendable {
    public var entity: [Int32] = []
    public var durationTicks: [Int64] = []
    /// Optional start condition (rising edge starts the timer).
    public var startWhen: [Program?] = []
    public var memoryBase: [Int32] = []
    public init() {}
    public var count: Int { entity.count }
}

public enum FaultTrigger: Sendable, Hashable {
    /// Fires when the clock reaches this tick.
    case atTick(Int64)
    /// Fires at a tick drawn uniformly from lo...hi from the state's RNG when the state is created.
    case window(Int64, Int64)
    /// Fires the first tick the condition is true.
    case when(Program)
}

public enum FaultEffect: Sendable, Hashable {
    case tripMotor(Int32)
    case tripSwitch(Int32)
    case stickValve(Int32)
    case failSensor(Int32, SensorFailure)
    case leak(tank: Int32, rate: Double)
    /// Sets the release rate (m³/s of pure gas) of a gas leak entity (row in `GasNet.leakEntities`).
    case gasLeak(leak: Int32, rate: Double)
    /// A spark (static discharge, dropped tool) at an entity's position.
    case ignite(entity: Int32)
    /// A scripted person acts, through the same path as trainee actions.
    case act(Input)
}

public struct FaultTable: Sendable {
    public var ids: [String] = []
    public var trigger: [FaultTrigger] = []
    public var effects: [[FaultEffect]] = []
    public var memoryBase: [Int32] = []
    /// The scenario lets an instructor fire it (`instructor: true`); empty means none may.
    public var instructor: [Bool] = []
    public init() {}
    public var count: Int { ids.count }
    /// Whether an instructor may fire fault row `f`.
    public func instructorMay(_ f: Int) -> Bool { f >= 0 && f < instructor.count && instructor[f] }
    /// Whether `instructor-clear` changes anything for fault row `f`: it has a reversible effect
    /// (a sensor failure, a stuck valve, a tank or gas leak). Trips, sparks and scripted acts stay.
    public func clearable(_ f: Int) -> Bool {
        guard f >= 0 && f < effects.count else { return false }
        return effects[f].contains {
            switch $0 {
            case .failSensor, .stickValve, .leak, .gasLeak: return true
            case .tripMotor, .tripSwitch, .ignite, .act: return false
            }
        }
    }
}

public enum Consequence: UInt8, Sendable, CaseIterable {
    case alarm, injury, accident, explosion, fatality, arcFlash, electricShock, fire
    public var name: String {
        switch self {
        case .alarm: return "alarm"
        case .injury: return "injury"
        case .accident: return "accident"
        case .explosion: return "explosion"
        case .fatality: return "fatality"
        case .arcFlash: return "arc-flash"
        case .electricShock: return "electric-shock"
        case .fire: return "fire"
        }
    }
}

public struct HazardTable: Sendable {
    public var ids: [String] = []
    public var condition: [Program] = []
    public var consequence: [Consequence] = []
    public var endsScenario: [Bool] = []
    public var memoryBase: [Int32] = []
    public init() {}
    public var count: Int { ids.count }
}

/// The compiled, immutable scenario. Built once by the scenario compiler and shared,
/// read-only, by every thread that runs an attempt of it.
public final class Model: Sendable {
    public let id: String
    public let version: Int
    /// SHA-256 (hex) of the scenario source the model was compiled from.
    public let sourceSHA256: String
    public let tickRate: Int32
    public let secondsPerTick: Double
    public let timeLimitTicks: Int64
    public let defaultSeed: UInt64
    /// Person ids; row 0 is always the trainee. Lock owners are stored as row + 1.
    public let persons: [String]
    public let initialZone: Int32

    public let entities: EntityTable
    public let tanks: TankTable
    public let valves: ValveTable
    public let switches: SwitchTable
    public let motors: MotorTable
    public let lines: LineTable
    public let sensors: SensorTable
    public let alarms: AlarmTable
    public let timers: TimerTable
    public let faults: FaultTable
    public let hazards: HazardTable
    /// Rows of zones, PPE items and contacts are their entity rows in declaration order.
    public let zoneEntities: [Int32]
    public let ppeEntities: [Int32]
    public let contactEntities: [Int32]
    /// Total temporal-memory slots used by the programs above.
    public let memorySlots: Int
    public let initialMemory: ContiguousArray<Double>
    public let sensorHistoryLength: Int
    /// Fixed work zone of each person row (entity row of a zone), or -1; row 0 (the trainee) moves.
    public let personZones: [Int32]
    public let gas: GasNet?
    public let fluid: FluidPlant?
    public let reactors: ReactorPlant?
    public let compressors: CompressorTable
    /// Per PPE row: gas species indices it protects against, or `PPEProtection` codes.
    public let ppeProtects: [[Int]]
    public let electrical: ElectricalNet?
    public let isolation: IsolationNet?
    /// How physics accidents end the attempt; see `AccidentPolicy`.
    public let accidents: AccidentPolicy
    public let procedure: [ProcedureStep]
    public let rubric: Rubric
    public let text: ScenarioText

    /// Name lookups (never iterated).
    public let entityIndex: [String: Int32]
    public let personIndex: [String: Int32]

    public init(id: String, version: Int, sourceSHA256: String, tickRate: Int32, timeLimitTicks: Int64,
                defaultSeed: UInt64, persons: [String], initialZone: Int32,
                entities: EntityTable, tanks: TankTable, valves: ValveTable, switches: SwitchTable,
                motors: MotorTable, lines: LineTable, sensors: SensorTable, alarms: AlarmTable,
                timers: TimerTable, faults: FaultTable, hazards: HazardTable,
                zoneEntities: [Int32], ppeEntities: [Int32], contactEntities: [Int32],
                memorySlots: Int, initialMemory: ContiguousArray<Double>,
                personZones: [Int32] = [], gas: GasNet? = nil, fluid: FluidPlant? = nil, reactors: ReactorPlant? = nil, compressors: CompressorTable = CompressorTable(), ppeProtects: [[Int]] = [], electrical: ElectricalNet? = nil, isolation: IsolationNet? = nil, accidents: AccidentPolicy = AccidentPolicy(),
                procedure: [ProcedureStep], rubric: Rubric, text: ScenarioText) {
        precondition(tickRate > 0, "tick rate must be positive")
        precondition(persons.first == "trainee", "person 0 must be the trainee")
        self.id = id; self.version = version; self.sourceSHA256 = sourceSHA256
        self.tickRate = tickRate; self.secondsPerTick = 1.0 / Double(tickRate)
        self.timeLimitTicks = timeLimitTicks; self.defaultSeed = defaultSeed
        self.persons = persons; self.initialZone = initialZone
        self.entities = entities; self.tanks = tanks; self.valves = valves; self.switches = switches
        self.motors = motors; self.lines = lines; self.sensors = sensors; self.alarms = alarms
        self.timers = timers; self.faults = faults; self.hazards = hazards
        self.zoneEntities = zoneEntities; self.ppeEntities = ppeEntities; self.contactEntities = contactEntities
        self.memorySlots = memorySlots; self.initialMemory = initialMemory
        self.procedure = procedure; self.rubric = rubric; self.text = text
        self.personZones = personZones.isEmpty ? Array(repeating: -1, count: persons.count) : personZones
        self.gas = gas; self.fluid = fluid; self.reactors = reactors; self.compressors = compressors; self.ppeProtects = ppeProtects.isEmpty ? Array(repeating: [], count: ppeEntities.count) : ppeProtects
        self.electrical = electrical; self.isolation = isolation; self.accidents = accidents
        var history = 0
        for d in sensors.delayTicks { history += Int(d) + 1 }
        self.sensorHistoryLength = history
        var index: [String: Int32] = [:]
        for (i, id) in entities.ids.enumerated() { index[id] = Int32(i) }
        self.entityIndex = index
        var people: [String: Int32] = [:]
        for (i, p) in persons.enumerated() { people[p] = Int32(i) }
        self.personIndex = people
    }

    /// Ticks as seconds, for files, UI and reports (division, so 61 ticks at 10 Hz is exactly 6.1).
    public func seconds(ticks: Int64) -> Double { Double(ticks) / Double(tickRate) }

    /// Converts seconds to whole ticks, rounding to nearest (ties away from zero).
    public func ticks(seconds: Double) -> Int64 {
        Int64((seconds * Double(tickRate)).rounded(.toNearestOrAwayFromZero))
    }
}
