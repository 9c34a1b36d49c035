/// Stage 4: switch operations in progress complete after their operating time.
enum SwitchStage {
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
