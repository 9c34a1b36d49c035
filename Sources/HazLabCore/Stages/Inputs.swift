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

    /// What applying a trainee's action came to; `applyAction` turns it into events.
    private enum Outcome {
        /// `actionApplied` with `value`, then `then` when there is one (a reading, the end).
        case applied(Double, then: Event? = nil)
        case rejected(RejectReason, detail: Int32 = 0)
        static let ok = Outcome.applied(0)
    }

    private static func applyAction(_ m: Model, s: inout State, _ input: Input, _ events: inout [Event]) {
        let tick = s.tick
        switch outcome(m, &s, input, &events) {
        case .applied(let value, let then):
            events.append(Event(tick: tick, kind: .actionApplied, subject: input.entity,
                                code: input.verb!.index, ordinal: input.ordinal, value: value, person: input.person))
            if let then { events.append(then) }
        case .rejected(let reason, let detail):
            events.append(Event(tick: tick, kind: .actionRejected, subject: input.entity,
                                code: reason.rawValue, ordinal: input.ordinal, value: Double(input.verb?.index ?? -1),
                                person: input.person, detail: detail))
        }
    }

    /// The checks in order: the verb, the attempt, the target, then verbs any entity takes
    /// wherever the trainee stands, the zone, lockout, and last the kind's own verbs from the
    /// verb table (`EntityKind.verbs`), which decides what the core accepts.
    private static func outcome(_ m: Model, _ s: inout State, _ input: Input, _ events: inout [Event]) -> Outcome {
        guard let verb = input.verb else { return .rejected(.unknownVerb) }
        if s.ended { return .rejected(.scenarioOver) }
        if verb == .submit {
            s.endReason = .submitted
            return .applied(0, then: Event(tick: s.tick, kind: .scenarioEnded, subject: -1,
                                           code: EndReason.submitted.rawValue, ordinal: input.ordinal))
        }
        guard input.entity >= 0 else { return .rejected(.unknownTarget) }
        guard input.person >= 0 else { return .rejected(.unknownPerson) }
        let e = Int(input.entity)
        let kind = m.entities.kinds[e]
        switch verb {
        case .inspect, .measure: return observe(m, &s, input, kind, verb)
        case .moveTo: return move(m, &s, input, kind, &events)
        default: break
        }
        let zone = m.entities.zone[e]
        if zone >= 0 && s.traineeZone != zone && input.ordinal >= 0 { return .rejected(.notInZone) }
        if EntityKind.lockVerbs.contains(verb) { return lockout(m, &s, input, verb) }
        if let refused = lockedOrTagged(m, s, input, verb, &events) { return refused }
        guard kind.verbs.contains(verb) else { return .rejected(.unsupportedVerb) }
        let row = Int(m.entities.local[e])
        switch kind {
        case .valve: return operateValve(m, &s, row, verb, input)
        case .switchgear: return operateSwitch(m, &s, row, verb, input, &events)
        case .motor: return operateMotor(m, &s, row, verb, input, &events)
        case .timer: return operateTimer(&s, row, verb)
        case .compressor: return CompressorStage.operate(&s, row, verb).map { .rejected($0) } ?? .ok
        case .opening: return turn(&s.openingOpen[row], on: verb == .open)
        case .hotwork: return turn(&s.hotworkActive[row], on: verb == .start)
        case .ppe: return turn(&s.ppeWorn[row], on: verb == .wear)
        case .alarm:
            if s.alarmActive[row] == 0 || s.alarmAcknowledged[row] != 0 { return .rejected(.noEffect) }
            s.alarmAcknowledged[row] = 1
            events.append(Event(tick: s.tick, kind: .alarmAcknowledged, subject: input.entity, ordinal: input.ordinal))
            return .ok
        case .energy:
            // Moved out and back: a copy would share its arrays with `s` and the check would copy them.
            guard let spec = m.isolation?.spec, var iso = s.isolation.take() else { return .rejected(.unsupportedVerb) }
            let zero: Double = iso.verifyZeroEnergy(spec, source: row) ? 1 : 0
            s.isolation = iso
            return .applied(zero, then: Event(tick: s.tick, kind: .measurement, subject: input.entity,
                                              ordinal: input.ordinal, value: zero))
        case .contact:
            s.contactReports[row] &+= 1
            events.append(Event(tick: s.tick, kind: .report, subject: input.entity, ordinal: input.ordinal, value: input.number))
            return .ok
        case .tank, .sensor, .detector, .reactor, .bus, .supply, .load, .indicator, .link, .zone, .leak:
            return .rejected(.unsupportedVerb)   // their table verbs are inspect/measure/move-to, handled above
        }
    }

    /// `inspect` and `measure` work on any entity, wherever the trainee stands. A sensor or
    /// detector gives its reading; a tank is gauged by hand (true level).
    private static func observe(_ m: Model, _ s: inout State, _ input: Input, _ kind: EntityKind, _ verb: Verb) -> Outcome {
        let e = Int(input.entity), row = Int(m.entities.local[e])
        s.inspections[e] &+= 1
        guard verb == .measure else { return .ok }
        let v: Double
        switch kind {
        case .sensor: v = s.sensorValue[row]
        case .detector: v = s.detectorValue[row]
        case .tank: v = s.tankLevel[row]
        default: return .ok
        }
        return .applied(v, then: Event(tick: s.tick, kind: .measurement, subject: input.entity, ordinal: input.ordinal, value: v))
    }

    private static func move(_ m: Model, _ s: inout State, _ input: Input, _ kind: EntityKind, _ events: inout [Event]) -> Outcome {
        let e = Int(input.entity)
        guard kind == .zone else { return .rejected(.unsupportedVerb) }
        if s.traineeZone == input.entity { return .rejected(.noEffect) }
        if let rule = ElectricalStage.assessEntry(m, &s, zoneEntity: e, input: input, &events) {
            return .rejected(.interlockBlocked, detail: Int32(rule.rawValue))
        }
        s.traineeZone = input.entity
        if m.entities.hasPosition[e] { s.traineePosition = m.entities.position[e] }
        return .ok
    }

    /// Lock, unlock, tag, untag on a lockable entity.
    private static func lockout(_ m: Model, _ s: inout State, _ input: Input, _ verb: Verb) -> Outcome {
        let e = Int(input.entity)
        guard m.entities.lockable[e] else { return .rejected(.unsupportedVerb) }
        switch verb {
        case .lock:
            if s.lockOwner[e] != 0 { return .rejected(.alreadyLocked) }
            s.lockOwner[e] = input.person &+ 1
        case .unlock:
            if s.lockOwner[e] == 0 { return .rejected(.notLocked) }
            if s.lockOwner[e] != input.person &+ 1 { return .rejected(.lockedByOther) }
            s.lockOwner[e] = 0
        case .tag:
            if s.tagged[e] != 0 { return .rejected(.noEffect) }
            s.tagged[e] = 1
        default:
            if s.tagged[e] == 0 { return .rejected(.noEffect) }
            s.tagged[e] = 0
        }
        return .ok
    }

    /// Operating a locked entity is refused (a scripted person doing it is a violation);
    /// operating a tagged one goes ahead, as a violation.
    private static func lockedOrTagged(_ m: Model, _ s: State, _ input: Input, _ verb: Verb, _ events: inout [Event]) -> Outcome? {
        let e = Int(input.entity)
        switch verb {
        case .open, .close, .set, .start, .stop, .reset: break
        default: return nil
        }
        guard m.entities.lockable[e] else { return nil }
        if s.lockOwner[e] != 0 {
            if input.ordinal < 0 {
                events.append(Event(tick: s.tick, kind: .violation, subject: input.entity,
                                    code: ViolationCode.scriptedOperationOfLocked.rawValue, person: input.person))
            }
            return .rejected(.locked)
        }
        if s.tagged[e] != 0 {
            events.append(Event(tick: s.tick, kind: .violation, subject: input.entity,
                                code: ViolationCode.operatedTagged.rawValue, ordinal: input.ordinal, person: input.person))
        }
        return nil
    }

    private static func operateValve(_ m: Model, _ s: inout State, _ row: Int, _ verb: Verb, _ input: Input) -> Outcome {
        let target: Double
        if verb == .set {
            guard input.hasNumber, input.number >= 0, input.number <= 1 else { return .rejected(.invalidValue) }
            target = input.number
        } else {
            target = verb == .open ? 1 : 0
        }
        if s.valveTarget[row] == target && s.valvePosition[row] == target { return .rejected(.noEffect) }
        s.valveTarget[row] = target
        if m.valves.strokeTicks[row] == 0 && s.valveStuck[row] == 0 { s.valvePosition[row] = target }
        return .applied(target)
    }

    private static func operateSwitch(_ m: Model, _ s: inout State, _ row: Int, _ verb: Verb, _ input: Input,
                                      _ events: inout [Event]) -> Outcome {
        if verb == .reset {
            if s.switchTripped[row] == 0 { return .rejected(.noEffect) }
            s.switchTripped[row] = 0
            return .ok
        }
        let want: UInt8 = verb == .close ? 1 : 0
        if s.switchPending[row] > 0 { return .rejected(.noEffect) }
        if s.switchClosed[row] == want { return .rejected(.noEffect) }
        if let rule = ElectricalStage.assess(m, &s, switchRow: row, close: want == 1, input: input, &events) {
            return .rejected(.interlockBlocked, detail: Int32(rule.rawValue))
        }
        sparkIfItSparks(m, &s, input, &events)
        if s.ended { return .applied(Double(want)) }
        s.switchTarget[row] = want
        if want == 1 { s.switchTripped[row] = 0 }
        let ticks = m.switches.operateTicks[row]
        if ticks == 0 { s.switchClosed[row] = want } else { s.switchPending[row] = ticks }
        return .applied(Double(want))
    }

    private static func operateMotor(_ m: Model, _ s: inout State, _ row: Int, _ verb: Verb, _ input: Input,
                                     _ events: inout [Event]) -> Outcome {
        switch verb {
        case .start:
            if s.motorRunning[row] != 0 { return .rejected(.noEffect) }
            if s.motorTripped[row] != 0 { return .rejected(.tripped) }
            let p = m.motors.powerSwitch[row]
            if p >= 0 && s.switchClosed[Int(p)] == 0 { return .rejected(.noPower) }
            s.motorRunning[row] = 1
            sparkIfItSparks(m, &s, input, &events)
        case .stop:
            if s.motorRunning[row] == 0 { return .rejected(.noEffect) }
            s.motorRunning[row] = 0
            sparkIfItSparks(m, &s, input, &events)
        default:
            if s.motorTripped[row] == 0 { return .rejected(.noEffect) }
            s.motorTripped[row] = 0
        }
        return .ok
    }

    private static func operateTimer(_ s: inout State, _ row: Int, _ verb: Verb) -> Outcome {
        switch verb {
        case .start:
            if s.timerRunning[row] != 0 { return .rejected(.noEffect) }
            s.timerRunning[row] = 1
        case .stop:
            if s.timerRunning[row] == 0 { return .rejected(.noEffect) }
            s.timerRunning[row] = 0
        default:
            s.timerElapsed[row] = 0
            s.timerDone[row] = 0
        }
        return .ok
    }

    /// A two-state entity (door, hot work, PPE): turning it to the state it is in has no effect.
    private static func turn(_ flag: inout UInt8, on: Bool) -> Outcome {
        let want: UInt8 = on ? 1 : 0
        if flag == want { return .rejected(.noEffect) }
        flag = want
        return .ok
    }

    /// Operating electrical equipment in a gas scenario can strike a spark (stage 8 ignites it).
    private static func sparkIfItSparks(_ m: Model, _ s: inout State, _ input: Input, _ events: inout [Event]) {
        if let g = m.gas, g.sparks[Int(input.entity)] {
            GasStage.spark(m, &s, &events, entity: input.entity, person: input.person)
        }
    }
}
