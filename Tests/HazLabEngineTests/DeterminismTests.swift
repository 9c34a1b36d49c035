import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabRunner

/// In the style of Box2D's test_determinism.c: the demo runs are pinned to golden hashes,
/// and the hash must not depend on repetition, process or worker count.
final class DeterminismTests: XCTestCase {
    /// Golden final state hashes of the demo's reference runs. Moving one must be deliberate:
    /// update it here and in Scenarios/tank-filling/runs/*.expected.json, and say why in the commit.
    static let golden: [(run: String, hash: String)] = [
        ("perfect", GoldenHashes.perfect),
        ("mistakes", GoldenHashes.mistakes),
        ("idle", GoldenHashes.idle),
    ]

    func testGoldenHashes() throws {
        let model = try compileOrFail(Repo.demo)
        for g in Self.golden {
            let o = Runner.replay(model, journal: try journal(g.run))
            XCTAssertEqual(o.stateHash.hex16, g.hash, "run \(g.run)")
        }
    }

    /// Every bundled scenario's golden runs (gas grids included) reach the state hash of their
    /// `.expected.json`, whatever the number of grading workers.
    func testEveryGoldenRunAgreesAcrossWorkerCounts() throws {
        let scenarios = try FileManager.default.contentsOfDirectory(atPath: Repo.path("Scenarios")).sorted()
            .map { Repo.path("Scenarios/\($0)/scenario.yaml") }.filter { FileManager.default.fileExists(atPath: $0) }
        var jobs: [(Model, Journal)] = [], expected: [String] = [], names: [String] = []
        for path in scenarios {
            let model = try compileOrFail(path)
            for c in GoldenRuns.cases(scenarioFile: path) {
                jobs.append((model, try Journal.read(path: c.journalPath)))
                let bytes = try XCTUnwrap(FileManager.default.contents(atPath: c.expectedPath), c.expectedPath)
                expected.append(try GoldenExpectation(jsonBytes: [UInt8](bytes)).stateHash)
                names.append("\(model.id)/\(c.name)")
            }
        }
        XCTAssertGreaterThanOrEqual(jobs.count, 27, "every bundled golden run")
        for workers in [1, 2, 3, 4, 8, 16, 32] {
            let got = Runner.replayAll(jobs, workers: workers).map(\.stateHash.hex16)
            for i in jobs.indices where got[i] != expected[i] {
                XCTFail("\(names[i]) with \(workers) workers: \(got[i]), golden \(expected[i])")
            }
        }
    }

    func testThreeRunsInOneProcessAgree() throws {
        let model = try compileOrFail(Repo.demo)
        let j = try journal("mistakes")
        let hashes = (0..<3).map { _ in Runner.replay(model, journal: j).stateHash }
        XCTAssertEqual(Set(hashes).count, 1)
        // A model compiled again from the same file gives the same run.
        let again = try compileOrFail(Repo.demo)
        XCTAssertEqual(Runner.replay(again, journal: j).stateHash, hashes[0])
    }

    func testOneAndTwoWorkersAgree() throws {
        let model = try compileOrFail(Repo.demo)
        var jobs: [(Model, Journal)] = []
        for name in ["perfect", "mistakes"] {
            var j = try journal(name)
            for seed in [1, 2, 3, 20261129] as [UInt64] {
                j.header.seed = seed
                jobs.append((model, j))
            }
        }
        let one = Runner.replayAll(jobs, workers: 1).map(\.stateHash)
        let two = Runner.replayAll(jobs, workers: 2).map(\.stateHash)
        let four = Runner.replayAll(jobs, workers: 4).map(\.stateHash)
        XCTAssertEqual(one, two)
        XCTAssertEqual(one, four)
        XCTAssertGreaterThan(Set(one).count, 2, "different seeds should give different runs")
    }

    /// Two separate processes (the CLI binary) agree with each other and with this process.
    func testSeparateProcessesAgree() throws {
        let binary = try CLI.binary()
        let journalPath = (Repo.demoRuns as NSString).appendingPathComponent("perfect.jsonl")
        let a = try CLI.run(binary, ["run", Repo.demo, "--journal", journalPath, "--json"])
        let b = try CLI.run(binary, ["run", Repo.demo, "--journal", journalPath, "--json"])
        XCTAssertEqual(a.status, 0)
        let ha = try CLI.field(a.stdout, "stateHash") as? String
        let hb = try CLI.field(b.stdout, "stateHash") as? String
        XCTAssertNotNil(ha)
        XCTAssertEqual(ha, hb)
        let model = try compileOrFail(Repo.demo)
        XCTAssertEqual(ha, Runner.replay(model, journal: try journal("perfect")).stateHash.hex16)
    }

    func testSnapshotRestoreThenStepMatchesUninterruptedRun() throws {
        let model = try compileOrFail(Repo.demo)
        let j = try journal("mistakes")
        let full = Runner.replay(model, journal: j)
        let inputs = j.actions.enumerated().map { model.resolve($0.element, ordinal: Int32($0.offset)) }
        var state = State(model: model, seed: j.header.seed)
        var events: [Event] = []
        var snapshot: State?
        var next = 0
        func advance(_ s: inout State) {
            var end = next
            while end < inputs.count && j.actions[end].tick <= s.tick { end += 1 }
            step(model, &s, inputs[next..<end], &events)
            next = end
        }
        var hashAtSnapshot: UInt64 = 0
        while !state.ended {
            if state.tick == 1234 { snapshot = state; hashAtSnapshot = state.hash }
            advance(&state)
        }
        XCTAssertEqual(state.hash, full.stateHash)
        var restored = try XCTUnwrap(snapshot)
        // The snapshot is a copy: stepping the original on to the end left it as it was at tick 1234,
        // which is the uninterrupted replay's state at that tick.
        XCTAssertEqual(restored.tick, 1234)
        XCTAssertEqual(restored.hash, hashAtSnapshot)
        let traced = Runner.replay(model, journal: j, traceEvery: 1234).trace.first { $0.tick == 1234 }
        XCTAssertEqual(restored.hash, try XCTUnwrap(traced).hash)
        next = j.actions.firstIndex { $0.tick >= 1234 } ?? j.actions.count
        while !restored.ended { advance(&restored) }
        XCTAssertEqual(restored.hash, full.stateHash)
        XCTAssertEqual(restored, state)
    }

    func testTraceLocatesTheFirstDivergentTick() throws {
        let model = try compileOrFail(Repo.demo)
        let j = try journal("perfect")
        var changed = j
        let k = changed.actions.count / 2
        changed.actions[k].tick += 3
        let a = Runner.replay(model, journal: j, traceEvery: 1).trace
        let b = Runner.replay(model, journal: changed, traceEvery: 1).trace
        let first = zip(a, b).first { $0.hash != $1.hash }
        XCTAssertEqual(first?.0.tick, j.actions[k].tick + 1, "the trace should diverge on the tick after the moved action")
    }

    func testSeedChangesFaultTimesButIsReproducible() throws {
        let model = try compileOrFail(Repo.demo)
        let trip = model.faults.ids.firstIndex(of: "pump_trip")!
        guard case .window(let lo, let hi) = model.faults.trigger[trip] else { return XCTFail("expected a window") }
        var times = Set<Int64>()
        for seed in 0..<40 as Range<UInt64> {
            let t = State(model: model, seed: seed).faultTick[trip]
            XCTAssert((lo...hi).contains(t), "fault time \(t) outside the window")
            XCTAssertEqual(t, State(model: model, seed: seed).faultTick[trip])
            times.insert(t)
        }
        XCTAssertGreaterThan(times.count, 20)
    }
}
