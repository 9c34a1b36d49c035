import Foundation
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScoring

/// The live state of one streamed attempt, for the teacher station.
public struct LabSnapshot: Sendable, Equatable {
    public var attempt: String
    /// The simulation tick the mirror has reached: the tick of the last action received (the
    /// station is at least there), or the end tick once the trailer is in.
    public var tick: Int64
    /// `State.hash.hex16` at `tick`: equal to the workstation's own state at that tick.
    public var stateHash: String
    public var actions: Int
    /// The score so far (the scorer's running total) and its maximum.
    public var score: Double
    public var maxScore: Double
    public var finished: Bool
    /// The mirror could not follow (bad line, scenario gone): the message; the ledger still stores the lines.
    public var problem: String
}

/// Replays every live attempt as its lines arrive (the same `AttemptStepper` as `Runner.replay`),
/// so the server holds each station's exact state without the workstation sending state.
/// Thread-safe. Inputs stamped for tick T are applied by the step from T to T+1, exactly as in
/// `Runner.replay`: the mirror steps up to an action's tick when the action arrives, and keeps
/// it pending until a later tick (or the trailer) shows no more inputs can come for T.
public final class LabMirror: @unchecked Sendable {
    final class Station {
        var stepper: AttemptStepper
        var pending: [Input] = []
        var ordinal: Int32 = 0
        var nextSeq = 1
        var finished = false
        var problem = ""
        init(_ s: AttemptStepper) { stepper = s }

        func advance(to tick: Int64) {
            while !stepper.state.ended && stepper.state.tick < tick {
                stepper.step(pending[...])
                pending.removeAll(keepingCapacity: true)
            }
        }
    }
    private var stations: [String: Station] = [:]   // looked up, never iterated for output order
    private let lock = NSLock()

    public init() {}

    /// Attempts the mirror follows, sorted.
    public var attempts: [String] { lock.lock(); defer { lock.unlock() }; return stations.keys.sorted() }

    public func snapshot(_ attempt: String) -> LabSnapshot? {
        lock.lock(); defer { lock.unlock() }
        guard let s = stations[attempt] else { return nil }
        let r = s.stepper.scorer.result
        return LabSnapshot(attempt: attempt, tick: s.stepper.state.tick, stateHash: s.stepper.state.hash.hex16, actions: Int(s.ordinal),
                           score: r.total, maxScore: r.max, finished: s.finished, problem: s.problem)
    }

    /// Forgets an attempt (e.g. once graded and no longer shown).
    public func drop(_ attempt: String) { lock.lock(); stations[attempt] = nil; lock.unlock() }

    /// Brings the mirror of `attempt` up to the ledger's stored lines (after a server restart or
    /// when a station reconnects).
    public func catchUp(attempt: String, ledger: LabLedger) {
        guard let lines = try? ledger.lines(attempt) else { return }
        lock.lock(); defer { lock.unlock() }
        guard let st = station(attempt, ledger: ledger) else { return }
        while st.nextSeq < lines.count { apply(st, seq: st.nextSeq, text: lines[st.nextSeq]) }
    }

    /// One stored line (seq ≥ 1; the header is the assignment). Lines must come in seq order; one
    /// out of order makes the mirror catch up from the ledger.
    public func feed(attempt: String, seq: Int, text: String, ledger: LabLedger) {
        lock.lock()
        guard let st = station(attempt, ledger: ledger) else { lock.unlock(); return }
        if seq == st.nextSeq { apply(st, seq: seq, text: text); lock.unlock(); return }
        let behind = seq > st.nextSeq
        lock.unlock()
        if behind { catchUp(attempt: attempt, ledger: ledger) }
    }

    private func station(_ attempt: String, ledger: LabLedger) -> Station? {
        if let s = stations[attempt] { return s }
        guard let a = try? ledger.assignment(attempt), let model = try? ledger.model(for: attempt) else { return nil }
        let mode = TrainingMode(rawValue: a.mode.rawValue) ?? .practice
        let s = Station(AttemptStepper(model: model, seed: a.seed, mode: mode))
        stations[attempt] = s
        return s
    }

    private func apply(_ st: Station, seq: Int, text: String) {
        st.nextSeq = seq + 1
        guard st.problem.isEmpty, !st.finished else { return }
        guard let v = try? JSONText.parse(Array(text.utf8)) else { st.problem = "line \(seq) is not JSON"; return }
        switch v["type"]?.string {
        case "action":
            guard let tick = v["tick"]?.numberText.flatMap({ Int64($0) }), let verb = v["verb"]?.string else {
                st.problem = "line \(seq): not an action"; return
            }
            var a = Action(tick: tick, verb: verb, target: v["target"]?.string ?? "")
            if let x = v["value"] { if let s = x.string { a.text = s } else if let n = x.numberText { a.number = Double(n) } }
            st.advance(to: tick)
            if let input = st.stepper.take(a, ordinal: st.ordinal) { st.pending.append(input) }
            st.ordinal += 1
        case "trailer":
            st.advance(to: .max)
            st.finished = true
        default:
            st.problem = "line \(seq): unknown type"
        }
    }
}
