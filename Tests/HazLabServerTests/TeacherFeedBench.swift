import Foundation
import HazLabLab
import HazLabRecords
import HazLabServer
import HummingbirdWSClient
import Logging
import XCTest

/// The live grid of a 60-station class (issue 15, "Performance"): not a timed test — it runs only
/// with HAZLAB_LAB_BENCH=1 and prints what it measured: from a streamed line's acknowledgement to
/// the class feed's grid that shows it. What it asserts is that every such grid arrives.
///
///     HAZLAB_LAB_BENCH=1 swift test --filter TeacherFeedBench
final class TeacherFeedBench: XCTestCase {
    func testGridOfSixtyStationsFollowsAStreamedLine() async throws {
        guard ProcessInfo.processInfo.environment["HAZLAB_LAB_BENCH"] == "1" else { throw XCTSkip("set HAZLAB_LAB_BENCH=1 to run the benchmark") }
        let n = Int(ProcessInfo.processInfo.environment["HAZLAB_LAB_STATIONS"] ?? "") ?? 60
        let lab = try LabFixture(connections: 256)
        let keys = (1...n).map { WorkstationKey(id: String(format: "ws-%02d", $0)) }
        try lab.withAccounts { a in
            try a.createUser(id: "t1", name: "王老师", role: .instructor, password: "teacher-pass-1", actor: "bench")
            try a.createClass(id: "c1", name: "一班", actor: "bench")
            try a.enrol(user: "t1", in: "c1", actor: "bench")
            for (i, k) in keys.enumerated() {
                try a.createUser(id: "s\(i + 1)", name: "学生\(i + 1)", role: .student, password: "student-pass", actor: "bench")
                try a.enrol(user: "s\(i + 1)", in: "c1", actor: "bench")
                try a.registerWorkstation(id: k.keyId, publicKey: k.publicKey.publicKey, actor: "bench")
            }
        }
        try lab.start()
        let http = HTTPClient(port: lab.port)
        var attempts: [(LabAssignment, [String], WorkstationKey)] = []
        for (i, key) in keys.enumerated() {
            let ws = key.keyId, student = "s\(i + 1)"
            let nonce = try http.request("GET", "/api/workstation/challenge?workstation=\(ws)").json["nonce"] as? String ?? ""
            let r = try http.request("POST", "/api/workstation/assignment", json: [
                "workstation": ws, "nonce": nonce, "student": student, "password": "student-pass", "scenario": "tank-filling", "mode": "practice",
                "signature": try key.sign(LabProtocol.assignmentMessage(nonce: nonce, workstation: ws, student: student, scenario: "tank-filling")).base64EncodedString()])
            XCTAssertEqual(r.status, 200, r.text)
            let a = LabAssignment(attempt: r.json["attempt"] as? String ?? "", scenario: "tank-filling", scenarioSHA256: r.json["scenarioSHA256"] as? String ?? "",
                                  seed: UInt64(r.json["seed"] as? String ?? "") ?? 0, mode: .practice, student: student, workstation: ws, issued: "")
            let lines = try labJournal(a, header: nil, in: lab.dir, key: key).dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            _ = try await streamLines(port: lab.port, key: key, attempt: a.attempt, lines: Array(lines[..<3]))
            attempts.append((a, lines, key))
        }
        let t1 = HTTPClient(port: lab.port)
        XCTAssertEqual(try t1.login("t1", "teacher-pass-1").status, 200)
        let feed = try RawHTTP(port: lab.port, path: "/api/classes/c1/live", cookie: t1.cookie)
        XCTAssertTrue(feed.read { _ in (feed.grids.last?["stations"] as? [Any])?.count == n }, "the grid shows all \(n) stations")
        let gridBytes = feed.received.components(separatedBy: "event: grid\ndata: ").last?.count ?? 0
        // 20 stations send one more line each, every station on the one stream it keeps open
        // (as a workstation does): the time from the line's ack to the grid that shows it.
        var ms: [Double] = []
        final class Box: @unchecked Sendable { var ms: [Double] = []; var missed = 0 }
        for k in 0..<min(20, n) {
            let (a, lines, key) = attempts[k]
            let box = Box()
            var log = Logger(label: "bench.ws"); log.logLevel = .error
            let logger = log
            _ = try await withSafetyNet { try await WebSocketClient.connect(url: "ws://127.0.0.1:\(lab.port)/api/stream", logger: logger) { inbound, outbound, _ in
                var it = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                func next() async throws -> LabServerMessage? {
                    guard let m = try await it.next(), case .text(let t) = m else { return nil }
                    return try LabProtocol.decodeServer(t)
                }
                try await outbound.write(.text(LabProtocol.encode(LabClientMessage.hello(workstation: key.keyId, attempt: a.attempt))))
                guard case .challenge(let nonce)? = try await next() else { return }
                let sig = try key.sign(LabProtocol.proofMessage(nonce: nonce, attempt: a.attempt)).base64EncodedString()
                try await outbound.write(.text(LabProtocol.encode(LabClientMessage.proof(signature: sig))))
                guard case .welcome? = try await next() else { return }
                // Let the stream's opening (the station turning live) reach the grid first.
                _ = feed.read { _ in feed.grids.contains { g in (g["stations"] as? [[String: Any]] ?? []).contains { $0["attempt"] as? String == a.attempt && $0["connection"] as? String == "live" } } }
                feed.received = ""
                // A station acting after a quiet moment (not within the 250 ms coalescing window of the last grid).
                try await Task.sleep(nanoseconds: 400_000_000)
                try await outbound.write(.text(LabProtocol.encode(LabClientMessage.line(seq: 3, text: lines[3]))))
                guard case .ack? = try await next() else { return }
                let acked = Date()
                let seen = feed.read { _ in
                    feed.grids.contains { g in (g["stations"] as? [[String: Any]] ?? []).contains { $0["attempt"] as? String == a.attempt && $0["actions"] as? Int == 3 } }
                }
                if seen { box.ms.append(Date().timeIntervalSince(acked) * 1000) } else { box.missed += 1 }
                try await outbound.close(.normalClosure, reason: nil)
            } }
            XCTAssertEqual(box.missed, 0, "station \(k + 1)'s line reaches the grid")
            XCTAssertEqual(box.ms.count, 1, "station \(k + 1) streamed its line")
            ms += box.ms
        }
        ms.sort()
        print("TeacherFeedBench: \(n) stations, grid event \(gridBytes) bytes; line acked → grid shown: median \(Int(ms[ms.count / 2])) ms, max \(Int(ms.last ?? 0)) ms over \(ms.count) lines")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }
}
