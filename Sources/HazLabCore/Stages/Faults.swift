/// Stage 2: scripted faults. Each fault fires once: at a fixed tick, at a tick drawn from
/// the seeded RNG when the state was created, or on the first tick its condition holds.
enum Faults {
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        if m.faults.count == 0 { return }
        var memory = ContiguousArray<Double>()
        swap(&memory, &s.exprMemory)
        for f in 0..<m.faults.count where s.faultFired[f] == 0 {
            let fire: Bool
            switch m.faults.trigger[f] {
            case .atTick, .window:
                fire = s.tick >= s.faultTick[f]
            case .when(let condition):
                // An instructor-fault input set faultTick (it is -1 otherwise); the condition is
                // still evaluated, as on any tick the fault fires.
                let due = s.evaluate(condition, memory: &memory, base: Int(m.faults.memoryBase[f])) != 0
                fire = due || (s.faultTick[f] >= 0 && s.tick >= s.faultTick[f])
            }
            guard fire else { continue }
            s.faultFired[f] = 1
            s.faultTick[f] = s.tick
            events.append(Event(tick: s.tick, kind: .faultFired, subject: Int32(f)))
            for effect in m.faults.effects[f] { apply(effect, m, &s, &events) }
        }
        swap(&memory, &s.exprMemory)
    }

    /// `instructor-fault` (stage 1, at tick T): the fault fires in stage 2 of this step (tick
    /// T + 1), exactly as if its own trigger fired then. Refused for a fault that is not
    /// `instructor: true` or has fired already.
    static func instructorFire(_ m: Model, _ s: inout State, fault f: Int) -> RejectReason? {
        guard m.faults.instructorMay(f) else { return .unsupportedVerb }
        if s.faultFired[f] != 0 { return .noEffect }
        let due = s.tick &+ 1
        if s.faultTick[f] < 0 || s.faultTick[f] > due { s.faultTick[f] = due }
        return nil
    }

    /// `instructor-clear`: undoes a fired fault's reversible effects at once: a failed sensor
    /// reads true again, a stuck valve moves again, a tank leak's rate and a gas leak's rate go
    /// to 0. A tripped motor or breaker stays tripped (the student resets and restarts it); a
    /// spark or a scripted act cannot be undone. The fault stays fired (it never fires again).
    /// Refused for a fault that is not `instructor: true`, has not fired, or has nothing to undo.
    static func instructorClear(_ m: Model, _ s: inout State, fault f: Int) -> RejectReason? {
        guard m.faults.instructorMay(f) else { return .unsupportedVerb }
        guard s.faultFired[f] != 0, m.faults.clearable(f) else { return .noEffect }
        for effect in m.faults.effects[f] {
            switch effect {
            case .stickValve(let r): s.valveStuck[Int(r)] = 0
            case .failSensor(let r, _): s.sensorFailure[Int(r)] = SensorFailure.none.rawValue
            case .leak(let tank, _): s.tankLeakRate[Int(tank)] = 0
            case .gasLeak(let leak, _): s.leakRate[Int(leak)] = 0
            case .tripMotor, .tripSwitch, .ignite, .act: break
            }
        }
        return nil
    }

    static func apply(_ effect: FaultEffect, _ m: Model, _ s: inout State, _ events: inout [Event]) {
        switch effect {
        case .tripMotor(let r):
            let row = Int(r)
            s.motorRunning[row] = 0
            s.motorTripped[row] = 1
            events.append(Event(tick: s.tick, kind: .equipmentTripped, subject: m.motors.entity[row]))
        case .tripSwitch(let r):
            let row = Int(r)
            s.switchClosed[row] = 0
            s.switchTarget[row] = 0
            s.switchPending[row] = 0
            s.switchTripped[row] = 1
            events.append(Event(tick: s.tick, kind: .equipmentTripped, subject: m.switches.entity[row]))
        case .stickValve(let r):
            s.valveStuck[Int(r)] = 1
        case .failSensor(let r, let mode):
            s.sensorFailure[Int(r)] = mode.rawValue
        case .leak(let tank, let rate):
            s.tankLeakRate[Int(tank)] += rate
        case .gasLeak(let leak, let rate):
            s.leakRate[Int(leak)] = rate
        case .ignite(let entity):
            GasStage.spark(m, &s, &events, entity: entity, person: -1)
        case .act(let input):
            Inputs.apply(m, &s, input, &events)
        }
    }
}
