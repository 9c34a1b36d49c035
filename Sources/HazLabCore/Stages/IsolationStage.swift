/// Lockout-tagout each tick: isolation follows the isolation points' positions; energy
/// released into a danger zone where the trainee stands injures them.
enum IsolationStage {
    /// Safe position of each isolation point: switch open, valve closed (a bleed valve open),
    /// motor stopped.
    static func safeFlags(_ m: Model, _ s: State) -> [Bool] {
        guard let iso = m.isolation else { return [] }
        return (0..<iso.pointEntities.count).map { isSafe(m, s, point: $0) }
    }

    static func isSafe(_ m: Model, _ s: State, point k: Int) -> Bool {
        guard let iso = m.isolation else { return false }
        let e = Int(iso.pointEntities[k])
        let row = Int(m.entities.local[e])
        switch m.entities.kinds[e] {
        case .switchgear: return s.switchClosed[row] == 0
        case .valve:
            return iso.spec.points[k].kind == .bleed ? s.valvePosition[row] >= 0.995 : s.valvePosition[row] <= 0.005
        case .motor: return s.motorRunning[row] == 0
        case .compressor: return s.compressors.running[row] == 0
        default: return false
        }
    }

    /// The isolation state is moved out of `s` and back, so updating it copies no array.
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        guard let iso = m.isolation, var state = s.isolation.take() else { return }
        for k in 0..<iso.pointEntities.count { state.setSafe(k, isSafe(m, s, point: k)) }
        let traineeZone = s.traineeZone
        state.advance(iso.spec, dt: m.secondsPerTick, personCount: m.personZones.count,
                      personZone: { $0 == 0 ? traineeZone : m.personZones[$0] }) { ev in
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
        s.isolation = state
    }
}
