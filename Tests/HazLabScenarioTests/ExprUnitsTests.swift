import XCTest
import HazLabCore
@testable import HazLabScenario

final class ExprUnitsTests: XCTestCase {
    func testTableHasRequiredUnitsAndUniqueSymbols() {
        let required = ["°C", "degC", "K", "Pa", "kPa", "MPa", "bar", "%", "ppm", "%LEL", "%vol", "m", "cm", "mm",
                        "m²", "m2", "m³", "m3", "L", "m³/h", "m3/h", "L/min", "m³/s", "kg", "kg/s", "kg/h", "s", "min",
                        "h", "ms", "V", "kV", "A", "kA", "W", "kW", "MW", "Hz", "m/s", "J", "kJ", "mol"]
        for s in required { XCTAssertNotNil(Units.lookup(s), s) }
        XCTAssertEqual(Set(Units.all.map(\.symbol)).count, Units.all.count)
        XCTAssertNil(Units.lookup("kpa"), "lookup is case-sensitive")
    }

    func testConversions() {
        XCTAssertEqual(Units.lookup("°C")!.toSI(80), 353.15, accuracy: 1e-12)
        XCTAssertEqual(Units.lookup("kPa")!.toSI(2.5), 2500)
        XCTAssertEqual(Units.lookup("bar")!.toSI(1), 1e5)
        XCTAssertEqual(Units.lookup("%")!.toSI(19.5), 0.195, accuracy: 1e-15)
        XCTAssertEqual(Units.lookup("ppm")!.toSI(10), 1e-5, accuracy: 1e-20)
        XCTAssertEqual(Units.lookup("%LEL")!.dimension, ExprDim.lelFraction)
        XCTAssertEqual(Units.lookup("m³/h")!.toSI(3600), 1, accuracy: 1e-12)
        XCTAssertEqual(Units.lookup("L/min")!.toSI(60), 0.001, accuracy: 1e-15)
        XCTAssertEqual(Units.lookup("min")!.toSI(5), 300)
        XCTAssertEqual(Units.lookup("kg/h")!.dimension, ExprDim.massFlow)
        XCTAssertEqual(Units.lookup("kW")!.dimension, ExprDim.power)
    }

    func testParseQuantity() throws {
        let q = try Units.parseQuantity("5 s").get()
        XCTAssertEqual(q.value, 5); XCTAssertEqual(q.dimension, ExprDim.time)
        XCTAssertEqual(try Units.parseQuantity("3.2 m").get().dimension, ExprDim.length)
        let plain = try Units.parseQuantity("0.5").get()
        XCTAssertEqual(plain.value, 0.5); XCTAssertEqual(plain.dimension, ExprDim.none)
        XCTAssertEqual(try Units.parseQuantity(" 80°C ").get().value, 353.15, accuracy: 1e-12)
        XCTAssertEqual(try Units.parseQuantity("-1.5e3 Pa").get().value, -1500)
        XCTAssertEqual(try Units.parseQuantity("2.5MPa").get().value, 2.5e6)
        guard case .failure(let e) = Units.parseQuantity("5 kPaa") else { return XCTFail() }
        XCTAssertEqual(e.message, "unknown unit 'kPaa'; did you mean 'kPa'?")
        guard case .failure(let e2) = Units.parseQuantity("fast") else { return XCTFail() }
        XCTAssertTrue(e2.message.contains("expected a number"), e2.message)
    }

    func testQuantityExpectingDimension() {
        XCTAssertEqual(try Units.quantity("5 min", expecting: .time).get(), 300)
        XCTAssertEqual(try Units.quantity("0", expecting: .time).get(), 0)
        XCTAssertEqual(try Units.quantity("0.5", expecting: .none).get(), 0.5)
        guard case .failure(let e) = Units.quantity("2 bar", expecting: .time) else { return XCTFail() }
        XCTAssertEqual(e.message, "expected a time [s], found pressure [Pa]")
        guard case .failure(let e2) = Units.quantity("5", expecting: .time) else { return XCTFail() }
        XCTAssertEqual(e2.message, "expected a time [s], found plain number 5; write a unit, e.g. '5 s'")
        guard case .failure(let e3) = Units.quantity("3 m", expecting: .area) else { return XCTFail() }
        XCTAssertEqual(e3.message, "expected an area [m²], found length [m]")
    }
}

final class ExprTypeCheckTests: XCTestCase {
    private func errors(_ text: String, expecting: ValueType? = nil) -> [Diagnostic] {
        let (p, diags) = ExprFake.compile(text, expecting: expecting)
        let errs = diags.filter { $0.severity == .error }
        if !errs.isEmpty { XCTAssertNil(p, "a program despite errors for \(text)") }
        return errs
    }

    private func type(_ text: String, expecting: ValueType? = nil, file: StaticString = #filePath, line: UInt = #line) -> ValueType? {
        let (p, diags) = ExprFake.compile(text, expecting: expecting)
        XCTAssertEqual(diags.filter { $0.severity == .error }.map(\.message), [], text, file: file, line: line)
        return p?.resultType
    }

    func testAddingPressureAndTemperatureIsAnError() {
        let e = errors("100 kPa + 80 °C")
        XCTAssertEqual(e.count, 1)
        XCTAssertEqual(e.first?.message, "cannot add pressure [Pa] and temperature [K]")
        XCTAssertEqual(e.first?.location, SourceLocation(file: "s.yaml", line: 3, column: 18))
        XCTAssertEqual(errors("PT101.value - TT101.value > 0 Pa").first?.message,
                       "cannot subtract temperature [K] from pressure [Pa]")
        XCTAssertEqual(errors("PT101.value > TT101.value").first?.location.column, 22)
    }

    func testDimensionAlgebra() {
        XCTAssertEqual(type("TK101.level * TK101.area"), .number(.volume))
        XCTAssertEqual(type("TK101.level * TK101.area <= TK101.volume"), .bool)
        XCTAssertEqual(type("TK101.volume / TK101.inflow"), .number(.time))
        XCTAssertEqual(type("TK101.inflow * 1 h"), .number(.volume))
        XCTAssertEqual(type("sqrt(TK101.area)"), .number(.length))
        XCTAssertEqual(type("TK101.level / 2"), .number(.length))
        XCTAssertEqual(type("abs(PT101.value - 1 bar)"), .number(.pressure))
        XCTAssertEqual(type("since(XV101.open)"), .number(.time))
        XCTAssertEqual(type("count(XV101.open)"), .number(.none))
        XCTAssertEqual(type("time"), .number(.time))
        XCTAssertEqual(errors("sqrt(TK101.volume)").first?.message,
                       "'sqrt' needs a quantity whose dimension has even powers, found volume [m³]")
    }

    func testFlowUnitsCompare() throws {
        // 30 m³/h = 500 L/min
        let (p, d) = ExprFake.compile("30 m³/h > 400 L/min and 30 m3/h < 600 L/min")
        XCTAssertEqual(d, [])
        XCTAssertEqual(try XCTUnwrap(p).constantValue, 1)
        XCTAssertEqual(type("TK101.inflow > 30 m3/h"), .bool)
    }

    func testPlainNumbersOnlyAgainstDimensionless() {
        XCTAssertEqual(errors("TK101.level > 2").first?.message,
                       "cannot compare length [m] with plain number 2; write a unit, e.g. '2 m' (only 0 may omit its unit)")
        XCTAssertEqual(type("TK101.level > 0"), .bool)
        XCTAssertEqual(type("TK101.fill > 0.8"), .bool)
        XCTAssertEqual(type("TK101.level + 0 > 1 m"), .bool)
        XCTAssertEqual(type("max(TK101.level, 0)"), .number(.length))
        XCTAssertEqual(type("if XV101.open then TK101.level else 0"), .number(.length))
        XCTAssertEqual(type("0", expecting: .number(.pressure)), .number(.pressure))
        XCTAssertEqual(errors("TK101.level", expecting: .number(.pressure)).first?.message,
                       "expected pressure [Pa], found length [m]")
        // %LEL is not a plain fraction
        XCTAssertEqual(errors("GD1.value > 25 %").first?.message, "cannot compare %LEL with number")
        XCTAssertEqual(type("GD1.value > 25 %LEL"), .bool)
    }

    func testLogicalAndConditionTypes() {
        let e = errors("XV101.open and TK101.level")
        XCTAssertEqual(e.first?.message, "'and' needs boolean operands, found length [m]")
        XCTAssertEqual(e.first?.location.column, 10 + 15)
        XCTAssertEqual(errors("not TK101.level").first?.message, "'not' needs a boolean operand, found length [m]")
        XCTAssertEqual(errors("TK101.level", expecting: .bool).first?.message, "condition must be boolean, found length [m]")
        XCTAssertEqual(errors("XV101.open + 1").first?.message, "'+' needs numeric operands, found boolean")
        XCTAssertEqual(errors("XV101.open == 1").first?.message, "cannot compare boolean with plain number 1")
        XCTAssertEqual(type("XV101.open == false", expecting: .bool), .bool)
        XCTAssertEqual(errors("if TK101.level then 1 else 2").first?.message, "'if' condition must be boolean, found length [m]")
        let br = errors("if XV101.open then TK101.level else PT101.value")
        XCTAssertEqual(br.first?.message, "'if' branches must have the same type, found length [m] and pressure [Pa]")
        XCTAssertEqual(br.first?.location.column, 10 + 36)
        XCTAssertEqual(errors("min(TK101.level, 2 bar)").first?.location.column, 10 + 17)
    }

    func testTemporalArgumentTypes() {
        XCTAssertEqual(type("held(XV101.open, 30 s)"), .bool)
        XCTAssertEqual(type("held(XV101.open, 0)"), .bool)
        XCTAssertEqual(errors("held(XV101.open, 30)").first?.message,
                       "'held' duration must be a time [s], found plain number 30; write a unit, e.g. '30 s' (only 0 may omit its unit)")
        XCTAssertEqual(errors("held(XV101.open, 2 m)").first?.message, "'held' duration must be a time [s], found length [m]")
        XCTAssertEqual(errors("rose(TK101.level)").first?.message, "'rose' needs a boolean condition, found length [m]")
        XCTAssertEqual(errors("held(XV101.open)").first?.message, "'held' takes 2 arguments, found 1")
        XCTAssertEqual(errors("abs(1, 2)").first?.message, "'abs' takes 1 argument, found 2")
        XCTAssertEqual(errors("max(1)").first?.message, "'max' takes at least 2 arguments, found 1")
        XCTAssertEqual(errors("hold(XV101.open, 1 s)").first?.message, "unknown function 'hold'; did you mean 'held'?")
    }

    func testNamesAndFields() {
        let e = errors("TK10.level > 1 m")
        XCTAssertEqual(e.first?.message, "unknown entity 'TK10'; did you mean 'TK101'?")
        let f = errors("TK101.lvl > 1 m")
        XCTAssertEqual(f.first?.message, "tank 'TK101' has no field 'lvl'; did you mean 'level'?")
        XCTAssertEqual(f.first?.location.column, 10 + 6)
        XCTAssertEqual(errors("TK10 > 0").first?.message, "unknown name 'TK10'; did you mean 'TK101'?")
        XCTAssertEqual(errors("TK101 > 0").first?.message,
                       "'TK101' is a tank, not a value; use one of its fields, e.g. 'TK101.level'")
        XCTAssertEqual(errors("zzz > 0").first?.message, "unknown name 'zzz'")
        XCTAssertEqual(errors("min > 0").first?.message, "'min' is a function; call it as min(...)")
    }

    func testReportsEveryBadSubexpression() {
        let e = errors("TK101.lvl > 1 m and TK10.level > 1 m or PT101.value > 2 K or x = 1")
        // a lone '=' is reported and read as '==' so that checking can go on
        XCTAssertEqual(e.map(\.message), [
            "unexpected '='; use '==' to compare",
            "tank 'TK101' has no field 'lvl'; did you mean 'level'?",
            "unknown entity 'TK10'; did you mean 'TK101'?",
            "cannot compare pressure [Pa] with temperature [K]",
            "unknown name 'x'",
        ])
        XCTAssertEqual(errors("(1 + ) * TK10.level").count, 1, "a syntax error stops checking")
        let e2 = errors("TK101.lvl > 1 m and TK10.level > 1 m or PT101.value > 2 K or XV101.open and 5 kPaa > 0")
        XCTAssertEqual(e2.map(\.location.column).sorted(), [10 + 6, 10 + 20, 10 + 52, 10 + 78])
    }

    func testCelsiusAdditionWarns() {
        let (p, d) = ExprFake.compile("TT101.value + 5 °C > 300 K")
        XCTAssertNotNil(p)
        XCTAssertEqual(d.count, 1)
        XCTAssertEqual(d.first?.severity, .warning)
        XCTAssertEqual(d.first?.location.column, 10 + 14)
        // subtracting an absolute temperature is a legitimate difference
        XCTAssertEqual(ExprFake.compile("TT101.value - 20 °C > 5 K").1, [])
    }
}
