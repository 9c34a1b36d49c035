/// Stage 3: interlocks. A motor whose supply switch is open cannot run.
/// (The five-prevention switching interlocks are `ElectricalStage.assess` and `assessEntry`.)
enum Interlocks {
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        let motors = m.motors
        for r in 0..<motors.count where s.motorRunning[r] != 0 {
            let p = motors.powerSwitch[r]
            if p >= 0 && s.switchClosed[Int(p)] == 0 {
                s.motorRunning[r] = 0
                events.append(Event(tick: s.tick, kind: .equipmentChanged, subject: motors.entity[r], code: 0))
            }
        }
    }
}

/// Stage 4: switch operations in progress complete after their operating time.
enum Electrical {
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        let switches = m.switches
        for r in 0..<switches.count where s.switchPending[r] > 0 {
            s.switchPending[r] &-= 1
            if s.switchPending[r] == 0 {
                s.switchClosed[r] = s.switchTarget[r]
                events.append(Event(tick: s.tick, kind: .equipmentChanged, subject: switches.entity[r],
                                    code: Int32(s.switchClosed[r])))
            }
        }
    }
}
