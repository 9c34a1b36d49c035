import Crypto
import Foundation
import HazLabRecords
import HazLabServer
import XCTest

/// A real `hazlab serve` process on loopback, driven over HTTP (Docs/lab.md).
final class ServeTests: XCTestCase {
    /// A lab with: admin, two instructors (t1 teaches c1, t2 teaches c2), students s1 (c1) and s2 (c2),
    /// an auditor, and two graded attempts in the store: demo-perfect (in c1) and demo-mistakes (in c2).
    func makeLab(extraConfig: String = "") throws -> LabFixture {
        let lab = try LabFixture(extraConfig: extraConfig)
        try lab.withAccounts { a in
            try a.createUser(id: "admin", name: "管理员", role: .administrator, password: "admin-pass-1", actor: "test")
            try a.createUser(id: "t1", name: "王老师", role: .instructor, password: "teacher-pass-1", actor: "test")
            try a.createUser(id: "t2", name: "李老师", role: .instructor, password: "teacher-pass-2", actor: "test")
            try a.createUser(id: "aud", name: "数据中心", role: .auditor, password: "auditor-pass", actor: "test")
            try a.createUser(id: "demo-perfect", name: "张三", role: .student, password: "student-pass-1", actor: "test")
            try a.createUser(id: "demo-mistakes", name: "李四", role: .student, password: "student-pass-2", actor: "test")
            try a.createClass(id: "c1", name: "一班", actor: "test")
            try a.createClass(id: "c2", name: "二班", actor: "test")
            try a.enrol(user: "t1", in: "c1", actor: "test")
            try a.enrol(user: "demo-perfect", in: "c1", actor: "test")
            try a.enrol(user: "t2", in: "c2", actor: "test")
            try a.enrol(user: "demo-mistakes", in: "c2", actor: "test")
        }
        let journals = lab.dir.appendingPathComponent("journals")
        try FileManager.default.createDirectory(at: journals, withIntermediateDirectories: true)
        for name in ["perfect", "mistakes"] {
            try FileManager.default.copyItem(at: repoRoot.appendingPathComponent("Scenarios/tank-filling/runs/\(name).jsonl"),
                                             to: journals.appendingPathComponent("\(name).jsonl"))
        }
        let graded = try runHazlab(["grade", "--scenarios", repoRoot.appendingPathComponent("Scenarios/tank-filling").path,
                                    "--out", "out", "--store", lab.storePath, "--actor", "test", "journals"], in: lab.dir)
        XCTAssertEqual(graded.status, 0, graded.all)
        try lab.start()
        return lab
    }

    func testHealthMetricsAndCleanExitOnSIGTERM() throws {
        let lab = try makeLab()
        let http = HTTPClient(port: lab.port)
        let health = try http.request("GET", "/health")
        XCTAssertEqual(health.status, 200, health.text)
        XCTAssertEqual(health.json["ok"] as? Bool, true)
        XCTAssertEqual(health.json["storeVersion"] as? Int, StoreSchema.currentVersion)
        XCTAssertNotNil(health.json["uptimeSeconds"] as? Int)
        XCTAssertEqual(try http.login("admin", "admin-pass-1").status, 200)
        let metrics = try http.request("GET", "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.text.contains(#"hazlab_logins_total{outcome="ok"} 1"#), metrics.text)
        XCTAssertTrue(metrics.text.contains("hazlab_http_requests_total"), metrics.text)
        XCTAssertTrue(metrics.text.contains("hazlab_active_streams 0"), metrics.text)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    func testLoginCookieAndIdenticalRefusalsAndLockout() throws {
        let lab = try makeLab()
        let http = HTTPClient(port: lab.port)
        let ok = try http.login("admin", "admin-pass-1")
        XCTAssertEqual(ok.status, 200, ok.text)
        XCTAssertEqual(ok.json["role"] as? String, "administrator")
        let cookie = ok.headers["set-cookie"] ?? ""
        XCTAssertTrue(cookie.contains("HttpOnly"), cookie)
        XCTAssertTrue(cookie.contains("SameSite=Strict"), cookie)
        XCTAssertFalse(cookie.contains("Secure"), "no Secure flag over plain HTTP: \(cookie)")
        XCTAssertEqual(try http.request("GET", "/api/me").json["user"] as? String, "admin")

        // Unknown account and wrong password: the same status and the same bytes.
        let anon = HTTPClient(port: lab.port)
        let wrong = try anon.login("t1", "not-the-password")
        let unknown = try anon.login("nobody", "not-the-password")
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(wrong.status, unknown.status)
        XCTAssertEqual(wrong.body, unknown.body)
        XCTAssertNil(wrong.headers["set-cookie"])

        // Lockout after 3 failures (lab.yaml): then even the right password is refused, with the same answer.
        XCTAssertEqual(try anon.login("t1", "wrong-again-2").status, 401)
        XCTAssertEqual(try anon.login("t1", "wrong-again-3").status, 401)
        let locked = try anon.login("t1", "teacher-pass-1")
        XCTAssertEqual(locked.status, 401)
        XCTAssertEqual(locked.body, wrong.body)
        // The other instructor is not affected.
        XCTAssertEqual(try HTTPClient(port: lab.port).login("t2", "teacher-pass-2").status, 200)

        // The audit log (read by the auditor) names what happened, with the real identities.
        let auditor = HTTPClient(port: lab.port)
        XCTAssertEqual(try auditor.login("aud", "auditor-pass").status, 200)
        let audit = try auditor.request("GET", "/api/audit")
        XCTAssertEqual(audit.status, 200, audit.text)
        let rows = (audit.json["audit"] as? [[String: Any]]) ?? []
        let actions = rows.map { "\($0["action"] ?? "") \($0["actor"] ?? "")" }
        XCTAssertTrue(actions.contains("lab-login admin"), "\(actions)")
        XCTAssertTrue(actions.contains("lab-login-failed nobody"), "\(actions)")
        XCTAssertTrue(actions.contains("lab-lockout t1"), "\(actions)")
        // An auditor reads but never changes.
        let write = try auditor.request("POST", "/api/admin/users", json: ["id": "x1", "role": "student"])
        XCTAssertEqual(write.status, 403, write.text)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    func testCSRFAndRolesOnAdministration() throws {
        let lab = try makeLab()
        let admin = HTTPClient(port: lab.port)
        XCTAssertEqual(try admin.login("admin", "admin-pass-1").status, 200)
        let noToken = try admin.request("POST", "/api/admin/users", json: ["id": "s9", "role": "student", "password": "student-pass-9"], sendCSRF: false)
        XCTAssertEqual(noToken.status, 403, noToken.text)
        XCTAssertTrue(noToken.text.contains("CSRF"), noToken.text)
        let badToken = try admin.request("POST", "/api/admin/users", json: ["id": "s9", "role": "student", "password": "student-pass-9"],
                                         headers: ["X-CSRF-Token": String(repeating: "0", count: 64)], sendCSRF: false)
        XCTAssertEqual(badToken.status, 403, badToken.text)
        let created = try admin.request("POST", "/api/admin/users", json: ["id": "s9", "name": "王五", "role": "student", "password": "student-pass-9"])
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertEqual(try HTTPClient(port: lab.port).login("s9", "student-pass-9").status, 200)
        // The same id again conflicts with what is stored (409); an unknown user's role: 404.
        let duplicate = try admin.request("POST", "/api/admin/users", json: ["id": "s9", "role": "student", "password": "student-pass-9"])
        XCTAssertEqual(duplicate.status, 409, duplicate.text)
        XCTAssertTrue(duplicate.text.contains("already exists"), duplicate.text)
        let nobody = try admin.request("POST", "/api/admin/users/nobody/role", json: ["role": "instructor"])
        XCTAssertEqual(nobody.status, 404, nobody.text)
        XCTAssertTrue(nobody.text.contains("no user 'nobody'"), nobody.text)

        // Role change is audited and ends the user's sessions.
        let student = HTTPClient(port: lab.port)
        XCTAssertEqual(try student.login("s9", "student-pass-9").status, 200)
        XCTAssertEqual(try admin.request("POST", "/api/admin/users/s9/role", json: ["role": "instructor"]).status, 200)
        XCTAssertEqual(try student.request("GET", "/api/me").status, 401)

        // Roster import: CSV with BOM and Chinese names.
        let csv = "\u{FEFF}id,name\r\nr1,赵六\r\nr2,\"钱, 七\"\r\n"
        let roster = try admin.request("POST", "/api/admin/classes/c3/roster", body: Data(csv.utf8), headers: ["Content-Type": "text/csv"])
        XCTAssertEqual(roster.status, 200, roster.text)
        XCTAssertEqual(roster.json["imported"] as? Int, 2)
        let pw = ((roster.json["passwords"] as? [[String: String]]) ?? []).first { $0["id"] == "r2" }?["password"] ?? ""
        XCTAssertEqual(try HTTPClient(port: lab.port).login("r2", pw).status, 200)
        let members = try admin.request("GET", "/api/classes/c3")
        XCTAssertTrue(members.text.contains("钱, 七"), members.text)
        // A bad roster names the row and imports nothing.
        let bad = try admin.request("POST", "/api/admin/classes/c4/roster", body: Data("id,name\nok1,甲\n../x,乙\n".utf8))
        XCTAssertEqual(bad.status, 400, bad.text)
        XCTAssertTrue(bad.text.contains("row 3"), bad.text)
        XCTAssertEqual(try admin.request("GET", "/api/classes/c4").status, 404)

        // A student may not administer.
        let s = HTTPClient(port: lab.port)
        XCTAssertEqual(try s.login("demo-perfect", "student-pass-1").status, 200)
        XCTAssertEqual(try s.request("POST", "/api/admin/users", json: ["id": "s10", "role": "administrator"]).status, 403)
        XCTAssertEqual(try s.request("GET", "/api/audit").status, 403)
        // Not signed in at all.
        XCTAssertEqual(try HTTPClient(port: lab.port).request("GET", "/api/me").status, 401)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    func testStudentsAndInstructorsSeeOnlyTheirOwn() throws {
        let lab = try makeLab()
        let s1 = HTTPClient(port: lab.port)
        XCTAssertEqual(try s1.login("demo-perfect", "student-pass-1").status, 200)
        let own = try s1.request("GET", "/api/attempts/golden-tank-filling-perfect")
        XCTAssertEqual(own.status, 200, own.text)
        XCTAssertTrue(own.text.contains("demo-perfect"), own.text)
        func listed(_ c: HTTPClient) throws -> [String] {
            ((try c.request("GET", "/api/attempts").json["attempts"] as? [[String: Any]]) ?? []).compactMap { $0["attempt"] as? String }.sorted()
        }
        XCTAssertEqual(try listed(s1), ["golden-tank-filling-perfect"])
        let other = try s1.request("GET", "/api/attempts/golden-tank-filling-mistakes")
        XCTAssertEqual(other.status, 403, other.text)
        XCTAssertFalse(other.text.contains("demo-mistakes"))

        let t1 = HTTPClient(port: lab.port)
        XCTAssertEqual(try t1.login("t1", "teacher-pass-1").status, 200)
        XCTAssertEqual(try t1.request("GET", "/api/attempts/golden-tank-filling-perfect").status, 200)
        XCTAssertEqual(try t1.request("GET", "/api/attempts/golden-tank-filling-mistakes").status, 403)
        XCTAssertEqual(try listed(t1), ["golden-tank-filling-perfect"])
        XCTAssertEqual(try t1.request("GET", "/api/classes/c1").status, 200)
        XCTAssertEqual(try t1.request("GET", "/api/classes/c2").status, 403)

        // An unpublished exam result stays hidden from its own student (the instructor still sees it).
        let store = try ResultsStore(path: lab.storePath)
        try store.db.run("""
            INSERT INTO lab_assignments (attempt, scenario, scenario_sha256, scenario_path, seed, mode, student, workstation, issued, published)
            VALUES ('golden-tank-filling-perfect', 'tank-filling', '', '', '1', 'exam', 'demo-perfect', 'ws-demo', '', 0)
            """)
        let hidden = try s1.request("GET", "/api/attempts/golden-tank-filling-perfect")
        XCTAssertEqual(hidden.status, 403, hidden.text)
        XCTAssertTrue(hidden.text.contains("not published"), hidden.text)
        XCTAssertEqual(try t1.request("GET", "/api/attempts/golden-tank-filling-perfect").status, 200)
        XCTAssertEqual(try listed(s1), [], "an unpublished exam result is not listed for its student")

        let aud = HTTPClient(port: lab.port)
        XCTAssertEqual(try aud.login("aud", "auditor-pass").status, 200)
        XCTAssertEqual(try listed(aud), ["golden-tank-filling-mistakes", "golden-tank-filling-perfect"])
        XCTAssertEqual(try aud.request("GET", "/api/attempts/golden-tank-filling-mistakes").status, 200)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    func testBadRequestsGetClearErrors() throws {
        let lab = try makeLab()
        let http = HTTPClient(port: lab.port)
        let malformed = try http.request("POST", "/api/login", body: Data("{\"user\": \"admin\", ".utf8), headers: ["Content-Type": "application/json"])
        XCTAssertEqual(malformed.status, 400, malformed.text)
        XCTAssertTrue((malformed.json["error"] as? String ?? "").contains("not valid JSON"), malformed.text)
        let missing = try http.request("POST", "/api/login", json: ["user": "admin"])
        XCTAssertEqual(missing.status, 400)
        XCTAssertTrue(missing.text.contains("password"), missing.text)
        let big = try http.request("POST", "/api/login", body: Data(repeating: UInt8(ascii: "a"), count: 10_000))
        XCTAssertEqual(big.status, 413, big.text)
        XCTAssertTrue(big.text.contains("4096"), big.text)
        // The server is still fine.
        XCTAssertEqual(try http.login("admin", "admin-pass-1").status, 200)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    func testWorkstationMustHoldARegisteredUnrevokedKey() throws {
        let lab = try makeLab()
        let key = Curve25519.Signing.PrivateKey()
        let http = HTTPClient(port: lab.port)
        func ask(_ ws: String, scenario: String = "tank-filling", key signer: Curve25519.Signing.PrivateKey = key) throws -> HTTPReply {
            let nonce = try http.request("GET", "/api/workstation/challenge?workstation=\(ws)").json["nonce"] as? String ?? ""
            let sig = try signer.signature(for: Data(LabServer.assignmentMessage(nonce: nonce, workstation: ws, student: "demo-perfect", scenario: scenario)))
            return try http.request("POST", "/api/workstation/assignment", json: [
                "workstation": ws, "nonce": nonce, "signature": sig.base64EncodedString(),
                "student": "demo-perfect", "password": "student-pass-1", "scenario": scenario])
        }
        let unregistered = try ask("ws-01")
        XCTAssertEqual(unregistered.status, 403, unregistered.text)
        XCTAssertTrue(unregistered.text.contains("not registered"), unregistered.text)

        let admin = HTTPClient(port: lab.port)
        XCTAssertEqual(try admin.login("admin", "admin-pass-1").status, 200)
        let reg = try admin.request("POST", "/api/admin/workstations", json: ["id": "ws-01", "publicKey": key.publicKey.rawRepresentation.base64EncodedString()])
        XCTAssertEqual(reg.status, 201, reg.text)
        // Another key than the registered one.
        let forged = try ask("ws-01", key: Curve25519.Signing.PrivateKey())
        XCTAssertEqual(forged.status, 403, forged.text)
        // Path traversal in the scenario name.
        let traversal = try ask("ws-01", scenario: "../tank-filling")
        XCTAssertEqual(traversal.status, 400, traversal.text)
        XCTAssertTrue(traversal.text.contains("bad scenario name"), traversal.text)

        // The same id with another key: 409; revoking an unknown workstation: 404.
        let again = try admin.request("POST", "/api/admin/workstations", json: ["id": "ws-01", "publicKey": Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()])
        XCTAssertEqual(again.status, 409, again.text)
        let unknown = try admin.request("POST", "/api/admin/workstations/ws-99/revoke")
        XCTAssertEqual(unknown.status, 404, unknown.text)
        XCTAssertTrue(unknown.text.contains("no workstation 'ws-99'"), unknown.text)
        let revoke = try admin.request("POST", "/api/admin/workstations/ws-01/revoke")
        XCTAssertEqual(revoke.status, 200, revoke.text)
        let revoked = try ask("ws-01")
        XCTAssertEqual(revoked.status, 403, revoked.text)
        XCTAssertTrue(revoked.text.contains("revoked"), revoked.text)
        let audit = try admin.request("GET", "/api/audit").text
        XCTAssertTrue(audit.contains("lab-key-register"), audit)
        XCTAssertTrue(audit.contains("lab-key-revoke"), audit)
        XCTAssertTrue(audit.contains("lab-workstation-refused"), audit)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    func testLabInitCreatesTheFirstAdministratorOnce() throws {
        let lab = try LabFixture()
        let first = try runHazlab(["lab", "init", "--config", lab.configPath, "--admin", "root", "--name", "管理员"], in: lab.dir)
        XCTAssertEqual(first.status, 0, first.all)
        let pw = first.stdout.split(separator: "\n").first { $0.hasPrefix("password: ") }.map { String($0.dropFirst(10)) } ?? ""
        XCTAssertGreaterThanOrEqual(pw.count, 12, first.stdout)
        let again = try runHazlab(["lab", "init", "--config", lab.configPath, "--admin", "root2", "--password-stdin"], in: lab.dir, stdin: "another-pass\n")
        XCTAssertEqual(again.status, 1, again.all)
        XCTAssertTrue(again.stderr.contains("already has an administrator"), again.stderr)
        try lab.start()
        XCTAssertEqual(try HTTPClient(port: lab.port).login("root", pw).status, 200)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    func testBadConfigNamesFileAndKey() throws {
        let lab = try LabFixture()
        try Data("bind: 0.0.0.0\nport: 8443\n".utf8).write(to: lab.dir.appendingPathComponent("lan.yaml"))
        let plain = try runHazlab(["serve", "--config", "lan.yaml"], in: lab.dir)
        XCTAssertEqual(plain.status, 1, plain.all)
        XCTAssertTrue(plain.stderr.contains("lan.yaml: error: key 'bind'"), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("allowPlainHTTP"), plain.stderr)
        try Data("port: many\n".utf8).write(to: lab.dir.appendingPathComponent("bad.yaml"))
        let bad = try runHazlab(["serve", "--config", "bad.yaml"], in: lab.dir)
        XCTAssertEqual(bad.status, 1, bad.all)
        XCTAssertTrue(bad.stderr.contains("bad.yaml: error: key 'port'"), bad.stderr)
        XCTAssertThrowsError(try LabConfig.parse("limits: { frames: 3 }\n", file: "x.yaml")) { e in
            XCTAssertTrue("\(e)".contains("key 'limits.frames': unknown key"), "\(e)")
        }
        XCTAssertThrowsError(try LabConfig.parse("bcryptCost: 4\n", file: "x.yaml")) { e in
            XCTAssertTrue("\(e)".contains("bcryptCost"), "\(e)")
        }
    }

    func testMissingOrEmptyScenariosFolderIsAConfigError() throws {
        let lab = try LabFixture()
        let fm = FileManager.default
        try fm.createDirectory(at: lab.dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        try fm.createDirectory(at: lab.dir.appendingPathComponent("noyaml/tank-filling"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: lab.dir.appendingPathComponent("plain.txt"))
        for (folder, why) in [("missing", "does not exist"), ("plain.txt", "is not a folder"), ("empty", "holds no scenario folder"),
                              ("noyaml", "holds no scenario folder")] {
            try Data("port: 0\nstore: lab.sqlite\nscenarios: \(folder)\n".utf8).write(to: lab.dir.appendingPathComponent("s.yaml"))
            let r = try runHazlab(["serve", "--config", lab.dir.appendingPathComponent("s.yaml").path], in: lab.dir)
            XCTAssertEqual(r.status, 1, r.all)
            XCTAssertTrue(r.stderr.contains("\(lab.dir.path)/s.yaml: error: key 'scenarios': \(lab.dir.path)/\(folder) \(why)"), r.stderr)
            XCTAssertFalse(r.stdout.contains("listening"), r.stdout)
        }
    }

    func testPortInUseNamesTheAddressAndErrorsHaveOnePrefix() throws {
        let lab = try makeLab()
        try Data("port: \(lab.port)\nstore: second.sqlite\nscenarios: \(repoRoot.appendingPathComponent("Scenarios").path)\n".utf8)
            .write(to: lab.dir.appendingPathComponent("second.yaml"))
        let busy = try runHazlab(["serve", "--config", "second.yaml"], in: lab.dir)
        XCTAssertEqual(busy.status, 1, busy.all)
        XCTAssertEqual(busy.stderr.trimmingCharacters(in: .whitespacesAndNewlines),
                       "hazlab serve: error: cannot listen on 127.0.0.1:\(lab.port): address already in use", busy.stderr)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        // An error that names its own file is printed once, not after a second "hazlab serve: error:".
        try Data("port: 0\nstore: no-such-folder/x.sqlite\nscenarios: \(repoRoot.appendingPathComponent("Scenarios").path)\n".utf8)
            .write(to: lab.dir.appendingPathComponent("nostore.yaml"))
        let nostore = try runHazlab(["serve", "--config", "nostore.yaml"], in: lab.dir)
        XCTAssertEqual(nostore.status, 1, nostore.all)
        XCTAssertTrue(nostore.stderr.contains("no-such-folder/x.sqlite"), nostore.stderr)
        XCTAssertEqual(nostore.stderr.components(separatedBy: "error: ").count, 2, "one prefix: \(nostore.stderr)")
    }

    func testPlainGetOfTheStreamIsA400() throws {
        let lab = try makeLab()
        let r = try HTTPClient(port: lab.port).request("GET", "/api/stream")
        XCTAssertEqual(r.status, 400, r.text)
        XCTAssertTrue((r.json["error"] as? String ?? "").contains("WebSocket"), r.text)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    func testFailedSignInsFromOneAddressAreThrottled() throws {
        let lab = try makeLab(extraConfig: "")
        let http = HTTPClient(port: lab.port)
        // The fixture allows 8 failures a minute per address; different names, so no per-name lockout.
        for i in 0..<8 { XCTAssertEqual(try http.login("guess\(i)", "wrong-password").status, 401) }
        let throttled = try http.login("admin", "admin-pass-1")
        XCTAssertEqual(throttled.status, 429, throttled.text)
        XCTAssertTrue(throttled.text.contains("wait a minute"), throttled.text)
        let audit = try ResultsStore(path: lab.storePath).auditLog(limit: 50).map(\.action)
        XCTAssertTrue(audit.contains("lab-login-throttled"), "\(audit)")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    func testLabDemoFillsAnEmptyStoreOnly() throws {
        let lab = try LabFixture()
        let pub = repoRoot.appendingPathComponent("Tools/demo-keys/ws-demo.pub").path
        let demo = try runHazlab(["lab", "demo", "--config", lab.configPath, "--public", pub], in: lab.dir)
        XCTAssertEqual(demo.status, 0, demo.all)
        XCTAssertTrue(demo.stdout.contains("DEMO ONLY"), demo.stdout)
        let again = try runHazlab(["lab", "demo", "--config", lab.configPath, "--public", pub], in: lab.dir)
        XCTAssertEqual(again.status, 1, again.all)
        try lab.start()
        let teacher = HTTPClient(port: lab.port)
        XCTAssertEqual(try teacher.login("teacher", "demo-pass-1").status, 200)
        let members = try teacher.request("GET", "/api/classes/demo-class")
        XCTAssertEqual(members.status, 200, members.text)
        XCTAssertTrue(members.text.contains("张三") && members.text.contains("s003"), members.text)
        // A client that percent-encodes the id gets the same class (it used to be refused as 'demo%2Dclass').
        let encoded = try teacher.request("GET", "/api/classes/demo%2Dclass")
        XCTAssertEqual(encoded.status, 200, encoded.text)
        XCTAssertTrue(encoded.text.contains("张三"), encoded.text)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }
}
