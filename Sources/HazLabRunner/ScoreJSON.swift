import HazLabCore
import HazLabRecords
import HazLabScoring

/// The score breakdown as JSON members (`"score":…,"steps":…,"quality":…,"deductions":…`),
/// keys in a fixed order so the bytes are stable. Shared by `run --json` and `grade`.
public enum ScoreJSON {
    static func text(_ t: LocalizedText) -> String {
        "{\"zh\":\(JSON.string(t.zh)),\"en\":\(JSON.string(t.en))}"
    }

    static func seconds(_ ticks: Int64, _ m: Model) -> String {
        ticks >= 0 ? JSON.number(m.seconds(ticks: ticks)) : "null"
    }

    public static func render(_ sc: ScoreResult, model m: Model) -> String {
        var s = ""
        render(sc, model: m, into: &s)
        return s
    }

    /// Appends the members to `s`, deductions one by one (a long attempt can have a million);
    /// returns the UTF-8 length of `s` before `,"deductions":` (score, steps and quality: what
    /// a results row needs).
    @discardableResult
    public static func render(_ sc: ScoreResult, model m: Model, into s: inout String) -> Int {
        s += "\"score\":{\"total\":\(JSON.number(sc.total)),\"max\":\(JSON.number(sc.max)),\"passScore\":\(JSON.number(sc.passScore)),"
        s += "\"passed\":\(sc.passed),\"evaluation\":\(JSON.string(sc.evaluation.rawValue)),\"evaluationText\":\(text(sc.evaluation.title)),"
        s += "\"mode\":\(JSON.string(sc.mode.rawValue)),\"earned\":\(JSON.number(round2(sc.earned))),\"deducted\":\(JSON.number(round2(sc.deducted))),"
        s += "\"hintsUsed\":\(sc.hintsUsed)"
        if let v = sc.veto { s += ",\"veto\":\(JSON.string(v)),\"vetoSeconds\":\(seconds(sc.vetoTick, m))" }
        s += "},"
        s += "\"steps\":[" + sc.steps.map { st in
            var x = "{\"seq\":\(st.seq),\"id\":\(JSON.string(st.id)),\"title\":\(text(st.title)),"
            x += "\"completed\":\(st.completed),\"startTick\":\(st.startTick),\"endTick\":\(st.endTick),"
            x += "\"startSeconds\":\(seconds(st.startTick, m)),\"seconds\":\(seconds(st.endTick, m)),"
            x += "\"timeUsed\":\(seconds(st.usedTicks, m)),\"expectedSeconds\":\(JSON.number(m.seconds(ticks: st.expectedTicks))),"
            x += "\"maxScore\":\(JSON.number(st.maxScore)),\"score\":\(JSON.number(st.score)),\"repeatCount\":\(st.repeatCount),"
            x += "\"outOfOrder\":\(st.outOfOrder),\"hintUsed\":\(st.hintUsed),"
            x += "\"evaluation\":\(JSON.string(st.evaluation.rawValue)),\"evaluationText\":\(text(st.evaluation.title)),"
            x += "\"scoringModel\":\(text(st.scoringModel)),\"remarks\":\(text(st.remarks))}"
            return x
        }.joined(separator: ",") + "],"
        s += "\"quality\":[" + sc.quality.map { q in
            var x = "{\"id\":\(JSON.string(q.id)),\"title\":\(text(q.title)),\"unit\":\(JSON.string(q.unit)),"
            x += "\"band\":[\(JSON.number(q.low)),\(JSON.number(q.high))],"
            x += "\"phaseStartSeconds\":\(seconds(q.phaseStartTick, m)),\"phaseEndSeconds\":\(seconds(q.phaseEndTick, m)),"
            x += "\"judgedSeconds\":\(JSON.number(m.seconds(ticks: q.judgedTicks))),\"inBandSeconds\":\(JSON.number(m.seconds(ticks: q.inBandTicks))),"
            x += "\"fractionInBand\":\(JSON.number(round4(q.fractionInBand))),\"excursions\":\(q.excursions),"
            x += "\"min\":\(JSON.number(round4(q.minValue))),\"max\":\(JSON.number(round4(q.maxValue))),"
            x += "\"maxScore\":\(JSON.number(q.maxScore)),\"score\":\(JSON.number(q.score)),"
            x += "\"evaluation\":\(JSON.string(q.evaluation.rawValue)),\"scoringModel\":\(text(q.scoringModel))}"
            return x
        }.joined(separator: ",") + "]"
        let summaryEnd = s.utf8.count
        s += ",\"deductions\":["
        for (i, d) in sc.deductions.enumerated() {
            if i > 0 { s += "," }
            s += deduction(d, m)
        }
        s += "]"
        return summaryEnd
    }

    public static func deduction(_ d: Deduction, _ m: Model) -> String {
        var x = "{\"tick\":\(d.tick),\"seconds\":\(JSON.number(m.seconds(ticks: d.tick))),\"cause\":\(JSON.string(d.cause.rawValue)),"
        x += "\"subject\":\(JSON.string(d.subject)),\"title\":\(text(title(of: d, m))),"
        x += "\"detail\":\(JSON.string(d.detail)),\"points\":\(JSON.number(d.points))"
        if d.veto { x += ",\"veto\":true" }
        return x + "}"
    }

    /// What the deduction is about, in words: the rule, hazard message, step or equipment name.
    public static func title(of d: Deduction, _ m: Model) -> LocalizedText {
        switch d.cause {
        case .rule:
            return m.rubric.rules.first { $0.id == d.subject }?.title ?? .empty
        case .hazard:
            guard let h = m.hazards.ids.firstIndex(of: d.subject) else { return .empty }
            return m.text.hazardMessages[h]
        case .outOfOrder, .hint:
            return m.procedure.first { $0.id == d.subject }?.title ?? .empty
        case .rejectedAction, .violation, .accident:
            guard let row = m.entityIndex[d.subject] else { return .empty }
            return m.text.entityNames[Int(row)]
        }
    }

    static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
    static func round4(_ x: Double) -> Double { (x * 10000).rounded() / 10000 }
}
