/// The dynamic state of one attempt: flat arrays, the tick and the RNG. A snapshot is a copy.
/// Every field that can be read by an expression is stored (derived values included), so
/// `State` is itself the `FieldReader` and expressions never need the model.
public struct State: Sendable, Hashable, FieldReader {
    public var tick: Int64 = 0
    public var rng: Rng
    public let secondsPerTick: Double
    public var endReason: EndReason = .running
    /// Hazard row that ended the scenario, or -1.
    public var endHazard: Int32 = -1
    public var traineeZone: Int32
    /// The trainee's position in the layout (metres); follows the zone on move-to.
    public var traineePosition: Vec3

    // per entity row
    public var lockOwner: ContiguousArray<Int32>     // 0 = unlocked, else person row + 1
    public var tagged: ContiguousArray<UInt8>
    public var inspections: ContiguousArray<Int32>

    // tanks
    public var tankVolume: ContiguousArray<Double>
    public var tankLevel: ContiguousArray<Double>
    public var tankFill: ContiguousArray<Double>
    public var tankInflow: ContiguousArray<Double>
    public var tankOutflow: ContiguousArray<Double>
    public var tankLeakRate: ContiguousArray<Double>
    public var tankOverflowing: ContiguousArray<UInt8>
    /// Constant per tank; kept here so expressions can read it without the model.
    public let tankHeight: ContiguousArray<Double>

    /// The lumped fluid network (vessels, links, reliefs); the tank arrays above mirror it.
    public var fluid: FluidNetworkState?
    public var tankPressure: ContiguousArray<Double>
    public var tankGasPressure: ContiguousArray<Double>
    public var tankLeaked: ContiguousArray<Double>
    public var lineReliefOpen: ContiguousArray<UInt8>

    // valves
    public var valvePosition: ContiguousArray<Double>
    public var valveTarget: ContiguousArray<Double>
    public var valveStuck: ContiguousArray<UInt8>
    public var valveFlow: ContiguousArray<Double>

    // switches
    public var switchClosed: ContiguousArray<UInt8>
    public var switchTarget: ContiguousArray<UInt8>
    public var switchPending: ContiguousArray<Int32>   // ticks until the operation completes; 0 = idle
    public var switchTripped: ContiguousArray<UInt8>

    // pumps and fans
    public var motorRunning: ContiguousArray<UInt8>
    public var motorTripped: ContiguousArray<UInt8>

    // lines
    public var lineFlow: ContiguousArray<Double>

    // sensors
    public var sensorValue: ContiguousArray<Double>
    public var sensorFailure: ContiguousArray<UInt8>
    public var sensorHistory: ContiguousArray<Double>
    public var sensorHistoryHead: ContiguousArray<Int32>

    // alarms
    public var alarmActive: ContiguousArray<UInt8>
    public var alarmAcknowledged: ContiguousArray<UInt8>

    // timers
    public var timerRunning: ContiguousArray<UInt8>
    public var timerElapsed: ContiguousArray<Int64>
    public var timerDone: ContiguousArray<UInt8>

    // PPE, contacts
    public var ppeWorn: ContiguousArray<UInt8>
    public var contactReports: ContiguousArray<Int32>

    // faults and hazards
    public var faultTick: ContiguousArray<Int64>      // scheduled tick, -1 = condition-triggered
    public var faultFired: ContiguousArray<UInt8>
    public var hazardActive: ContiguousArray<UInt8>
    public var hazardCount: ContiguousArray<Int32>

    // electrical network, derived from the switches by `ElectricalStage`
    public var busLive: ContiguousArray<UInt8>
    public var busEarthed: ContiguousArray<UInt8>
    public var busVoltage: ContiguousArray<Double>
    public var supplyLive: ContiguousArray<UInt8>
    public var loadSupplied: ContiguousArray<UInt8>
    public var indicatorLit: ContiguousArray<UInt8>
    /// Branch closed flags the derived arrays were computed from.
    public var branchClosedSeen: ContiguousArray<UInt8>
    /// Buffers for energising and interlock checks (not state: equal and unhashed).
    public var electricalScratch: ElectricalScratch?

    /// Lockout-tagout: isolation and residual energy of each energy source.
    public var isolation: IsolationState?
    /// Progress through the operating ticket (操作票), when the scenario has one.
    public var ticket: TicketState?

    // the trainee
    public var traineeInjuries: Int32 = 0
    public var traineeDead: UInt8 = 0
    public var traineeIncapacitated: UInt8 = 0

    /// One state per reactor.
    public var reactors: ContiguousArray<ReactorState>
    public var compressors: CompressorState

    // gas, fire and exposure
    public var gas: GasField?
    public var openingOpen: ContiguousArray<UInt8>
    public var leakRate: ContiguousArray<Double>
    public var detectorValue: ContiguousArray<Double>
    public var hotworkActive: ContiguousArray<UInt8>
    /// Per species: inhaled fraction now, dose (fraction·s), ticks above IDLH; and flags.
    public var traineeConcentration: ContiguousArray<Double>
    public var traineeDose: ContiguousArray<Double>
    public var traineeAboveIDLH: ContiguousArray<Int64>
    public var traineeStelExceeded: ContiguousArray<UInt8>
    public var traineeOxygen: Double = GasSpecies.airOxygenFraction
    public var traineeLowOxygenTicks: Int64 = 0
    /// Per species: the air at the trainee's breathing zone, before PPE (what a personal
    /// detector shows), and its oxygen. Derived each tick from the hashed gas field and
    /// position, so not hashed itself (adding it left every golden hash as it was).
    public var traineeAir: ContiguousArray<Double>
    public var traineeAirOxygen: Double = GasSpecies.airOxygenFraction

    /// Temporal memory of every program in the model.
    public var exprMemory: ContiguousArray<Double>

    public var ended: Bool { endReason != .running }
    public var seconds: Double { Double(tick) * secondsPerTick }

    /// The state at tick 0. Random fault times are drawn here, in fault order.
    /// Long: Swift requires every stored property to be set here, one line per column.
    public init(model m: Model, seed: UInt64? = nil) {
        rng = Rng(seed: seed ?? m.defaultSeed)
        secondsPerTick = m.secondsPerTick
        traineeZone = m.initialZone
        traineePosition = m.initialZone >= 0 ? m.entities.position[Int(m.initialZone)] : .zero
        let n = m.entities.count
        lockOwner = ContiguousArray(repeating: 0, count: n)
        tagged = ContiguousArray(repeating: 0, count: n)
        inspections = ContiguousArray(repeating: 0, count: n)

        let t = m.tanks
        tankVolume = ContiguousArray((0..<t.count).map { t.initialLevel[$0] * t.area[$0] })
        tankLevel = ContiguousArray(owning: t.initialLevel)
        tankFill = ContiguousArray((0..<t.count).map { t.initialLevel[$0] / t.height[$0] })
        tankInflow = ContiguousArray(repeating: 0, count: t.count)
        tankOutflow = ContiguousArray(repeating: 0, count: t.count)
        tankLeakRate = ContiguousArray(repeating: 0, count: t.count)
        tankOverflowing = ContiguousArray(repeating: 0, count: t.count)
        tankHeight = ContiguousArray(t.height)

        fluid = m.fluid.map { FluidNetworkState(spec: $0.spec) }
        tankPressure = ContiguousArray(repeating: 0, count: t.count)
        tankGasPressure = ContiguousArray(repeating: 0, count: t.count)
        tankLeaked = ContiguousArray(repeating: 0, count: t.count)
        lineReliefOpen = ContiguousArray(repeating: 0, count: m.lines.count)
        valvePosition = ContiguousArray(owning: m.valves.initialPosition)
        valveTarget = ContiguousArray(owning: m.valves.initialPosition)
        valveStuck = ContiguousArray(repeating: 0, count: m.valves.count)
        valveFlow = ContiguousArray(repeating: 0, count: m.valves.count)

        switchClosed = ContiguousArray(m.switches.initialClosed.map { $0 ? 1 : 0 })
        switchTarget = ContiguousArray(owning: switchClosed)
        switchPending = ContiguousArray(repeating: 0, count: m.switches.count)
        switchTripped = ContiguousArray(repeating: 0, count: m.switches.count)

        motorRunning = ContiguousArray(m.motors.initialRunning.map { $0 ? 1 : 0 })
        motorTripped = ContiguousArray(repeating: 0, count: m.motors.count)
        lineFlow = ContiguousArray(repeating: 0, count: m.lines.count)

        sensorValue = ContiguousArray(repeating: 0, count: m.sensors.count)
        sensorFailure = ContiguousArray(repeating: 0, count: m.sensors.count)
        sensorHistory = ContiguousArray(repeating: 0, count: m.sensorHistoryLength)
        sensorHistoryHead = ContiguousArray(repeating: 0, count: m.sensors.count)

        alarmActive = ContiguousArray(repeating: 0, count: m.alarms.count)
        alarmAcknowledged = ContiguousArray(repeating: 0, count: m.alarms.count)
        timerRunning = ContiguousArray(repeating: 0, count: m.timers.count)
        timerElapsed = ContiguousArray(repeating: 0, count: m.timers.count)
        timerDone = ContiguousArray(repeating: 0, count: m.timers.count)
        ppeWorn = ContiguousArray(repeating: 0, count: m.ppeEntities.count)
        contactReports = ContiguousArray(repeating: 0, count: m.contactEntities.count)

        faultTick = ContiguousArray(repeating: -1, count: m.faults.count)
        faultFired = ContiguousArray(repeating: 0, count: m.faults.count)
        hazardActive = ContiguousArray(repeating: 0, count: m.hazards.count)
        hazardCount = ContiguousArray(repeating: 0, count: m.hazards.count)
        exprMemory = ContiguousArray(owning: m.initialMemory)

        let buses = m.electrical?.busEntities.count ?? 0
        busLive = ContiguousArray(repeating: 0, count: buses)
        busEarthed = ContiguousArray(repeating: 0, count: buses)
        busVoltage = ContiguousArray(repeating: 0, count: buses)
        supplyLive = ContiguousArray(repeating: 0, count: m.electrical?.supplyEntities.count ?? 0)
        loadSupplied = ContiguousArray(repeating: 0, count: m.electrical?.loadEntities.count ?? 0)
        indicatorLit = ContiguousArray(repeating: 0, count: m.electrical?.indicatorEntities.count ?? 0)
        branchClosedSeen = []
        electricalScratch = m.electrical.map { ElectricalScratch(spec: $0.spec) }
        isolation = nil
        ticket = m.electrical?.ticket.map { TicketState(stepCount: $0.steps.count) }

        reactors = ContiguousArray((m.reactors?.specs ?? []).map { ReactorState(spec: $0) })
        compressors = CompressorState(m.compressors)
        let g = m.gas
        gas = g.map { GasField(spec: $0.spec, initial: $0.initialAtmosphere) }
        gas?.sourceScratch.reserveCapacity(g?.leakEntities.count ?? 0)
        openingOpen = ContiguousArray((g?.openingInitiallyOpen ?? []).map { $0 ? 1 : 0 })
        leakRate = ContiguousArray(owning: g?.leakInitialRate ?? [])
        detectorValue = ContiguousArray(repeating: 0, count: g?.detectors.count ?? 0)
        hotworkActive = ContiguousArray(repeating: 0, count: g?.hotworkEntities.count ?? 0)
        let species = g?.spec.species.count ?? 0
        traineeConcentration = ContiguousArray(repeating: 0, count: species)
        traineeDose = ContiguousArray(repeating: 0, count: species)
        traineeAboveIDLH = ContiguousArray(repeating: 0, count: species)
        traineeStelExceeded = ContiguousArray(repeating: 0, count: species)
        traineeAir = ContiguousArray(repeating: 0, count: species)

        for f in 0..<m.faults.count {
            switch m.faults.trigger[f] {
            case .atTick(let t): faultTick[f] = max(1, t)
            case .window(let lo, let hi): faultTick[f] = max(1, rng.int(in: lo, hi))
            case .when: faultTick[f] = -1
            }
        }
        if let net = fluid { Fluids.mirror(m, &self, net) }
        ElectricalStage.refresh(m, &self)
        if let iso = m.isolation { isolation = IsolationState(iso.spec, safe: IsolationStage.safeFlags(m, self)) }
        GasStage.initialiseDetectors(m, &self)
        Instruments.initialiseSensors(m, &self)
    }

    @inline(__always)
    static func flag(_ b: Bool) -> Double { b ? 1 : 0 }

    /// Reads one field. Booleans read as 0 or 1.
    public func read(_ f: FieldRef) -> Double {
        withUnsafePointer(to: self) { State.read($0, f) }
    }

    /// Reads one field through a pointer: projecting each array from `pointee` avoids
    /// copying the whole struct (which a method call on `pointee` does).
    /// Long: one case per `FieldKind`, so an expression's read is a single jump.
    @usableFromInline
    static func read(_ p: UnsafePointer<State>, _ f: FieldRef) -> Double {
        let i = Int(f.index)
        switch f.kind {
        case .time: return Double(p.pointee.tick) * p.pointee.secondsPerTick
        case .valvePosition: return p.pointee.valvePosition[i]
        case .valveOpen: return flag(p.pointee.valvePosition[i] >= 0.995)
        case .valveClosed: return flag(p.pointee.valvePosition[i] <= 0.005)
        case .valveStuck: return Double(p.pointee.valveStuck[i])
        case .valveMoving: return flag(p.pointee.valvePosition[i] != p.pointee.valveTarget[i] && p.pointee.valveStuck[i] == 0)
        case .valveFlow: return p.pointee.valveFlow[i]
        case .switchClosed: return Double(p.pointee.switchClosed[i])
        case .switchOpen: return flag(p.pointee.switchClosed[i] == 0)
        case .switchTripped: return Double(p.pointee.switchTripped[i])
        case .switchOperating: return flag(p.pointee.switchPending[i] > 0)
        case .motorRunning: return Double(p.pointee.motorRunning[i])
        case .motorTripped: return Double(p.pointee.motorTripped[i])
        case .motorStopped: return flag(p.pointee.motorRunning[i] == 0)
        case .tankLevel: return p.pointee.tankLevel[i]
        case .tankVolume: return p.pointee.tankVolume[i]
        case .tankFill: return p.pointee.tankFill[i]
        case .tankInflow: return p.pointee.tankInflow[i]
        case .tankOutflow: return p.pointee.tankOutflow[i]
        case .tankHeight: return p.pointee.tankHeight[i]
        case .tankOverflowing: return Double(p.pointee.tankOverflowing[i])
        case .tankPressure: return p.pointee.tankPressure[i]
        case .tankGasPressure: return p.pointee.tankGasPressure[i]
        case .lineFlow: return p.pointee.lineFlow[i]
        case .lineReliefOpen: return Double(p.pointee.lineReliefOpen[i])
        case .sensorValue: return p.pointee.sensorValue[i]
        case .sensorFailed: return flag(p.pointee.sensorFailure[i] != 0)
        case .alarmActive: return Double(p.pointee.alarmActive[i])
        case .alarmAcknowledged: return Double(p.pointee.alarmAcknowledged[i])
        case .alarmUnacknowledged: return flag(p.pointee.alarmActive[i] != 0 && p.pointee.alarmAcknowledged[i] == 0)
        case .timerRunning: return Double(p.pointee.timerRunning[i])
        case .timerElapsed: return Double(p.pointee.timerElapsed[i]) * p.pointee.secondsPerTick
        case .timerDone: return Double(p.pointee.timerDone[i])
        case .ppeWorn: return Double(p.pointee.ppeWorn[i])
        case .zoneOccupied: return flag(p.pointee.traineeZone == f.index)
        case .contactReported: return flag(p.pointee.contactReports[i] > 0)
        case .contactReports: return Double(p.pointee.contactReports[i])
        case .entityLocked: return flag(p.pointee.lockOwner[i] != 0)
        case .entityTagged: return Double(p.pointee.tagged[i])
        case .entityInspected: return flag(p.pointee.inspections[i] > 0)
        case .entityInspections: return Double(p.pointee.inspections[i])
        case .busLive: return Double(p.pointee.busLive[i])
        case .busEarthed: return Double(p.pointee.busEarthed[i])
        case .busVoltage: return p.pointee.busVoltage[i]
        case .busFaulted: return flag(p.pointee.busLive[i] != 0 && p.pointee.busEarthed[i] != 0)
        case .supplyLive: return Double(p.pointee.supplyLive[i])
        case .loadSupplied: return Double(p.pointee.loadSupplied[i])
        case .indicatorLit: return Double(p.pointee.indicatorLit[i])
        case .energyIsolated: return flag(p.pointee.isolation?.isIsolated(i) ?? false)
        case .energyVerified: return Double(p.pointee.isolation?.verified[i] ?? 0)
        case .energyResidual: return p.pointee.isolation?.residual[i] ?? 0
        case .traineeInjuries: return Double(p.pointee.traineeInjuries)
        case .traineeInjured: return flag(p.pointee.traineeInjuries > 0)
        case .traineeDead: return Double(p.pointee.traineeDead)
        case .openingOpen: return Double(p.pointee.openingOpen[i])
        case .leakRate: return p.pointee.leakRate[i]
        case .leakActive: return flag(p.pointee.leakRate[i] > 0)
        case .detectorValue: return p.pointee.detectorValue[i]
        case .hotworkActive: return Double(p.pointee.hotworkActive[i])
        case .traineeConcentration: return p.pointee.traineeConcentration[i]
        case .traineeDose: return p.pointee.traineeDose[i]
        case .traineeOxygen: return p.pointee.traineeOxygen
        case .traineeAirConcentration: return p.pointee.traineeAir[i]
        case .traineeAirOxygen: return p.pointee.traineeAirOxygen
        case .traineeIncapacitated: return Double(p.pointee.traineeIncapacitated)
        case .reactorTemperature: return p.pointee.reactors[i].temperature
        case .reactorJacketTemperature: return p.pointee.reactors[i].jacketTemperature
        case .reactorConcentration: return p.pointee.reactors[i].concentration
        case .reactorRate: return p.pointee.reactors[i].reactionRate
        case .reactorHeatRelease: return p.pointee.reactors[i].heatRelease
        case .reactorJacketDuty: return p.pointee.reactors[i].jacketDuty
        case .reactorMTSR: return p.pointee.reactors[i].mtsr
        case .reactorVolume: return p.pointee.reactors[i].volume
        case .ticketNext: return Double((p.pointee.ticket?.next ?? -1) + 1)
        case .ticketDone: return flag(p.pointee.ticket?.complete ?? false)
        case .ticketCompleted: return Double(p.pointee.ticket?.completed ?? 0)
        case .ticketDeviations: return Double(p.pointee.ticket?.deviations ?? 0)
        case .ticketBlocked: return Double(p.pointee.ticket?.blocked ?? 0)
        case .compressorRunning, .compressorStopped, .compressorTripped, .compressorDischargePressure:
            return CompressorState.read(p, f.kind, i)
        }
    }
}

/// An 8-byte view of a `State` for the expression evaluator, so evaluating does not copy the
/// State struct (about 50 array references) into the interpreter's closures on every call.
@usableFromInline
struct StateView: FieldReader {
    @usableFromInline let state: UnsafePointer<State>
    @usableFromInline init(_ state: UnsafePointer<State>) { self.state = state }
    @inlinable func read(_ field: FieldRef) -> Double { State.read(state, field) }
    @inlinable var tick: Int64 { state.pointee.tick }
    @inlinable var secondsPerTick: Double { state.pointee.secondsPerTick }
}

extension State {
    /// Evaluates `program` against this state; its temporal memory lives at `memory[base...]`.
    @inlinable
    public func evaluate(_ program: Program, memory: inout ContiguousArray<Double>, base: Int) -> Double {
        withUnsafePointer(to: self) { Evaluator.evaluate(program, StateView($0), memory: &memory, base: base) }
    }
}

extension ContiguousArray {
    /// A copy in a buffer of its own. `ContiguousArray(x)` of a ContiguousArray shares x's
    /// buffer, so the first write in a step would copy it there (an allocation in the step).
    public init(owning source: some Collection<Element>) {
        self.init()
        reserveCapacity(source.count)
        append(contentsOf: source)
    }
}
