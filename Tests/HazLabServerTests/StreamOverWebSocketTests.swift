import Crypto
import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring
import HazLabServer
import HummingbirdWSClient
import Logging
import XCTest

/// A real workstation conversation with a real `hazlab serve`: a signed assignment over HTTP, then
/// the journal streamed over the WebSocket, line by line, each acknowledged.
final class StreamOverWebSocketTests: XCTestCase {
    let key = WorkstationKey(id: "ws-01")

    func makeLab() throws -> LabFixture {
        let lab = try LabFixture()
        try lab.withAccounts { a in
            try a.createUser(id: "s1", name: "张三", role: .student, password: "student-pass-1", actor: "test")
            try a.registerWorkstation(id: key.keyId, publicKey: key.publicKey.publicKey, actor: "test")
        }
        try lab.start()
        return lab
    }

    func assign(_ http: HTTPClient, scenario: String = "tank-filling") throws -> HTTPReply {
        let nonce = try http.request("GET", "/api/workstation/challenge?workstation=ws-01").json["nonce"] as? String ?? ""
        let sig = try key.sign(LabServer.assignmentMessage(nonce: nonce, workstation: "ws-01", student: "s1", scenario: scenario))
        return try http.request("POST", "/api/workstation/assignment", json: [
            "workstation": "ws-01", "nonce": nonce, "signature": sig.base64EncodedString(),
            "student": "s1", "password": "student-pass-1", "scenario": scenario])
    }

    /// A real journal for the assignment (JournalWriter, fsync per line) with the golden perfect run's actions.
    func writeJournal(_ a: LabAssignment, in dir: URL, signer: WorkstationKey? = nil) throws -> String {
        let scenarioPath = repoRoot.appendingPathComponent("Scenarios/\(a.scenario)/scenario.yaml").path
        let g = try Journal.read(path: repoRoot.appendingPathComponent("Scenarios/\(a.scenario)/runs/perfect.jsonl").path)
        var h = Journal.Header(scenario: a.scenario, scenarioSHA256: a.scenarioSHA256, seed: a.seed, mode: a.mode.rawValue)
        h.student = a.student; h.workstation = a.workstation; h.attempt = a.attempt
        h.started = ExportTime.iso8601(millis: ExportTime.millis(Date())); h.key = key.keyId
        let path = dir.appendingPathComponent("\(a.attempt).jsonl").path
        let w = try JournalWriter(path: path, header: h)
        for x in g.actions { try w.append(x) }
        let model = ScenarioCompiler.compile(bytes: [UInt8](FileManager.default.contents(atPath: scenarioPath)!), path: scenarioPath).model!
        let out = Runner.replay(model, seed: a.seed, mode: TrainingMode(rawValue: a.mode.rawValue)!, actions: g.actions)
        try w.finish(endTick: out.ticks, stateHash: out.stateHash.hex16, signer: signer ?? key)
        return path
    }

    /// One WebSocket conversation: sends `frames` (after the handshake when `attempt` is given),
    /// collecting every server message until the server closes or `until` says stop.
    func converse(port: Int, hello attempt: String?, frames: [String],
                  whileOpen: (@Sendable () -> Void)? = nil,
                  until: @escaping @Sendable ([LabServerMessage]) -> Bool) async throws -> [LabServerMessage] {
        final class Box: @unchecked Sendable { var got: [LabServerMessage] = [] }
        let box = Box()
        let key = self.key
        var log = Logger(label: "test.ws"); log.logLevel = .error
        let logger = log
        _ = try await withSafetyNet { try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/stream", logger: logger) { inbound, outbound, _ in
            var it = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            func next() async throws -> LabServerMessage? {
                guard let m = try await it.next(), case .text(let t) = m else { return nil }
                let s = try LabProtocol.decodeServer(t)
                box.got.append(s)
                return s
            }
            if let attempt {
                try await outbound.write(.text(LabProtocol.encode(LabClientMessage.hello(workstation: "ws-01", attempt: attempt))))
                guard case .challenge(let nonce)? = try await next() else { return }
                let sig = try key.sign(LabProtocol.proofMessage(nonce: nonce, attempt: attempt)).base64EncodedString()
                try await outbound.write(.text(LabProtocol.encode(LabClientMessage.proof(signature: sig))))
                guard case .welcome? = try await next() else { return }
            }
            for f in frames {
                try await outbound.write(.text(f))
                guard try await next() != nil else { return }
                if until(box.got) { break }
            }
            if let whileOpen { whileOpen(); return }
            try await outbound.close(.normalClosure, reason: nil)
        } }
        return box.got
    }

    func testAssignmentIsTheServersAndTheStreamedJournalIsStoredByteForByte() async throws {
        let lab = try makeLab()
        let http = HTTPClient(port: lab.port)
        let r = try assign(http)
        XCTAssertEqual(r.status, 200, r.text)
        let attempt = r.json["attempt"] as? String ?? ""
        XCTAssertTrue(attempt.hasPrefix("a-") && attempt.count == 18, attempt)
        let seed = UInt64(r.json["seed"] as? String ?? "")
        XCTAssertNotNil(seed)
        let scenarioBytes = Data(base64Encoded: r.json["scenarioBase64"] as? String ?? "") ?? Data()
        XCTAssertEqual(SHA256.hash(data: scenarioBytes).map { String(format: "%02x", $0) }.joined(), r.json["scenarioSHA256"] as? String)
        XCTAssertEqual(scenarioBytes, FileManager.default.contents(atPath: repoRoot.appendingPathComponent("Scenarios/tank-filling/scenario.yaml").path))
        let second = try assign(http)
        XCTAssertNotEqual(second.json["attempt"] as? String, attempt, "every assignment gets a fresh attempt id")

        let a = LabAssignment(attempt: attempt, scenario: r.json["scenario"] as? String ?? "", scenarioSHA256: r.json["scenarioSHA256"] as? String ?? "",
                              seed: seed ?? 0, mode: LabMode(rawValue: r.json["mode"] as? String ?? "") ?? .practice,
                              student: "s1", workstation: "ws-01", issued: r.json["issued"] as? String ?? "")
        let path = try writeJournal(a, in: lab.dir)
        let text = String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let frames = lines.enumerated().map { LabProtocol.encode(LabClientMessage.line(seq: $0.offset, text: $0.element)) }
        let got = try await converse(port: lab.port, hello: attempt, frames: frames) { _ in false }
        let acks = got.compactMap { if case .ack(let s) = $0 { return s } else { return nil } }
        XCTAssertEqual(acks, Array(0..<lines.count), "\(got)")

        // Not the server's attempt id: refused at the handshake.
        let refused = try await converse(port: lab.port, hello: "a-0000000000000001", frames: []) { _ in true }
        XCTAssertTrue(refused.contains { if case .error(let code, _, true) = $0 { return code == "unknown-attempt" } else { return false } }, "\(refused)")

        // A revoked workstation cannot resume its own attempt (revocation takes effect at once).
        try LabAccounts(store: try ResultsStore(path: lab.storePath), bcryptCost: 4).revokeWorkstation(id: "ws-01", actor: "test")
        let revoked = try await converse(port: lab.port, hello: attempt, frames: []) { _ in true }
        XCTAssertTrue(revoked.contains { if case .error(let code, _, true) = $0 { return code == "revoked-key" } else { return false } }, "\(revoked)")

        // A malformed frame is answered with an error naming it.
        let bad = try await converse(port: lab.port, hello: nil, frames: ["{not json"]) { _ in true }
        XCTAssertTrue(bad.contains { if case .error(let code, _, _) = $0 { return code == "bad-frame" } else { return false } }, "\(bad)")

        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        let ledger = try LabLedger(storePath: lab.storePath)
        XCTAssertEqual(try ledger.lines(attempt).joined(separator: "\n") + "\n", text, "the server's copy equals the workstation's file")
        // Signed by the registered key: graded and stored.
        let store = try ResultsStore(path: lab.storePath)
        let gradeError = try store.db.scalar("SELECT grade_error FROM lab_assignments WHERE attempt = ?", [attempt])?.string ?? ""
        XCTAssertEqual(try store.db.scalar("SELECT state FROM lab_assignments WHERE attempt = ?", [attempt])?.string, "graded", gradeError)
        XCTAssertNotNil(try store.record(attempt: attempt))
    }

    /// A journal whose trailer is signed by another key than the one registered for its
    /// workstation is stored (nothing is lost) but not graded, and the failure is audited.
    func testTrailerSignedByAnUnregisteredKeyIsNotGraded() async throws {
        let lab = try makeLab()
        let r = try assign(HTTPClient(port: lab.port))
        let attempt = r.json["attempt"] as? String ?? ""
        let a = LabAssignment(attempt: attempt, scenario: r.json["scenario"] as? String ?? "", scenarioSHA256: r.json["scenarioSHA256"] as? String ?? "",
                              seed: UInt64(r.json["seed"] as? String ?? "") ?? 0, mode: .practice, student: "s1", workstation: "ws-01", issued: "")
        let text = String(decoding: FileManager.default.contents(atPath: try writeJournal(a, in: lab.dir, signer: WorkstationKey(id: "ws-01")))!, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let frames = lines.enumerated().map { LabProtocol.encode(LabClientMessage.line(seq: $0.offset, text: $0.element)) }
        _ = try await converse(port: lab.port, hello: attempt, frames: frames) { _ in false }
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        let store = try ResultsStore(path: lab.storePath)
        XCTAssertNotEqual(try store.db.scalar("SELECT state FROM lab_assignments WHERE attempt = ?", [attempt])?.string, "graded")
        let why = try store.db.scalar("SELECT grade_error FROM lab_assignments WHERE attempt = ?", [attempt])?.string ?? ""
        XCTAssertTrue(why.lowercased().contains("signature"), why)
        XCTAssertNil(try store.record(attempt: attempt))
        XCTAssertTrue(try store.auditLog(limit: 50).contains { $0.action == "lab-grade-failed" && $0.subject == attempt })
    }

    func acks(_ got: [LabServerMessage]) -> [Int] { got.compactMap { if case .ack(let s) = $0 { return s } else { return nil } } }
    func welcome(_ got: [LabServerMessage]) -> Int? { got.lazy.compactMap { if case .welcome(_, let k) = $0 { return k } else { return nil } }.first }

    /// The workstation's connection is cut mid-attempt (the test closes it), then the server is
    /// SIGKILLed with a stream open and restarted on the same store: each time the workstation
    /// resumes from the server's `acked`, and in the end the server holds the file byte for byte.
    func testResumeAfterACutConnectionAndAfterSIGKILLOfTheServer() async throws {
        let lab = try makeLab()
        let r = try assign(HTTPClient(port: lab.port))
        XCTAssertEqual(r.status, 200, r.text)
        let attempt = r.json["attempt"] as? String ?? ""
        let a = LabAssignment(attempt: attempt, scenario: r.json["scenario"] as? String ?? "", scenarioSHA256: r.json["scenarioSHA256"] as? String ?? "",
                              seed: UInt64(r.json["seed"] as? String ?? "") ?? 0, mode: LabMode(rawValue: r.json["mode"] as? String ?? "") ?? .practice,
                              student: "s1", workstation: "ws-01", issued: r.json["issued"] as? String ?? "")
        let text = String(decoding: FileManager.default.contents(atPath: try writeJournal(a, in: lab.dir))!, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        XCTAssertGreaterThan(lines.count, 6)
        let frames = lines.enumerated().map { LabProtocol.encode(LabClientMessage.line(seq: $0.offset, text: $0.element)) }
        let third = lines.count / 3

        // 1. Lines 0..<third, then the connection is cut from this side.
        let first = try await converse(port: lab.port, hello: attempt, frames: Array(frames[..<third]), whileOpen: {}) { _ in false }
        XCTAssertEqual(welcome(first), -1)
        XCTAssertEqual(acks(first), Array(0..<third))

        // 2. Reconnect: the server says where it is; send up to 2·third, then SIGKILL the server with the stream open.
        let port = lab.port
        var second: [LabServerMessage] = []
        do {
            second = try await converse(port: port, hello: attempt, frames: Array(frames[third..<(2 * third)]), whileOpen: { lab.kill9() }) { _ in false }
        } catch {}   // the connection dies with the server
        XCTAssertEqual(welcome(second), third - 1, "\(second)")
        XCTAssertEqual(acks(second), Array(third..<(2 * third)), "\(second)")

        // 3. Restart on the same store; the workstation resumes after the last acknowledged line.
        try lab.start()
        let third3 = try await converse(port: lab.port, hello: attempt, frames: Array(frames[(2 * third)...])) { _ in false }
        XCTAssertEqual(welcome(third3), 2 * third - 1, "every line acknowledged before the kill is there: \(third3)")
        XCTAssertEqual(acks(third3), Array((2 * third)..<lines.count), "\(third3)")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        let ledger = try LabLedger(storePath: lab.storePath)
        XCTAssertEqual(try ledger.lines(attempt).joined(separator: "\n") + "\n", text, "nothing lost, nothing duplicated")
    }

    /// A message over `limits.frameBytes` (64 KiB in the fixture) closes the stream with 1009; the
    /// server keeps serving.
    func testOversizedFrameClosesWithMessageTooBig() async throws {
        let lab = try makeLab()
        var logger = Logger(label: "test.ws"); logger.logLevel = .critical
        let big = LabProtocol.encode(LabClientMessage.line(seq: 0, text: String(repeating: "x", count: 70_000)))
        let port = lab.port, quiet = logger
        let code = try await withSafetyNet {
            let close = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/stream", logger: quiet) { inbound, outbound, _ in
                try await outbound.write(.text(big))
                for try await _ in inbound {}
            }
            return close?.closeCode == .messageTooLarge ? "messageTooLarge" : "\(String(describing: close))"
        }
        XCTAssertEqual(code, "messageTooLarge")
        XCTAssertEqual(try HTTPClient(port: lab.port).request("GET", "/health").status, 200)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// SIGTERM while a workstation's stream is open: the server closes the stream with 1001 (going
    /// away: reconnect and resume), not 1000, and exits 0 (a lab server must be restartable with
    /// the whole class connected).
    func testSIGTERMWithAnOpenStreamExitsCleanly() async throws {
        let lab = try makeLab()
        let r = try assign(HTTPClient(port: lab.port))
        let attempt = r.json["attempt"] as? String ?? ""
        var logger = Logger(label: "test.ws"); logger.logLevel = .critical
        let key = self.key
        let port = lab.port, quiet = logger
        let closed = try await withSafetyNet { try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/stream", logger: quiet) { inbound, outbound, _ in
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.hello(workstation: "ws-01", attempt: attempt))))
            var it = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            guard let m = try await it.next(), case .text(let t) = m, case .challenge(let nonce) = try LabProtocol.decodeServer(t) else { return }
            let sig = try key.sign(LabProtocol.proofMessage(nonce: nonce, attempt: attempt)).base64EncodedString()
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.proof(signature: sig))))
            _ = try await it.next()   // welcome
            lab.term()
            while try await it.next() != nil {}   // until the server closes the stream
        }.map { "\($0.closeCode)" } }
        XCTAssertEqual(closed, "goingAway", "the server closed the stream with 1001")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }
}
