import Crypto
import Foundation
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario

// hazlab-bench: measures the demo replay.
//   hazlab-bench [--scenario DIR] [--journal FILE] [--repeat N]    realtime factor (CPU time)
//   hazlab-bench --once [--skip-replay] ...                          one replay, for callgrind
// Instructions per tick = (callgrind(--once) − callgrind(--once --skip-replay)) / ticks.
//   hazlab-bench --grade JOURNAL_DIR --jobs N [--scenarios DIR]      batch grading (Tools/bench/grade/run.sh)
//   hazlab-bench --reactor [--repeat N] --scenario DIR [--journal FILE|none] ...
//                                     per-tick step cost by reactor phase (Tools/bench/reactor.sh)
//   hazlab-bench --grade JOURNAL_DIR --compile-only [--scenarios DIR] the baseline for memory
//   hazlab-bench --allocations [--scenarios DIR]                    heap allocations per tick, under
//                                     Tools/alloc/count-malloc.c (Tools/alloc/check.sh)
//   hazlab-bench --frames [--size WxH] [--count N] [--warmup N] [--mode M] [--profile] [--out CSV]
//                [--scenarios DIR | --scenario DIR]                   viewer frame time, EGL (FrameBench.swift)

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

let args = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

if args.contains("--reactor") {
    // Pairs of --scenario DIR --journal FILE|none, in order; the first is the reference.
    var cases: [(scenario: String, journal: String)] = []
    var i = 0
    while i < args.count {
        if args[i] == "--scenario", i + 1 < args.count {
            let journal = i + 3 < args.count && args[i + 2] == "--journal" ? args[i + 3] : "none"
            cases.append((args[i + 1], journal))
            i += journal == "none" && !(i + 3 < args.count && args[i + 2] == "--journal") ? 2 : 4
        } else { i += 1 }
    }
    reactorBench(cases: cases, repeats: Int(option("--repeat") ?? "") ?? 20)
    exit(0)
}
if args.contains("--allocations") {
    exit(allocationBench(scenarios: option("--scenarios") ?? "Scenarios"))
}
if args.contains("--thread-scaling") {
    threadScaling(scenario: option("--scenario") ?? "Scenarios/tank-filling", repeats: Int(option("--repeat") ?? "") ?? 60)
    exit(0)
}
if args.contains("--frames") {
    let count: Int = Int(option("--count") ?? "") ?? 120
    let warmup: Int = Int(option("--warmup") ?? "") ?? 10
    frameBench(scenarios: option("--scenarios") ?? "Scenarios", only: option("--scenario"), size: option("--size") ?? "1280x720",
               count: count, warmup: warmup, mode: option("--mode") ?? "practice", profile: args.contains("--profile"),
               out: option("--out"))
    exit(0)
}
if let gradeDir = option("--grade") {
    gradeBench(journals: gradeDir, scenarios: option("--scenarios") ?? "Scenarios", jobs: Int(option("--jobs") ?? "") ?? 1,
               compileOnly: args.contains("--compile-only"))
    exit(0)
}
let scenarioDir = option("--scenario") ?? "Scenarios/tank-filling"
let journalPath = option("--journal") ?? scenarioDir + "/runs/perfect.jsonl"
let repeatCount = Int(option("--repeat") ?? "") ?? 200
let label = journalPath == "none" ? "idle (no journal)" : (journalPath as NSString).lastPathComponent
let once = args.contains("--once")
let skipReplay = args.contains("--skip-replay")

let compiled = ScenarioCompiler.compile(path: ScenarioLocator.resolveScenario(scenarioDir))
guard let model = compiled.model else {
    for d in compiled.errors { FileHandle.standardError.write((d.description + "\n").data(using: .utf8)!) }
    exit(1)
}
// `--journal none`: an idle attempt (no actions) that runs to the time limit.
let journal: Journal
if journalPath == "none" {
    journal = Journal(header: .init(scenario: model.id, scenarioSHA256: model.sourceSHA256, seed: model.defaultSeed))
} else {
    do { journal = try Journal.read(path: journalPath) } catch {
        FileHandle.standardError.write("\(error)\n".data(using: .utf8)!)
        exit(1)
    }
}

if once {
    if skipReplay {
        print("ticks 0")
    } else {
        let o = Runner.replay(model, journal: journal)
        print("ticks \(o.ticks) hash \(o.stateHash.hex16)")
    }
    exit(0)
}

// Warm up, then time `repeatCount` replays.
var ticks: Int64 = 0
var hash: UInt64 = 0
for _ in 0..<3 { hash = Runner.replay(model, journal: journal).stateHash }
let t0 = cpuSeconds()
for _ in 0..<repeatCount {
    let o = Runner.replay(model, journal: journal)
    ticks += o.ticks
    precondition(o.stateHash == hash, "nondeterministic replay")
}
let cpu = cpuSeconds() - t0
let simulated = Double(ticks) * model.secondsPerTick
let factor = simulated / cpu
print("scenario \(model.id) journal \(label)")
print("cpu_s_per_replay \(String(format: "%.4f", cpu / Double(repeatCount)))")
print("replays \(repeatCount) ticks \(ticks) simulated_s \(String(format: "%.1f", simulated)) cpu_s \(String(format: "%.4f", cpu))")
print("ns_per_tick \(String(format: "%.1f", cpu / Double(ticks) * 1e9))")
print("realtime_factor \(String(format: "%.0f", factor))")
print("target_ratio \(String(format: "%.2f", factor / 50_000))")

/// Peak resident set of this process, in KiB (Linux ru_maxrss).
func maxRSSKiB() -> Int {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Int(u.ru_maxrss)
}

func wallSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Grades every journal under `journals` with the batch grader, as `hazlab grade` does (without
/// writing files), and prints attempts/s, simulated seconds per CPU-second and peak memory.
func gradeBench(journals: String, scenarios: String, jobs: Int, compileOnly: Bool) {
    let compiled = ScenarioSet.compile([scenarios])
    guard let set = compiled.set else {
        for e in compiled.errors { FileHandle.standardError.write((e + "\n").data(using: .utf8)!) }
        exit(1)
    }
    let paths = Grader.journalPaths([journals])
    if compileOnly {
        print("compile_only journals \(paths.count) max_rss_kib \(maxRSSKiB())")
        return
    }
    let grader = Grader(scenarios: set, jobs: jobs)
    let w0 = wallSeconds(), c0 = cpuSeconds()
    let out = grader.run(journals: paths)
    let wall = wallSeconds() - w0, cpu = cpuSeconds() - c0
    var simulated = 0.0
    for r in out.records {
        if let v = try? JSONText.parse(Array(r.json.utf8)), let d = v["durationSeconds"]?.numberText.flatMap(Double.init) {
            simulated += d
        }
    }
    // A digest of the outputs: equal across job counts or the run is wrong.
    let digest = SHA256.hex(Array((out.resultsJSON + out.resultsCSV + out.errorsJSON).utf8)).prefix(16)
    print("grade jobs \(jobs) attempts \(out.records.count) bad \(out.manifest.badJournals) outputs_sha256 \(digest)")
    print("wall_s \(String(format: "%.3f", wall)) cpu_s \(String(format: "%.3f", cpu)) "
          + "attempts_per_s \(String(format: "%.1f", Double(out.records.count) / wall))")
    print("simulated_s \(String(format: "%.0f", simulated)) sim_s_per_cpu_s \(String(format: "%.0f", simulated / cpu)) "
          + "sim_s_per_wall_s \(String(format: "%.0f", simulated / wall))")
    print("max_rss_kib \(maxRSSKiB())")
}



/// Two threads replaying the demo journal, sharing one Model or each with its own compiled
/// copy, against one thread: CPU seconds per replay show what sharing costs.
func threadScaling(scenario: String, repeats: Int) {
    let file = ScenarioLocator.resolveScenario(scenario)
    guard let a = ScenarioCompiler.compile(path: file).model, let b = ScenarioCompiler.compile(path: file).model,
          let j = try? Journal.read(path: (scenario as NSString).appendingPathComponent("runs/perfect.jsonl")) else {
        print("cannot load \(scenario)"); return
    }
    func run(_ models: [Model]) -> (wall: Double, cpu: Double) {
        let w0 = Date(), c0 = cpuSeconds()
        DispatchQueue.concurrentPerform(iterations: models.count) { k in
            for _ in 0..<repeats { _ = Runner.replay(models[k], journal: j) }
        }
        return (Date().timeIntervalSince(w0), cpuSeconds() - c0)
    }
    for round in 1...3 {
        let one = run([a]), shared = run([a, a]), own = run([a, b])
        func f(_ r: (wall: Double, cpu: Double), _ n: Int) -> String {
            String(format: "%.2f replays/s, %.2f ms CPU per replay", Double(n * repeats) / r.wall, r.cpu * 1000 / Double(n * repeats))
        }
        print("round \(round): 1 thread \(f(one, 1)) | 2 threads shared model \(f(shared, 2)) | 2 threads own models \(f(own, 2))")
    }
}
