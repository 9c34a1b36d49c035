/// Physics accidents: an event, the trainee's injuries, and the end of the attempt where
/// the scenario's policy says so.
enum Accidents {
    static func record(_ m: Model, _ s: inout State, _ events: inout [Event], _ c: Consequence, subject: Int32,
                       person: Int32, cause: Int32) {
        events.append(Event(tick: s.tick, kind: .accident, subject: subject, code: Int32(c.rawValue), person: person, detail: cause))
        guard person == 0 else { return }
        s.traineeInjuries &+= 1
        let survives = (c == .arcFlash && PPEProtection.worn(m, s, PPEProtection.arcFlash))
            || (c == .electricShock && PPEProtection.worn(m, s, PPEProtection.shock))
        if (c == .fatality || c == .arcFlash || c == .electricShock) && !survives { s.traineeDead = 1 }
        if m.accidents.ending.contains(c) && !s.ended {
            s.endReason = .accident
            events.append(Event(tick: s.tick, kind: .scenarioEnded, subject: subject, code: EndReason.accident.rawValue))
        }
    }
}
