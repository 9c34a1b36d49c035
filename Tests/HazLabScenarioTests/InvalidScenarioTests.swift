import Foundation
import XCTest
import HazLabScenario

/// Box2D-style invalid-input corpus: each file under Invalid/ has one problem, and its
/// `.expect` file lists the diagnostics it must produce as `line:col: severity: message`
/// (the message may be a prefix).
final class InvalidScenarioTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Invalid")

    func corpus() throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }

    func testCorpusCoversEveryRequiredProblem() throws {
        let names = try corpus()
        for kind in ["syntax", "unknown-key", "wrong-unit", "wrong-type", "dangling-reference",
                     "duplicate-id", "cyclic-definition", "empty", "binary-garbage", "invalid-utf8"] {
            XCTAssert(names.contains { $0.contains(kind) }, "no invalid scenario for \(kind)")
        }
    }

    func testEachInvalidScenarioGivesItsExpectedDiagnostics() throws {
        for name in try corpus() {
            let path = Self.folder.appendingPathComponent(name).path
            let expectPath = (path as NSString).deletingPathExtension + ".expect"
            let expected = try String(contentsOfFile: expectPath, encoding: .utf8)
                .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            XCTAssertFalse(expected.isEmpty, "\(name): empty .expect")
            let result = ScenarioCompiler.compile(path: path)
            XCTAssertNil(result.model, "\(name) must not compile")
            XCTAssertFalse(result.errors.isEmpty, "\(name) must report an error")
            for line in expected {
                // "L:C: severity: message"
                let parts = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 4, let l = Int(parts[0]), let c = Int(parts[1]) else {
                    XCTFail("\(name): bad expect line \(line)"); continue
                }
                let severity = parts[2].trimmingCharacters(in: .whitespaces)
                let message = parts[3].trimmingCharacters(in: .whitespaces)
                let hit = result.diagnostics.contains {
                    $0.location.file == path && $0.location.line == l && $0.location.column == c
                        && $0.severity.rawValue == severity && $0.message.hasPrefix(message)
                }
                XCTAssert(hit, "\(name): expected \(line)\n got:\n" + result.diagnostics.map(\.description).joined(separator: "\n"))
            }
            // Every diagnostic is printable as path:line:col: severity: message.
            for d in result.diagnostics {
                XCTAssert(d.description.hasPrefix("\(path):\(d.location.line):\(d.location.column): \(d.severity.rawValue): "))
            }
        }
    }

    func testAllErrorsAreReportedInOnePass() {
        let text = """
        id: many
        title: {zh: 多, en: Many}
        discipline: general
        timeLimit: 1 min
        tickRat: 10
        entities:
          - {id: V1, type: valve, strokeTime: 5 kPa}
          - {id: V2, type: vlave}
        procedure:
          - {id: s1, title: 一, done: V1.open and V3.open, score: 10}
          - {id: s2, title: 二, done: V1.position + 1 s > 0, score: 10}
        """
        let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "many.yaml")
        let got = r.errors.map { "\($0.location.line):\($0.location.column)" }
        XCTAssertEqual(Set(got), ["5:1", "7:39", "8:20", "10:42", "11:42"], r.errors.map(\.description).joined(separator: "\n"))
    }

    func testUnusedEntityAndUnreachableStepWarnings() {
        let text = """
        id: warn
        title: {zh: 警告, en: Warnings}
        discipline: general
        timeLimit: 1 min
        entities:
          - {id: V1, type: valve}
          - {id: V2, type: valve}
        procedure:
          - {id: a, title: A, done: V1.open, after: [b], score: 10}
          - {id: b, title: B, done: V1.closed, after: [a], score: 10}
          - {id: c, title: C, done: V1.open, after: [b], score: 10}
        """
        let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "warn.yaml")
        XCTAssert(r.warnings.contains { $0.location.line == 7 && $0.message.contains("'V2' is never used") }, "\(r.diagnostics)")
        XCTAssert(r.warnings.contains { $0.location.line == 11 && $0.message.contains("'c' is unreachable") }, "\(r.diagnostics)")
        XCTAssert(r.errors.contains { $0.message.hasPrefix("cyclic definition: steps wait for each other") }, "\(r.diagnostics)")
    }
}
