import XCTest
import HazLabCore
@testable import HazLabScenario

// Shared fixtures for the Expr*Tests files. (Note: XCTest imports Foundation, whose
// `Dimension` class clashes with `HazLabCore.Dimension`, so the type is always qualified.)

typealias ExprDim = HazLabCore.Dimension

/// Fake scenario: a few entities with fields of known types. `FieldRef.index` is the slot
/// in `ExprTestReader.values`.
enum ExprFake {
    static let fields: [String: (kind: String, fields: [(String, FieldRef, ValueType)])] = [
        "TK101": ("tank", [
            ("level", FieldRef(.tankLevel, 0), .number(.length)),
            ("volume", FieldRef(.tankVolume, 1), .number(.volume)),
            ("fill", FieldRef(.tankFill, 2), .number(.none)),
            ("inflow", FieldRef(.tankInflow, 3), .number(.volumeFlow)),
            ("area", FieldRef(.tankHeight, 4), .number(.area)),
        ]),
        "PT101": ("sensor", [("value", FieldRef(.sensorValue, 5), .number(.pressure))]),
        "TT101": ("sensor", [("value", FieldRef(.sensorValue, 6), .number(.temperature))]),
        "XV101": ("valve", [
            ("open", FieldRef(.valveOpen, 7), .bool),
            ("position", FieldRef(.valvePosition, 8), .number(.none)),
        ]),
        "GD1": ("sensor", [("value", FieldRef(.sensorValue, 9), .number(.lelFraction))]),
    ]

    static func resolve(_ entity: String, _ field: String) -> FieldResolution {
        guard let e = fields[entity] else {
            return .unknownEntity(suggestion: ExprSuggest.closest(to: entity, in: fields.keys.sorted()))
        }
        if let f = e.fields.first(where: { $0.0 == field }) { return .found(f.1, f.2) }
        let names = e.fields.map(\.0)
        return .unknownField(entityKind: e.kind, available: names, suggestion: ExprSuggest.closest(to: field, in: names))
    }

    static func env(_ vars: [String: VariableSource] = [:]) -> ExprEnvironment {
        ExprEnvironment(resolveField: resolve, variables: vars)
    }

    static let loc = SourceLocation(file: "s.yaml", line: 3, column: 10)

    /// Compiles `text` at `loc` (column 10); returns the program and the diagnostics.
    static func compile(_ text: String, expecting: ValueType? = nil,
                        vars: [String: VariableSource] = [:]) -> (Program?, [Diagnostic]) {
        var bag = DiagnosticBag()
        let p = ExpressionCompiler.compile(text, at: loc, env: env(vars), expecting: expecting, bag: &bag)
        return (p, bag.items)
    }
}

struct ExprTestReader: FieldReader {
    var values = [Double](repeating: 0, count: 10)
    var tick: Int64 = 0
    var secondsPerTick: Double = 0.1
    func read(_ field: FieldRef) -> Double { values[Int(field.index)] }
}

final class ExprFixtureTests: XCTestCase {
    func testFakeEnvironmentResolves() {
        guard case .found(let ref, .number(let d)) = ExprFake.resolve("TK101", "level") else {
            return XCTFail("TK101.level should resolve")
        }
        XCTAssertEqual(ref.index, 0)
        XCTAssertEqual(d, ExprDim.length)
        guard case .unknownEntity(let s) = ExprFake.resolve("TK10", "level") else { return XCTFail() }
        XCTAssertEqual(s, "TK101")
    }
}
