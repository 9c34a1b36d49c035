import HazLabCore
import HazLabRecords
import HazLabScoring

/// The `hazlab run --json` object. Keys are written in a fixed order so output is byte-stable.
public enum OutcomeJSON {
    public static func render(_ o: RunOutcome, model: Model, includeTrace: Bool = false) -> String {
        var s = "{"
        s += "\"scenario\":\(JSON.string(o.scenario)),"
        s += "\"scenarioSHA256\":\(JSON.string(model.sourceSHA256)),"
        s += "\"engine\":\(JSON.string(HazLabVersion.engine)),"
        s += "\"seed\":\(o.seed),"
        s += "\"ticks\":\(o.ticks),"
        s += "\"seconds\":\(JSON.number(model.seconds(ticks: o.ticks))),"
        s += "\"stateHash\":\(JSON.string(o.stateHash.hex16)),"
        s += "\"endReason\":\(JSON.string(o.endReason.name)),"
        s += ScoreJSON.render(o.score, model: model) + ","
        s += "\"events\":[" + o.events.map { describe($0, model) }.joined(separator: ",") + "]"
        if includeTrace {
            s += ",\"trace\":[" + o.trace.map { "{\"tick\":\($0.tick),\"stateHash\":\(JSON.string($0.hash.hex16))}" }.joined(separator: ",") + "]"
        }
        return s + "}"
    }

    static func entity(_ row: Int32, _ m: Model) -> String {
        row >= 0 && Int(row) < m.entities.count ? m.entities.ids[Int(row)] : ""
    }

    public static func describe(_ e: Event, _ m: Model) -> String {
        var s = "{\"tick\":\(e.tick),\"kind\":\(JSON.string(e.kind.name))"
        switch e.kind {
        case .actionApplied, .actionRejected:
            s += ",\"target\":\(JSON.string(entity(e.subject, m)))"
            let verbIndex = e.kind == .actionApplied ? e.code : Int32(e.value)
            if let v = Verb.from(index: verbIndex) { s += ",\"verb\":\(JSON.string(v.rawValue))" }
            if e.kind == .actionRejected { s += ",\"reason\":\(JSON.string(RejectReason(rawValue: e.code)?.name ?? "?"))" }
            if let v = Verb.from(index: verbIndex), !v.isTraineeVerb, e.detail >= 0 && Int(e.detail) < m.faults.count {
                s += ",\"fault\":\(JSON.string(m.faults.ids[Int(e.detail)]))"
            }
            if e.person > 0 && Int(e.person) < m.persons.count { s += ",\"by\":\(JSON.string(m.persons[Int(e.person)]))" }
        case .violation:
            s += ",\"target\":\(JSON.string(entity(e.subject, m))),\"violation\":\(JSON.string(ViolationCode(rawValue: e.code)?.name ?? "?"))"
        case .faultFired:
            s += ",\"fault\":\(JSON.string(m.faults.ids[Int(e.subject)]))"
        case .hazardTriggered, .hazardCleared:
            s += ",\"hazard\":\(JSON.string(m.hazards.ids[Int(e.subject)]))"
            if e.kind == .hazardTriggered { s += ",\"consequence\":\(JSON.string(Consequence(rawValue: UInt8(e.code))?.name ?? "?"))" }
        case .scenarioEnded:
            s += ",\"reason\":\(JSON.string(EndReason(rawValue: e.code)?.name ?? "?"))"
            if e.code == EndReason.hazard.rawValue { s += ",\"hazard\":\(JSON.string(m.hazards.ids[Int(e.subject)]))" }
        case .measurement, .report:
            s += ",\"target\":\(JSON.string(entity(e.subject, m))),\"value\":\(JSON.number(e.value))"
        default:
            s += ",\"target\":\(JSON.string(entity(e.subject, m)))"
        }
        if e.ordinal >= 0 { s += ",\"action\":\(e.ordinal)" }
        return s + "}"
    }
}
