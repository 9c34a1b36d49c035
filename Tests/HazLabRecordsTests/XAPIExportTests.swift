import Foundation
import XCTest
@testable import HazLabRecords

/// The exporter's response handling with a scripted transport (no network), credentials, and
/// backoff.
final class XAPIExportTests: XCTestCase {
    let creds = LRSCredentials(endpoint: URL(string: "http://127.0.0.1:9/xAPI")!, username: "teacher", password: "hunter2-secret")

    final class Sleeps: @unchecked Sendable {
        let lock = NSLock()
        var delays: [Double] = []
        func add(_ d: Double) { lock.lock(); delays.append(d); lock.unlock() }
    }

    func outbox() throws -> (InMemoryOutbox, [XAPIStatement]) {
        let a = try ExportTestSupport.attempts()[0]
        let s = XAPIStatementBuilder().statements(for: a, started: XAPIStatementTests.started)
        let o = InMemoryOutbox()
        try o.enqueue(try XAPIExporter.items(s))
        try o.enqueue(try XAPIExporter.items(s)) // re-enqueue: no duplicates
        XCTAssertEqual(o.all.count, s.count)
        return (o, s)
    }

    /// One PUT per statement unless `batch` says otherwise (XAPIBatchTests covers POST).
    func exporter(_ t: any HTTPTransport, sleeps: Sleeps, tries: Int = 4, batch: Int = 1) -> XAPIExporter {
        XAPIExporter(client: XAPIClient(credentials: creds, transport: t, timeout: 5),
                     backoff: Backoff(base: 1, cap: 8, maxTries: tries, random: { 0.5 }, sleep: { sleeps.add($0) }), batchSize: batch)
    }

    func testRequestsCarryVersionAuthAndExactBytes() throws {
        let (o, s) = try outbox()
        let t = ScriptedTransport { _, _ in HTTPResponse(status: 204, body: []) }
        let r = try exporter(t, sleeps: Sleeps()).drain(o)
        XCTAssertEqual(r.delivered, s.count)
        XCTAssertEqual(t.requests.count, s.count)
        for (req, st) in zip(t.requests, s) {
            XCTAssertEqual(req.method, "PUT")
            XCTAssertEqual(req.url.absoluteString, "http://127.0.0.1:9/xAPI/statements?statementId=\(st.id)")
            XCTAssertTrue(req.headers.contains { $0 == ("X-Experience-API-Version", "1.0.3") })
            XCTAssertTrue(req.headers.contains { $0.0 == "Authorization" && $0.1.hasPrefix("Basic ") })
            XCTAssertEqual(req.body, Array(st.body.utf8))
        }
        XCTAssertTrue(try o.pending(target: "xapi", limit: 100).isEmpty)
    }

    func testServerErrorsAreRetriedWithBackoffAndThenDelivered() throws {
        let (o, s) = try outbox()
        // The first statement gets 503, 500, then 204.
        let t = ScriptedTransport { _, n in HTTPResponse(status: n <= 2 ? (n == 1 ? 503 : 500) : 204, body: []) }
        let sleeps = Sleeps()
        let r = try exporter(t, sleeps: sleeps).drain(o)
        XCTAssertEqual(r.delivered, s.count)
        XCTAssertEqual(r.retries, 2)
        XCTAssertEqual(sleeps.delays, [0.75, 1.5]) // d = 1, 2; equal jitter with random 0.5: d/2 + d/4
        XCTAssertEqual(o.item(target: "xapi", id: s[0].id)?.attempts, 2)
        XCTAssertNil(r.stoppedOn)
    }

    func testRefusedConnectionsKeepTheStatementsInTheOutbox() throws {
        let (o, s) = try outbox()
        let t = ScriptedTransport { r, _ in throw HTTPTransportError("PUT \(URLSessionTransport.redacted(r.url)): connection refused") }
        let sleeps = Sleeps()
        let r = try exporter(t, sleeps: sleeps, tries: 4).drain(o)
        XCTAssertEqual(r.delivered, 0)
        XCTAssertEqual(t.requests.count, 4)
        XCTAssertEqual(sleeps.delays.count, 3)
        XCTAssertTrue(r.stoppedOn?.contains("connection refused") ?? false)
        XCTAssertEqual(try o.pending(target: "xapi", limit: 100).count, s.count)
        XCTAssertEqual(o.item(target: "xapi", id: s[0].id)?.attempts, 4)
        // The next drain, with the LRS back, delivers all of them in order.
        let ok = ScriptedTransport { _, _ in HTTPResponse(status: 200, body: Array("[]".utf8)) }
        XCTAssertEqual(try exporter(ok, sleeps: sleeps).drain(o).delivered, s.count)
        XCTAssertEqual(ok.requests.map { $0.url.query ?? "" }, s.map { "statementId=\($0.id)" })
    }

    func testUnauthorizedStopsWithAClearErrorWithoutThePassword() throws {
        for status in [401, 403] {
            let (o, _) = try outbox()
            let t = ScriptedTransport { _, _ in HTTPResponse(status: status, body: Array("bad credentials hunter2-secret".utf8)) }
            XCTAssertThrowsError(try exporter(t, sleeps: Sleeps()).drain(o)) { e in
                XCTAssertEqual(e as? XAPIClientError, .unauthorized(status: status, endpoint: "http://127.0.0.1:9/xAPI/"))
                let text = "\(e)"
                XCTAssertTrue(text.contains("refused the credentials (HTTP \(status))"), text)
                XCTAssertFalse(text.contains("hunter2"), text)
                XCTAssertFalse(text.contains(Data("teacher:hunter2-secret".utf8).base64EncodedString()), text)
            }
            XCTAssertEqual(t.requests.count, 1)
        }
        XCTAssertFalse(creds.description.contains("hunter2"))
    }

    func testConflictGetsTheStoredStatementAndComparesIt() throws {
        let (o, s) = try outbox()
        // 409 for every PUT; the GET returns ours (reformatted, with stored/authority) for the
        // first statement and a different one for the second.
        let t = ScriptedTransport { r, _ in
            if r.method == "PUT" { return HTTPResponse(status: 409, body: []) }
            let id = String(r.url.query!.dropFirst("statementId=".count))
            guard let st = s.first(where: { $0.id == id }), case .object(var ms) = st.json else { return HTTPResponse(status: 404, body: []) }
            ms.reverse()
            ms.append(("stored", .string("2026-11-30T01:02:03.456789+00:00")))
            ms.append(("authority", .object([("objectType", .string("Agent")), ("mbox", .string("mailto:lrs@example.org"))])))
            if let i = ms.firstIndex(where: { $0.0 == "timestamp" }), case .string(let ts) = ms[i].1 {
                let ms0 = ExportTime.parseISO8601(ts)!
                ms[i].1 = .string(ExportTime.iso8601(millis: ms0).replacingOccurrences(of: "Z", with: "+00:00"))
            }
            if st.sequence == 1, let i = ms.firstIndex(where: { $0.0 == "result" }) { ms[i].1 = .object([("success", .bool(true))]) }
            return HTTPResponse(status: 200, body: Array(OrderedJSON.object(ms).render().utf8))
        }
        let r = try exporter(t, sleeps: Sleeps()).drain(o)
        XCTAssertEqual(r.alreadyStored, 1)
        XCTAssertEqual(r.conflicts.count, 1)
        XCTAssertTrue(r.conflicts[0].contains(s[1].id) && r.conflicts[0].contains("different statement"), r.conflicts[0])
        // The attempt is held back from there on; what went before stays delivered.
        XCTAssertEqual(o.state(target: "xapi", id: s[1].id), .quarantined(r.conflicts[0]))
        XCTAssertEqual(o.state(target: "xapi", id: s[0].id), .delivered)
        XCTAssertEqual(r.quarantined.count, 1)
    }

    func testInvalidStatementsAreNeverSent() throws {
        let o = InMemoryOutbox()
        try o.enqueue([OutboxItem(target: "xapi", id: "x", attempt: "a", sequence: 0, body: "{\"verb\":{}}")])
        let t = ScriptedTransport { _, _ in HTTPResponse(status: 204, body: []) }
        let r = try exporter(t, sleeps: Sleeps()).drain(o)
        XCTAssertEqual(t.requests.count, 0)
        XCTAssertEqual(r.invalid.count, 1)
        XCTAssertTrue(r.invalid[0].contains("statement.actor: required"))
    }

    func testBackoffIsExponentialJitteredAndBounded() {
        let lo = Backoff(base: 0.5, cap: 30, maxTries: 6, random: { 0 }, sleep: { _ in })
        let hi = Backoff(base: 0.5, cap: 30, maxTries: 6, random: { 0.999999 }, sleep: { _ in })
        XCTAssertEqual((0..<5).map { lo.delay(afterTry: $0) }, [0.25, 0.5, 1, 2, 4])
        XCTAssertEqual(hi.delay(afterTry: 0), 0.5, accuracy: 1e-5)
        XCTAssertEqual(lo.delay(afterTry: 20), 15)
        XCTAssertEqual(hi.delay(afterTry: 20), 30, accuracy: 1e-4)
        XCTAssertEqual(Backoff(maxTries: 0).maxTries, 1)
    }

    func testCredentialsFromEnvironmentOrAnOwnerOnlyFile() throws {
        let env = ["HAZLAB_LRS_ENDPOINT": "http://127.0.0.1:8100/xAPI", "HAZLAB_LRS_USERNAME": "u", "HAZLAB_LRS_PASSWORD": "pw-from-env"]
        let c = try LRSCredentials.resolve(environment: env, configPath: nil)
        XCTAssertEqual(c.endpoint.absoluteString, "http://127.0.0.1:8100/xAPI/")
        XCTAssertFalse(c.description.contains("pw-from-env"))
        XCTAssertThrowsError(try LRSCredentials.resolve(environment: [:], configPath: nil))

        let dir = try ExportTestSupport.tempDir("creds")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("lrs.json").path
        try Data(#"{"endpoint":"https://lrs.example.org/xAPI/","username":"u","password":"pw-in-file"}"#.utf8).write(to: URL(fileURLWithPath: f))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: f)
        XCTAssertThrowsError(try LRSCredentials.resolve(environment: [:], configPath: f)) { e in
            XCTAssertTrue("\(e)".contains("chmod 600"), "\(e)")
            XCTAssertFalse("\(e)".contains("pw-in-file"))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: f)
        let fc = try LRSCredentials.resolve(environment: [:], configPath: f)
        XCTAssertEqual(fc.password, "pw-in-file")
        XCTAssertEqual(fc.scrub("x pw-in-file y"), "x *** y")
    }
}

/// Against a real Ralph LRS (skipped when Tools/lrs/setup.sh has not been run).
final class XAPIRalphTests: XCTestCase {
    func statements() throws -> [XAPIStatement] {
        try ExportTestSupport.attempts().flatMap { XAPIStatementBuilder().statements(for: $0, started: XAPIStatementTests.started) }
    }

    func exporter(_ lrs: RalphLRS, transport: any HTTPTransport = URLSessionTransport(), password: String = RalphLRS.password, batch: Int = 100) -> XAPIExporter {
        XAPIExporter(client: XAPIClient(credentials: lrs.credentials(password: password), transport: transport, timeout: 10),
                     backoff: Backoff(base: 0.05, cap: 0.2, maxTries: 3), batchSize: batch)
    }

    func stored(_ lrs: RalphLRS, _ s: [XAPIStatement]) throws -> [String: Int] {
        let client = XAPIClient(credentials: lrs.credentials(), timeout: 10)
        var counts: [String: Int] = [:]
        for reg in Set(s.map(\.registration)) {
            for v in try client.statements(registration: reg) { counts[v["id"]?.string ?? "?", default: 0] += 1 }
        }
        return counts
    }

    func testDeliverAllThenResendIsIdempotentAndAConflictIsReported() throws {
        let lrs = try RalphLRS()
        let s = try statements()
        let o = InMemoryOutbox()
        try o.enqueue(try XAPIExporter.items(s))
        let r = try exporter(lrs).drain(o)
        XCTAssertEqual(r.delivered + r.alreadyStored, s.count, "\(r)")
        XCTAssertEqual(r.conflicts, [])
        var counts = try stored(lrs, s)
        XCTAssertEqual(counts.count, s.count)
        XCTAssertTrue(counts.values.allSatisfy { $0 == 1 })

        // Everything again, from a fresh outbox: 204 (identical) or 409-and-equivalent, nothing new.
        let again = InMemoryOutbox()
        try again.enqueue(try XAPIExporter.items(s))
        let r2 = try exporter(lrs).drain(again)
        XCTAssertEqual(r2.delivered + r2.alreadyStored, s.count, "\(r2)")
        XCTAssertEqual(r2.conflicts, [])
        counts = try stored(lrs, s)
        XCTAssertEqual(counts.count, s.count)
        XCTAssertTrue(counts.values.allSatisfy { $0 == 1 })

        // The stored statement compares equivalent to ours after Ralph's rewriting.
        let client = XAPIClient(credentials: lrs.credentials(), timeout: 10)
        let back = try XCTUnwrap(client.fetch(id: s[2].id))
        XCTAssertNil(XAPIEquivalence.difference(ours: try JSONText.parse(Array(s[2].body.utf8)), stored: back))

        // A different statement under a stored id: 409, GET, reported as a conflict.
        let body = s[2].body.replacingOccurrences(of: "/extensions/repeat-count\":1", with: "/extensions/repeat-count\":2")
        XCTAssertNotEqual(body, s[2].body)
        XCTAssertEqual(try client.send(id: s[2].id, body: body).isConflict, true)
    }

    func testKillNineMidBatchedExportThenRestartAndDrainGivesEachStatementOnce() throws {
        let lrs = try RalphLRS()
        let s = try statements()
        let o = InMemoryOutbox()
        try o.enqueue(try XAPIExporter.items(s))
        // Batches of 5. The 3rd POST half-succeeds: the LRS stores it, then is SIGKILLed before
        // the answer arrives, so the exporter never learns it was delivered.
        let real = URLSessionTransport()
        let t = ScriptedTransport { r, n in
            let resp = try real.send(r)
            if n == 3 { lrs.kill9(); throw HTTPTransportError("POST: connection lost") }
            return resp
        }
        let r = try exporter(lrs, transport: t, batch: 5).drain(o)
        XCTAssertEqual(r.delivered, 10)
        XCTAssertNotNil(r.stoppedOn)
        XCTAssertEqual(try o.pending(target: "xapi", limit: 1000).count, s.count - 10)

        try lrs.start()
        let r2 = try exporter(lrs, batch: 5).drain(o)
        XCTAssertEqual(r2.delivered + r2.alreadyStored, s.count - 10, "\(r2)")
        XCTAssertNil(r2.stoppedOn)
        XCTAssertTrue(try o.pending(target: "xapi", limit: 1000).isEmpty)
        let counts = try stored(lrs, s)
        XCTAssertEqual(counts.count, s.count)
        XCTAssertEqual(Set(counts.keys), Set(s.map(\.id)))
        XCTAssertTrue(counts.values.allSatisfy { $0 == 1 }, "\(counts.filter { $0.value != 1 })")
    }

    func testWrongPasswordStopsWithoutPrintingIt() throws {
        let lrs = try RalphLRS()
        let o = InMemoryOutbox()
        try o.enqueue(try XAPIExporter.items(try statements()))
        let wrong = "Wr0ng-pa55word"
        XCTAssertThrowsError(try exporter(lrs, password: wrong).drain(o)) { e in
            guard case .unauthorized(let status, _)? = e as? XAPIClientError else { return XCTFail("\(e)") }
            XCTAssertEqual(status, 401)
            XCTAssertFalse("\(e)".contains(wrong))
            XCTAssertFalse("\(e)".contains(RalphLRS.password))
        }
        XCTAssertEqual(try o.pending(target: "xapi", limit: 1000).count, try statements().count)
    }
}

extension XAPIDelivery {
    var isConflict: Bool { if case .conflict = self { return true }; return false }
}

/// The exporter over the SQLite results store's outbox (the `ExportOutbox` adapter).
final class XAPIStoreOutboxTests: XCTestCase {
    func testDrainThroughTheStoreResumesAfterAnOutage() throws {
        let dir = try ExportTestSupport.tempDir("store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ResultsStore(path: dir.appendingPathComponent("r.sqlite").path, create: true)
        _ = try store.record([ExportFixtures.mistakes], actor: "test")
        let a = try ExportTestSupport.attempts()[0]
        let s = XAPIStatementBuilder().statements(for: a, started: XAPIStatementTests.started)
        let outbox = StoreOutbox(store: store, actor: "test")
        try outbox.enqueue(try XAPIExporter.items(s))
        try outbox.enqueue(try XAPIExporter.items(s)) // same ids and bodies: no-op
        XCTAssertEqual(try outbox.pending(target: "xapi", limit: 1000).count, s.count)

        let creds = LRSCredentials(endpoint: URL(string: "http://127.0.0.1:9/xAPI/")!, username: "u", password: "p")
        // Down from the 6th request on.
        let down = ScriptedTransport { _, n in
            if n >= 6 { throw HTTPTransportError("connection refused") }
            return HTTPResponse(status: 204, body: [])
        }
        let quick = Backoff(base: 0.01, cap: 0.01, maxTries: 2, random: { 0 }, sleep: { _ in })
        let r = try XAPIExporter(client: XAPIClient(credentials: creds, transport: down), backoff: quick, batchSize: 1).drain(outbox)
        XCTAssertEqual(r.delivered, 5)
        XCTAssertNotNil(r.stoppedOn)
        let left = try outbox.pending(target: "xapi", limit: 1000)
        XCTAssertEqual(left.map(\.id), s.dropFirst(5).map(\.id)) // in order, the failed one first
        XCTAssertEqual(left.first?.attempts, 2)

        let up = ScriptedTransport { _, _ in HTTPResponse(status: 204, body: []) }
        let r2 = try XAPIExporter(client: XAPIClient(credentials: creds, transport: up), backoff: quick, batchSize: 1).drain(outbox)
        XCTAssertEqual(r2.delivered, s.count - 5)
        XCTAssertEqual(up.requests.map { $0.url.query ?? "" }, s.dropFirst(5).map { "statementId=\($0.id)" })
        let status = try store.exportStatus()
        XCTAssertEqual(status.first?.destination, "xapi")
        XCTAssertEqual(status.first?.delivered, 1)
        XCTAssertEqual(status.first?.queuedItems, 0)
    }
}

/// The URLSession transport against real sockets: a server that never answers times out, a
/// closed port is refused; both are transient for the exporter.
final class XAPITransportTests: XCTestCase {
    func testTimeoutAndRefusedAreTransient() throws {
        let silent = try ChildProcess(try ExportTestSupport.python3(), ["-c", """
            import socket, time, sys
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
            print(s.getsockname()[1], flush=True)
            conns = []
            while True:
                c, _ = s.accept(); conns.append(c)
            """])
        defer { silent.stop() }
        let port = try XCTUnwrap(Int(silent.firstLine()))
        let creds = LRSCredentials(endpoint: URL(string: "http://127.0.0.1:\(port)/xAPI/")!, username: "u", password: "timeout-secret")
        let client = XAPIClient(credentials: creds, transport: URLSessionTransport(), timeout: 1)
        let started = Date()
        XCTAssertThrowsError(try client.send(id: "9610242b-397e-51a2-8a2b-57cf6c7e2506", body: "{}")) { e in
            guard case .transient(let m)? = e as? XAPIClientError else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("timed out"), m)
            XCTAssertFalse(m.contains("timeout-secret"))
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)

        let closed = try ExportTestSupport.freePort()
        let c2 = XAPIClient(credentials: LRSCredentials(endpoint: URL(string: "http://127.0.0.1:\(closed)/xAPI/")!, username: "u", password: "p"), timeout: 2)
        XCTAssertThrowsError(try c2.send(id: "9610242b-397e-51a2-8a2b-57cf6c7e2506", body: "{}")) { e in
            guard case .transient(let m)? = e as? XAPIClientError else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("refused") || m.contains("network error"), m)
        }
    }
}
