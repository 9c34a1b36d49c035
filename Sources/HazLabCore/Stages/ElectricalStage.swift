/// Stage 4 (continued): which buses are live or earthed follows from connectivity. The
/// derived arrays are recomputed only when some branch changed state.
enum ElectricalStage {
    static func refresh(_ m: Model, _ s: inout State) {
        guard let net = m.electrical else { return }
        // Compared in place: building the flags every tick would allocate.
        var changed = s.branchClosedSeen.count != net.switchOfBranch.count
        if !changed {
            for b in 0..<net.switchOfBranch.count where (s.branchClosedSeen[b] != 0) != net.isClosed(branch: b, s.switchClosed) {
                changed = true
                break
            }
        }
        guard changed, var scratch = s.electricalScratch.take() else { return }
        net.closedFlags(s.switchClosed, into: &scratch.closed)
        if s.branchClosedSeen.count != scratch.closed.count {
            s.branchClosedSeen = ContiguousArray(repeating: 0, count: scratch.closed.count)   // once, in State.init
        }
        for b in 0..<scratch.closed.count { s.branchClosedSeen[b] = scratch.closed[b] ? 1 : 0 }
        scratch.before.compute(net.spec, closed: scratch.closed, buffers: &scratch.buffers)
        let e = scratch.before
        for (k, node) in net.busNode.enumerated() {
            let n = Int(node)
            s.busLive[k] = e.live[n] ? 1 : 0
            s.busEarthed[k] = e.earthed[n] ? 1 : 0
            s.busVoltage[k] = e.volts[n]
        }
        for k in 0..<s.supplyLive.count { s.supplyLive[k] = e.sourceLive[k] ? 1 : 0 }
        for k in 0..<s.loadSupplied.count { s.loadSupplied[k] = e.loadSupplied[k] ? 1 : 0 }
        for k in 0..<s.indicatorLit.count { s.indicatorLit[k] = e.indicatorLit[k] ? 1 : 0 }
        s.electricalScratch = scratch
    }

    /// Checks a switch command against the five-prevention interlocks. Returns the rule that
    /// blocks it, or nil; records violations and any arc flash it causes.
    static func assess(_ m: Model, _ s: inout State, switchRow: Int, close: Bool, input: Input,
                       _ events: inout [Event]) -> FivePrevention? {
        guard let net = m.electrical else { return nil }
        let branch = net.branchOfSwitch[switchRow]
        guard branch >= 0 else { return nil }
        guard var scratch = s.electricalScratch.take() else { return nil }
        var settings = net.settings
        settings.permitted = TicketStage.permitted(m, s, input)
        net.closedFlags(s.switchClosed, into: &scratch.closed)
        let closed = scratch.closed
        let a = ElectricalInterlocks.assessSwitching(net.spec, closed: closed, branch: Int(branch), close: close,
                                                     settings: settings, scratch: &scratch)
        s.electricalScratch = scratch
        for rule in FivePrevention.allCases where a.violatedRules.contains(rule) {
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
        guard var scratch = s.electricalScratch.take() else { return nil }
        net.closedFlags(s.switchClosed, into: &scratch.closed)
        scratch.before.compute(net.spec, closed: scratch.closed, buffers: &scratch.buffers)
        let a = ElectricalInterlocks.assessEntry(net.spec, energisation: scratch.before, compartment: Int(c), settings: net.settings)
        s.electricalScratch = scratch
        for rule in FivePrevention.allCases where a.violatedRules.contains(rule) {
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
