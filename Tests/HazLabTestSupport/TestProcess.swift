import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs an executable built next to the test bundle (`hazlab`, `hazlab-viewer`) in a separate
/// process: the one launch helper of the CLI and viewer tests.
public enum TestProcess {
    public struct Output {
        public var status: Int32
        public var reason: Process.TerminationReason
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
        public var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
        public var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
        public var all: String { stdout + stderr }
    }

    /// The repository root, found from this file's location (never the current directory).
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // HazLabTestSupport
        .deletingLastPathComponent()   // Tests
        .deletingLastPathComponent()   // root

    /// CI must run every test: there a missing prerequisite fails instead of skipping.
    public static var onCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }

    /// The product `name` built next to the test bundle, or nil. On Linux the test bundle is the
    /// `.xctest` executable itself, whose main bundle is the build folder; on macOS a loaded
    /// `.xctest` bundle next to the products.
    public static func builtProduct(_ name: String) -> String? {
        var folders = Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map { $0.bundleURL.deletingLastPathComponent() }
        folders.append(Bundle.main.bundleURL)
        folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for folder in folders {
            let candidate = folder.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// `name` on PATH, or nil.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `executable args…` in `directory` (nil: the scratch folder of the run). With a
    /// `timeout`, the process and every process it started are killed after that many seconds.
    /// Output goes through files, so a chatty child never blocks on a full pipe.
    public static func launch(_ executable: String, _ args: [String], in directory: URL? = nil,
                              environment: [String: String] = [:], timeout: TimeInterval? = nil) throws -> Output {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.currentDirectoryURL = directory ?? scratch
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in exited.signal() }
        try p.run()
        var timedOut = false
        if let timeout, exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            killTree(p.processIdentifier)
            _ = exited.wait(timeout: .now() + 10)
        }
        p.waitUntilExit()
        try out.close(); try err.close()
        let o = try Data(contentsOf: outURL), e = try Data(contentsOf: errURL)
        return Output(status: p.terminationStatus, reason: p.terminationReason,
                      stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self), timedOut: timedOut)
    }

    /// Stops `pid` and all its descendants (xvfb-run's Xvfb and the viewer): SIGTERM first, so
    /// Xvfb removes its lock file, then SIGKILL for whatever is still running after 3 s.
    public static func killTree(_ pid: Int32) {
        #if os(Linux)
        func stat(_ p: Int32) -> (state: Substring, ppid: Int32)? {
            guard let text = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8),
                  let close = text.range(of: ")", options: .backwards) else { return nil }
            // "pid (comm) state ppid ...": the fields after the last ')'.
            let fields = text[close.upperBound...].split(separator: " ")
            guard fields.count > 1, let ppid = Int32(fields[1]) else { return nil }
            return (fields[0], ppid)
        }
        var parent: [Int32: Int32] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            if let p = Int32(name), let s = stat(p) { parent[p] = s.ppid }
        }
        var tree: [Int32] = [pid], k = 0
        while k < tree.count {
            let p = tree[k]; k += 1
            tree += parent.filter { $0.value == p }.map(\.key)
        }
        func running(_ p: Int32) -> Bool { stat(p).map { $0.state != "Z" } ?? false }
        for p in tree.reversed() { kill(p, SIGTERM) }
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline && tree.contains(where: running) { usleep(50_000) }
        for p in tree.reversed() where running(p) { kill(p, SIGKILL) }
        #else
        kill(pid, SIGTERM)
        usleep(500_000)
        kill(pid, SIGKILL)
        #endif
    }
}

/// A temporary folder removed when the test ends.
public final class TempDir {
    public let url: URL
    public init(prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    @discardableResult
    public func write(_ name: String, _ text: String) throws -> URL {
        let u = file(name)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: u)
        return u
    }

    /// Everything in the folder (to check that a failed run left nothing behind).
    public var contents: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }
}
