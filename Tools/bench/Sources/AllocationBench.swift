import Foundation
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring

/// Heap allocations per tick of every golden run, counted by Tools/alloc/count-malloc.c
/// (LD_PRELOAD; `Tools/alloc/check.sh` builds and runs it), around each tick of the loop the
/// grader runs (`AttemptStepper.step`: the core's step and the scorer). No tick may allocate,
/// quiet or not: switching, locking and events included (the event log's reserve holds a
/// golden run's events). Prints a table; exits 1 if any tick allocated, 2 without a working
/// counter. `HAZLAB_ALLOC_TICKS=1` lists the ticks that allocated.
func allocationBench(scenarios: String) -> Int32 {
    typealias Count = @convention(c) () -> UInt64
    typealias Counting = @convention(c) (Int32) -> Void
    guard let countSymbol = dlsym(nil, "hazlab_alloc_count"), let countingSymbol = dlsym(nil, "hazlab_alloc_counting") else {
        FileHandle.standardError.write(Data("hazlab-bench: no allocation counter; run Tools/alloc/check.sh\n".utf8))
        return 2
    }
    let count = unsafeBitCast(countSymbol, to: Count.self)
    let counting = unsafeBitCast(countingSymbol, to: Counting.self)
    // The counter must see an allocation made on purpose, or every zero below would be vacuous.
    counting(1)
    let probeBefore = count()
    let probe = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    let probeAfter = count()
    counting(0)
    probe.deallocate()
    guard probeAfter > probeBefore else {
        FileHandle.standardError.write(Data("hazlab-bench: the allocation counter counted nothing\n".utf8))
        return 2
    }
    var failed = false
    print("| scenario / run | ticks | allocations | on quiet ticks after the first | worst tick |")
    print("|---|---:|---:|---:|---|")
    for file in ScenarioLocator.scenarioFiles(in: scenarios) {
        guard let model = ScenarioCompiler.compile(path: file).model else {
            print("| \(file) | – | does not compile | | |"); failed = true; continue
        }
        for c in GoldenRuns.cases(scenarioFile: file) {
            guard let journal = try? Journal.read(path: c.journalPath) else { continue }
            // The second replay is counted: the first fills the model's shared caches (the gas
            // plan of each ventilation state), as the first attempt of a grading batch does.
            var result = (ticks: Int64(0), onAllTicks: UInt64(0), onQuietTicks: UInt64(0),
                          worst: (n: UInt64(0), tick: Int64(-1)))
            for _ in 0..<2 {
                result = replayCounting(model, journal, count: count, counting: counting)
            }
            let (ticks, onAllTicks, onQuietTicks, worst) = result
            if onAllTicks > 0 { failed = true }
            let where_ = worst.n > 0 ? "\(worst.n) at tick \(worst.tick)" : "–"
            print("| \(model.id)/\(c.name) | \(ticks) | \(onAllTicks) | \(onQuietTicks) | \(where_) |")
        }
    }
    return failed ? 1 : 0
}

/// One replay of `journal` through `AttemptStepper`, the loop `Runner.replay` runs, counting the
/// allocations of each tick's step (core and scorer). Resolving journal lines happens before.
private func replayCounting(_ model: Model, _ journal: Journal, count: () -> UInt64, counting: (Int32) -> Void)
    -> (ticks: Int64, onAllTicks: UInt64, onQuietTicks: UInt64, worst: (n: UInt64, tick: Int64)) {
    var attempt = AttemptStepper(model: model, seed: journal.header.seed,
                                 mode: TrainingMode(rawValue: journal.header.mode) ?? .practice)
    var pending: [Input] = []
    pending.reserveCapacity(64)
    var next = 0
    var onAllTicks: UInt64 = 0, onQuietTicks: UInt64 = 0
    var worst: (n: UInt64, tick: Int64) = (0, -1)
    // HAZLAB_ALLOC_TICKS=1 lists every tick that allocated (to find where).
    let listTicks = ProcessInfo.processInfo.environment["HAZLAB_ALLOC_TICKS"] == "1"
    while !attempt.state.ended {
        let tick = attempt.state.tick
        while next < journal.actions.count && journal.actions[next].tick <= tick {
            if let input = attempt.take(journal.actions[next], ordinal: Int32(next)) { pending.append(input) }
            next += 1
        }
        counting(1)
        let before = count()
        let new = attempt.step(pending[...])
        let n = count() - before
        counting(0)
        // A list that grows (the event log) allocates only on a tick that adds to it.
        if tick > 0 && pending.isEmpty && new.isEmpty { onQuietTicks += n }
        if n > 0 && listTicks { print("    tick \(tick): \(n) (\(pending.count) actions, \(new.count) events)") }
        pending.removeAll(keepingCapacity: true)
        onAllTicks += n
        if n > worst.n { worst = (n, tick) }

    }
    return (attempt.state.tick, onAllTicks, onQuietTicks, worst)
}
