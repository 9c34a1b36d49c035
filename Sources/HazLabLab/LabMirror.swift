import Foundation
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScoring

/// The live state of one streamed attempt, for the teacher station.
public struct LabSnapshot: Sendable, Equatable {
    public var attempt: String
    /// The simulation tick the mirror has reached: the later of the last action received and the
    /// workstation's last clock (the station is at least there), or the end tick once the trailer is in.
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
    /// Simulated seconds at `tick`.
    public var simSeconds: Double = 0
    /// The step the student is on (the first started and not done, else the first not done;
    /// -1 when every step is done), how many are done, and how many there are.
    public var stepIndex: Int = -1
    public var stepsDone: Int = 0
    public var stepsTotal: Int = 0
    /// The title of step `stepIndex` (empty when none).
    public var stepTitle: LocalizedText = .empty
    /// Ids of the alarms active now, of the hazards active now, and the consequence names of
    /// the accidents so far (in the order they happened, each once).
    public var alarms: [String] = []
    public var hazards: [String] = []
    public var accidents: [String] = []
    /// From the journaled instructor-freeze/instructor-run and incident-pause/incident-resume lines.
    public var frozen = false
    public var paused = false
    /// `live | reconnecting | offline | submitted`: the mirror knows only `submitted` (the trailer
    /// is in) and says `offline` otherwise; the server sets it from its open streams.
    public var connection = "offline"

    public init(attempt: String, tick: Int64, stateHash: String, actions: Int, score: Double, maxScore: Double, finished: Bool, problem: String) {
        self.attempt = attempt; self.tick = tick; self.stateHash = stateHash; self.actions = actions
        self.score = score; self.maxScore = maxScore; self.finished = finished; self.problem = problem
    }
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
        /// Instructor controls seen in the journal (freeze/run, incident pause/resume).
        var frozen = false
        var paused = false
        /// Accident consequences seen so far, and how many of the stepper's events were scanned.
        var accidents: [String] = []
        var scanned = 0
        /// The workstation's last clock (-1: none): no action may come stamped before it.
        var clockTick: Int64 = -1
        init(_ s: AttemptStepper) { stepper = s }

        /// Notes the controls a journaled action line carries (the verbs only; the simulation
        /// never sees them here).
        func noteControl(_ verb: String) {
            switch InstructorCommand.from(verb: verb) {
            case .freeze?: frozen = true
            case .run?: frozen = false
            case .pause?: paused = true
            case .resume?: paused = false
            default: break
            }
        }

        /// Scans the events not seen yet for accidents.
        func scanEvents() {
            let ev = stepper.events
            guard scanned < ev.count else { return }
            for e in ev[scanned...] where e.kind == .accident {
                let name = Consequence(rawValue: UInt8(truncatingIfNeeded: e.code))?.name ?? "accident"
                if !accidents.contains(name) { accidents.append(name) }
            }
            scanned = ev.count
        }

        func advance(to tick: Int64) {
            while !stepper.state.ended && stepper.state.tick < tick {
                stepper.step(pending[...])
                pending.removeAll(keepingCapacity: true)
            }
        }
    }
    private var stations: [String: Station] = [:]   // looked up, never iterated for output order
    private let lock = NSLock()
    private var changes: UInt64 = 0

    public init() {}

    /// Attempts the mirror follows, sorted.
    public var attempts: [String] { lock.lock(); defer { lock.unlock() }; return stations.keys.sorted() }

    /// Grows by one with every line applied (the live feed's cue to look again).
    public var version: UInt64 { lock.lock(); defer { lock.unlock() }; return changes }

    /// A copy of the attempt's stepper (state, scorer, events) as mirrored now; nil when not followed.
    public func stepper(_ attempt: String) -> AttemptStepper? {
        lock.lock(); defer { lock.unlock() }
        return stations[attempt]?.stepper
    }

    /// The run of an attempt's stored lines at `tick` (the debrief): the lines after the header
    /// applied exactly as the live mirror applies them, and the stepper advanced to `tick` (inputs
    /// stamped `tick` not yet applied), so its state is the one `Runner.replay` has after its step
    /// to `tick`. The state's tick is below `tick` when the run ended first or the stored lines
    /// stop earlier. Returns the stepper and the mirror's problem text (empty when none).
    public static func replay(model: Model, seed: UInt64, mode: TrainingMode, lines: [String], at tick: Int64)
        -> (stepper: AttemptStepper, problem: String) {
        let st = Station(AttemptStepper(model: model, seed: seed, mode: mode))
        let m = LabMirror()
        // At the trailer's end tick (or later) the answer is the run's final state: the step that
        // ends it (a submit) may leave the tick where it was, so every line is applied.
        if let lastLine = lines.last, let v = try? JSONText.parse(Array(lastLine.utf8)), v["type"]?.string == "trailer",
           let end = v["endTick"]?.numberText.flatMap({ Int64($0) }), tick >= end {
            for (seq, text) in lines.enumerated() where seq >= 1 { m.apply(st, seq: seq, text: text) }
            return (st.stepper, st.problem)
        }
        for (seq, text) in lines.enumerated() where seq >= 1 {
            let v = try? JSONText.parse(Array(text.utf8))
            let type = v?["type"]?.string
            // The first action stamped `tick` or later belongs to the step after `tick`; the
            // trailer adds nothing before `tick`.
            if type == "action", let t = v?["tick"]?.numberText.flatMap({ Int64($0) }), t >= tick { break }
            if type == "trailer" { break }
            m.apply(st, seq: seq, text: text)
            if !st.problem.isEmpty { break }
        }
        if st.problem.isEmpty { st.advance(to: tick) }
        return (st.stepper, st.problem)
    }

    public func snapshot(_ attempt: String) -> LabSnapshot? {
        lock.lock(); defer { lock.unlock() }
        guard let s = stations[attempt] else { return nil }
        return Self.snapshot(attempt, s)
    }

    static func snapshot(_ attempt: String, _ s: Station) -> LabSnapshot {
        let r = s.stepper.scorer.result
        let state = s.stepper.state, model = s.stepper.model
        var snap = LabSnapshot(attempt: attempt, tick: state.tick, stateHash: state.hash.hex16, actions: Int(s.ordinal),
                               score: r.total, maxScore: r.max, finished: s.finished, problem: s.problem)
        snap.simSeconds = state.seconds
        let steps = r.steps
        snap.stepsTotal = steps.count
        snap.stepsDone = steps.filter(\.completed).count
        snap.stepIndex = steps.firstIndex { !$0.completed && $0.startTick >= 0 } ?? steps.firstIndex { !$0.completed } ?? -1
        if snap.stepIndex >= 0 { snap.stepTitle = steps[snap.stepIndex].title }
        snap.alarms = (0..<model.alarms.count).filter { state.alarmActive[$0] != 0 }.map { model.entities.ids[Int(model.alarms.entity[$0])] }
        snap.hazards = (0..<model.hazards.count).filter { state.hazardActive[$0] != 0 }.map { model.hazards.ids[$0] }
        snap.accidents = s.accidents
        snap.frozen = s.frozen
        snap.paused = s.paused
        snap.connection = s.finished ? "submitted" : "offline"
        return snap
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

    /// The workstation's clock (`{"type":"clock","tick":T}` on the stream, Docs/lab.md): every
    /// input stamped before `tick` has been sent, so the mirror steps up to `tick` (pending inputs
    /// for earlier ticks applied; inputs stamped `tick` may still come and stay pending). An idle
    /// station's sim time, gauges and scheduled faults thus move on. A clock at or behind the
    /// mirror, beyond the scenario's time limit, for a finished or unknown attempt is ignored.
    /// Returns whether the mirror moved.
    @discardableResult
    public func clock(attempt: String, tick: Int64) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard let st = stations[attempt], st.problem.isEmpty, !st.finished else { return false }
        let state = st.stepper.state
        guard !state.ended, tick > state.tick, tick <= st.stepper.model.timeLimitTicks else { return false }
        st.clockTick = tick
        st.advance(to: tick)
        st.scanEvents()
        changes &+= 1
        return true
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
        changes &+= 1
        defer { st.scanEvents() }
        guard st.problem.isEmpty, !st.finished else { return }
        guard let v = try? JSONText.parse(Array(text.utf8)) else { st.problem = "line \(seq) is not JSON"; return }
        if v["type"]?.string == "action", let verb = v["verb"]?.string { st.noteControl(verb) }
        switch v["type"]?.string {
        case "action":
            guard let tick = v["tick"]?.numberText.flatMap({ Int64($0) }), let verb = v["verb"]?.string else {
                st.problem = "line \(seq): not an action"; return
            }
            guard tick >= st.clockTick else {
                st.problem = "line \(seq): action stamped tick \(tick), before the workstation's clock (tick \(st.clockTick))"; return
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
