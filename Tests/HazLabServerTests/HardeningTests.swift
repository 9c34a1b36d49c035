import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HazLabLab
import HazLabRecords
import HazLabServer
import HummingbirdWSClient
import Logging
import XCTest

/// Defects found by a newcomer's walkthrough of the lab server, each reproduced against a real
/// `hazlab serve` (Docs/lab.md).
final class HardeningTests: XCTestCase {
    let key = WorkstationKey(id: "ws-01")
    let other = WorkstationKey(id: "ws-02")

    func makeLab() throws -> LabFixture {
        let lab = try LabFixture()
        try lab.withAccounts { a in
            try a.createUser(id: "s1", name: "张三", role: .student, password: "student-pass-1", actor: "test")
            try a.registerWorkstation(id: key.keyId, publicKey: key.publicKey.publicKey, actor: "test")
            try a.registerWorkstation(id: other.keyId, publicKey: other.publicKey.publicKey, actor: "test")
        }
        try lab.start()
        return lab
    }

    /// 404 and 405 used to be empty bodies from the router; now JSON like every other error.
    func testUnknownRoutesAndWrongMethodsAnswerJSON() throws {
        let lab = try makeLab()
        let http = HTTPClient(port: lab.port)
        let missing = try http.request("GET", "/api/no-such-route")
        XCTAssertEqual(missing.status, 404)
        XCTAssertTrue((missing.json["error"] as? String ?? "").contains("/api/no-such-route"), missing.text)
        XCTAssertTrue(missing.headers["content-type"]?.hasPrefix("application/json") ?? false)
        for (method, path, allow) in [("GET", "/api/workstation/login", "POST"), ("POST", "/health", "GET"),
                                      ("DELETE", "/api/attempts/a-1", "GET"), ("PUT", "/api/tasks/t-1/open", "POST")] {
            let r = try http.request(method, path)
            XCTAssertEqual(r.status, 405, "\(method) \(path): \(r.text)")
            XCTAssertEqual(r.headers["allow"], allow, "\(method) \(path)")
            XCTAssertNotNil(r.json["error"] as? String, "\(method) \(path): \(r.text)")
        }
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// A raw keep-alive HTTP connection: what a client past `limits.connections` would hold.
    final class RawConnection {
        let fd: Int32
        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET); a.sin_port = in_port_t(UInt16(port).bigEndian)
            a.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            if rc != 0 { close(fd); throw NSError(domain: "connect", code: Int(errno)) }
        }
        deinit { close(fd) }
        func send(_ text: String) { _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress, $0.count - 1, 0) } }
        /// What arrives within `seconds` (empty: nothing).
        func read(within seconds: Double) -> String {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(seconds * 1000)) > 0 else { return "" }
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buf, buf.count, 0)
            return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
        }
    }

    /// `limits.connections` caps open connections: past it the server accepts no more until one
    /// closes (held in the listen backlog, not dropped), so a flood of idle sockets cannot take
    /// the file descriptors the workstations' streams need.
    func testConnectionsBeyondTheLimitWaitUntilOneCloses() throws {
        let lab = try LabFixture(connections: 2)
        try lab.start()
        let request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        var held: [RawConnection] = []
        for _ in 0..<2 {
            let c = try RawConnection(port: lab.port)
            c.send(request)
            XCTAssertTrue(c.read(within: 30).hasPrefix("HTTP/1.1 200"), "a connection within the limit is served")
            held.append(c)
        }
        let third = try RawConnection(port: lab.port)   // the kernel completes the handshake; the server does not accept it yet
        third.send(request)
        XCTAssertEqual(third.read(within: 1.5), "", "past the limit: not served while two connections are open")
        held.removeFirst()   // closes one
        XCTAssertTrue(third.read(within: 30).hasPrefix("HTTP/1.1 200"), "served once a connection closed")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// One hello + proof on the stream, signed by `signer`; the server's answers.
    func handshake(port: Int, workstation: String, attempt: String, signer: WorkstationKey) async throws -> [LabServerMessage] {
        final class Box: @unchecked Sendable { var got: [LabServerMessage] = [] }
        let box = Box()
        var log = Logger(label: "test.ws"); log.logLevel = .critical
        let logger = log
        _ = try await withSafetyNet { try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/stream", logger: logger) { inbound, outbound, _ in
            var it = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.hello(workstation: workstation, attempt: attempt))))
            guard let m = try await it.next(), case .text(let t) = m, case .challenge(let nonce) = try LabProtocol.decodeServer(t) else { return }
            let sig = try signer.sign(LabProtocol.proofMessage(nonce: nonce, attempt: attempt)).base64EncodedString()
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.proof(signature: sig))))
            while let m = try await it.next() { if case .text(let t) = m { box.got.append(try LabProtocol.decodeServer(t)) } }
        } }
        return box.got
    }

    func assign(_ http: HTTPClient) throws -> HTTPReply {
        let n = try http.request("GET", "/api/workstation/challenge?workstation=ws-01").json["nonce"] as? String ?? ""
        let sig = try key.sign(LabProtocol.assignmentMessage(nonce: n, workstation: "ws-01", student: "s1", scenario: "tank-filling"))
        return try http.request("POST", "/api/workstation/assignment", json: [
            "workstation": "ws-01", "nonce": n, "signature": sig.base64EncodedString(), "student": "s1", "password": "student-pass-1",
            "scenario": "tank-filling"])
    }

    /// Every workstation refusal on the stream is in the audit chain, with the claimed workstation.
    func testStreamRefusalsAreAudited() async throws {
        let lab = try makeLab()
        let attempt = try assign(HTTPClient(port: lab.port)).json["attempt"] as? String ?? ""
        func code(_ got: [LabServerMessage]) -> String? { got.compactMap { if case .error(let c, _, _) = $0 { return c } else { return nil } }.first }
        // ws-02, with its own key, claiming ws-01's attempt; ws-01 proving with another key; an unregistered station.
        let foreign = try await handshake(port: lab.port, workstation: "ws-02", attempt: attempt, signer: other)
        let badProof = try await handshake(port: lab.port, workstation: "ws-01", attempt: attempt, signer: other)
        let unknown = try await handshake(port: lab.port, workstation: "ws-99", attempt: attempt, signer: WorkstationKey(id: "ws-99"))
        let notIssued = try await handshake(port: lab.port, workstation: "ws-01", attempt: "a-0000000000000001", signer: key)
        XCTAssertEqual(code(foreign), "not-your-attempt")
        XCTAssertEqual(code(badProof), "bad-proof")
        XCTAssertEqual(code(unknown), "unknown-key")
        XCTAssertEqual(code(notIssued), "unknown-attempt")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        let rows = try ResultsStore(path: lab.storePath).auditLog(limit: 200).filter { $0.action == LabAuditAction.streamRefused.rawValue }
        for (actor, what) in [("ws-02", "not-your-attempt"), ("ws-01", "bad-proof"), ("ws-99", "unknown-key"), ("ws-01", "unknown-attempt")] {
            XCTAssertTrue(rows.contains { $0.actor == actor && $0.detail.hasPrefix(what) }, "\(what) by \(actor) audited: \(rows)")
        }
    }

    /// The audit action names in code and in Docs/lab.md are one list; no literal action names
    /// elsewhere in the lab's sources.
    func testAuditActionsInCodeAreExactlyThoseInTheDoc() throws {
        let doc = try String(contentsOf: repoRoot.appendingPathComponent("Docs/lab.md"), encoding: .utf8)
        guard let start = doc.range(of: "### Audit actions") else { return XCTFail("Docs/lab.md has no section \"Audit actions\"") }
        let section = doc[start.upperBound...]
        let end = section.range(of: "\n#")?.lowerBound ?? section.endIndex
        var documented = Set<String>()
        for line in section[..<end].split(separator: "\n") where line.hasPrefix("| `") {
            let first = line.split(separator: "|")[0]
            for part in first.split(separator: "`") where part.contains("-") && !part.contains(" ") { documented.insert(String(part)) }
        }
        XCTAssertEqual(documented, Set(LabAuditAction.allCases.map(\.rawValue)))
        for folder in ["Sources/HazLabServer", "Sources/HazLabLab"] {
            let dir = repoRoot.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".swift") {
                let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
                XCTAssertNil(text.range(of: #"action: ""#), "\(folder)/\(name) writes an audit action by a literal name: use LabAuditAction")
            }
        }
    }

    /// A streamed exam's record: the seed (random 64-bit, almost always above 2^53) is a decimal
    /// string in every API answer; a student never sees the server's paths.
    func testSeedsAreStringsAndStudentsSeeNoServerPaths() async throws {
        let lab = try makeLab()
        let r = try assign(HTTPClient(port: lab.port))
        let attempt = r.json["attempt"] as? String ?? "", seed = r.json["seed"] as? String ?? ""
        let a = LabAssignment(attempt: attempt, scenario: "tank-filling", scenarioSHA256: r.json["scenarioSHA256"] as? String ?? "",
                              seed: UInt64(seed) ?? 0, mode: .practice, student: "s1", workstation: "ws-01", issued: "")
        let text = try labJournal(a, header: nil, in: lab.dir, key: key)
        _ = try await streamLines(port: lab.port, key: key, attempt: attempt, lines: text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        XCTAssertEqual(try waitUntilGraded(lab, attempt), "graded")
        let s1 = HTTPClient(port: lab.port)
        XCTAssertEqual(try s1.login("s1", "student-pass-1").status, 200)
        let got = try s1.request("GET", "/api/attempts/\(attempt)")
        XCTAssertEqual(got.status, 200, got.text)
        XCTAssertEqual(got.json["seed"] as? String, seed, "the seed as a decimal string: \(got.text.prefix(300))")
        XCTAssertFalse(got.text.contains("\"seed\":\(seed)"), "never a JSON number")
        XCTAssertEqual((got.json["lab"] as? [String: Any])?["seed"] as? String, seed)
        XCTAssertFalse(got.text.contains(lab.dir.path), "no server path in a student's answer")
        XCTAssertFalse(got.text.contains("lab.sqlite.journals"), got.text)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// The trailer's ack no longer waits for grading; an attempt whose trailer is stored but which
    /// is not graded when the server starts (it stopped in between, or its grading failed and may
    /// now pass) is graded at start.
    func testServerGradesAtStartWhatIsFinishedButNotGraded() throws {
        let lab = try LabFixture()
        try lab.withAccounts { a in try a.createUser(id: "s1", name: "张三", role: .student, password: "student-pass-1", actor: "test") }
        // Streamed in-process while ws-01's key is not registered: stored, finished, not graded.
        let ledger = try LabLedger(storePath: lab.storePath)
        ledger.signatures = LabRegistrySignatures(accounts: LabAccounts(store: try ResultsStore(path: lab.storePath), bcryptCost: 4))
        let a = try ledger.issue(scenarioPath: repoRoot.appendingPathComponent("Scenarios/tank-filling/scenario.yaml").path,
                                 student: "s1", workstation: "ws-01", mode: .practice, seed: nil)
        let text = try labJournal(a, header: nil, in: lab.dir, key: key)
        for (seq, line) in text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            _ = try ledger.append(attempt: a.attempt, workstation: "ws-01", seq: seq, text: String(line), arrived: Date())
        }
        XCTAssertEqual(try ledger.status(a.attempt)?.state, "finished")
        try lab.withAccounts { try $0.registerWorkstation(id: key.keyId, publicKey: key.publicKey.publicKey, actor: "test") }
        try lab.start()
        let store = try ResultsStore(path: lab.storePath)
        let limit = Date().addingTimeInterval(120)   // a safety net, not a timing assertion
        while try store.db.scalar("SELECT state FROM lab_assignments WHERE attempt = ?", [a.attempt])?.string != "graded", Date() < limit {
            usleep(20_000)
        }
        XCTAssertEqual(try store.db.scalar("SELECT state FROM lab_assignments WHERE attempt = ?", [a.attempt])?.string, "graded")
        XCTAssertNotNil(try store.record(attempt: a.attempt))
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }
}
