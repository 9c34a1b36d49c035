import Foundation
import HazLabCore
import HazLabRecords
import HazLabScenario
import HazLabScoring

/// One graded attempt as the grader writes it (one JSON object, keys in a fixed order):
/// who and what, the replayed outcome and the full score breakdown. Reports and exports
/// read this record; the score in it comes only from the replay.
public enum AttemptRecord {
    /// The attempt id: the journal header's `attempt`, or else the journal's SHA-256 (first
    /// 32 hex digits), so the same journal submitted twice is the same attempt.
    public static func attemptId(header: Journal.Header?, journalSHA256: String) -> String {
        if let a = header?.attempt, !a.isEmpty { return a }
        return "sha256-" + journalSHA256.prefix(32)
    }

    public static func render(_ o: RunOutcome, model m: Model, journal j: Journal, journalPath: String,
                              journalSHA256: String, attempt: String) -> String {
        renderMarked(o, model: m, journal: j, journalPath: journalPath, journalSHA256: journalSHA256, attempt: attempt).json
    }

    /// `render`, and the UTF-8 length of the record before `,"deductions":` (its summary:
    /// that prefix plus `}` is a record without deductions and events, all a results row needs).
    public static func renderMarked(_ o: RunOutcome, model m: Model, journal j: Journal, journalPath: String,
                                    journalSHA256: String, attempt: String) -> (json: String, summaryEnd: Int) {
        var s = "{"
        s += "\"attempt\":\(JSON.string(attempt)),"
        s += "\"journal\":\(JSON.string(journalPath)),"
        s += "\"journalSHA256\":\(JSON.string(journalSHA256)),"
        s += "\"student\":\(JSON.string(j.header.student)),"
        s += "\"workstation\":\(JSON.string(j.header.workstation)),"
        s += "\"mode\":\(JSON.string(j.header.mode)),"
        if !j.header.started.isEmpty { s += "\"started\":\(JSON.string(j.header.started)),"}
        s += "\"scenario\":\(JSON.string(m.id)),"
        s += "\"scenarioTitle\":\(ScoreJSON.text(m.text.title)),"
        s += "\"scenarioSHA256\":\(JSON.string(m.sourceSHA256)),"
        s += "\"engine\":\(JSON.string(HazLabVersion.engine)),"
        s += "\"journalEngine\":\(JSON.string(j.header.engine)),"
        s += "\"seed\":\(o.seed),"
        s += "\"ticks\":\(o.ticks),"
        s += "\"durationSeconds\":\(JSON.number(m.seconds(ticks: o.ticks))),"
        s += "\"stateHash\":\(JSON.string(o.stateHash.hex16)),"
        s += "\"hashFormat\":\(StateHashFormat.current),"
        s += "\"endReason\":\(JSON.string(o.endReason.name)),"
        s += "\"complete\":\(j.isComplete),"
        s += "\"workstationStateHash\":\(JSON.string(j.trailer?.stateHash ?? "")),"
        // Checked in the trailer's own hash format; a format this engine does not know is not agreement.
        s += "\"workstationAgrees\":\(j.trailer.flatMap { o.agrees(with: $0) } ?? false),"
        // Capacity from samples of the deductions and events, so a long attempt's record is
        // not regrown (and copied) as it doubles.
        func estimate<C: Collection>(_ items: C, _ text: (C.Element) -> String) -> Int {
            guard items.count > 64 else { return 0 }
            return items.prefix(64).reduce(0) { $0 + text($1).utf8.count + 1 } * items.count / 64 * 21 / 20
        }
        let big = estimate(o.score.deductions) { ScoreJSON.deduction($0, m) } + estimate(o.events) { event($0, m) }
        if big > 0 { s.reserveCapacity(s.utf8.count + big + 65_536) }
        let summaryEnd = ScoreJSON.render(o.score, model: m, into: &s)
        // Every simulation event of the replay, in order (the store keeps them row by row),
        // appended one by one: no array of every event's text on the way.
        s += ",\"events\":["
        for (i, e) in o.events.enumerated() {
            if i > 0 { s += "," }
            s += event(e, m)
        }
        s += "]}"
        return (s, summaryEnd)
    }

    /// One event as `OutcomeJSON.describe` writes it, with `seconds` after `tick`.
    static func event(_ e: Event, _ m: Model) -> String {
        let d = OutcomeJSON.describe(e, m)
        let head = "{\"tick\":\(e.tick)"
        guard d.hasPrefix(head) else { return d }
        return head + ",\"seconds\":\(JSON.number(m.seconds(ticks: e.tick)))" + d.dropFirst(head.count)
    }
}
