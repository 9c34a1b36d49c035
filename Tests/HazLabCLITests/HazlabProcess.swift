import Foundation
import HazLabTestSupport
import XCTest

/// Runs the `hazlab` executable built next to this test bundle, in a separate process
/// (through the shared launch helper of HazLabTestSupport).
enum Hazlab {
    typealias Output = TestProcess.Output

    static var repoRoot: URL { TestProcess.repoRoot }
    static var demoFolder: URL { repoRoot.appendingPathComponent("Scenarios/tank-filling") }
    static var demoScenario: URL { demoFolder.appendingPathComponent("scenario.yaml") }
    static func demoRun(_ name: String) -> URL { demoFolder.appendingPathComponent("runs/\(name)") }

    static func binary() throws -> String {
        if let path = TestProcess.builtProduct("hazlab") { return path }
        throw XCTSkip("hazlab binary not found next to the test bundle; build it with `swift build --build-tests`")
    }

    /// Runs `hazlab args…` in `directory` (a temp folder by default).
    static func run(_ args: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Output {
        try TestProcess.launch(try binary(), args, in: directory, environment: environment)
    }
}

extension TempDir {
    convenience init() throws { try self.init(prefix: "hazlab-clitests") }

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
