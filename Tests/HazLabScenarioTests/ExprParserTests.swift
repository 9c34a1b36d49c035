import XCTest
import HazLabCore
@testable import HazLabScenario

final class ExprParserTests: XCTestCase {
    private func tree(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let (node, errors) = ExpressionParser.parse(text)
        XCTAssertEqual(errors, [], "errors for \(text)", file: file, line: line)
        return node?.description ?? "<nil>"
    }

    private func firstError(_ text: String) -> ExprSyntaxError? {
        let (node, errors) = ExpressionParser.parse(text)
        XCTAssertEqual(errors.count, 1, "expected exactly one error for \(text): \(errors)")
        _ = node
        return errors.first
    }

    func testPrecedence() {
        XCTAssertEqual(tree("a or b and not c < 2 + 3 * -x"),
                       "(or a (and b (not (< c (+ 2 (* 3 (- x)))))))")
        XCTAssertEqual(tree("a && b || !c"), "(or (and a b) (not c))")
        XCTAssertEqual(tree("not a and b"), "(and (not a) b)")
        XCTAssertEqual(tree("a - b - c"), "(- (- a b) c)")
        XCTAssertEqual(tree("a / b * c"), "(* (/ a b) c)")
        XCTAssertEqual(tree("(a + b) * c"), "(* (+ a b) c)")
        XCTAssertEqual(tree("-x * 3"), "(* (- x) 3)")
        XCTAssertEqual(tree("-2 * 3"), "(* -2 3)")
        XCTAssertEqual(tree("a + b >= c - d"), "(>= (+ a b) (- c d))")
    }

    func testIfThenElse() {
        XCTAssertEqual(tree("if a then 1 else 2 + 3"), "(if a 1 (+ 2 3))")
        XCTAssertEqual(tree("1 + if a > b then x else y"), "(+ 1 (if (> a b) x y))")
        XCTAssertEqual(tree("if a then if b then 1 else 2 else 3"), "(if a (if b 1 2) 3)")
    }

    func testFieldsCallsAndLiterals() {
        XCTAssertEqual(tree("TK101.level > 2.5 m and XV101.open"), "(and (> TK101.level 2.5[m]) XV101.open)")
        XCTAssertEqual(tree("min(a, 5 min)"), "(min a 5[min])")
        XCTAssertEqual(tree("clamp(x, 0, 1)"), "(clamp x 0 1)")
        XCTAssertEqual(tree("held(XV101.open, 30 s)"), "(held XV101.open 30[s])")
        XCTAssertEqual(tree("rose(true) or false"), "(or (rose true) false)")
        XCTAssertEqual(tree("f()"), "(f)")
        XCTAssertEqual(tree("1e-3 s + .5 s"), "(+ 1e-3[s] .5[s])")
    }

    func testQuantityLiterals() {
        let cases: [(String, String)] = [
            ("80 °C", "80[°C]"), ("80°C", "80[°C]"), ("80 degC", "80[degC]"), ("2.5 MPa", "2.5[MPa]"),
            ("30 m³/h", "30[m³/h]"), ("30 m3/h", "30[m3/h]"), ("5 min", "5[min]"), ("25 %LEL", "25[%LEL]"),
            ("19.5 %", "19.5[%]"), ("10 ppm", "10[ppm]"), ("3 L/min", "3[L/min]"), ("2 m/s", "2[m/s]"),
            ("-5 °C", "-5[°C]"),
        ]
        for (text, want) in cases { XCTAssertEqual(tree(text), want, text) }
        // a unit followed by '/' and something that is not part of a unit
        XCTAssertEqual(tree("10 m/TK101.area"), "(/ 10[m] TK101.area)")
        XCTAssertEqual(tree("10 m / 2 s"), "(/ 10[m] 2[s])")
        // keywords after a number are not units
        XCTAssertEqual(tree("if c then 5 else 6"), "(if c 5 6)")
        XCTAssertEqual(tree("x > 5 and y"), "(and (> x 5) y)")
    }

    func testNodeOffsets() throws {
        let (node, _) = ExpressionParser.parse("ab + TK1.lvl")
        let n = try XCTUnwrap(node)
        guard case .binary(.add, let a, let b, let opAt) = n.kind else { return XCTFail("\(n)") }
        XCTAssertEqual(a.offset, 0)
        XCTAssertEqual(opAt, 3)
        XCTAssertEqual(b.offset, 5)
        guard case .field(_, _, let fo) = b.kind else { return XCTFail() }
        XCTAssertEqual(fo, 9)
        // offsets count Unicode scalars, not bytes or UTF-16 units
        let (n2, _) = ExpressionParser.parse("80 °C + x")
        guard case .binary(_, _, let x, _)? = n2?.kind else { return XCTFail() }
        XCTAssertEqual(x.offset, 8)
    }

    func testErrorPositions() {
        XCTAssertEqual(firstError("1 + * 2"), ExprSyntaxError(offset: 4, message: "unexpected '*'; expected a value"))
        XCTAssertEqual(firstError("(1 + 2")?.offset, 0)
        XCTAssertTrue(firstError("(1 + 2")?.message.hasPrefix("unclosed '('") ?? false)
        XCTAssertEqual(firstError("x + min(1, 2")?.offset, 7)
        XCTAssertEqual(firstError("1 + 2)")?.offset, 5)
        XCTAssertEqual(firstError("a < b < c")?.offset, 6)
        XCTAssertEqual(firstError("a = b"), ExprSyntaxError(offset: 2, message: "unexpected '='; use '==' to compare"))
        XCTAssertEqual(firstError("a # b"), ExprSyntaxError(offset: 2, message: "unexpected character '#'"))
        XCTAssertEqual(firstError("if a then b")?.offset, 11)
        XCTAssertEqual(firstError("if a then b")?.message, "expected 'else' after the 'then' branch, found end of expression")
        XCTAssertEqual(firstError("")?.message, "empty expression")
        XCTAssertEqual(firstError("TK101.")?.offset, 6)
        XCTAssertEqual(firstError("a b")?.offset, 2)
        XCTAssertEqual(firstError("1 +")?.offset, 3)
        XCTAssertEqual(firstError("(a + b c)")?.offset, 7)
        XCTAssertEqual(firstError("x and")?.message, "unexpected end of expression; expected a value")
    }

    func testUnknownUnit() {
        XCTAssertEqual(firstError("5 kPaa"), ExprSyntaxError(offset: 2, message: "unknown unit 'kPaa'; did you mean 'kPa'?"))
        XCTAssertEqual(firstError("x > 5kpa")?.message, "unknown unit 'kpa'; did you mean 'kPa'?")
        // every unknown unit is reported, and the rest still parses
        let (node, errors) = ExpressionParser.parse("5 kPaa + 3 degF")
        XCTAssertEqual(errors.map(\.offset), [2, 11])
        XCTAssertEqual(node?.description, "(+ <error> <error>)")
    }
}
