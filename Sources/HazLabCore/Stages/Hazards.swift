/// Stage 10b: hazards. A hazard fires on the tick its condition becomes true, with its
/// consequence; one that ends the scenario stops the attempt at that tick.
enum Hazards {
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        if m.hazards.count == 0 { return }
        var memory = ContiguousArray<Double>()
        swap(&memory, &s.exprMemory)
        for h in 0..<m.hazards.count {
            let on = s.evaluate(m.hazards.condition[h], memory: &memory, base: Int(m.hazards.memoryBase[h])) != 0
            if on && s.hazardActive[h] == 0 {
                s.hazardActive[h] = 1
                s.hazardCount[h] &+= 1
                events.append(Event(tick: s.tick, kind: .hazardTriggered, subject: Int32(h),
                                    code: Int32(m.hazards.consequence[h].rawValue)))
                if m.hazards.endsScenario[h] && !s.ended {
                    s.endReason = .hazard
                    s.endHazard = Int32(h)
                    events.append(Event(tick: s.tick, kind: .scenarioEnded, subject: Int32(h), code: EndReason.hazard.rawValue))
                }
            } else if !on && s.hazardActive[h] != 0 {
                s.hazardActive[h] = 0
                events.append(Event(tick: s.tick, kind: .hazardCleared, subject: Int32(h)))
            }
        }
        swap(&memory, &s.exprMemory)
    }
}
