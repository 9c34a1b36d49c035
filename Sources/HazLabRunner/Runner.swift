import Foundation
import HazLabCore
import HazLabRecords
import HazLabScenario
import HazLabScoring

/// Everything a replay produces. A pure function of (model, seed, actions).
public struct RunOutcome: Sendable {
    public var scenario: String
    public var seed: UInt64
    public var ticks: Int64
    public var stateHash: UInt64
    public var endReason: EndReason
    public var score: ScoreResult
    public var events: [Event]
    /// (tick, hash) every `traceEvery` ticks, when asked for.
    public var trace: [(tick: Int64, hash: UInt64)]
    public var finalState: State
}

extension RunOutcome {
    /// The replay's final state hash in `format`, or nil for a format this engine does not know.
    public func stateHash(format: Int) -> UInt64? { finalState.hash(format: format) }

    /// Does the workstation's claimed final hash equal the replay's, computed in the format the
    /// trailer names (so a journal recorded before an engine upgrade still agrees)? Nil when the
    /// trailer's format is unknown to this engine: it cannot be checked.
    public func agrees(with trailer: Journal.Trailer) -> Bool? {
        stateHash(format: trailer.hashFormat).map { $0.hex16 == trailer.stateHash }
    }
}

public enum Runner {
    /// Replays `actions` (sorted by tick) against `model` from tick 0 until the scenario ends
    /// (submit, an ending hazard, or the time limit). Actions past the end are not applied.
    /// Each line goes through `AttemptStepper.take`: `hint` (target: a step id) goes to the scorer,
    /// the journal-only instructor verbs nowhere, everything else to the core.
    public static func replay(_ model: Model, seed: UInt64? = nil, mode: TrainingMode = .practice, actions: [Action],
                              traceEvery: Int64 = 0, observer: ((State, ArraySlice<Event>) -> Void)? = nil) -> RunOutcome {
        var attempt = AttemptStepper(model: model, seed: seed, mode: mode)
        var trace: [(Int64, UInt64)] = []
        if traceEvery > 0 { trace.append((0, attempt.state.hash)) }
        var pending: [Input] = []
        var next = 0
        while !attempt.state.ended {
            let tick = attempt.state.tick
            while next < actions.count && actions[next].tick <= tick {
                if let input = attempt.take(actions[next], ordinal: Int32(next)) { pending.append(input) }
                next += 1
            }
            let new = attempt.step(pending[...])
            pending.removeAll(keepingCapacity: true)
            observer?(attempt.state, attempt.events[new])
            if traceEvery > 0 && attempt.state.tick % traceEvery == 0 { trace.append((attempt.state.tick, attempt.state.hash)) }
        }
        let state = attempt.state
        return RunOutcome(scenario: model.id, seed: seed ?? model.defaultSeed, ticks: state.tick, stateHash: state.hash,
                          endReason: state.endReason, score: attempt.scorer.result, events: attempt.events,
                          trace: trace.map { (tick: $0.0, hash: $0.1) }, finalState: state)
    }

    public static func replay(_ model: Model, journal: Journal, traceEvery: Int64 = 0,
                              observer: ((State, ArraySlice<Event>) -> Void)? = nil) -> RunOutcome {
        replay(model, seed: journal.header.seed, mode: TrainingMode(rawValue: journal.header.mode) ?? .practice,
               actions: journal.actions, traceEvery: traceEvery, observer: observer)
    }

    /// Replays many attempts on `workers` threads. Results come back in input order,
    /// and each is independent of the worker count.
    public static func replayAll(_ jobs: [(Model, Journal)], workers: Int) -> [RunOutcome] {
        let results = ResultBox(count: jobs.count)
        let n = max(1, min(workers, jobs.count))
        let counter = AtomicCounter()
        DispatchQueue.concurrentPerform(iterations: n) { _ in
            while true {
                let i = counter.next()
                if i >= jobs.count { break }
                results.set(i, replay(jobs[i].0, journal: jobs[i].1))
            }
        }
        return results.values()
    }
}

/// One attempt stepped a tick at a time: the loop of `Runner.replay`, and the viewer's live
/// session. Inputs for a tick are applied by the step from that tick to the next, so a journal
/// written live and replayed headless is the same run.
public struct AttemptStepper: Sendable {
    public let model: Model
    public private(set) var state: State
    public private(set) var scorer: Scorer
    public private(set) var events: [Event] = []

    public init(model: Model, seed: UInt64? = nil, mode: TrainingMode = .practice) {
        self.model = model
        state = State(model: model, seed: seed)
        scorer = Scorer(model: model, mode: mode, initial: state)
        events.reserveCapacity(256)   // a typical attempt's log never grows inside a tick
    }

    /// Charges a hint for procedure step `step` (a journal-only action; the simulation never sees it).
    public mutating func hint(step: Int, tick: Int64) { scorer.hint(step: step, tick: tick) }

    /// Takes one journal line (its `ordinal` = its position among the journal's actions) by
    /// `InstructorCommand.route(verb:)`: a hint is charged now, a journal-only instructor line
    /// (freeze, run, message, pause, resume) does nothing, anything else comes back resolved for
    /// the next `step`. THE one place this is decided: `Runner.replay`, the workstation's
    /// `Session` and the lab mirror all call it. `by`/`cmd` are never read.
    public mutating func take(_ a: Action, ordinal: Int32) -> Input? {
        switch InstructorCommand.route(verb: a.verb) {
        case .hint:
            hint(step: model.procedure.firstIndex { $0.id == a.target } ?? -1, tick: a.tick)
            return nil
        case .note:
            return nil
        case .core:
            return model.resolve(a, ordinal: ordinal)
        }
    }

    /// Advances one tick with the inputs stamped for the current tick; returns the range of new events.
    @discardableResult
    public mutating func step(_ inputs: ArraySlice<Input>) -> Range<Int> {
        let before = events.count
        HazLabCore.step(model, &state, inputs, &events)
        scorer.observe(state, events[before...])
        return before..<events.count
    }
}

private final class ResultBox: @unchecked Sendable {
    private var slots: [RunOutcome?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: RunOutcome) { lock.lock(); slots[i] = r; lock.unlock() }
    func values() -> [RunOutcome] { slots.map { $0! } }
}

private final class AtomicCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int { lock.lock(); defer { lock.unlock() }; let v = value; value += 1; return v }
}

/// Finds scenarios: a folder holding `scenario.yaml`, a folder of such folders, or a file.
public enum ScenarioLocator {
    public static func scenarioFiles(in path: String) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return [] }
        if !isDir.boolValue { return [path] }
        let direct = (path as NSString).appendingPathComponent("scenario.yaml")
        if FileManager.default.fileExists(atPath: direct) { return [direct] }
        let children = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return children.sorted().map { (path as NSString).appendingPathComponent($0) }
            .map { ($0 as NSString).appendingPathComponent("scenario.yaml") }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// `Scenarios/<id>/scenario.yaml` or a folder holding one.
    public static func resolveScenario(_ path: String) -> String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            return (path as NSString).appendingPathComponent("scenario.yaml")
        }
        return path
    }
}
