import Foundation
import HazLabCore

/// `faults`: scheduled and instructor-triggered faults and their effects.
extension Compilation {
    mutating func readFaults(_ node: YNode?) -> (FaultTable, [LocalizedText]) {
        var faults = FaultTable()
        var text: [LocalizedText] = []
        guard let node, let list = node.sequence(&bag, what: "faults") else { return (faults, text) }
        var seen: [String: SourceLocation] = [:]
        for item in list {
            guard let r = reader(item, "fault", Format.fault), let id = readId(r, "fault", seen: &seen) else { continue }
            let triggers = ["at", "window", "when"].filter { r.node($0) != nil }
            var trigger: FaultTrigger = .atTick(1)
            if triggers.count != 1 {
                bag.error(item.location, "fault '\(id)' needs exactly one of 'at', 'window' or 'when'")
            } else if let n = r.node("at") {
                trigger = .atTick(ticks(nonNegative(n, .time, "\(id).at", default: 0)))
            } else if let n = r.node("window"), let w = n.sequence(&bag, what: "\(id).window") {
                if w.count != 2 {
                    bag.error(n.location, "'\(id).window' needs two times, [from, to]")
                } else if let a = quantity(w[0], .time, "\(id).window"), let b = quantity(w[1], .time, "\(id).window") {
                    if a < 0 || b < a { bag.error(n.location, "'\(id).window' must satisfy 0 <= from <= to") }
                    else { trigger = .window(ticks(a), ticks(b)) }
                }
            } else if let n = r.node("when"), let p = expression(n, boolean: true, "\(id).when") {
                trigger = .when(p)
                keepSource("fault.\(id).when", n)
            }
            var effects: [FaultEffect] = []
            if let e = r.node("effects"), let es = e.sequence(&bag, what: "\(id).effects") {
                if es.isEmpty { bag.error(e.location, "fault '\(id)' has no effects") }
                for en in es { if let fx = readEffect(en, id) { effects.append(fx) } }
            }
            faults.ids.append(id); faults.trigger.append(trigger); faults.effects.append(effects)
            faults.instructor.append(r.node("instructor").flatMap { $0.bool(&bag, what: "\(id).instructor") } ?? false)
            if case .when(let p) = trigger { faults.memoryBase.append(allocateMemory(p)) } else { faults.memoryBase.append(Int32(memorySlots)) }
            text.append(localized(r.node("description"), "\(id).description"))
        }
        return (faults, text)
    }

    mutating func readEffect(_ node: YNode, _ fault: String) -> FaultEffect? {
        guard let r = reader(node, "fault effect", Format.effect) else { return nil }
        let verbs = ["trip", "stick", "fail", "leak", "ignite", "act"].filter { r.node($0) != nil }
        guard verbs.count == 1 else {
            bag.error(node.location, "an effect of '\(fault)' needs exactly one of 'trip', 'stick', 'fail', 'leak', 'ignite' or 'act'")
            return nil
        }
        switch verbs[0] {
        case "trip":
            guard let e = entityRef(r.node("trip"), "\(fault).trip", kinds: [.motor, .switchgear]) else { return nil }
            return declared[Int(e)].kind == .motor ? .tripMotor(local[Int(e)]) : .tripSwitch(local[Int(e)])
        case "stick":
            guard let e = entityRef(r.node("stick"), "\(fault).stick", kinds: [.valve]) else { return nil }
            return .stickValve(local[Int(e)])
        case "fail":
            guard let e = entityRef(r.node("fail"), "\(fault).fail", kinds: [.sensor]) else { return nil }
            var mode = SensorFailure.stuck
            if let n = r.node("mode"), let s = n.string(&bag, what: "\(fault).mode") {
                if let m = SensorFailure.allCases.first(where: { $0.name == s && $0 != .none }) { mode = m }
                else { oneOfError(n, s, Format.sensorFailures, "\(fault).mode") }
            }
            return .failSensor(local[Int(e)], mode)
        case "leak":
            guard let e = entityRef(r.node("leak"), "\(fault).leak", kinds: [.tank, .leak]) else { return nil }
            guard let rn = r.required("rate", bag: &bag) else { return nil }
            let rate = nonNegative(rn, .volumeFlow, "\(fault).rate", default: 0)
            if declared[Int(e)].kind == .leak { return .gasLeak(leak: local[Int(e)], rate: rate) }
            return .leak(tank: local[Int(e)], rate: rate)
        case "ignite":
            guard let e = entityRef(r.node("ignite"), "\(fault).ignite", kinds: []) else { return nil }
            if r.node("ignite") != nil && declared[Int(e)].reader.node("position") == nil {
                bag.error(r.node("ignite")!.location, "'\(declared[Int(e)].id)' needs a 'position' to be an ignition source")
            }
            return .ignite(entity: e)
        default:
            guard let vn = r.node("act"), let vs = vn.string(&bag, what: "\(fault).act") else { return nil }
            guard let verb = Verb(rawValue: vs) else {
                oneOfError(vn, vs, Verb.traineeCases.map(\.rawValue), "\(fault).act")
                return nil
            }
            guard verb.isTraineeVerb else {
                oneOfError(vn, vs, Verb.traineeCases.map(\.rawValue), "\(fault).act")
                return nil
            }
            guard let tn = r.required("target", bag: &bag), let target = entityRef(tn, "\(fault).target", kinds: []) else { return nil }
            var person: Int32 = 0
            if let bn = r.node("by"), let who = bn.string(&bag, what: "\(fault).by") {
                if let p = persons.firstIndex(of: who) { person = Int32(p) } else {
                    var msg = "unknown person '\(who)' in '\(fault).by'"
                    if let s = Suggest.closest(to: who, among: persons) { msg += "; did you mean '\(s)'?" }
                    bag.error(bn.location, msg)
                    return nil
                }
            }
            let value = r.node("value").flatMap { $0.double(&bag, what: "\(fault).value") }
            return .act(Input(verb: verb, entity: target, number: value ?? 0, hasNumber: value != nil, person: person, ordinal: -1))
        }
    }
}
