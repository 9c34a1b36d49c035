import XCTest
import HazLabCore
@testable import HazLabScenario

final class ExprEvalIntegrationTests: XCTestCase {
    private func program(_ text: String, expecting: ValueType? = nil, vars: [String: VariableSource] = [:],
                         file: StaticString = #filePath, line: UInt = #line) -> Program? {
        let (p, d) = ExprFake.compile(text, expecting: expecting, vars: vars)
        XCTAssertEqual(d.filter { $0.severity == .error }.map(\.description), [], text, file: file, line: line)
        return p
    }

    private func eval(_ text: String, _ r: ExprTestReader = ExprTestReader(),
                      file: StaticString = #filePath, line: UInt = #line) -> Double? {
        guard let p = program(text, file: file, line: line) else { return nil }
        var mem = p.initialMemory()
        return Evaluator.evaluate(p, r, memory: &mem, base: 0)
    }

    /// Evaluates a (temporal) condition once per tick with XV101.open (field 7) following `open`.
    private func drive(_ text: String, _ open: [Bool]) -> [Double] {
        guard let p = program(text) else { return [] }
        var mem = p.initialMemory()
        var r = ExprTestReader()
        return open.enumerated().map { t, o in
            r.tick = Int64(t)
            r.values[7] = o ? 1 : 0
            return Evaluator.evaluate(p, r, memory: &mem, base: 0)
        }
    }

    func testConstantArithmeticIsFolded() throws {
        let p = try XCTUnwrap(program("(1 + 2) * 3 - 4 / 2"))
        XCTAssertEqual(p.constantValue, 7)
        XCTAssertEqual(try XCTUnwrap(program("80 °C")).constantValue ?? 0, 353.15, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(program("-5 °C")).constantValue ?? 0, 268.15, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(program("80 degC", expecting: .number(.temperature))).resultType, .number(.temperature))
        XCTAssertEqual(eval("max(1, 4, 2) + min(3, 5) + clamp(7, 0, 5) + abs(-2) + sqrt(16)"), 18)
    }

    func testFieldsArithmeticAndComparisons() {
        var r = ExprTestReader()
        r.values[0] = 2      // TK101.level, m
        r.values[4] = 3      // TK101.area, m²
        r.values[5] = 250e3  // PT101.value, Pa
        r.values[7] = 1      // XV101.open
        XCTAssertEqual(eval("TK101.level * TK101.area", r), 6)
        XCTAssertEqual(eval("PT101.value > 2.4 bar", r), 1)
        XCTAssertEqual(eval("PT101.value >= 250 kPa and PT101.value <= 0.25 MPa", r), 1)
        XCTAssertEqual(eval("PT101.value == 250 kPa", r), 1)
        XCTAssertEqual(eval("PT101.value != 250 kPa", r), 0)
        XCTAssertEqual(eval("TK101.level < 200 cm or not XV101.open", r), 0)
        XCTAssertEqual(eval("if XV101.open then TK101.level else 0", r), 2)
        XCTAssertEqual(eval("if not XV101.open then TK101.level else -1 m", r), -1)
        XCTAssertEqual(eval("clamp(TK101.level, 50 cm, 1.5 m)", r), 1.5)
        XCTAssertEqual(eval("min(TK101.level, 3 m, 2500 mm) - max(TK101.level, 1 m)", r), 0)
        r.tick = 25
        XCTAssertEqual(eval("time", r) ?? 0, 2.5, accuracy: 1e-12)
        XCTAssertEqual(eval("time >= 2 s and time < 3 s", r), 1)
    }

    func testHeldResetsWhenConditionDrops() {
        // 0.1 s per tick: true once open has stayed true for 0.3 s
        let out = drive("held(XV101.open, 0.3 s)", [true, true, true, true, false, true, true, true, true])
        XCTAssertEqual(out, [0, 0, 0, 1, 0, 0, 0, 0, 1])
    }

    func testEdgesSinceEverCountDuration() {
        let open = [false, true, true, false, false, true, false]
        XCTAssertEqual(drive("rose(XV101.open)", open), [0, 1, 0, 0, 0, 1, 0])
        XCTAssertEqual(drive("fell(XV101.open)", open), [0, 0, 0, 1, 0, 0, 1])
        XCTAssertEqual(drive("ever(XV101.open)", open), [0, 1, 1, 1, 1, 1, 1])
        XCTAssertEqual(drive("count(XV101.open)", open), [0, 1, 1, 1, 1, 2, 2])
        let since = drive("since(XV101.open)", open)
        XCTAssertEqual(since[0], 1e9)
        for (got, want) in zip(since.dropFirst(), [0, 0.1, 0.2, 0.3, 0, 0.1]) { XCTAssertEqual(got, want, accuracy: 1e-12) }
        let dur = drive("duration(XV101.open)", open)
        for (got, want) in zip(dur, [0, 0.1, 0.2, 0.2, 0.2, 0.3, 0.3]) { XCTAssertEqual(got, want, accuracy: 1e-12) }
        XCTAssertEqual(drive("since(XV101.open) < 0.15 s", open), [0, 1, 1, 0, 0, 1, 1])
    }

    func testTemporalInsideIfStillTracksEveryTick() {
        // the 'then' branch is not selected at tick 1, but rose() must still see the edge there
        let out = drive("if time < 0.15 s then false else count(XV101.open) >= 1", [false, true, true, true])
        XCTAssertEqual(out, [0, 0, 1, 1])
        let p = program("rose(XV101.open) or held(XV101.open, 1 s) and ever(rose(XV101.open))")
        XCTAssertEqual(p?.memorySlots, 4)
    }

    func testVariablesAreInlined() {
        let vars = [
            "fill_ratio": VariableSource(text: "TK101.volume / (TK101.area * 4 m)", location: SourceLocation(file: "s.yaml", line: 5, column: 17)),
            "overfill": VariableSource(text: "fill_ratio > 0.8", location: SourceLocation(file: "s.yaml", line: 6, column: 15)),
        ]
        guard let p = program("overfill and XV101.open", expecting: .bool, vars: vars) else { return }
        var r = ExprTestReader()
        r.values[1] = 10; r.values[4] = 3; r.values[7] = 1   // 10 / 12 = 0.83
        XCTAssertTrue(Evaluator.evaluateBool(p, r))
        r.values[1] = 9                                      // 0.75
        XCTAssertFalse(Evaluator.evaluateBool(p, r))
        XCTAssertFalse(p.code.contains { if case .load(let f) = $0 { return f.index == 0 } else { return false } })
    }

    func testVariableErrorsPointAtTheVariable() {
        let vars = ["dp": VariableSource(text: "TK101.level + PT101.value", location: SourceLocation(file: "s.yaml", line: 7, column: 12))]
        var bag = DiagnosticBag()
        let session = ExprCompilerSession(env: ExprFake.env(vars))
        XCTAssertNil(session.compile("dp > 0", at: ExprFake.loc, bag: &bag))
        XCTAssertNil(session.compile("dp < 0", at: ExprFake.loc, bag: &bag))
        XCTAssertEqual(bag.errors.map(\.description),
                       ["s.yaml:7:24: error: cannot add length [m] and pressure [Pa]"], "reported once, at the variable")
        var bag2 = DiagnosticBag()
        for text in ["dp > 0", "dp < 0"] {
            XCTAssertNil(ExpressionCompiler.compile(text, at: ExprFake.loc, env: ExprFake.env(vars), bag: &bag2))
        }
        XCTAssertEqual(bag2.errors.count, 1, "one-shot compiles don't repeat an identical diagnostic")
    }

    func testCycleDetection() {
        let vars = [
            "a": VariableSource(text: "b + 1", location: SourceLocation(file: "s.yaml", line: 10, column: 8)),
            "b": VariableSource(text: "a * 2", location: SourceLocation(file: "s.yaml", line: 11, column: 8)),
            "c": VariableSource(text: "c", location: SourceLocation(file: "s.yaml", line: 12, column: 8)),
        ]
        let (p, d) = ExprFake.compile("a + b > 0", vars: vars)
        XCTAssertNil(p)
        XCTAssertEqual(d.map(\.description), ["s.yaml:10:8: error: cyclic definition: a -> b -> a"])

        var bag = DiagnosticBag()
        let session = ExprCompilerSession(env: ExprFake.env(vars))
        _ = session.compile("b > 0", at: ExprFake.loc, bag: &bag)
        _ = session.compile("a > 0", at: ExprFake.loc, bag: &bag)
        session.checkAllVariables(bag: &bag)
        XCTAssertEqual(bag.errors.map(\.description),
                       ["s.yaml:10:8: error: cyclic definition: a -> b -> a",
                        "s.yaml:12:8: error: cyclic definition: c -> c"])
        // separate one-shot compiles into one bag: still reported once
        var bag2 = DiagnosticBag()
        for text in ["b > 0", "a > 0", "a + b > 0"] {
            XCTAssertNil(ExpressionCompiler.compile(text, at: ExprFake.loc, env: ExprFake.env(vars), bag: &bag2))
        }
        XCTAssertEqual(bag2.errors.map(\.description), ["s.yaml:10:8: error: cyclic definition: a -> b -> a"])
    }

    func testUnknownNameSuggestions() {
        let vars = ["fill_ratio": VariableSource(text: "TK101.fill", location: ExprFake.loc)]
        let (_, d) = ExprFake.compile("fill_ratoi > 0.5", vars: vars)
        XCTAssertEqual(d.map(\.message), ["unknown name 'fill_ratoi'; did you mean 'fill_ratio'?"])
        let (_, d2) = ExprFake.compile("TK10 > 0", vars: vars)
        XCTAssertEqual(d2.map(\.message), ["unknown name 'TK10'; did you mean 'TK101'?"])
        XCTAssertEqual(d2.first?.location, ExprFake.loc)
    }
}
