import Foundation
import HazLabTestSupport
import XCTest
import HazLabCore
import HazLabScenario

/// Seeded mutations of real scenarios: the compiler must return (never trap), report every
/// error at a position inside the file, and either produce a model or at least one error.
final class CompilerFuzzTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = bytes
        let edits = 1 + Int(rng.next() % 4)
        let tokens: [[UInt8]] = ["-", "0", "1e308", "-5", "[", "]", "{", "}", ":", ",", "\n", "  ", "#", "\"", "'", "&a", "*a",
                                 "held(", ")", " m", " kPa", "°C", "TK101", "nan", ".inf", "~", "!!str "].map { Array($0.utf8) }
        for _ in 0..<edits where !b.isEmpty {
            let at = Int(rng.next() % UInt64(b.count))
            switch rng.next() % 4 {
            case 0: b.remove(at: at)
            case 1: b.insert(contentsOf: tokens[Int(rng.next() % UInt64(tokens.count))], at: at)
            case 2: b[at] = UInt8(truncatingIfNeeded: rng.next())
            default:
                let len = min(b.count - at, 1 + Int(rng.next() % 40))
                b.removeSubrange(at..<(at + len))
            }
        }
        return b
    }

    func testMutatedScenariosNeverTrap() throws {
        var sources: [(String, [UInt8])] = []
        for dir in ["Scenarios/tank-filling", "Tools/bench/scenarios/gas-room", "Tools/bench/scenarios/reactor",
                    "Tools/bench/scenarios/substation"] {
            let path = Self.root.appendingPathComponent(dir).appendingPathComponent("scenario.yaml").path
            sources.append((path, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))))
        }
        var rng = SplitMix64(state: 20261129)
        var compiled = 0, rejected = 0
        for i in 0..<400 {
            let (path, original) = sources[i % sources.count]
            let bytes = mutate(original, &rng)
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
            let r = ScenarioCompiler.compile(bytes: bytes, path: path)
            if r.model != nil { compiled += 1 } else {
                rejected += 1
                XCTAssertFalse(r.errors.isEmpty, "variant \(i): no model and no error")
            }
            for d in r.diagnostics {
                XCTAssert(d.location.line >= 1 && d.location.line <= lines + 1 && d.location.column >= 1,
                          "variant \(i): \(d) outside the file (\(lines) lines)")
            }
        }
        XCTAssertGreaterThan(rejected, 100, "the mutations should break most variants")
        XCTAssertGreaterThan(compiled, 0, "some harmless mutations should still compile")
    }
}
