import HazLabCore
import HazLabRecords
import HazLabScenario
import HazLabScoring

/// Scenario fields read over simulated time (`hazlab run --probe`). The probe only reads the
/// state after each step, with its own expression memory: the run, and its state hash, are the
/// same with and without it.
public struct ProbeSeries: Sendable {
    public var fields: [ProbeField]
    /// Sample times (s): tick 0, every `everyTicks`, and the last tick.
    public var seconds: [Double]
    /// values[f][i]: field f at seconds[i], in the field's display unit.
    public var values: [[Double]]
    public var everyTicks: Int64
    public var outcome: RunOutcome

    /// Replays `actions` and samples `fields` at tick 0, every `everyTicks` ticks and at the end.
    /// Temporal expressions (`held`, `since`, …) are evaluated on every tick, as the scenario does.
    public init(model: Model, fields: [ProbeField], everyTicks: Int64, seed: UInt64? = nil,
                mode: TrainingMode = .practice, actions: [Action]) {
        precondition(everyTicks > 0, "sample interval must be at least one tick")
        var bases: [Int] = []
        var memory = ContiguousArray<Double>()
        for f in fields {
            bases.append(memory.count)
            memory.append(contentsOf: f.program.initialMemory())
        }
        var seconds: [Double] = []
        var values: [[Double]] = Array(repeating: [], count: fields.count)
        var lastTick: Int64 = -1
        func sample(_ state: State, memory: inout ContiguousArray<Double>) -> [Double] {
            fields.indices.map { i in fields[i].display(state.evaluate(fields[i].program, memory: &memory, base: bases[i])) }
        }
        func record(_ tick: Int64, _ row: [Double]) {
            seconds.append(model.seconds(ticks: tick))
            for i in row.indices { values[i].append(row[i]) }
            lastTick = tick
        }
        // Tick 0 on a scratch copy of the memory, as the scorer does: the first step evaluates from scratch.
        let initial = State(model: model, seed: seed)
        var scratch = memory
        record(initial.tick, sample(initial, memory: &scratch))
        var pending: (tick: Int64, row: [Double])?
        let outcome = Runner.replay(model, seed: seed, mode: mode, actions: actions) { state, _ in
            let row = sample(state, memory: &memory)
            if state.tick % everyTicks == 0 { record(state.tick, row); pending = nil } else { pending = (state.tick, row) }
        }
        if let p = pending, p.tick > lastTick { record(p.tick, p.row) }
        self.fields = fields
        self.seconds = seconds
        self.values = values
        self.everyTicks = everyTicks
        self.outcome = outcome
    }

    /// Column heading: `R1.temperature [°C]`, or the field alone without a unit.
    public static func heading(_ f: ProbeField) -> String { f.unit.isEmpty ? f.expression : "\(f.expression) [\(f.unit)]" }

    /// RFC 4180 CSV (no byte-order mark, for tools): `t_s,FIELD [unit],…`, one row per sample.
    public func csv() -> String {
        var out = CSV.row(["t_s"] + fields.map(Self.heading))
        for i in seconds.indices {
            out += CSV.row([JSON.number(seconds[i])] + values.map { JSON.number($0[i]) })
        }
        return out
    }

    /// One JSON document, by columns: `{"scenario", "seed", "stateHash", "endReason", "everySeconds",
    /// "t_s": [...], "fields": [{"name", "unit", "values": [...]}]}`. Non-finite values are null.
    public func json(model: Model) -> String {
        func list(_ xs: [Double]) -> String { "[" + xs.map(JSON.number).joined(separator: ",") + "]" }
        var out = "{\"scenario\":\(JSON.string(model.id)),\"seed\":\(outcome.seed),\"stateHash\":\(JSON.string(outcome.stateHash.hex16))"
        out += ",\"ticks\":\(outcome.ticks),\"endReason\":\(JSON.string(outcome.endReason.name))"
        out += ",\"everySeconds\":\(JSON.number(model.seconds(ticks: everyTicks))),\"t_s\":\(list(seconds)),\"fields\":["
        for (i, f) in fields.enumerated() {
            if i > 0 { out += "," }
            out += "{\"name\":\(JSON.string(f.expression)),\"unit\":\(JSON.string(f.unit)),\"values\":\(list(values[i]))}"
        }
        return out + "]}"
    }
}
