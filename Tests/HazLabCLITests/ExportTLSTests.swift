import Foundation
import HazLabTestSupport
import XCTest

/// Bad input for `hazlab export`: an LRS with an untrusted (self-signed) certificate, a
/// malformed LRS config file; and the audit row every export run leaves in the store.
final class ExportTLSTests: XCTestCase {
    /// Grades the demo mistakes and perfect runs into dir/graded and the store dir/store.sqlite.
    func gradedIntoStore(_ dir: TempDir) throws {
        try FileManager.default.createDirectory(at: dir.file("journals"), withIntermediateDirectories: true)
        for n in ["mistakes", "perfect"] {
            try FileManager.default.copyItem(at: Hazlab.demoRun("\(n).jsonl"), to: dir.file("journals/\(n).jsonl"))
        }
        let r = try Hazlab.run(["grade", "--scenarios", Hazlab.demoFolder.path, "--out", "graded", "--store", "store.sqlite", "journals"],
                               in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
    }

    /// The full path of `tool` on $PATH, or nil.
    func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for d in path.split(separator: ":") {
            let c = "\(d)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: c) { return c }
        }
        return nil
    }

    func testUntrustedCertificateIsOneLineAndTheStatementsStayQueued() throws {
        guard let openssl = which("openssl") else { throw XCTSkip("openssl not found") }
        guard let python = which("python3") else { throw XCTSkip("python3 not found") }
        let dir = try TempDir()
        try gradedIntoStore(dir)

        // A fresh self-signed certificate for localhost.
        let gen = Process()
        gen.executableURL = URL(fileURLWithPath: openssl)
        gen.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                         "-keyout", dir.file("key.pem").path, "-out", dir.file("cert.pem").path]
        gen.standardOutput = FileHandle.nullDevice
        gen.standardError = FileHandle.nullDevice
        try gen.run()
        gen.waitUntilExit()
        guard gen.terminationStatus == 0 else { throw XCTSkip("openssl could not make a certificate") }

        // An HTTPS server on 127.0.0.1 (any free port, printed on the first line).
        let server = """
        import http.server, ssl, sys
        class H(http.server.BaseHTTPRequestHandler):
            def do_PUT(self): self.send_response(204); self.end_headers()
            do_POST = do_PUT
            def do_GET(self): self.send_response(404); self.end_headers()
            def log_message(self, *a): pass
        s = http.server.HTTPServer(("127.0.0.1", 0), H)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[1], sys.argv[2])
        s.socket = ctx.wrap_socket(s.socket, server_side=True)
        print(s.server_address[1], flush=True)
        s.serve_forever()
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", server, dir.file("cert.pem").path, dir.file("key.pem").path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { kill(p.processIdentifier, SIGTERM); p.waitUntilExit() }
        var line: [UInt8] = []
        while let b = try pipe.fileHandleForReading.read(upToCount: 1)?.first, b != 10 { line.append(b) }
        let port = try XCTUnwrap(Int(String(decoding: line, as: UTF8.self)), "the test server did not start")

        let password = "tls-pa55-\(UUID().uuidString.prefix(8))"
        setenv("HAZLAB_TEST_TLS_PASSWORD", password, 1)
        defer { unsetenv("HAZLAB_TEST_TLS_PASSWORD") }
        let r = try Hazlab.run(["export", "--to", "xapi", "--store", "store.sqlite", "--endpoint", "https://127.0.0.1:\(port)/xAPI/",
                                "--user", "u", "--password-env", "HAZLAB_TEST_TLS_PASSWORD"], in: dir.url)
        XCTAssertEqual(r.status, 1, r.all)
        let errors = r.stderrLines.filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errors.count, 1, r.stderr)
        XCTAssertTrue(errors.first?.contains("TLS certificate of 127.0.0.1 is not trusted") == true, r.stderr)
        XCTAssertFalse(r.all.contains(password))
        XCTAssertTrue(r.stdout.contains("0 delivered"), r.all)

        // Nothing delivered; every statement still in the outbox.
        let s = try Hazlab.run(["export", "--status", "--store", "store.sqlite"], in: dir.url)
        XCTAssertEqual(s.status, 0, s.all)
        XCTAssertFalse(s.all.contains(password))
        let row = try XCTUnwrap(s.stdoutLines.first { $0.hasPrefix("xapi\t") }, s.stdout).split(separator: "\t").map(String.init)
        XCTAssertEqual(row.count, 7, s.stdout)
        XCTAssertEqual(row[2], "0", s.stdout)   // delivered
        XCTAssertGreaterThan((Int(row[1]) ?? 0) + (Int(row[3]) ?? 0), 0, s.stdout)   // attempts pending + failed
        XCTAssertEqual(row[4], "0", s.stdout)   // no conflicts
        XCTAssertEqual(row[5], "0", s.stdout)   // none quarantined: an unreachable LRS holds nobody back
        let queued = try XCTUnwrap(Int(row[6]), s.stdout)   // statements still in the outbox
        XCTAssertGreaterThan(queued, 0, s.stdout)

        // The failed run is audited too.
        let a = try Hazlab.run(["store", "audit", "--store", "store.sqlite"], in: dir.url)
        XCTAssertEqual(a.status, 0, a.all)
        let export = try XCTUnwrap(a.stdoutLines.first { $0.contains("\texport\txapi\t") }, a.stdout)
        XCTAssertTrue(export.hasSuffix("\t0 delivered, 0 already stored, 0 voided, 0 attempt(s) held back, \(queued) left queued"), export)
    }

    func testMalformedLRSConfigIsOneLineExit1() throws {
        let dir = try TempDir()
        try gradedIntoStore(dir)
        let cfg = try dir.write("lrs.json", "endpoint: https://lrs.example/xAPI/\npassword: not-json-pa55\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: cfg.path)
        let r = try Hazlab.run(["export", "--to", "xapi", "--results", "graded", "--lrs-config", "lrs.json"], in: dir.url)
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("lrs.json is not valid JSON"), r.stderr)
        XCTAssertFalse(r.all.contains("not-json-pa55"))
    }

    func testExportsAreAudited() throws {
        let dir = try TempDir()
        try gradedIntoStore(dir)
        var r = try Hazlab.run(["export", "--to", "csv", "--store", "store.sqlite", "--actor", "alice", "--out", "csv"], in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
        r = try Hazlab.run(["export", "--to", "ilabx", "--store", "store.sqlite", "--actor", "bob", "--appid", "100400", "--out", "ilabx"],
                           in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
        let a = try Hazlab.run(["store", "audit", "--store", "store.sqlite"], in: dir.url)
        XCTAssertEqual(a.status, 0, a.all)
        let rows = a.stdoutLines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0.count == 6 && $0[3] == "export" }
        XCTAssertEqual(rows.map { [$0[2], $0[4], $0[5]] },
                       [["alice", "csv", "2 written, 0 failed"], ["bob", "ilabx", "2 written, 0 failed"]], a.stdout)
    }
}
