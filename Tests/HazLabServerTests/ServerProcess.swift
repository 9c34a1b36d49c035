import Foundation
import HazLabRecords
import HazLabServer
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The repository root, from this file's location.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `hazlab` executable built next to this test bundle.
func hazlabBinary() throws -> String {
    var folders = Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map { $0.bundleURL.deletingLastPathComponent() }
    folders.append(Bundle.main.bundleURL)
    folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
    for folder in folders {
        let candidate = folder.appendingPathComponent("hazlab").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw XCTSkip("hazlab binary not found next to the test bundle; build it with `swift build --build-tests`")
}

struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
    var all: String { stdout + stderr }
}

/// Runs `hazlab args…` to completion (output through files, so it never blocks on a pipe).
func runHazlab(_ args: [String], in dir: URL, stdin: String? = nil) throws -> ProcessOutput {
    let out = dir.appendingPathComponent("run-\(UUID().uuidString).out"), err = dir.appendingPathComponent("run-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try hazlabBinary())
    p.arguments = args
    p.currentDirectoryURL = dir
    p.standardOutput = try FileHandle(forWritingTo: out)
    p.standardError = try FileHandle(forWritingTo: err)
    let input = Pipe()
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    p.waitUntilExit()
    return ProcessOutput(status: p.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// A lab: a temp folder with lab.yaml, a store, and (once started) a real `hazlab serve` process.
final class LabFixture: @unchecked Sendable {
    let dir: URL
    var process: Process?
    var port = 0
    var stderrFile: URL { dir.appendingPathComponent("serve.err") }

    init(extraConfig: String = "", connections: Int = 64) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-servertests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = """
        bind: 127.0.0.1
        port: 0
        store: lab.sqlite
        scenarios: \(repoRoot.appendingPathComponent("Scenarios").path)
        testing: true
        bcryptCost: 4
        lockout: { failures: 3, minutes: 15, perAddressPerMinute: 8 }
        limits: { requestBytes: 4096, frameBytes: 65536, connections: \(connections) }
        \(extraConfig)
        """
        try Data(config.utf8).write(to: dir.appendingPathComponent("lab.yaml"))
    }

    deinit {
        if let p = process, p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        try? FileManager.default.removeItem(at: dir)
    }

    var configPath: String { dir.appendingPathComponent("lab.yaml").path }
    var storePath: String { dir.appendingPathComponent("lab.sqlite").path }

    /// Accounts on the store, used before the server starts (the fixture's own connection is closed after).
    func withAccounts(_ body: (LabAccounts) throws -> Void) throws {
        let store = try ResultsStore(path: storePath, create: true)
        try body(LabAccounts(store: store, bcryptCost: 4, lockoutFailures: 3))
    }

    /// Starts `hazlab serve` and waits for its "listening on" line (port 0: the kernel picks one).
    func start() throws {
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try hazlabBinary())
        p.arguments = ["serve", "--config", configPath]
        p.currentDirectoryURL = dir
        let out = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: stderrFile)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        process = p
        // Safety net, not a timing assertion: a server that never says it is listening is killed,
        // so the read below ends (EOF) and the test fails instead of hanging CI.
        let pid = p.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        defer { watchdog.cancel() }
        var text = ""
        while true {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }   // EOF: the server exited
            text += String(decoding: chunk, as: UTF8.self)
            if let m = text.range(of: #"listening on https?://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(text[m].split(separator: ":").last ?? "") ?? 0
                break
            }
        }
        guard port > 0 else {
            p.waitUntilExit()
            throw NSError(domain: "LabFixture", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "hazlab serve did not start (status \(p.terminationStatus)): \(text)\n\((try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "")"])
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        let reader = out.fileHandleForReading
        Thread.detachNewThread { while !reader.availableData.isEmpty {} }
    }

    /// SIGKILL: no shutdown at all (a power cut, an OOM kill).
    func kill9() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    /// SIGTERM without waiting.
    func term() { if let p = process { kill(p.processIdentifier, SIGTERM) } }

    /// SIGTERM, then the exit status.
    func stop() -> Int32 {
        guard let p = process else { return -1 }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        return p.terminationStatus
    }

    var serverLog: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }
}

/// One HTTP exchange with the server.
struct HTTPReply {
    var status: Int
    var body: Data
    var headers: [String: String]
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
}

final class HTTPClient {
    let base: String
    let session: URLSession
    /// The session cookie ("hazlab_session=…"), kept by hand (no shared cookie storage).
    var cookie: String?
    var csrf: String?

    init(port: Int) {
        base = "http://127.0.0.1:\(port)"
        let c = URLSessionConfiguration.ephemeral
        c.httpShouldSetCookies = false
        c.httpCookieAcceptPolicy = .never
        c.timeoutIntervalForRequest = 60
        session = URLSession(configuration: c)
    }

    func request(_ method: String, _ path: String, body: Data? = nil, json: [String: Any]? = nil,
                 headers: [String: String] = [:], sendCSRF: Bool = true) throws -> HTTPReply {
        var r = URLRequest(url: URL(string: base + path)!)
        r.httpMethod = method
        if let json {
            r.httpBody = try JSONSerialization.data(withJSONObject: json)
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body { r.httpBody = body }
        if let cookie { r.setValue(cookie, forHTTPHeaderField: "Cookie") }
        if sendCSRF, let csrf { r.setValue(csrf, forHTTPHeaderField: "X-CSRF-Token") }
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        final class Box: @unchecked Sendable { var reply: HTTPReply?; var error: (any Error)? }
        let box = Box(), done = DispatchSemaphore(value: 0)
        session.dataTask(with: r) { data, response, error in
            if let http = response as? HTTPURLResponse {
                var h: [String: String] = [:]
                for (k, v) in http.allHeaderFields { h[String(describing: k).lowercased()] = String(describing: v) }
                box.reply = HTTPReply(status: http.statusCode, body: data ?? Data(), headers: h)
            } else { box.error = error }
            done.signal()
        }.resume()
        done.wait()
        if let e = box.error { throw e }
        return box.reply!
    }

    /// Signs in; keeps the cookie and CSRF token on success.
    @discardableResult
    func login(_ user: String, _ password: String) throws -> HTTPReply {
        let r = try request("POST", "/api/login", json: ["user": user, "password": password])
        if r.status == 200, let set = r.headers["set-cookie"], let first = set.split(separator: ";").first {
            cookie = String(first)
            csrf = r.json["csrf"] as? String
        }
        return r
    }
}

struct ConversationTimedOut: Error, CustomStringConvertible {
    var description: String { "the WebSocket conversation did not finish within its safety limit" }
}

/// Runs a WebSocket conversation with a safety net (not a timing assertion): if the server stops
/// answering, the conversation is cancelled after `seconds` and the test fails instead of hanging.
func withSafetyNet<T: Sendable>(seconds: Double = 120, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)); return nil }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw ConversationTimedOut() }
        return value
    }
}

/// The server grades after acknowledging the trailer (a background queue): waits until `attempt`
/// is graded or its grading failed, and returns its state. A safety net, not a timing
/// assertion: after `seconds` it returns whatever state the attempt is in.
@discardableResult
func waitUntilGraded(_ lab: LabFixture, _ attempt: String, seconds: Double = 120) throws -> String {
    let store = try ResultsStore(path: lab.storePath)
    let limit = Date().addingTimeInterval(seconds)
    while true {
        let row = try store.db.query("SELECT state, grade_error FROM lab_assignments WHERE attempt = ?", [attempt]).first
        let state = row?[0].string ?? ""
        if state == "graded" || !(row?[1].string ?? "").isEmpty || Date() > limit { return state }
        usleep(20_000)
    }
}

extension LabFixture {
    /// A started lab with the staff the instructor-side tests share: `admin` (admin-pass-1),
    /// instructor `t1` (teacher-pass-1) teaching `c1` 一班, instructor `t2` (teacher-pass-2)
    /// teaching `c2` 二班, auditor `aud` (auditor-pass); `students` (password student-pass-1)
    /// enrolled in their class; `keys` registered as workstations.
    static func staffed(students: [(id: String, name: String, klass: String)], keys: [WorkstationKey]) throws -> LabFixture {
        let lab = try LabFixture()
        try lab.withAccounts { a in
            try a.createUser(id: "admin", name: "管理员", role: .administrator, password: "admin-pass-1", actor: "test")
            try a.createUser(id: "t1", name: "王老师", role: .instructor, password: "teacher-pass-1", actor: "test")
            try a.createUser(id: "t2", name: "李老师", role: .instructor, password: "teacher-pass-2", actor: "test")
            try a.createUser(id: "aud", name: "数据中心", role: .auditor, password: "auditor-pass", actor: "test")
            try a.createClass(id: "c1", name: "一班", actor: "test")
            try a.createClass(id: "c2", name: "二班", actor: "test")
            try a.enrol(user: "t1", in: "c1", actor: "test")
            try a.enrol(user: "t2", in: "c2", actor: "test")
            for s in students {
                try a.createUser(id: s.id, name: s.name, role: .student, password: "student-pass-1", actor: "test")
                try a.enrol(user: s.id, in: s.klass, actor: "test")
            }
            for k in keys { try a.registerWorkstation(id: k.keyId, publicKey: k.publicKey.publicKey, actor: "test") }
        }
        try lab.start()
        return lab
    }

    /// A web session of `user`, signed in (the sign-in is asserted).
    func signedIn(_ user: String, _ password: String, file: StaticString = #filePath, line: UInt = #line) throws -> HTTPClient {
        let c = HTTPClient(port: port)
        XCTAssertEqual(try c.login(user, password).status, 200, "sign-in of \(user)", file: file, line: line)
        return c
    }
}
