import Foundation
import XCTest
@testable import HazLabRecords

/// Test helpers for the exporters: a scripted transport, child processes stopped by PID, and a
/// real Ralph LRS (Tools/lrs/launcher.py) on a free loopback port.
enum ExportTestSupport {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Python with Ralph in it: $HAZLAB_LRS_PYTHON, else .venv-lrs/bin/python.
    static func lrsPython() throws -> String {
        let env = ProcessInfo.processInfo.environment["HAZLAB_LRS_PYTHON"]
        let p = env ?? repoRoot.appendingPathComponent(".venv-lrs/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: p) else {
            throw XCTSkip("Ralph is not installed (run bash Tools/lrs/setup.sh)")
        }
        return p
    }

    static func python3() throws -> String {
        for p in ["/usr/bin/python3", "/usr/local/bin/python3"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        throw XCTSkip("python3 not found")
    }

    static func freePort() throws -> Int {
        let out = try runCapture(try python3(), ["-c", "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"])
        guard let p = Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw XCTSkip("no free port") }
        return p
    }

    static func runCapture(_ exe: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let d = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: d, as: UTF8.self)
    }

    static func tempDir(_ tag: String) throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    static func attempts() throws -> [ExportAttempt] { try ExportAttempt.read(json: Array(ExportFixtures.resultsJSON.utf8)) }
}

/// A transport that answers from a script (and records what was sent).
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    let lock = NSLock()
    var requests: [HTTPRequest] = []
    let answer: (HTTPRequest, Int) throws -> HTTPResponse

    init(_ answer: @escaping (HTTPRequest, Int) throws -> HTTPResponse) { self.answer = answer }

    func send(_ r: HTTPRequest) throws -> HTTPResponse {
        lock.lock()
        requests.append(r)
        let n = requests.count
        lock.unlock()
        return try answer(r, n)
    }
}

/// Forwards to another transport; runs `hook` before request number n (1-based).
final class HookTransport: HTTPTransport, @unchecked Sendable {
    let inner: any HTTPTransport
    let hook: (Int) -> Void
    let lock = NSLock()
    var count = 0
    init(_ inner: any HTTPTransport, hook: @escaping (Int) -> Void) { self.inner = inner; self.hook = hook }
    func send(_ r: HTTPRequest) throws -> HTTPResponse {
        lock.lock(); count += 1; let n = count; lock.unlock()
        hook(n)
        return try inner.send(r)
    }
}

/// A child process stopped by its PID (never by name).
final class ChildProcess {
    let process = Process()
    let stdoutPipe = Pipe()

    init(_ exe: String, _ args: [String], directory: URL? = nil) throws {
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = args
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = stdoutPipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// The first line the child prints.
    func firstLine() -> String {
        var bytes: [UInt8] = []
        let h = stdoutPipe.fileHandleForReading
        while true {
            let d = h.readData(ofLength: 1)
            if d.isEmpty || d.first == 10 { break }
            bytes.append(d.first!)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func stop(signal sig: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(pid, sig)
        process.waitUntilExit()
    }

    deinit { stop(signal: SIGKILL) }
}

/// Ralph on 127.0.0.1:port, its data in `dir` (kept across restarts).
final class RalphLRS {
    static let user = "hazlab-test"
    static let password = "S3cret-pass/word"
    let dir: URL
    let port: Int
    var child: ChildProcess?

    init() throws {
        _ = try ExportTestSupport.lrsPython()
        dir = try ExportTestSupport.tempDir("ralph")
        port = try ExportTestSupport.freePort()
        try start()
    }

    var endpoint: URL { URL(string: "http://127.0.0.1:\(port)/xAPI/")! }

    func credentials(password: String = RalphLRS.password) -> LRSCredentials {
        LRSCredentials(endpoint: endpoint, username: Self.user, password: password)
    }

    func start() throws {
        let launcher = ExportTestSupport.repoRoot.appendingPathComponent("Tools/lrs/launcher.py").path
        child = try ChildProcess(try ExportTestSupport.lrsPython(),
                                 [launcher, "--port", String(port), "--dir", dir.path, "--user", Self.user, "--password", Self.password])
        // Wait on /__heartbeat__ (Ralph imports slowly on a busy machine).
        let t = URLSessionTransport()
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            if let r = try? t.send(HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/__heartbeat__")!, timeout: 2)), r.status == 200 { return }
            guard child?.process.isRunning == true else { throw XCTSkip("Ralph exited at start") }
            Thread.sleep(forTimeInterval: 0.3)
        }
        child?.stop(signal: SIGKILL)
        throw XCTSkip("Ralph did not answer /__heartbeat__ in 90 s")
    }

    func kill9() { child?.stop(signal: SIGKILL) }
    func stop() { child?.stop() }

    deinit {
        child?.stop()
        try? FileManager.default.removeItem(at: dir)
    }
}
