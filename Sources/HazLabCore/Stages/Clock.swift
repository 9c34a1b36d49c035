/// Stage 11: the time limit.
enum Clock {
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        if !s.ended && s.tick >= m.timeLimitTicks {
            s.endReason = .timeLimit
            events.append(Event(tick: s.tick, kind: .scenarioEnded, subject: -1, code: EndReason.timeLimit.rawValue))
        }
    }
}
