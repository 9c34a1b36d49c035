/// Stage 1: trainee actions. An action that cannot apply becomes an `actionRejected`
/// event with a reason; it never traps.
enum Inputs {
    static func apply(_ m: Model, _ s: inout State, _ input: Input, _ events: inout [Event]) {
        if input.verb == .instructorFault || input.verb == .instructorClear { return applyInstructor(m, &s, input, &events) }
        guard s.ticket != nil else { return applyAction(m, s: &s, input, &events) }
        let first = events.count
        let exempt = TicketStage.exempt(m, s, input)
        applyAction(m, s: &s, input, &events)
        TicketStage.observe(m, &s, input, exempt: exempt, from: first, &events)
    }

    /// An instructor's fault or clear. Its events name no entity (subject -1, `detail` = the
    /// fault row, person -1), so the scorer never charges the student for them.
    private static func applyInstructor(_ m: Model, _ s: inout State, _ input: Input, _ events: inout [Event]) {
        let tick = s.tick, verb = input.verb!
        var reason: RejectReason?
        if s.ended { reason = .scenarioOver }
        else if input.entity < 0 || Int(input.entity) >= m.faults.count { reason = .unknownTarget }
        else if verb == .instructorFault { reason = Faults.instructorFire(m, &s, fault: Int(input.entity)) }
        else { reason = Faults.instructorClear(m, &s, fault: Int(input.entity)) }
        if let reason {
            events.append(Event(tick: tick, kind: .actionRejected, subject: -1, code: reason.rawValue, ordinal: input.ordinal,
                                value: Double(verb.index), person: -1, detail: input.entity))
        } else {
            events.append(Event(tick: tick, kind: .actionApplied, subject: -1, code: verb.index, ordinal: input.ordinal,
                                person: -1, detail: input.entity))
        }
    }

    private static func applyAction(_ m: Model, s: inout State, _ input: Input, _ events: inout [Event]) {
        let tick = s.tick
        func reject(_ reason: RejectReason, detail: Int32 = 0) {
            events.append(Event(tick: tick, kind: .actionRejected, subject: input.entity,
                                code: reason.rawValue, ordinal: input.ordinal, value: Double(input.verb?.index ?? -1),
                                person: input.person, detail: detail))
        }
        func applied(_ value: Double = 0) {
            events.append(Event(tick: tick, kind: .actionApplied, subject: input.entity,
                                code: input.verb!.index, ordinal: input.ordinal, value: value, person: input.person))
        }
        guard let verb = input.verb else { return reject(.unknownVerb) }
        if s.ended { return reject(.scenarioOver) }
        if verb == .submit {
            applied()
            s.endReason = .submitted
            events.append(Event(tick: tick, kind: .scenarioEnded, subject: -1, code: EndReason.submitted.rawValue, ordinal: input.ordinal))
            return
        }
        guard input.entity >= 0 else { return reject(.unknownTarget) }
        guard input.person >= 0 else { return reject(.unknownPerson) }
        let e = Int(input.entity)
        let kind = m.entities.kinds[e]
        let row = Int(m.entities.local[e])
        let zone = m.entities.zone[e]

        // Verbs that work on any entity, wherever the trainee stands.
        switch verb {
        case .inspect:
            s.inspections[e] &+= 1
            return applied()
        case .measure:
            s.inspections[e] &+= 1
            if kind == .sensor || kind == .tank || kind == .detector {
                // A sensor or detector gives its reading; a tank is gauged by hand (true level).
                let v = kind == .sensor ? s.sensorValue[row] : kind == .detector ? s.detectorValue[row] : s.tankLevel[row]
                applied(v)
                events.append(Event(tick: tick, kind: .measurement, subject: input.entity, ordinal: input.ordinal, value: v))
                return
            }
            return applied()
        case .moveTo:
            guard kind == .zone else { return reject(.unsupportedVerb) }
            if s.traineeZone == input.entity { return reject(.noEffect) }
            if let rule = ElectricalStage.assessEntry(m, &s, zoneEntity: e, input: input, &events) {
                return reject(.interlockBlocked, detail: Int32(rule.rawValue))
            }
            s.traineeZone = input.entity
            if m.entities.hasPosition[e] { s.traineePosition = m.entities.position[e] }
            return applied()
        default: break
        }

        if zone >= 0 && s.traineeZone != zone && input.ordinal >= 0 { return reject(.notInZone) }

        // Locks and tags.
        switch verb {
        case .lock:
            guard m.entities.lockable[e] else { return reject(.unsupportedVerb) }
            if s.lockOwner[e] != 0 { return reject(.alreadyLocked) }
            s.lockOwner[e] = input.person &+ 1
            return applied()
        case .unlock:
            guard m.entities.lockable[e] else { return reject(.unsupportedVerb) }
            if s.lockOwner[e] == 0 { return reject(.notLocked) }
            if s.lockOwner[e] != input.person &+ 1 { return reject(.lockedByOther) }
            s.lockOwner[e] = 0
            return applied()
        case .tag:
            guard m.entities.lockable[e] else { return reject(.unsupportedVerb) }
            if s.tagged[e] != 0 { return reject(.noEffect) }
            s.tagged[e] = 1
            return applied()
        case .untag:
            guard m.entities.lockable[e] else { return reject(.unsupportedVerb) }
            if s.tagged[e] == 0 { return reject(.noEffect) }
            s.tagged[e] = 0
            return applied()
        default: break
        }

        let operates: Bool
        switch verb {
        case .open, .close, .set, .start, .stop, .reset: operates = true
        default: operates = false
        }
        if operates && m.entities.lockable[e] {
            if s.lockOwner[e] != 0 {
                if input.ordinal < 0 {
                    events.append(Event(tick: tick, kind: .violation, subject: input.entity,
                                        code: ViolationCode.scriptedOperationOfLocked.rawValue, person: input.person))
                }
                return reject(.locked)
            }
            if s.tagged[e] != 0 {
                events.append(Event(tick: tick, kind: .violation, subject: input.entity,
                                    code: ViolationCode.operatedTagged.rawValue, ordinal: input.ordinal, person: input.person))
            }
        }

        switch (kind, verb) {
        case (.valve, .open), (.valve, .close), (.valve, .set):
            let target: Double
            if verb == .set {
                guard input.hasNumber, input.number >= 0, input.number <= 1 else { return reject(.invalidValue) }
                target = input.number
            } else {
                target = verb == .open ? 1 : 0
            }
            if s.valveTarget[row] == target && s.valvePosition[row] == target { return reject(.noEffect) }
            s.valveTarget[row] = target
            if m.valves.strokeTicks[row] == 0 && s.valveStuck[row] == 0 { s.valvePosition[row] = target }
            return applied(target)

        case (.switchgear, .open), (.switchgear, .close):
            let want: UInt8 = verb == .close ? 1 : 0
            if s.switchPending[row] > 0 { return reject(.noEffect) }
            if s.switchClosed[row] == want { return reject(.noEffect) }
            if let rule = ElectricalStage.assess(m, &s, switchRow: row, close: want == 1, input: input, &events) {
                return reject(.interlockBlocked, detail: Int32(rule.rawValue))
            }
            if let g = m.gas, g.sparks[e] { GasStage.spark(m, &s, &events, entity: input.entity, person: input.person) }
            if s.ended { return applied(Double(want)) }
            s.switchTarget[row] = want
            if want == 1 { s.switchTripped[row] = 0 }
            let ticks = m.switches.operateTicks[row]
            if ticks == 0 {
                s.switchClosed[row] = want
            } else {
                s.switchPending[row] = ticks
            }
            return applied(Double(want))

        case (.switchgear, .reset):
            if s.switchTripped[row] == 0 { return reject(.noEffect) }
            s.switchTripped[row] = 0
            return applied()

        case (.motor, .start):
            if s.motorRunning[row] != 0 { return reject(.noEffect) }
            if s.motorTripped[row] != 0 { return reject(.tripped) }
            let p = m.motors.powerSwitch[row]
            if p >= 0 && s.switchClosed[Int(p)] == 0 { return reject(.noPower) }
            s.motorRunning[row] = 1
            if let g = m.gas, g.sparks[e] { GasStage.spark(m, &s, &events, entity: input.entity, person: input.person) }
            return applied()

        case (.motor, .stop):
            if s.motorRunning[row] == 0 { return reject(.noEffect) }
            s.motorRunning[row] = 0
            if let g = m.gas, g.sparks[e] { GasStage.spark(m, &s, &events, entity: input.entity, person: input.person) }
            return applied()

        case (.motor, .reset):
            if s.motorTripped[row] == 0 { return reject(.noEffect) }
            s.motorTripped[row] = 0
            return applied()

        case (.timer, .start):
            if s.timerRunning[row] != 0 { return reject(.noEffect) }
            s.timerRunning[row] = 1
            return applied()

        case (.timer, .stop):
            if s.timerRunning[row] == 0 { return reject(.noEffect) }
            s.timerRunning[row] = 0
            return applied()

        case (.timer, .reset):
            s.timerElapsed[row] = 0
            s.timerDone[row] = 0
            return applied()

        case (.opening, .open), (.opening, .close):
            let want: UInt8 = verb == .open ? 1 : 0
            if s.openingOpen[row] == want { return reject(.noEffect) }
            s.openingOpen[row] = want
            return applied()

        case (.hotwork, .start), (.hotwork, .stop):
            let want: UInt8 = verb == .start ? 1 : 0
            if s.hotworkActive[row] == want { return reject(.noEffect) }
            s.hotworkActive[row] = want
            return applied()

        case (.ppe, .wear), (.ppe, .remove):
            let want: UInt8 = verb == .wear ? 1 : 0
            if s.ppeWorn[row] == want { return reject(.noEffect) }
            s.ppeWorn[row] = want
            return applied()

        case (.alarm, .acknowledge):
            if s.alarmActive[row] == 0 || s.alarmAcknowledged[row] != 0 { return reject(.noEffect) }
            s.alarmAcknowledged[row] = 1
            events.append(Event(tick: tick, kind: .alarmAcknowledged, subject: input.entity, ordinal: input.ordinal))
            return applied()

        case (.energy, .verify):
            guard var iso = s.isolation else { return reject(.unsupportedVerb) }
            let zero = iso.verifyZeroEnergy(m.isolation!.spec, source: row)
            s.isolation = iso
            applied(zero ? 1 : 0)
            events.append(Event(tick: tick, kind: .measurement, subject: input.entity, ordinal: input.ordinal, value: zero ? 1 : 0))
            return

        case (.contact, .report):
            s.contactReports[row] &+= 1
            events.append(Event(tick: tick, kind: .report, subject: input.entity, ordinal: input.ordinal, value: input.number))
            return applied()

        default:
            return reject(.unsupportedVerb)
        }
    }
}
