/// Stage 10a: sensors (delay line, seeded noise, failure modes), alarms and timers.
enum Instruments {
    /// At tick 0 every sensor reads its true value, with a full delay line of it.
    static func initialiseSensors(_ m: Model, _ s: inout State) {
        var memory = ContiguousArray<Double>()
        swap(&memory, &s.exprMemory)
        for r in 0..<m.sensors.count {
            let v = s.evaluate(m.sensors.measures[r], memory: &memory, base: Int(m.sensors.memoryBase[r]))
            let start = Int(m.sensors.historyStart[r])
            for k in 0...Int(m.sensors.delayTicks[r]) { s.sensorHistory[start + k] = v }
            s.sensorValue[r] = clampToRange(v, m.sensors.rangeLow[r], m.sensors.rangeHigh[r])
        }
        swap(&memory, &s.exprMemory)
    }

    @inline(__always)
    static func clampToRange(_ v: Double, _ lo: Double, _ hi: Double) -> Double {
        hi > lo ? min(hi, max(lo, v)) : v
    }

    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        var memory = ContiguousArray<Double>()
        swap(&memory, &s.exprMemory)
        defer { swap(&memory, &s.exprMemory) }

        for r in 0..<m.sensors.count {
            let truth = s.evaluate(m.sensors.measures[r], memory: &memory, base: Int(m.sensors.memoryBase[r]))
            let length = Int(m.sensors.delayTicks[r]) + 1
            let start = Int(m.sensors.historyStart[r])
            var head = Int(s.sensorHistoryHead[r])
            s.sensorHistory[start + head] = truth
            head += 1
            if head == length { head = 0 }
            s.sensorHistoryHead[r] = Int32(head)
            let delayed = s.sensorHistory[start + head]
            let lo = m.sensors.rangeLow[r], hi = m.sensors.rangeHigh[r]
            var out: Double
            switch SensorFailure(rawValue: s.sensorFailure[r]) ?? .none {
            case .none:
                out = delayed
                let sigma = m.sensors.noise[r]
                if sigma > 0 { out += sigma * s.rng.normal() }
            case .stuck: out = s.sensorValue[r]
            case .low: out = lo
            case .high: out = hi
            case .erratic: out = lo + (hi - lo) * s.rng.uniform()
            }
            s.sensorValue[r] = clampToRange(out, lo, hi)
        }

        for r in 0..<m.alarms.count {
            let on = s.evaluate(m.alarms.condition[r], memory: &memory, base: Int(m.alarms.memoryBase[r])) != 0
            if on && s.alarmActive[r] == 0 {
                s.alarmActive[r] = 1
                s.alarmAcknowledged[r] = 0
                events.append(Event(tick: s.tick, kind: .alarmRaised, subject: m.alarms.entity[r],
                                    code: Int32(m.alarms.priority[r].rawValue)))
            } else if !on && s.alarmActive[r] != 0 {
                s.alarmActive[r] = 0
                s.alarmAcknowledged[r] = 0
                events.append(Event(tick: s.tick, kind: .alarmCleared, subject: m.alarms.entity[r]))
            }
        }

        for r in 0..<m.timers.count {
            if let start = m.timers.startWhen[r] {
                let go = s.evaluate(start, memory: &memory, base: Int(m.timers.memoryBase[r])) != 0
                if go && s.timerRunning[r] == 0 && s.timerElapsed[r] == 0 { s.timerRunning[r] = 1 }
            }
            guard s.timerRunning[r] != 0 else { continue }
            s.timerElapsed[r] &+= 1
            if s.timerDone[r] == 0 && s.timerElapsed[r] >= m.timers.durationTicks[r] {
                s.timerDone[r] = 1
                events.append(Event(tick: s.tick, kind: .equipmentChanged, subject: m.timers.entity[r], code: 1))
            }
        }
    }
}
