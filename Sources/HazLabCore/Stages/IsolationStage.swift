/// Lockout-tagout each tick: isolation follows the isolation points' positions; energy
/// released into a danger zone where the trainee stands injures them.
enum IsolationStage {
    /// Safe position of each isolation point: switch open, valve closed (a bleed valve open),
    /// motor stopped.
    static func safeFlags(_ m: Model, _ s: State) -> [Bool] {
        guard let iso = m.isolation else { return [] }
        return iso.pointEntities.enumerated().map { k, e in
            let row = Int(m.entities.local[Int(e)])
            switch m.entities.kinds[Int(e)] {
            case .switchgear: return s.switchClosed[row] == 0
            case .valve:
                return iso.spec.points[k].kind == .bleed ? s.valvePosition[row] >= 0.995 : s.valvePosition[row] <= 0.005
            case .motor: return s.motorRunning[row] == 0
            default: return false
            }
        }
    }

    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        guard let iso = m.isolation, var state = s.isolation else { return }
        let safe = safeFlags(m, s)
        var zones = m.personZones
        zones[0] = s.traineeZone
        let out = state.update(iso.spec, safe: safe, personZone: zones, dt: m.secondsPerTick)
        s.isolation = state
        for ev in out {
            switch ev {
            case .isolated(let src):
                events.append(Event(tick: s.tick, kind: .equipmentChanged, subject: iso.energyEntities[Int(src)], code: 1))
            case .deIsolated(let src):
                events.append(Event(tick: s.tick, kind: .equipmentChanged, subject: iso.energyEntities[Int(src)], code: 0))
            case .injury(let person, let src, let cause):
                Accidents.record(m, &s, &events, .injury, subject: iso.energyEntities[Int(src)], person: person,
                                 cause: Int32(cause.rawValue))
            default:
                break
            }
        }
    }
}
