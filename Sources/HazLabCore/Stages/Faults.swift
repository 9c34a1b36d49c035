/// Stage 2: scripted faults. Each fault fires once: at a fixed tick, at a tick drawn from
/// the seeded RNG when the state was created, or on the first tick its condition holds.
enum Faults {
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        let faults = m.faults
        if faults.count == 0 { return }
        var memory = ContiguousArray<Double>()
        swap(&memory, &s.exprMemory)
        for f in 0..<faults.count where s.faultFired[f] == 0 {
            let fire: Bool
            switch faults.trigger[f] {
            case .atTick, .window:
                fire = s.tick >= s.faultTick[f]
            case .when(let condition):
                fire = s.evaluate(condition, memory: &memory, base: Int(faults.memoryBase[f])) != 0
            }
            guard fire else { continue }
            s.faultFired[f] = 1
            s.faultTick[f] = s.tick
            events.append(Event(tick: s.tick, kind: .faultFired, subject: Int32(f)))
            for effect in faults.effects[f] { apply(effect, m, &s, &events) }
        }
        swap(&memory, &s.exprMemory)
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
