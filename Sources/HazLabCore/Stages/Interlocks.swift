/// Stage 3: interlocks. A motor whose supply switch is open cannot run.
/// (The five-prevention switching interlocks are `ElectricalStage.assess` and `assessEntry`.)
enum Interlocks {
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        for r in 0..<m.motors.count where s.motorRunning[r] != 0 {
            let p = m.motors.powerSwitch[r]
            if p >= 0 && s.switchClosed[Int(p)] == 0 {
                s.motorRunning[r] = 0
                events.append(Event(tick: s.tick, kind: .equipmentChanged, subject: m.motors.entity[r], code: 0))
            }
        }
    }
}
