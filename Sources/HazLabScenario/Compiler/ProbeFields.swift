import Crypto
import Foundation
import HazLabCore

/// One expression an instructor asked to read over time (`hazlab run --probe`,
/// `hazlab report attempt --plot`): compiled against the scenario's own names, so it reads
/// exactly what the scenario's conditions read.
public struct ProbeField: Sendable {
    /// As written, e.g. `R1.temperature in °C`.
    public var text: String
    /// The expression part, e.g. `R1.temperature`.
    public var expression: String
    public var program: Program
    /// Display unit symbol ("" for a boolean or a plain number) and its conversion from SI.
    public var unit: String
    public var factor: Double
    public var offset: Double

    /// The SI value in the display unit.
    public func display(_ si: Double) -> Double { factor == 1 && offset == 0 ? si : (si - offset) / factor }
}

public struct ProbeCompileResult: Sendable {
    public var scenario: CompileResult
    public var fields: [ProbeField]
    /// Problems in the probe list itself, located in the pseudo-file `--probe` (column = character in the list).
    public var diagnostics: [Diagnostic]
}

extension ScenarioCompiler {
    /// Compiles a scenario and a comma-separated list of expressions to read from it
    /// (`R1.temperature in °C, TK101.level, trainee.NH3 in ppm`). Commas inside brackets
    /// belong to the expression; ` in UNIT` at the end picks the display unit (default: SI,
    /// %LEL for LEL fractions). Unknown names get the compiler's own "did you mean" messages.
    public static func compile(path: String, probes: String, option: String = "--probe") -> ProbeCompileResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            return ProbeCompileResult(scenario: compile(path: path), fields: [], diagnostics: [])
        }
        let bytes = [UInt8](data)
        let (root, yamlDiagnostics) = SafeYAML.parse(bytes: bytes, path: path)
        guard let root, !yamlDiagnostics.contains(where: { $0.severity == .error }) else {
            return ProbeCompileResult(scenario: CompileResult(model: nil, diagnostics: yamlDiagnostics), fields: [], diagnostics: [])
        }
        var c = Compilation(path: path, sha256: SHA256.hex(bytes))
        c.bag.append(contentsOf: yamlDiagnostics)
        let model = c.run(root)
        let scenario = CompileResult(model: c.bag.hasErrors ? nil : model, diagnostics: c.bag.sorted)
        guard scenario.model != nil else { return ProbeCompileResult(scenario: scenario, fields: [], diagnostics: []) }

        let session = ExprCompilerSession(env: c.environment())
        var bag = DiagnosticBag()
        var fields: [ProbeField] = []
        let items = ProbeList.split(probes)
        if items.isEmpty { bag.error(SourceLocation(file: option, line: 1, column: 1), "no field to probe; e.g. \(option) TK101.level") }
        for item in items {
            let at = SourceLocation(file: option, line: 1, column: item.offset + 1)
            var unitDef: UnitDef?
            if let u = item.unit {
                let uAt = SourceLocation(file: option, line: 1, column: u.offset + 1)
                guard let d = Units.lookup(u.text) else {
                    var msg = "unknown unit '\(u.text)'"
                    if let s = Units.suggestion(for: u.text) { msg += "; did you mean '\(s)'?" }
                    bag.error(uAt, msg)
                    continue
                }
                unitDef = d
            }
            guard let program = session.compile(item.expression, at: at, bag: &bag) else { continue }
            var field = ProbeField(text: item.text, expression: item.expression, program: program, unit: "", factor: 1, offset: 0)
            switch program.resultType {
            case .bool:
                if let u = item.unit {
                    bag.error(SourceLocation(file: option, line: 1, column: u.offset + 1), "'\(item.expression)' is a condition (read as 0 or 1); it takes no unit")
                    continue
                }
            case .number(let d):
                if let u = unitDef {
                    guard u.dimension == d else {
                        bag.error(SourceLocation(file: option, line: 1, column: item.unit!.offset + 1),
                                  "'\(item.expression)' is \(ExpressionCompiler.describe(.number(d))); '\(u.symbol)' is \(ExpressionCompiler.describe(.number(u.dimension)))")
                        continue
                    }
                    field.unit = u.symbol; field.factor = u.factor; field.offset = u.offset
                } else if d == .lelFraction {
                    field.unit = "%LEL"; field.factor = 0.01
                } else if d.isNone {
                    field.unit = ""
                } else if let s = Units.siSymbol(for: d) {
                    field.unit = s
                } else {
                    field.unit = d.description
                }
            }
            fields.append(field)
        }
        return ProbeCompileResult(scenario: scenario, fields: fields, diagnostics: bag.sorted)
    }
}

/// Splits a probe list into items.
enum ProbeList {
    struct Item {
        var text: String
        var expression: String
        /// Unicode-scalar offset of the item in the list.
        var offset: Int
        var unit: (text: String, offset: Int)?
    }

    static func split(_ list: String) -> [Item] {
        let s = Array(list.unicodeScalars)
        var items: [Item] = []
        var depth = 0, start = 0
        func flush(_ end: Int) {
            var a = start, b = end
            while a < b, s[a].properties.isWhitespace { a += 1 }
            while b > a, s[b - 1].properties.isWhitespace { b -= 1 }
            guard a < b else { return }
            let text = String(String.UnicodeScalarView(s[a..<b]))
            var item = Item(text: text, expression: text, offset: a, unit: nil)
            // "EXPR in UNIT": the last " in " outside brackets.
            var k = b - 4
            while k > a {
                if s[k] == " ", s[k + 1] == "i", s[k + 2] == "n", s[k + 3] == " " { break }
                k -= 1
            }
            if k > a {
                var ua = k + 4
                while ua < b, s[ua].properties.isWhitespace { ua += 1 }
                var eb = k
                while eb > a, s[eb - 1].properties.isWhitespace { eb -= 1 }
                if ua < b, !String(String.UnicodeScalarView(s[ua..<b])).contains(where: { "()".contains($0) }) {
                    item.expression = String(String.UnicodeScalarView(s[a..<eb]))
                    item.unit = (String(String.UnicodeScalarView(s[ua..<b])), ua)
                }
            }
            items.append(item)
        }
        for (i, c) in s.enumerated() {
            if c == "(" || c == "[" { depth += 1 } else if c == ")" || c == "]" { depth = max(0, depth - 1) }
            else if c == ",", depth == 0 { flush(i); start = i + 1 }
        }
        flush(s.count)
        return items
    }
}
