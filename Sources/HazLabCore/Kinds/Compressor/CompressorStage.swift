/// Stage 5 (after the fluids, whose valve positions it reads): each compressor's discharge
/// pressure approaches its target first-order; the high-pressure cut-out trips a running
/// compressor at `tripPressure`. Target: stopped, the suction pressure; running, the design
/// discharge pressure plus (dead-head − design) × (1 − valve opening)², so a half-closed
/// valve adds a quarter of the way to dead-head and a closed one all of it.
enum CompressorStage {
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        for i in 0..<m.compressors.count {
            let running = s.compressors.running[i] != 0
            var target = m.compressors.suctionPressure[i]
            if running {
                let v = m.compressors.dischargeValve[i]
                let shut = v >= 0 ? 1 - min(1, max(0, s.valvePosition[Int(v)])) : 0
                let design = m.compressors.dischargePressure[i]
                target = design + (m.compressors.deadheadPressure[i] - design) * shut * shut
            }
            let p = s.compressors.dischargePressure[i]
            let next = p + (target - p) * m.compressors.approachPerTick[i]
            s.compressors.dischargePressure[i] = next
            if running && next >= m.compressors.tripPressure[i] {
                s.compressors.running[i] = 0
                s.compressors.tripped[i] = 1
                events.append(Event(tick: s.tick, kind: .equipmentTripped, subject: m.compressors.entity[i], value: next))
            }
        }
    }

    /// Stage 1: start, stop or reset compressor row `row`; nil when it applied.
    static func operate(_ s: inout State, _ row: Int, _ verb: Verb) -> RejectReason? {
        switch verb {
        case .start:
            if s.compressors.running[row] != 0 { return .noEffect }
            if s.compressors.tripped[row] != 0 { return .tripped }
            s.compressors.running[row] = 1
        case .stop:
            if s.compressors.running[row] == 0 { return .noEffect }
            s.compressors.running[row] = 0
        case .reset:
            if s.compressors.tripped[row] == 0 { return .noEffect }
            s.compressors.tripped[row] = 0
        default: return .unsupportedVerb
        }
        return nil
    }
}
