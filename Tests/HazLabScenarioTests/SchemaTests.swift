import Foundation
import XCTest
import HazLabScenario

/// The generated JSON Schema must accept every bundled scenario and reject broken ones.
/// Validation uses Python's `jsonschema` (draft 2020-12), as editors do; `Tools/setup.sh`
/// installs it into `.venv`, and CI fails rather than skips if it is missing.
final class SchemaTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func python() throws -> String {
        var candidates: [String] = []
        if let p = ProcessInfo.processInfo.environment["HAZLAB_PYTHON"] { candidates.append(p) }
        candidates.append(Self.root.appendingPathComponent(".venv/bin/python").path)
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(dir)/python3")
        }
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) {
            if (try? run(c, ["-c", "import jsonschema, yaml"]))?.status == 0 { return c }
        }
        if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("python with jsonschema and PyYAML is required in CI") }
        throw XCTSkip("python3 with jsonschema and PyYAML not found; run Tools/setup.sh")
    }

    func run(_ exe: String, _ args: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func writeSchema() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-schema-\(getpid()).json").path
        try ScenarioSchema.json().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testSchemaIsValidJSONWithDraft2020Header() throws {
        let obj = try JSONSerialization.jsonObject(with: Data(ScenarioSchema.json().utf8)) as? [String: Any]
        XCTAssertEqual(obj?["$schema"] as? String, "https://json-schema.org/draft/2020-12/schema")
        let props = obj?["properties"] as? [String: Any]
        XCTAssertNotNil(props?["entities"])
        XCTAssertEqual(Set(props?.keys.map { $0 } ?? []), Set(Format.top.map(\.name)))
    }

    func testEveryBundledScenarioValidates() throws {
        let py = try python()
        let schema = try writeSchema()
        let scenarios = Self.root.appendingPathComponent("Scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: scenarios.path).sorted()
            .map { scenarios.appendingPathComponent($0).appendingPathComponent("scenario.yaml").path }
            .filter { FileManager.default.fileExists(atPath: $0) }
        XCTAssertFalse(files.isEmpty)
        let script = Self.root.appendingPathComponent("Tools/validate-scenarios.py").path
        let r = try run(py, [script, schema] + files)
        XCTAssertEqual(r.status, 0, r.out)
        XCTAssertEqual(r.out.components(separatedBy: ": ok").count - 1, files.count, r.out)
    }

    func testSchemaRejectsBrokenScenarios() throws {
        let py = try python()
        let schema = try writeSchema()
        let invalid = Self.root.appendingPathComponent("Tests/HazLabScenarioTests/Invalid")
        let script = Self.root.appendingPathComponent("Tools/validate-scenarios.py").path
        for (file, needle) in [("02-unknown-key.yaml", "hieght"), ("04-wrong-type.yaml", "tickRate")] {
            let r = try run(py, [script, schema, invalid.appendingPathComponent(file).path])
            XCTAssertEqual(r.status, 1, "\(file) should be rejected: \(r.out)")
            XCTAssert(r.out.contains(needle), r.out)
        }
    }
}
