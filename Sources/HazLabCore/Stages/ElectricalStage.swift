/// Stage 4 (continued): which buses are live or earthed follows from connectivity. The
/// derived arrays are recomputed only when some branch changed state.
enum ElectricalStage {
    static func refresh(_ m: Model, _ s: inout State) {
        guard let net = m.electrical else { return }
        let closed = net.closedFlags(s.switchClosed)
        var changed = s.branchClosedSeen.count != closed.count
        if !changed {
            for b in 0..<closed.count where (s.branchClosedSeen[b] != 0) != closed[b] { changed = true; break }
        }
        guard changed else { return }
        s.branchClosedSeen = ContiguousArray(closed.map { $0 ? 1 : 0 })
        let e = energise(net.spec, closed: closed)
        for (k, node) in net.busNode.enumerated() {
            let n = Int(node)
            s.busLive[k] = e.live[n] ? 1 : 0
            s.busEarthed[k] = e.earthed[n] ? 1 : 0
            s.busVoltage[k] = e.volts[n]
        }
        for k in 0..<s.supplyLive.count { s.supplyLive[k] = e.sourceLive[k] ? 1 : 0 }
        for k in 0..<s.loadSupplied.count { s.loadSupplied[k] = e.loadSupplied[k] ? 1 : 0 }
        for k in 0..<s.indicatorLit.count { s.indicatorLit[k] = e.indicatorLit[k] ? 1 : 0 }
    }

    /// Checks a switch command against the five-prevention interlocks. Returns the rule that
    /// blocks it, or nil; records violations and any arc flash it causes.
    static func assess(_ m: Model, _ s: inout State, switchRow: Int, close: Bool, input: Input,
                       _ events: inout [Event]) -> FivePrevention? {
        guard let net = m.electrical else { return nil }
        let branch = net.branchOfSwitch[switchRow]
        guard branch >= 0 else { return nil }
        var settings = net.settings
        settings.permitted = TicketStage.permitted(m, s, input)
        let a = ElectricalInterlocks.assessSwitching(net.spec, closed: net.closedFlags(s.switchClosed), branch: Int(branch),
                                                     close: close, settings: settings)
        for rule in a.violated {
            events.append(Event(tick: s.tick, kind: .violation, subject: input.entity, code: ViolationCode.fivePrevention.rawValue,
                                ordinal: input.ordinal, person: input.person, detail: Int32(rule.rawValue)))
        }
        if case .blocked(let rule) = a.decision { return rule }
        if let hazard = a.hazard, case .arcFlash(_, let cause) = hazard {
            Accidents.record(m, &s, &events, .arcFlash, subject: input.entity, person: input.person, cause: Int32(cause.rawValue))
        }
        return nil
    }

    /// Entering a zone that is a switchgear compartment: blocked while live (rule 5), or a shock.
    static func assessEntry(_ m: Model, _ s: inout State, zoneEntity: Int, input: Input, _ events: inout [Event]) -> FivePrevention? {
        guard let net = m.electrical else { return nil }
        let c = net.compartmentOfEntity[zoneEntity]
        guard c >= 0 else { return nil }
        let e = energise(net.spec, closed: net.closedFlags(s.switchClosed))
        let a = ElectricalInterlocks.assessEntry(net.spec, energisation: e, compartment: Int(c), settings: net.settings)
        for rule in a.violated {
            events.append(Event(tick: s.tick, kind: .violation, subject: input.entity, code: ViolationCode.fivePrevention.rawValue,
                                ordinal: input.ordinal, person: input.person, detail: Int32(rule.rawValue)))
        }
        if case .blocked(let rule) = a.decision { return rule }
        if a.hazard != nil {
            Accidents.record(m, &s, &events, .electricShock, subject: input.entity, person: input.person, cause: 0)
        }
        return nil
    }
}

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
