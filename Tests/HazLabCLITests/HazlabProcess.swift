import Foundation
import XCTest

/// Runs the `hazlab` executable built next to this test bundle, in a separate process.
enum Hazlab {
    struct Output {
        var status: Int32
        var reason: Process.TerminationReason
        var stdout: String
        var stderr: String
        var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
        var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
        var all: String { stdout + stderr }
    }

    /// The repository root, found from this file's location (never the current directory).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // HazLabCLITests
        .deletingLastPathComponent()   // Tests
        .deletingLastPathComponent()   // root

    static var demoFolder: URL { repoRoot.appendingPathComponent("Scenarios/tank-filling") }
    static var demoScenario: URL { demoFolder.appendingPathComponent("scenario.yaml") }
    static func demoRun(_ name: String) -> URL { demoFolder.appendingPathComponent("runs/\(name)") }

    static func binary() throws -> String {
        // The test bundle: on macOS a loaded `.xctest` bundle; on Linux the `.xctest` executable
        // itself, whose main bundle is the build folder.
        var folders = Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map { $0.bundleURL.deletingLastPathComponent() }
        folders.append(Bundle.main.bundleURL)
        folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for folder in folders {
            let candidate = folder.appendingPathComponent("hazlab").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw XCTSkip("hazlab binary not found next to the test bundle; build it with `swift build --build-tests`")
    }

    /// Runs `hazlab args…` in `directory` (a temp folder by default). Output goes through files,
    /// so a chatty child can never block on a full pipe.
    static func run(_ args: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Output {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary())
        p.arguments = args
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.currentDirectoryURL = directory ?? scratch
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try out.close(); try err.close()
        let o = try Data(contentsOf: outURL), e = try Data(contentsOf: errURL)
        return Output(status: p.terminationStatus, reason: p.terminationReason,
                      stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

/// A temporary folder removed when the test ends.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-clitests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let u = file(name)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: u)
        return u
    }

    /// Copies the demo scenario folder (scenario and golden runs) here; returns the copy.
    func copyDemo() throws -> URL {
        let dest = url.appendingPathComponent("tank-filling")
        try FileManager.default.copyItem(at: Hazlab.demoFolder, to: dest)
        return dest
    }
}

extension String {
    /// Escapes a literal for use inside a regular expression.
    var regexEscaped: String { NSRegularExpression.escapedPattern(for: self) }

    /// Capture groups of the first match of `pattern` (anchored by the caller), or nil.
    func captures(_ pattern: String) -> [String]? {
        guard let re = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) else { return nil }
        let ns = self as NSString
        guard let m = re.firstMatch(in: self, range: NSRange(location: 0, length: ns.length)) else { return nil }
        return (0..<m.numberOfRanges).map { i in
            let r = m.range(at: i)
            return r.location == NSNotFound ? "" : ns.substring(with: r)
        }
    }

    /// 1-based (line, column) of the first occurrence of `needle`; columns count Unicode scalars.
    func position(of needle: String) -> (line: Int, column: Int)? {
        for (i, line) in split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let r = line.range(of: needle) {
                return (i + 1, line[..<r.lowerBound].unicodeScalars.count + 1)
            }
        }
        return nil
    }
}
