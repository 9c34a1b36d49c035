import Foundation
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring

/// CPU time of the calling thread (what other processes on the machine do not inflate).
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Per-tick cost of whole engine steps, classified by what the reactor integrator did on that
/// tick: no reactor, quiet (one substep), active (2 … 99 substeps), runaway (≥ 100 substeps).
/// Every case is replayed `repeats` times in one process, interleaved, so the ratios compare
/// like with like.
func reactorBench(cases: [(scenario: String, journal: String)], repeats: Int) {
    struct Case {
        var name: String
        var model: Model
        var seed: UInt64
        var mode: TrainingMode
        var inputs: [Input]
        var ticks: [Int64]
    }
    var loaded: [Case] = []
    for c in cases {
        guard let model = ScenarioCompiler.compile(path: ScenarioLocator.resolveScenario(c.scenario)).model else {
            FileHandle.standardError.write("cannot compile \(c.scenario)\n".data(using: .utf8)!)
            exit(1)
        }
        var seed = model.defaultSeed, mode = TrainingMode.practice
        var inputs: [Input] = [], ticks: [Int64] = []
        if c.journal != "none" {
            guard let j = try? Journal.read(path: c.journal) else {
                FileHandle.standardError.write("cannot read \(c.journal)\n".data(using: .utf8)!)
                exit(1)
            }
            seed = j.header.seed
            mode = TrainingMode(rawValue: j.header.mode) ?? .practice
            for (i, a) in j.actions.enumerated() where a.verb != Journal.hintVerb {
                inputs.append(model.resolve(a, ordinal: Int32(i)))
                ticks.append(a.tick)
            }
        }
        let label = c.journal == "none" ? "idle" : (c.journal as NSString).lastPathComponent
        loaded.append(Case(name: "\(model.id) (\(label))", model: model, seed: seed, mode: mode, inputs: inputs, ticks: ticks))
    }

    // The clock's own cost: pairs of reads with nothing between them.
    // The clock is read only where the class changes (a replay is deterministic, so the warm-up
    // round gives every tick's class in advance); each read's cost is measured and subtracted.
    var overhead = Double.infinity
    for _ in 0..<5 {
        let n = 100_000
        let t0 = threadCPUSeconds()
        for _ in 0..<n { _ = threadCPUSeconds() }
        overhead = min(overhead, (threadCPUSeconds() - t0) / Double(n))
    }

    let classes = ["no reactor", "quiet (1 substep)", "active (2-99)", "runaway (>=100)"]
    func classify(_ sub: Int32) -> Int { sub < 0 ? 0 : (sub <= 1 ? 1 : (sub < 100 ? 2 : 3)) }
    var cpu = Array(repeating: Array(repeating: 0.0, count: classes.count), count: loaded.count)
    var count = Array(repeating: Array(repeating: 0, count: classes.count), count: loaded.count)
    var substeps = Array(repeating: Array(repeating: 0, count: classes.count), count: loaded.count)
    var maxSub = Array(repeating: Int32(0), count: loaded.count)
    var hashes = Array(repeating: UInt64(0), count: loaded.count)
    var tickClass = Array(repeating: [Int](), count: loaded.count)
    for rep in 0..<(repeats + 1) {
        for (k, c) in loaded.enumerated() {
            var attempt = AttemptStepper(model: c.model, seed: c.seed, mode: c.mode)
            var next = 0, index = 0
            var segmentClass = rep == 0 ? -1 : tickClass[k][0]
            var segmentStart = threadCPUSeconds()
            while !attempt.state.ended {
                let tick = attempt.state.tick
                var end = next
                while end < c.inputs.count && c.ticks[end] <= tick { end += 1 }
                if rep > 0 && tickClass[k][index] != segmentClass {
                    let now = threadCPUSeconds()
                    cpu[k][segmentClass] += now - segmentStart - overhead
                    segmentClass = tickClass[k][index]
                    segmentStart = now
                }
                attempt.step(c.inputs[next..<end])
                next = end
                let sub = attempt.state.reactors.first?.substeps ?? -1
                if rep == 0 {
                    tickClass[k].append(classify(sub))
                    maxSub[k] = max(maxSub[k], sub)
                } else {
                    count[k][tickClass[k][index]] += 1
                    substeps[k][tickClass[k][index]] += Int(max(0, sub))
                }
                index += 1
            }
            if rep > 0 { cpu[k][segmentClass] += threadCPUSeconds() - segmentStart - overhead }
            if rep == 0 { hashes[k] = attempt.state.hash } else { precondition(hashes[k] == attempt.state.hash, "nondeterministic replay") }
        }
    }
    print(String(format: "clock_read_ns %.1f (subtracted)", overhead * 1e9))
    var reference: Double?
    for (k, c) in loaded.enumerated() {
        let total = cpu[k].reduce(0, +), ticks = count[k].reduce(0, +)
        let all = total / Double(ticks) * 1e9
        if reference == nil { reference = all }
        print(String(format: "%@: ticks/replay %d, ns/tick %.0f (%.2f× the first case), max substeps %d, hash %@",
                     c.name, ticks / repeats, all, all / reference!, Int(maxSub[k]), hashes[k].hex16))
        var quiet: Double?
        for cls in classes.indices where count[k][cls] > 0 {
            let ns = cpu[k][cls] / Double(count[k][cls]) * 1e9
            if cls == 1 { quiet = ns }
            var line = String(format: "    %-18@ ticks/replay %6d  mean substeps %6.1f  ns/tick %9.0f", classes[cls] as NSString,
                              count[k][cls] / repeats, Double(substeps[k][cls]) / Double(count[k][cls]), ns)
            if let q = quiet, cls > 1 { line += String(format: "  (%.1f× quiet)", ns / q) }
            print(line)
        }
    }
}
