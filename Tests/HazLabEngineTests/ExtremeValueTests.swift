import Foundation
import XCTest
import HazLabCore
import HazLabScenario

/// Every number in the bundled scenarios, replaced in turn by an extreme value: the compiler
/// must either reject it with an error or produce a model that steps without trapping.
final class ExtremeValueTests: XCTestCase {
    func testExtremeNumbersAreRejectedOrSimulated() throws {
        let files = ["Scenarios/tank-filling", "Tools/bench/scenarios/gas-room", "Tools/bench/scenarios/reactor",
                     "Tools/bench/scenarios/substation"].map { Repo.path($0 + "/scenario.yaml") }
        let number = try NSRegularExpression(pattern: #"(?<![\w.])-?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?(?![\w.])"#)
        var variants = 0, rejected = 0, simulated = 0
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let ns = text as NSString
            let matches = number.matches(in: text, range: NSRange(location: 0, length: ns.length))
            for match in matches {
                for extreme in ["1e300", "-1e300", "1e-300", "0"] {
                    let mutated = ns.replacingCharacters(in: match.range, with: extreme)
                    variants += 1
                    let r = ScenarioCompiler.compile(bytes: Array(mutated.utf8), path: file)
                    guard let model = r.model else {
                        XCTAssertFalse(r.errors.isEmpty)
                        rejected += 1
                        continue
                    }
                    var state = State(model: model)
                    var events: [Event] = []
                    for _ in 0..<200 where !state.ended { step(model, &state, &events) }
                    simulated += 1
                }
            }
        }
        XCTAssertGreaterThan(rejected, variants / 10, "extreme values should often be caught at compile time")
        XCTAssertGreaterThan(simulated, 0)
    }
}
