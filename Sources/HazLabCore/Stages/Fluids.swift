/// Stage 5: just enough hydraulics for the demo scenarios. Valves stroke toward their
/// targets; each line carries `ratedFlow × (smallest valve opening)`, driven by its pump
/// when it has one, or by gravity from its source tank (`× √fill`) when it has none.
/// Lines transfer in declaration order and never draw a tank below empty; a tank that
/// would exceed its height spills and is flagged as overflowing.
/// (The lumped fluid network replaces this with the hazard-physics issue.)
enum Fluids {
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        let dt = m.secondsPerTick
        let valves = m.valves
        for v in 0..<valves.count where s.valveStuck[v] == 0 {
            let target = s.valveTarget[v]
            var pos = s.valvePosition[v]
            if pos == target { continue }
            let stroke = valves.strokeTicks[v]
            let delta = stroke == 0 ? 1.0 : 1.0 / Double(stroke)
            if pos < target { pos = min(target, pos + delta) } else { pos = max(target, pos - delta) }
            s.valvePosition[v] = pos
        }

        let tanks = m.tanks
        for t in 0..<tanks.count { s.tankInflow[t] = 0; s.tankOutflow[t] = 0 }
        for v in 0..<valves.count { s.valveFlow[v] = 0 }

        let lines = m.lines
        for l in 0..<lines.count {
            var opening = 1.0
            let lo = Int(lines.valveStart[l]), hi = Int(lines.valveStart[l + 1])
            for k in lo..<hi { opening = min(opening, s.valvePosition[Int(lines.valves[k])]) }
            var q = lines.ratedFlow[l] * opening
            let from = Int(lines.fromTank[l]), to = Int(lines.toTank[l])
            let pump = lines.pump[l]
            if pump >= 0 {
                if s.motorRunning[Int(pump)] == 0 { q = 0 }
            } else if from >= 0 {
                q *= max(0, min(1, s.tankFill[from])).squareRoot()
            }
            if from >= 0 { q = min(q, s.tankVolume[from] / dt) }
            if q < 0 { q = 0 }
            s.lineFlow[l] = q
            for k in lo..<hi { s.valveFlow[Int(lines.valves[k])] += q }
            if from >= 0 {
                s.tankVolume[from] -= q * dt
                s.tankOutflow[from] += q
            }
            if to >= 0 {
                s.tankVolume[to] += q * dt
                s.tankInflow[to] += q
            }
        }

        for t in 0..<tanks.count {
            if s.tankLeakRate[t] > 0 {
                let leak = min(s.tankLeakRate[t], s.tankVolume[t] / dt)
                s.tankVolume[t] -= leak * dt
                s.tankOutflow[t] += leak
            }
            if s.tankVolume[t] < 0 { s.tankVolume[t] = 0 }
            let capacity = tanks.area[t] * tanks.height[t]
            if s.tankVolume[t] >= capacity {
                s.tankVolume[t] = capacity
                s.tankOverflowing[t] = s.tankInflow[t] > s.tankOutflow[t] ? 1 : 0
            } else {
                s.tankOverflowing[t] = 0
            }
            s.tankLevel[t] = s.tankVolume[t] / tanks.area[t]
            s.tankFill[t] = s.tankLevel[t] / tanks.height[t]
        }
    }
}
