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

    /// Temporal memory of every program in the model.
    public var exprMemory: ContiguousArray<Double>

    public var ended: Bool { endReason != .running }
    public var seconds: Double { Double(tick) * secondsPerTick }

    /// The state at tick 0. Random fault times are drawn here, in fault order.
    public init(model m: Model, seed: UInt64? = nil) {
        rng = Rng(seed: seed ?? m.defaultSeed)
        secondsPerTick = m.secondsPerTick
        traineeZone = m.initialZone
        let n = m.entities.count
        lockOwner = ContiguousArray(repeating: 0, count: n)
        tagged = ContiguousArray(repeating: 0, count: n)
        inspections = ContiguousArray(repeating: 0, count: n)

        let t = m.tanks
        tankVolume = ContiguousArray((0..<t.count).map { t.initialLevel[$0] * t.area[$0] })
        tankLevel = ContiguousArray(t.initialLevel)
        tankFill = ContiguousArray((0..<t.count).map { t.initialLevel[$0] / t.height[$0] })
        tankInflow = ContiguousArray(repeating: 0, count: t.count)
        tankOutflow = ContiguousArray(repeating: 0, count: t.count)
        tankLeakRate = ContiguousArray(repeating: 0, count: t.count)
        tankOverflowing = ContiguousArray(repeating: 0, count: t.count)
        tankHeight = ContiguousArray(t.height)

        valvePosition = ContiguousArray(m.valves.initialPosition)
        valveTarget = ContiguousArray(m.valves.initialPosition)
        valveStuck = ContiguousArray(repeating: 0, count: m.valves.count)
        valveFlow = ContiguousArray(repeating: 0, count: m.valves.count)

        switchClosed = ContiguousArray(m.switches.initialClosed.map { $0 ? 1 : 0 })
        switchTarget = switchClosed
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
        exprMemory = m.initialMemory

        for f in 0..<m.faults.count {
            switch m.faults.trigger[f] {
            case .atTick(let t): faultTick[f] = max(1, t)
            case .window(let lo, let hi): faultTick[f] = max(1, rng.int(in: lo, hi))
            case .when: faultTick[f] = -1
            }
        }
        Instruments.initialiseSensors(m, &self)
    }

    @inline(__always)
    private static func flag(_ b: Bool) -> Double { b ? 1 : 0 }

    /// Reads one field. Booleans read as 0 or 1.
    @inline(__always)
    public func read(_ f: FieldRef) -> Double {
        let i = Int(f.index)
        switch f.kind {
        case .time: return Double(tick) * secondsPerTick
        case .valvePosition: return valvePosition[i]
        case .valveOpen: return State.flag(valvePosition[i] >= 0.995)
        case .valveClosed: return State.flag(valvePosition[i] <= 0.005)
        case .valveStuck: return Double(valveStuck[i])
        case .valveMoving: return State.flag(valvePosition[i] != valveTarget[i] && valveStuck[i] == 0)
        case .valveFlow: return valveFlow[i]
        case .switchClosed: return Double(switchClosed[i])
        case .switchOpen: return State.flag(switchClosed[i] == 0)
        case .switchTripped: return Double(switchTripped[i])
        case .switchOperating: return State.flag(switchPending[i] > 0)
        case .motorRunning: return Double(motorRunning[i])
        case .motorTripped: return Double(motorTripped[i])
        case .motorStopped: return State.flag(motorRunning[i] == 0)
        case .tankLevel: return tankLevel[i]
        case .tankVolume: return tankVolume[i]
        case .tankFill: return tankFill[i]
        case .tankInflow: return tankInflow[i]
        case .tankOutflow: return tankOutflow[i]
        case .tankHeight: return tankHeight[i]
        case .tankOverflowing: return Double(tankOverflowing[i])
        case .sensorValue: return sensorValue[i]
        case .sensorFailed: return State.flag(sensorFailure[i] != 0)
        case .alarmActive: return Double(alarmActive[i])
        case .alarmAcknowledged: return Double(alarmAcknowledged[i])
        case .alarmUnacknowledged: return State.flag(alarmActive[i] != 0 && alarmAcknowledged[i] == 0)
        case .timerRunning: return Double(timerRunning[i])
        case .timerElapsed: return Double(timerElapsed[i]) * secondsPerTick
        case .timerDone: return Double(timerDone[i])
        case .ppeWorn: return Double(ppeWorn[i])
        case .zoneOccupied: return State.flag(traineeZone == f.index)
        case .contactReported: return State.flag(contactReports[i] > 0)
        case .contactReports: return Double(contactReports[i])
        case .entityLocked: return State.flag(lockOwner[i] != 0)
        case .entityTagged: return Double(tagged[i])
        case .entityInspected: return State.flag(inspections[i] > 0)
        case .entityInspections: return Double(inspections[i])
        }
    }

    /// The documented 64-bit state hash (see `StateHasher`). Field order is part of the format.
    public var hash: UInt64 {
        var h = StateHasher()
        h.i64(tick)
        h.u64(rng.s0); h.u64(rng.s1); h.u64(rng.s2); h.u64(rng.s3)
        h.i32(endReason.rawValue); h.i32(endHazard); h.i32(traineeZone)
        h.array(lockOwner); h.array(tagged); h.array(inspections)
        h.array(tankVolume); h.array(tankLevel); h.array(tankFill); h.array(tankInflow)
        h.array(tankOutflow); h.array(tankLeakRate); h.array(tankOverflowing)
        h.array(valvePosition); h.array(valveTarget); h.array(valveStuck); h.array(valveFlow)
        h.array(switchClosed); h.array(switchTarget); h.array(switchPending); h.array(switchTripped)
        h.array(motorRunning); h.array(motorTripped); h.array(lineFlow)
        h.array(sensorValue); h.array(sensorFailure); h.array(sensorHistory); h.array(sensorHistoryHead)
        h.array(alarmActive); h.array(alarmAcknowledged)
        h.array(timerRunning); h.array(timerElapsed); h.array(timerDone)
        h.array(ppeWorn); h.array(contactReports)
        h.array(faultTick); h.array(faultFired); h.array(hazardActive); h.array(hazardCount)
        h.array(exprMemory)
        return h.value
    }
}
