import Crypto
import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring
import HazLabLab

/// A lab in a temp folder: a ledger (store), a registered workstation key, and helpers that write
/// a real journal (JournalWriter, fsync per line) for an assignment from a bundled golden run.
final class LabFixture {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    let dir: String
    let ledger: LabLedger
    let key = WorkstationKey(id: "ws-01")
    var registry = KeyRegistry()
    let mirror = LabMirror()

    init(_ name: String = #function) throws {
        dir = NSTemporaryDirectory() + "hazlab-lab-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        ledger = try LabLedger(storePath: dir + "/lab.sqlite")
        try registry.add(key.publicKey, now: Date(timeIntervalSince1970: 0))
    }
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    static func scenarioPath(_ id: String) -> String { repo + "/Scenarios/\(id)/scenario.yaml" }
    static func golden(_ id: String, _ run: String = "perfect") -> String { repo + "/Scenarios/\(id)/runs/\(run).jsonl" }

    func session(keys: KeyRegistryLookup? = nil) -> LabStreamSession {
        LabStreamSession(ledger: ledger, keys: keys ?? registry, mirror: mirror)
    }

    /// Writes the golden run's actions as a fresh journal for assignment `a` (header from the
    /// assignment, trailer with the replayed state hash, signed by the workstation key).
    /// `finish: false` leaves it open (mid-attempt); returns the path and the writer.
    @discardableResult
    func writeJournal(for a: LabAssignment, from golden: String, actions limit: Int? = nil, finish: Bool = true,
                      header edit: (inout Journal.Header) -> Void = { _ in }) throws -> (path: String, writer: JournalWriter) {
        let g = try Journal.read(path: golden)
        var h = Journal.Header(scenario: a.scenario, scenarioSHA256: a.scenarioSHA256, seed: a.seed, mode: a.mode.rawValue)
        h.student = a.student; h.workstation = a.workstation; h.attempt = a.attempt
        h.started = "2026-12-07T06:00:00.000Z"; h.key = key.keyId
        edit(&h)
        let path = dir + "/\(a.attempt).jsonl"
        let w = try JournalWriter(path: path, header: h)
        let actions = Array(g.actions.prefix(limit ?? g.actions.count))
        for x in actions { try w.append(x) }
        if finish {
            let model = ScenarioCompiler.compile(bytes: [UInt8](FileManager.default.contents(atPath: LabFixture.scenarioPath(a.scenario))!),
                                                 path: LabFixture.scenarioPath(a.scenario)).model!
            let out = Runner.replay(model, seed: a.seed, mode: TrainingMode(rawValue: a.mode.rawValue)!, actions: g.actions)
            try w.finish(endTick: out.ticks, stateHash: out.stateHash.hex16, signer: key)
        }
        return (path, w)
    }

    func bytes(_ path: String) -> String { String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self) }
    func stored(_ attempt: String) throws -> String { try ledger.lines(attempt).joined(separator: "\n") + "\n" }

    func audit(_ action: String) throws -> [ResultsStore.AuditEntry] {
        try ledger.withStore { try $0.auditLog(limit: 1000) }.filter { $0.action == action }
    }

    /// A transport whose arrival clock advances `secondsPerLine` per message from `start`.
    func transport(_ s: LabStreamSession, secondsPerLine: Double = 0, start: Date = Date()) -> InMemoryLabTransport {
        let t = InMemoryLabTransport(session: s)
        var now = start
        t.clock = { defer { now = now.addingTimeInterval(secondsPerLine) }; return now }
        return t
    }
}

final class LabStreamTests: XCTestCase {
    let scenario = "tank-filling"

    func issue(_ f: LabFixture, mode: LabMode = .practice, workstation: String = "ws-01", seed: UInt64? = 42) throws -> LabAssignment {
        try f.ledger.issue(scenarioPath: LabFixture.scenarioPath(scenario), student: "张三", workstation: workstation, mode: mode, seed: seed)
    }

    func testServerIssuesUnguessableAttemptIdsAndTheScenarioHash() throws {
        let f = try LabFixture()
        let a = try issue(f), b = try issue(f, seed: nil)
        XCTAssertNotEqual(a.attempt, b.attempt)
        XCTAssertTrue(a.attempt.hasPrefix("a-") && a.attempt.count == 18, a.attempt)
        XCTAssertEqual(a.scenarioSHA256, SHA256.hex([UInt8](FileManager.default.contents(atPath: LabFixture.scenarioPath(scenario))!)))
        XCTAssertEqual(try f.ledger.assignment(a.attempt), a)
        XCTAssertEqual(try f.ledger.acked(a.attempt), -1)
        XCTAssertEqual(a.seed, 42)
    }

    func testStreamStoresTheJournalByteForByteAndGradesItLikeTheGrader() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden(scenario))
        let s = LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key)
        let t = f.transport(f.session(), secondsPerLine: 30)   // slow pace: live
        XCTAssertEqual(try s.connect(t), -1)
        try s.pump(t)
        XCTAssertTrue(s.done)
        XCTAssertEqual(try f.stored(a.attempt), f.bytes(path))
        // The result in the store is what the batch grader makes of the same file.
        let model = ScenarioSet.compile([LabFixture.scenarioPath(scenario)]).set!
        let expected = Grader(scenarios: model).run(journals: [f.ledger.journalFolder + "/\(a.attempt).jsonl"]).records.first!.json
        let direct = Grader(scenarios: model).run(journals: [path]).records.first!
        XCTAssertEqual(try f.ledger.withStore { try $0.record(attempt: a.attempt) }, expected)
        let storedValue = try JSONText.parse(Array(expected.utf8)), directValue = try JSONText.parse(Array(direct.json.utf8))
        XCTAssertNotNil(storedValue["score"]?["total"])
        XCTAssertEqual(storedValue["score"]?["total"], directValue["score"]?["total"])
        XCTAssertNotNil(storedValue["stateHash"])
        XCTAssertEqual(storedValue["stateHash"], directValue["stateHash"])
        let st = try XCTUnwrap(f.ledger.status(a.attempt))
        XCTAssertEqual(st.state, "graded"); XCTAssertEqual(st.live, true); XCTAssertTrue(st.published); XCTAssertFalse(st.flagged)
        // Queued for export.
        XCTAssertFalse(try f.ledger.withStore { try $0.db.query("SELECT 1 FROM outbox WHERE attempt = ?", [a.attempt]) }.isEmpty)
        // The mirror reached the same end state as the grader.
        let snap = try XCTUnwrap(f.mirror.snapshot(a.attempt))
        XCTAssertTrue(snap.finished)
        XCTAssertEqual(snap.stateHash, storedValue["stateHash"]?.string)
    }

    func testResendIsStoredExactlyOnce() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden(scenario))
        let lines = f.bytes(path).split(separator: "\n").map(String.init)
        let session = f.session()
        let s = LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key)
        try s.connect(f.transport(session))
        for i in 0..<5 {
            XCTAssertEqual(session.receive(.line(seq: i, text: lines[i]), arrived: Date()), [.ack(seq: i)])
            XCTAssertEqual(session.receive(.line(seq: i, text: lines[i]), arrived: Date()), [.ack(seq: i)], "resend acked again")
        }
        XCTAssertEqual(try f.ledger.append(attempt: a.attempt, workstation: "ws-01", seq: 2, text: lines[2], arrived: Date()), .duplicate(seq: 2))
        XCTAssertEqual(try f.ledger.lines(a.attempt), Array(lines[0..<5]))
        // A gap is not fatal: the server names the seq it expects.
        let gap = session.receive(.line(seq: 9, text: lines[9]), arrived: Date())
        guard case let .error(code, message, fatal)? = gap.first else { return XCTFail("\(gap)") }
        XCTAssertEqual(code, "gap"); XCTAssertFalse(fatal); XCTAssertTrue(message.contains("expected line 5"), message)
        XCTAssertFalse(session.closed)
    }

    func testCutMidStreamResumesWithNothingLostOrDuplicated() throws {
        let f = try LabFixture()
        let a = try issue(f)
        // Mid-attempt: 6 actions written, the journal still open.
        let (path, writer) = try f.writeJournal(for: a, from: LabFixture.golden(scenario), actions: 6, finish: false)
        let s = LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key)
        let t1 = f.transport(f.session())
        try s.connect(t1)
        t1.cutAfterSends = 3
        XCTAssertThrowsError(try s.pump(t1)) { XCTAssertTrue($0 is LabTransportClosed, "\($0)") }
        XCTAssertEqual(try f.ledger.acked(a.attempt), 2)
        // The workstation goes on writing while offline.
        let g = try Journal.read(path: LabFixture.golden(scenario))
        for x in g.actions.dropFirst(6) { try writer.append(x) }
        let model = ScenarioSet.compile([LabFixture.scenarioPath(scenario)]).set![scenario]!
        let out = Runner.replay(model, seed: a.seed, mode: .practice, actions: g.actions)
        try writer.finish(endTick: out.ticks, stateHash: out.stateHash.hex16, signer: f.key)
        // Reconnect on a new connection: welcome says 2, the rest follows once.
        let t2 = f.transport(f.session())
        XCTAssertEqual(try s.connect(t2), 2)
        try s.pump(t2)
        XCTAssertTrue(s.done)
        XCTAssertEqual(try f.stored(a.attempt), f.bytes(path))
        XCTAssertEqual(try f.ledger.status(a.attempt)?.state, "graded")
    }

    /// An exam is taken once, but a workstation that fails before its first line must not lock the
    /// student out: the unstreamed attempt is handed again (same id and seed) at the new station;
    /// once a line is stored, a second attempt is refused.
    func testExamIssuedButNeverStreamedIsHandedAgainElseRefused() throws {
        let f = try LabFixture()
        func exam(at ws: String) throws -> LabAssignment {
            try f.ledger.issue(scenarioPath: LabFixture.scenarioPath(scenario), student: "张三", workstation: ws, mode: .exam, seed: 7, task: "mid-term")
        }
        let first = try exam(at: "ws-dead")
        let again = try exam(at: "ws-01")
        XCTAssertEqual(again.attempt, first.attempt)
        XCTAssertEqual(again.seed, first.seed)
        XCTAssertEqual(again.workstation, "ws-01")
        XCTAssertEqual(try f.audit(LabAuditAction.reassign.rawValue).map(\.subject), [first.attempt])
        // The dead station can no longer stream it: the attempt is now ws-01's.
        let deadKey = WorkstationKey(id: "ws-dead")
        var keys = f.registry
        try keys.add(deadKey.publicKey, now: Date(timeIntervalSince1970: 0))
        let (path, _) = try f.writeJournal(for: again, from: LabFixture.golden(scenario), actions: 2, finish: false)
        let stale = LabStreamer(journalPath: path, workstation: "ws-dead", attempt: first.attempt, key: deadKey)
        XCTAssertThrowsError(try stale.connect(f.transport(f.session(keys: keys))))
        // ws-01 streams its header; from then on the exam is taken.
        let s = LabStreamer(journalPath: path, workstation: "ws-01", attempt: again.attempt, key: f.key)
        let t = f.transport(f.session())
        try s.connect(t)
        try s.pump(t)
        XCTAssertThrowsError(try exam(at: "ws-02")) { XCTAssertTrue($0 is LabConflict, "\($0)") }
    }

    func testLedgerReopenedAfterAnUncleanStopKeepsEveryAckedLine() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden(scenario))
        let lines = f.bytes(path).split(separator: "\n").map(String.init)
        var acked: [Int] = []
        do {
            // A second ledger on the same file, dropped without any shutdown (as a killed process).
            let other = try LabLedger(storePath: f.dir + "/lab.sqlite")
            for i in 0..<7 { if case .stored(let s) = try other.append(attempt: a.attempt, workstation: "ws-01", seq: i, text: lines[i], arrived: Date()) { acked.append(s) } }
        }
        XCTAssertEqual(acked, Array(0..<7))
        let reopened = try LabLedger(storePath: f.dir + "/lab.sqlite")
        XCTAssertEqual(try reopened.acked(a.attempt), 6)
        XCTAssertEqual(try reopened.lines(a.attempt), Array(lines[0..<7]))
        // And the stream resumes from there.
        let s = LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key)
        let t = InMemoryLabTransport(session: LabStreamSession(ledger: reopened, keys: f.registry, mirror: nil))
        XCTAssertEqual(try s.connect(t), 6)
        try s.pump(t)
        XCTAssertEqual(s.sent, lines.count - 7)
        XCTAssertEqual(try reopened.lines(a.attempt).joined(separator: "\n") + "\n", f.bytes(path))
    }

    func testForkIsRefusedAndAudited() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden(scenario))
        let lines = f.bytes(path).split(separator: "\n").map(String.init)
        let session = f.session()
        try LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key).connect(f.transport(session))
        for i in 0..<3 { _ = session.receive(.line(seq: i, text: lines[i]), arrived: Date()) }
        let forked = lines[2].replacingOccurrences(of: "\"tick\":", with: "\"tick\":1")
        let r = session.receive(.line(seq: 2, text: forked), arrived: Date())
        guard case let .error(code, _, fatal)? = r.first else { return XCTFail("\(r)") }
        XCTAssertEqual(code, "fork"); XCTAssertTrue(fatal); XCTAssertTrue(session.closed)
        XCTAssertEqual(try f.ledger.lines(a.attempt)[2], lines[2])
        let audit = try f.audit("lab-stream-fork")
        XCTAssertEqual(audit.map(\.actor), ["ws-01"]); XCTAssertEqual(audit.first?.subject, a.attempt)
        XCTAssertTrue(try f.ledger.withStore { try $0.verify() }.ok)
    }

    func proofRefusal(_ f: LabFixture, keys: KeyRegistryLookup? = nil, workstation: String = "ws-01", attempt: String,
                      signWith: WorkstationKey? = nil) -> String? {
        let session = f.session(keys: keys)
        guard case let .challenge(nonce)? = session.receive(.hello(workstation: workstation, attempt: attempt), arrived: Date()).first else { return "no challenge" }
        let sig = try! (signWith ?? f.key).sign(LabProtocol.proofMessage(nonce: nonce, attempt: attempt)).base64EncodedString()
        let r = session.receive(.proof(signature: sig), arrived: Date())
        if case let .error(code, _, fatal)? = r.first { XCTAssertTrue(fatal); XCTAssertTrue(session.closed); return code }
        return nil
    }

    func testWorkstationAuthenticationRefusals() throws {
        let f = try LabFixture()
        let a = try issue(f)
        XCTAssertNil(proofRefusal(f, attempt: a.attempt))
        XCTAssertEqual(proofRefusal(f, attempt: a.attempt, signWith: WorkstationKey(id: "ws-01")), "bad-proof")
        XCTAssertEqual(proofRefusal(f, keys: KeyRegistry(), attempt: a.attempt), "unknown-key")
        var revoked = f.registry
        try revoked.revoke(id: "ws-01", at: Date(timeIntervalSince1970: 1))
        XCTAssertEqual(proofRefusal(f, keys: revoked, attempt: a.attempt), "revoked-key")
        // Another registered workstation may not stream ws-01's attempt.
        let k2 = WorkstationKey(id: "ws-02")
        var two = f.registry; try two.add(k2.publicKey)
        XCTAssertEqual(proofRefusal(f, keys: two, workstation: "ws-02", attempt: a.attempt, signWith: k2), "not-your-attempt")
        // An attempt id the server did not issue.
        XCTAssertEqual(proofRefusal(f, attempt: "a-0123456789abcdef"), "unknown-attempt")
        XCTAssertEqual(try f.audit("lab-stream-refused").count, 5)
        XCTAssertTrue(try f.audit("lab-stream-refused").allSatisfy { $0.actor.hasPrefix("ws-0") })
        // A hello naming no valid workstation or attempt id is refused at once (nothing echoed back).
        for (w, at) in [("../ws", a.attempt), ("ws-01", String(repeating: "a", count: 200)), ("ws-01", "a-\u{1b}[31m")] {
            let r = f.session().receive(.hello(workstation: w, attempt: at), arrived: Date())
            guard case let .error(code, message, true)? = r.first else { XCTFail("\(r)"); continue }
            XCTAssertTrue(["unknown-key", "unknown-attempt"].contains(code), code)
            XCTAssertFalse(message.contains(at) || message.contains(w), message)
        }
        // Lines before the proof are refused.
        let s = f.session()
        XCTAssertEqual(s.receive(.line(seq: 0, text: "{}"), arrived: Date()).first.map { if case let .error(c, _, _) = $0 { return c }; return "" }, "protocol")
    }

    func testHeaderMustMatchTheAssignment() throws {
        for (what, edit) in [("seed", { (h: inout Journal.Header) in h.seed += 1 }),
                             ("scenario SHA-256", { (h: inout Journal.Header) in h.scenarioSHA256 = String(repeating: "0", count: 64) }),
                             ("student", { (h: inout Journal.Header) in h.student = "李四" })] as [(String, (inout Journal.Header) -> Void)] {
            let f = try LabFixture()
            let a = try issue(f)
            let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden(scenario), header: edit)
            let s = LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key)
            let t = f.transport(f.session())
            try s.connect(t)
            XCTAssertThrowsError(try s.pump(t), what) { XCTAssertEqual(($0 as? LabStreamError)?.code, .header, "\(what): \($0)") }
            XCTAssertEqual(try f.ledger.acked(a.attempt), -1, what)
            XCTAssertEqual(try f.audit("lab-stream-header-refused").count, 1, what)
        }
    }

    func testBrokenChainAndOversizedAndMalformedFramesAreRefused() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden(scenario))
        let lines = f.bytes(path).split(separator: "\n").map(String.init)
        XCTAssertEqual(try f.ledger.append(attempt: a.attempt, workstation: "ws-01", seq: 0, text: lines[0], arrived: Date()), .stored(seq: 0))
        XCTAssertThrowsError(try f.ledger.append(attempt: a.attempt, workstation: "ws-01", seq: 1, text: lines[2], arrived: Date())) {
            XCTAssertEqual(($0 as? LabStreamError)?.code, .chain)
        }
        XCTAssertThrowsError(try f.ledger.append(attempt: a.attempt, workstation: "ws-01", seq: 1,
                                                 text: String(repeating: "x", count: LabProtocol.maxLineBytes + 1), arrived: Date())) {
            XCTAssertEqual(($0 as? LabStreamError)?.code, .tooLarge)
        }
        let s = f.session()
        let bad = s.receive(frame: "{\"type\":\"nope\"}", arrived: Date())
        XCTAssertEqual(bad.first.map { if case let .error(c, _, _) = $0 { return c }; return "" }, "bad-frame")
        XCTAssertTrue(s.closed)
        let big = f.session().receive(frame: String(repeating: " ", count: LabProtocol.maxFrameBytes + 1), arrived: Date())
        XCTAssertEqual(big.first.map { if case let .error(c, _, _) = $0 { return c }; return "" }, "too-large")
        XCTAssertEqual(try f.ledger.acked(a.attempt), 0)
    }

    func testUploadedAfterTheFactIsMarkedAndExamIsFlaggedAndUnpublished() throws {
        let f = try LabFixture()
        let a = try issue(f, mode: .exam)
        let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden(scenario))
        let s = LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key)
        let t = f.transport(f.session(), secondsPerLine: 0.001)   // the whole journal at once
        try s.connect(t); try s.pump(t)
        let st = try XCTUnwrap(f.ledger.status(a.attempt))
        XCTAssertEqual(st.state, "graded"); XCTAssertEqual(st.live, false); XCTAssertTrue(st.flagged); XCTAssertFalse(st.published)
        // Unpublished exam results are not queued for export until the instructor publishes.
        func queued() throws -> Bool { !(try f.ledger.withStore { try $0.db.query("SELECT 1 FROM outbox WHERE attempt = ?", [a.attempt]) }.isEmpty) }
        XCTAssertFalse(try queued())
        try f.ledger.publish(attempt: a.attempt, actor: "teacher-wang")
        XCTAssertTrue(try f.ledger.status(a.attempt)!.published)
        XCTAssertTrue(try queued())
        XCTAssertEqual(try f.audit("lab-publish").map(\.actor), ["teacher-wang"])
    }

    func testLiveRule() {
        let r = LabLiveRule()
        // 60 s simulated at 10 Hz; arrivals over 58 s: live. Over 1 s: uploaded.
        let live = [(arrived: Int64(0), tick: Int64?.none), (arrived: 10_000, tick: 100), (arrived: 50_000, tick: 500), (arrived: 58_000, tick: nil)]
        XCTAssertTrue(r.isLive(arrivalMillis: live, endTick: 600, tickRate: 10))
        let burst = live.map { (arrived: $0.arrived / 60, tick: $0.tick) }
        XCTAssertFalse(r.isLive(arrivalMillis: burst, endTick: 600, tickRate: 10))
        // Header live, then the actions all uploaded together at the end: uploaded.
        let late = [(arrived: Int64(0), tick: Int64?.none), (arrived: 58_000, tick: 100), (arrived: 58_001, tick: 500), (arrived: 58_002, tick: nil)]
        XCTAssertFalse(r.isLive(arrivalMillis: late, endTick: 600, tickRate: 10))
    }

    func testMirrorFollowsTheStreamTickForTick() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden(scenario))
        let lines = f.bytes(path).split(separator: "\n").map(String.init)
        let session = f.session()
        try LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key).connect(f.transport(session))
        let model = ScenarioSet.compile([LabFixture.scenarioPath(scenario)]).set![scenario]!
        let g = try Journal.read(path: path)
        for i in 0..<(lines.count - 1) {
            _ = session.receive(.line(seq: i, text: lines[i]), arrived: Date())
            guard i >= 1 else { continue }
            // After action i (tick T), the mirror is at T with the state the replay has at T before T's inputs.
            let snap = try XCTUnwrap(f.mirror.snapshot(a.attempt))
            let tick = g.actions[i - 1].tick
            XCTAssertEqual(snap.tick, tick)
            var stepper = AttemptStepper(model: model, seed: a.seed, mode: .practice)
            let earlier = g.actions.prefix(i - 1).enumerated().map { (k, x) in (x.tick, model.resolve(x, ordinal: Int32(k))) }
            var next = 0
            while stepper.state.tick < tick && !stepper.state.ended {
                var end = next
                while end < earlier.count && earlier[end].0 <= stepper.state.tick { end += 1 }
                stepper.step(earlier[next..<end].map(\.1)[...]); next = end
            }
            XCTAssertEqual(snap.stateHash, stepper.state.hash.hex16, "after line \(i)")
        }
    }

    func testMirrorEndsInTheGradersStateAndScoreWithAHint() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let model = ScenarioSet.compile([LabFixture.scenarioPath(scenario)]).set![scenario]!
        // The golden run with a hint (journal-only: the scorer sees it, the simulation never does).
        var g = try Journal.read(path: LabFixture.golden(scenario))
        let hintTick = g.actions[3].tick
        g.actions.insert(Action(tick: hintTick, verb: Journal.hintVerb, target: model.procedure[1].id), at: 3)
        g.trailer = nil
        let golden = f.dir + "/with-hint.jsonl"
        try g.jsonl().write(toFile: golden, atomically: true, encoding: .utf8)
        let (path, _) = try f.writeJournal(for: a, from: golden)
        let s = LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key)
        let t = f.transport(f.session(), secondsPerLine: 30)
        try s.connect(t); try s.pump(t)
        let record = try JSONText.parse(Array(try XCTUnwrap(f.ledger.withStore { try $0.record(attempt: a.attempt) }).utf8))
        let snap = try XCTUnwrap(f.mirror.snapshot(a.attempt))
        XCTAssertTrue(snap.finished); XCTAssertEqual(snap.problem, "")
        XCTAssertEqual(snap.stateHash, record["stateHash"]?.string)
        XCTAssertEqual(record["score"]?["total"]?.numberText.flatMap(Double.init), snap.score)
        XCTAssertEqual(snap.actions, g.actions.count)
        // The hint cost something: the same run without it scores more.
        let without = Runner.replay(model, seed: a.seed, mode: .practice, actions: g.actions.filter { $0.verb != Journal.hintVerb })
        XCTAssertGreaterThan(without.score.total, snap.score)
    }

    func testJournalOverTheSizeLimitsIsRefusedAndTheStoredPartKept() throws {
        for limits in [JournalLimits(maxBytes: 1_000_000, maxActions: 3), JournalLimits(maxBytes: 1_500, maxActions: 1_000)] {
            let f = try LabFixture()
            f.ledger.limits = limits
            let a = try issue(f)
            let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden(scenario))
            let s = LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key)
            let t = f.transport(f.session())
            try s.connect(t)
            XCTAssertThrowsError(try s.pump(t)) { XCTAssertEqual(($0 as? LabStreamError)?.code, .tooLarge, "\($0)") }
            let stored = try f.ledger.lines(a.attempt)
            XCTAssertFalse(stored.isEmpty)
            XCTAssertLessThanOrEqual(stored.map { $0.utf8.count + 1 }.reduce(0, +), limits.maxBytes)
            XCTAssertLessThanOrEqual(stored.count, limits.maxActions + 2)
            XCTAssertEqual(stored, Array(f.bytes(path).split(separator: "\n").map(String.init).prefix(stored.count)))
        }
    }

    struct RefuseAll: JournalSignatureVerifier {
        func verify(_ journal: Journal, bytes: [UInt8], layout: JournalLayout) -> [GradeError] {
            [GradeError(journal: "x", line: 1, column: 1, code: .unsigned, message: "refused by the test")]
        }
    }

    func testAFinishedAttemptThatFailedToGradeIsKeptAndGradedLater() throws {
        let f = try LabFixture()
        f.ledger.signatures = RefuseAll()
        let a = try issue(f)
        let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden(scenario))
        let s = LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key)
        let t = f.transport(f.session(), secondsPerLine: 30)
        try s.connect(t); try s.pump(t)
        XCTAssertTrue(s.done, "the lines are acknowledged even though grading failed")
        let st = try XCTUnwrap(f.ledger.status(a.attempt))
        XCTAssertEqual(st.state, "finished"); XCTAssertTrue(st.gradeError.contains("refused by the test"), st.gradeError)
        XCTAssertEqual(try f.audit("lab-grade-failed").count, 1)
        XCTAssertNil(try f.ledger.withStore { try $0.record(attempt: a.attempt) })
        // A restarted server (a new ledger on the same file) grades what is left.
        let reopened = try LabLedger(storePath: f.dir + "/lab.sqlite")
        XCTAssertEqual(reopened.gradeFinished(), [a.attempt])
        XCTAssertEqual(try reopened.status(a.attempt)?.state, "graded")
        XCTAssertNotNil(try reopened.withStore { try $0.record(attempt: a.attempt) })
        XCTAssertEqual(reopened.gradeFinished(), [])
    }

    func testALineDeliveredOutOfOrderIsResentAfterTheGapAndStoredOnce() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden(scenario))
        let s = LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: f.key)
        let t = f.transport(f.session(), secondsPerLine: 30)
        try s.connect(t)
        t.delayLine = 3   // the server gets 4 (gap), then 3 (stored), then 5… (gap): the streamer resends from 4
        try s.pump(t)
        XCTAssertTrue(s.done)
        XCTAssertEqual(try f.stored(a.attempt), f.bytes(path))
        let n = f.bytes(path).split(separator: "\n").count
        XCTAssertEqual(s.sent, n + (n - 4), "the lines after the delayed one were sent twice")
        XCTAssertEqual(try f.ledger.status(a.attempt)?.state, "graded")
    }
}
