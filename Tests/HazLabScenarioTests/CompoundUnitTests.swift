import XCTest
import HazLabCore
import HazLabScenario

final class CompoundUnitTests: XCTestCase {
    /// ρ·g·h is a pressure: hydrostatic head in the units instructors write.
    func testHydrostaticHeadIsAPressure() {
        var bag = DiagnosticBag()
        let env = ExprEnvironment(resolveField: { _, _ in .unknownEntity(suggestion: nil) })
        let p = ExpressionCompiler.compile("1000 kg/m3 * 9.81 m/s2 * 2 m > 19 kPa", at: SourceLocation(file: "x", line: 1, column: 1),
                                           env: env, expecting: .bool, bag: &bag)
        XCTAssertTrue(bag.items.isEmpty, "\(bag.items)")
        XCTAssertEqual(p?.resultType, .bool)
        XCTAssertEqual(Units.lookup("kg/m³")?.dimension, HazLabCore.Dimension(length: -3, mass: 1))
        XCTAssertEqual(Units.lookup("mg/m3")?.factor, 1e-6)
        if case .success(let q) = Units.parseQuantity("9.81 m/s²") {
            XCTAssertEqual(q.value, 9.81)
            XCTAssertEqual(q.dimension, HazLabCore.Dimension(length: 1, time: -2))
        } else {
            XCTFail("m/s² should parse")
        }
    }
}
