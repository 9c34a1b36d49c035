import Foundation
import HazLabLab
import HazLabRecords
import HazLabServer
import HummingbirdWSClient
import Logging
import NIOSSL
import XCTest

/// `hazlab serve` with a certificate from a test CA (Fixtures/tls): a client that trusts the CA
/// talks to it; one that does not is refused; the session cookie is `Secure`.
final class TLSTests: XCTestCase {
    let tlsFolder = repoRoot.appendingPathComponent("Tests/HazLabServerTests/Fixtures/tls")

    func makeLab() throws -> LabFixture {
        let lab = try LabFixture(extraConfig: """
        tls: { certificate: \(tlsFolder.appendingPathComponent("server.pem").path), key: \(tlsFolder.appendingPathComponent("server.key").path) }
        """)
        try lab.withAccounts { a in
            try a.createUser(id: "admin", name: "", role: .administrator, password: "admin-pass-1", actor: "test")
        }
        try lab.start()
        return lab
    }

    func hello(port: Int, tls: TLSConfiguration) async throws -> [LabServerMessage] {
        final class Box: @unchecked Sendable { var got: [LabServerMessage] = [] }
        let box = Box()
        var log = Logger(label: "test.tls"); log.logLevel = .critical
        let logger = log
        _ = try await withSafetyNet { try await WebSocketClient.connect(url: "wss://localhost:\(port)/api/stream", tlsConfiguration: tls, logger: logger) { inbound, outbound, _ in
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.hello(workstation: "ws-01", attempt: "a-0000000000000001"))))
            var it = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            if let m = try await it.next(), case .text(let t) = m { box.got.append(try LabProtocol.decodeServer(t)) }
            try await outbound.close(.normalClosure, reason: nil)
        } != nil }
        return box.got
    }

    func testTrustedClientTalksAndUntrustedIsRefused() async throws {
        let lab = try makeLab()
        var trusting = TLSConfiguration.makeClientConfiguration()
        trusting.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(tlsFolder.appendingPathComponent("ca.pem").path))
        let got = try await hello(port: lab.port, tls: trusting)
        XCTAssertTrue(got.contains { if case .challenge = $0 { return true } else { return false } }, "\(got)")

        // The system's trust store does not know the test CA: the handshake fails, nothing is exchanged.
        var refusedError: (any Error)?
        do { _ = try await hello(port: lab.port, tls: TLSConfiguration.makeClientConfiguration()) } catch { refusedError = error }
        XCTAssertNotNil(refusedError, "a client that does not trust the certificate must not connect")
        XCTAssertTrue("\(refusedError.map { "\($0)" } ?? "")".contains("CERTIFICATE_VERIFY_FAILED"), "\(String(describing: refusedError))")

        // Under TLS the session cookie carries Secure (curl, if the machine has it, trusting the test CA).
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") {
            let out = try runCommand("/usr/bin/curl", ["-s", "-i", "--cacert", tlsFolder.appendingPathComponent("ca.pem").path,
                                                       "-H", "Content-Type: application/json", "-d", #"{"user":"admin","password":"admin-pass-1"}"#,
                                                       "https://127.0.0.1:\(lab.port)/api/login"])
            let cookie = out.split(whereSeparator: \.isNewline).first { $0.lowercased().hasPrefix("set-cookie:") }.map(String.init) ?? ""
            XCTAssertTrue(cookie.contains("; Secure"), out)
            XCTAssertTrue(cookie.contains("HttpOnly"), out)
        }
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    func runCommand(_ exe: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return (try? String(contentsOf: out, encoding: .utf8)) ?? ""
    }
}
