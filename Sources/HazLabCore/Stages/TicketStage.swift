/// The operating ticket (操作票) at the moment of operation (stage 1): what the five-prevention
/// rule 1 permits for a switching command, and the ticket's progress after each journal action.
enum TicketStage {
    /// Journal actions are under the ticket; scripted ones (other people, faults) are not.
    static func governs(_ input: Input) -> Bool { input.ordinal >= 0 }

    /// Re-closing a switch that protection tripped (while its trip flag stands) is emergency
    /// handling (事故紧急处理), which GB 26860 lets be done without an operating ticket.
    static func exempt(_ m: Model, _ s: State, _ input: Input) -> Bool {
        guard input.verb == .close, input.entity >= 0, m.entities.kinds[Int(input.entity)] == .switchgear else { return false }
        return s.switchTripped[Int(m.entities.local[Int(input.entity)])] != 0
    }

    /// Rule 1: the operations the ticket permits for this command now (its next item); nil when
    /// the command is not under the ticket.
    static func permitted(_ m: Model, _ s: State, _ input: Input) -> [SwitchingOperation]? {
        guard let net = m.electrical, let ticket = net.ticket, let ts = s.ticket, governs(input), !exempt(m, s, input) else { return nil }
        guard !ts.complete else { return [] }
        if Int(ts.next) < net.ticketPermitted.count { return net.ticketPermitted[Int(ts.next)] }
        let next = ticket.steps[Int(ts.next)]
        guard next.operation.isSwitching else { return [] }
        let branch = net.branchOfSwitch[Int(m.entities.local[Int(next.entity)])]
        return branch >= 0 ? [SwitchingOperation(branch: branch, close: next.operation == .close)] : []
    }

    /// After a journal action: the next item done advances the ticket; an operation off the ticket
    /// that went through is a deviation (a `ticket-deviation` violation); a rule 1 block is counted.
    static func observe(_ m: Model, _ s: inout State, _ input: Input, exempt: Bool, from first: Int, _ events: inout [Event]) {
        guard let net = m.electrical, let ticket = net.ticket, s.ticket != nil, governs(input),
              let verb = input.verb, input.entity >= 0, var ts = s.ticket.take() else { return }
        // Moved out and back: a copy would share its arrays with `s`, and marking would copy them.
        defer { s.ticket = ts }
        var applied: Event? = nil
        for k in first..<events.count where events[k].ordinal == input.ordinal {
            let e = events[k]
            if e.kind == .actionApplied { applied = e }
            if e.kind == .actionRejected && e.code == RejectReason.interlockBlocked.rawValue
                && e.detail == Int32(FivePrevention.wrongBreaker.rawValue) {
                ts.blocked &+= 1
            }
        }
        guard let a = applied else { return }
        let entity = input.entity
        let kind = m.entities.kinds[Int(entity)]
        let row = Int(m.entities.local[Int(entity)])
        func matches(_ st: TicketStep) -> Bool {
            guard st.entity == entity, st.operation.verb == verb else { return false }
            switch st.operation {
            case .verify: return a.value == 1
            case .check: return kind == .switchgear && s.switchPending[row] == 0 && (s.switchClosed[row] != 0) == st.closed
            default: return true
            }
        }
        let n = ticket.steps.count
        if Int(ts.next) < n && matches(ticket.steps[Int(ts.next)]) {
            ts.mark(Int(ts.next), TicketState.done, tick: s.tick)
            return
        }
        if exempt { return }
        // Looking is never a deviation: a check counts only as the next item. A switching
        // operation off the ticket never ticks a later item off (the device may be switched
        // back before its turn comes); signs, locks and tests do.
        let switching = (verb == .open || verb == .close) && kind == .switchgear && net.branchOfSwitch[row] >= 0
        var later = -1
        if verb != .inspect && !switching {
            for k in Int(ts.next)..<n where ts.status[k] == TicketState.pending && matches(ticket.steps[k]) { later = k; break }
        }
        guard switching || later >= 0 else { return }
        ts.deviations &+= 1
        if later >= 0 { ts.mark(later, TicketState.outOfOrder, tick: s.tick) }
        // Performed, it is a deviation on top of the five-prevention (rule 1) breach that a
        // switching operation off the ticket also is: going through costs more than being stopped.
        events.append(Event(tick: s.tick, kind: .violation, subject: entity, code: ViolationCode.ticketDeviation.rawValue,
                            ordinal: input.ordinal, person: input.person, detail: Int32(later + 1)))
    }
}
