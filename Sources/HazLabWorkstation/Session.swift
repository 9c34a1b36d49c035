import Foundation
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScoring

/// The attempt behind the viewer: the same `AttemptStepper` the headless runner uses, driven
/// by a fixed-timestep accumulator. Every action is journaled (fsync'd) before the core sees
/// it, stamped with the tick it will be applied on, so the journal replays to the same state.
public final class Session {
    public let model: Model
    public let mode: TrainingMode
    public private(set) var attempt: AttemptStepper
    /// Where actions go (nil when replaying a journal or for a throwaway preview).
    private let writer: JournalWriter?
    private let signer: (any JournalSigner)?
    /// Actions recorded so far, in journal order (hints included), and those not yet applied.
    public private(set) var actions: [Action] = []
    private var pending: [Input] = []
    /// A journal being replayed (offscreen screenshots, review): its actions are fed at their ticks.
    private var script: [Action] = []
    private var scriptNext = 0
    /// Wall time owed to the simulation, in ns × tick rate (exact: a tick is 10⁹ units).
    private var accumulator: Int64 = 0
    public var paused = false
    public private(set) var speed = 1.0
    /// Set once the journal's trailer is written.
    public private(set) var finished = false
    /// The instructor froze the station (teaching): the clock stands until `instructor-run`; the
    /// student cannot unpause it.
    public private(set) var frozen = false
    /// An incident pause (any mode, exams too): the reason; the clock stands until `incident-resume`.
    public private(set) var incident: String?
    /// Instructor commands taken (journaled), by the server's command id: each is taken once.
    public private(set) var commandsTaken: [Int64] = []
    private var takenIds = Set<Int64>()
    /// The clock is held by the instructor (a freeze or an incident pause): the student cannot act.
    public var held: Bool { frozen || incident != nil }

    public init(model: Model, mode: TrainingMode, seed: UInt64? = nil, writer: JournalWriter? = nil,
                signer: (any JournalSigner)? = nil, replay: Journal? = nil) {
        self.model = model
        self.mode = mode
        self.writer = writer
        self.signer = signer
        attempt = AttemptStepper(model: model, seed: seed, mode: mode)
        if let replay { script = replay.actions }
    }

    public var state: State { attempt.state }
    public var ended: Bool { attempt.state.ended }
    public var secondsPerTick: Double { model.secondsPerTick }

    /// Pause and speed: teaching may pause and run ×2/×4; practice may pause; exam neither.
    public var canPause: Bool { mode != .exam }
    public var allowedSpeeds: [Double] { mode == .teaching ? [1, 2, 4] : [1] }
    public func setSpeed(_ s: Double) { if allowedSpeeds.contains(s) { speed = s } }
    public func togglePause() { if canPause { paused.toggle() } else { paused = false } }

    /// Records an action for the current tick: journaled first, then queued for the core.
    @discardableResult
    public func perform(_ verb: String, _ target: String, number: Double? = nil, text: String? = nil) throws -> Action? {
        guard !ended else { return nil }
        let a = Action(tick: attempt.state.tick, verb: verb, target: target, number: number, text: text)
        try writer?.append(a)
        enqueue(a)
        return a
    }

    /// A journaled action for the current tick, taken by `AttemptStepper.take` with its journal
    /// ordinal, as `Runner.replay` does.
    private func enqueue(_ a: Action) {
        let ordinal = Int32(actions.count)
        actions.append(a)
        if let input = attempt.take(a, ordinal: ordinal) { pending.append(input) }
    }

    /// Takes an instructor's command (Docs/viewer.md, "Instructor commands"): journals it at the
    /// current tick with its `by` and `cmd` (applied by the next step, as any action), then acts
    /// on the clock: freeze and incident-pause stop it, run and incident-resume let it go again.
    /// A `submit` is stepped at once (an exam ends even while the clock stands). A command id
    /// already taken is ignored (the server resends until it sees the line); nil when ignored.
    @discardableResult
    public func take(command c: InstructorCommand, id: Int64, target: String, text: String, by: String) throws -> Action? {
        guard !ended, !takenIds.contains(id) else { return nil }
        let a = Action(tick: attempt.state.tick, verb: c.verb, target: target, text: text.isEmpty ? nil : text, by: by, command: id)
        try writer?.append(a)
        takenIds.insert(id)
        commandsTaken.append(id)
        enqueue(a)
        switch c {
        case .freeze: frozen = true
        case .run: frozen = false
        case .pause: incident = text.isEmpty ? "—" : text
        case .resume: incident = nil
        case .submit: try stepOnce()
        default: break
        }
        return a
    }

    /// Advances by `seconds` of wall time (× speed; nothing while paused or held); returns ticks stepped.
    @discardableResult
    public func advance(seconds: Double) throws -> Int {
        guard !ended, !paused, !held else { return 0 }
        let rate = Int64(model.tickRate), unit: Int64 = 1_000_000_000
        // Never more than 2 s of sim per call, so a stalled frame cannot run away.
        let ns = Int64((max(0, min(seconds, 2)) * speed * 1e9).rounded())
        accumulator += ns * rate
        var n = 0
        while accumulator >= unit && !ended {
            accumulator -= unit
            try stepOnce()
            n += 1
        }
        return n
    }

    /// A backtrack (teaching): journals `actions` (another attempt's, all before `tick`, in
    /// order) at their own ticks, stepping the core between them, then steps on to `tick`. Nothing
    /// is drawn meanwhile; the student continues from `tick`. The journal replays like any other.
    public func continueFrom(actions prefix: [Action], at tick: Int64) throws {
        for a in prefix {
            guard !ended else { break }
            try run(toTick: a.tick)
            guard !ended else { break }
            try writer?.append(a)
            enqueue(a)
        }
        try run(toTick: tick)
    }

    /// Runs ticks until `tick` (or the end): screenshots at a moment, tests.
    public func run(toTick tick: Int64) throws {
        while !ended && attempt.state.tick < tick { try stepOnce() }
    }

    /// One tick: replayed actions due now, then the queued ones, through the core.
    public func stepOnce() throws {
        while scriptNext < script.count && script[scriptNext].tick <= attempt.state.tick {
            enqueue(script[scriptNext])
            scriptNext += 1
        }
        attempt.step(pending[...])
        pending.removeAll(keepingCapacity: true)
        if ended { try finish() }
    }

    /// Writes the trailer (end tick, state hash, signature). Called when the core ends the attempt.
    public func finish() throws {
        guard !finished, let writer else { finished = true; return }
        try writer.finish(endTick: attempt.state.tick, stateHash: attempt.state.hash.hex16, signer: signer)
        finished = true
    }

    public var journalPath: String? { writer?.path }
    public var events: [Event] { attempt.events }
    public var score: ScoreResult { attempt.scorer.result }
}
