import HazLabCore

/// One unit symbol: `si = value * factor + offset` in coherent SI of `dimension`.
public struct UnitDef: Hashable, Sendable {
    public var symbol: String
    public var dimension: Dimension
    public var factor: Double
    public var offset: Double

    public init(_ symbol: String, _ dimension: Dimension, _ factor: Double, offset: Double = 0) {
        self.symbol = symbol; self.dimension = dimension; self.factor = factor; self.offset = offset
    }

    /// Converts a value written in this unit to coherent SI (deterministic: one multiply, one add).
    public func toSI(_ value: Double) -> Double { value * factor + offset }
}

/// A failure of `Units.parseQuantity` / `Units.quantity(_:expecting:)`.
public struct QuantityError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The units understood in expressions and in quantity-valued scenario parameters.
public enum Units {
    /// Every unit, in a fixed order (the first unit of a dimension with factor 1 and offset 0
    /// is that dimension's canonical SI symbol, used in hints).
    public static let all: [UnitDef] = [
        // temperature (absolute: °C converts to kelvin)
        UnitDef("K", .temperature, 1),
        UnitDef("°C", .temperature, 1, offset: 273.15),
        UnitDef("degC", .temperature, 1, offset: 273.15),
        // pressure
        UnitDef("Pa", .pressure, 1),
        UnitDef("kPa", .pressure, 1e3),
        UnitDef("MPa", .pressure, 1e6),
        UnitDef("bar", .pressure, 1e5),
        UnitDef("mbar", .pressure, 1e2),
        // fractions
        UnitDef("%", .none, 0.01),
        UnitDef("%vol", .none, 0.01),
        UnitDef("ppm", .none, 1e-6),
        UnitDef("%LEL", .lelFraction, 0.01),
        // length, area, volume
        UnitDef("m", .length, 1),
        UnitDef("km", .length, 1e3),
        UnitDef("cm", .length, 0.01),
        UnitDef("mm", .length, 0.001),
        UnitDef("m²", .area, 1),
        UnitDef("m2", .area, 1),
        UnitDef("cm²", .area, 1e-4),
        UnitDef("cm2", .area, 1e-4),
        UnitDef("mm²", .area, 1e-6),
        UnitDef("mm2", .area, 1e-6),
        UnitDef("m³", .volume, 1),
        UnitDef("m3", .volume, 1),
        UnitDef("L", .volume, 0.001),
        // flows
        UnitDef("m³/s", .volumeFlow, 1),
        UnitDef("m3/s", .volumeFlow, 1),
        UnitDef("m³/h", .volumeFlow, 1.0 / 3600.0),
        UnitDef("m3/h", .volumeFlow, 1.0 / 3600.0),
        UnitDef("L/s", .volumeFlow, 0.001),
        UnitDef("L/min", .volumeFlow, 0.001 / 60.0),
        UnitDef("kg/s", .massFlow, 1),
        UnitDef("kg/h", .massFlow, 1.0 / 3600.0),
        // mass, amount
        UnitDef("kg", .mass, 1),
        UnitDef("g", .mass, 0.001),
        UnitDef("t", .mass, 1000),
        UnitDef("mol", .amount, 1),
        // time
        UnitDef("s", .time, 1),
        UnitDef("ms", .time, 0.001),
        UnitDef("min", .time, 60),
        UnitDef("h", .time, 3600),
        // electrical
        UnitDef("V", .voltage, 1),
        UnitDef("kV", .voltage, 1e3),
        UnitDef("A", .current, 1),
        UnitDef("mA", .current, 1e-3),
        UnitDef("kA", .current, 1e3),
        UnitDef("W", .power, 1),
        UnitDef("kW", .power, 1e3),
        UnitDef("MW", .power, 1e6),
        UnitDef("J", .energy, 1),
        UnitDef("kJ", .energy, 1e3),
        UnitDef("MJ", .energy, 1e6),
        // misc
        UnitDef("Hz", .frequency, 1),
        UnitDef("m/s", .velocity, 1),
        UnitDef("m/s2", Dimension(length: 1, time: -2), 1),
        UnitDef("m/s²", Dimension(length: 1, time: -2), 1),
        UnitDef("kg/m3", Dimension(length: -3, mass: 1), 1),
        UnitDef("kg/m³", Dimension(length: -3, mass: 1), 1),
        UnitDef("J/kg", Dimension(length: 2, time: -2), 1),
        UnitDef("kJ/kg", Dimension(length: 2, time: -2), 1e3),
        UnitDef("W/m2", Dimension(mass: 1, time: -3), 1),
        UnitDef("W/m²", Dimension(mass: 1, time: -3), 1),
        UnitDef("kW/m2", Dimension(mass: 1, time: -3), 1e3),
        UnitDef("kW/m²", Dimension(mass: 1, time: -3), 1e3),
        UnitDef("mg/m3", Dimension(length: -3, mass: 1), 1e-6),
        UnitDef("m2/s", Dimension(length: 2, time: -1), 1),
        UnitDef("J/mol", Dimension(length: 2, mass: 1, time: -2, amount: -1), 1),
        UnitDef("kJ/mol", Dimension(length: 2, mass: 1, time: -2, amount: -1), 1e3),
        UnitDef("W/K", Dimension(length: 2, mass: 1, time: -3, temperature: -1), 1),
        UnitDef("kW/K", Dimension(length: 2, mass: 1, time: -3, temperature: -1), 1e3),
        UnitDef("mol/m3", Dimension(length: -3, amount: 1), 1),
        UnitDef("mol/m³", Dimension(length: -3, amount: 1), 1),
        UnitDef("mol/L", Dimension(length: -3, amount: 1), 1e3),
        UnitDef("1/s", .frequency, 1),
        UnitDef("1/min", .frequency, 1.0 / 60.0),
        UnitDef("m²/s", Dimension(length: 2, time: -1), 1),
        UnitDef("mg/m³", Dimension(length: -3, mass: 1), 1e-6),
    ]

    private static let bySymbol: [String: UnitDef] = {
        var d: [String: UnitDef] = [:]
        for u in all { d[u.symbol] = u }
        return d
    }()

    /// The unit with exactly this symbol (case-sensitive: `mA` ≠ `MA`).
    public static func lookup(_ symbol: String) -> UnitDef? { bySymbol[symbol] }

    /// Closest known symbol to a misspelt one, if any is close enough.
    public static func suggestion(for symbol: String) -> String? {
        ExprSuggest.closest(to: symbol, in: all.map(\.symbol))
    }

    /// Canonical SI symbol for a dimension (`Pa`, `m³/s`, ...), if the table has one.
    public static func siSymbol(for d: Dimension) -> String? {
        all.first { $0.dimension == d && $0.factor == 1 && $0.offset == 0 }?.symbol
    }

    /// Parses a plain value such as `"5 s"`, `"3.2 m"`, `"80 °C"`, `"-1.5e3 Pa"` or `"0.5"`
    /// (no unit → dimensionless) into coherent SI.
    public static func parseQuantity(_ text: String) -> Result<(value: Double, dimension: Dimension), QuantityError> {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func skipSpace() { while i < scalars.count, scalars[i].properties.isWhitespace { i += 1 } }
        skipSpace()
        var numText = ""
        if i < scalars.count, scalars[i] == "-" || scalars[i] == "+" { numText.unicodeScalars.append(scalars[i]); i += 1 }
        let numStart = i
        i = ExprLexer.scanNumber(scalars, from: i)
        if i == numStart {
            return .failure(QuantityError("expected a number with an optional unit, found '\(text)'"))
        }
        numText += String(String.UnicodeScalarView(scalars[numStart ..< i]))
        guard let value = Double(numText) else {
            return .failure(QuantityError("invalid number '\(numText)'"))
        }
        skipSpace()
        let unitText = trimWS(String(String.UnicodeScalarView(scalars[i...])))
        if unitText.isEmpty { return .success((value, .none)) }
        guard let u = lookup(unitText) else {
            var msg = "unknown unit '\(unitText)'"
            if let s = suggestion(for: unitText) { msg += "; did you mean '\(s)'?" }
            return .failure(QuantityError(msg))
        }
        return .success((u.toSI(value), u.dimension))
    }

    /// Parses a quantity and checks its dimension. A plain number is accepted only for a
    /// dimensionless expectation, or when it is 0 (same rule as in expressions).
    /// Example error: "expected a time [s], found pressure [Pa]".
    public static func quantity(_ text: String, expecting d: Dimension) -> Result<Double, QuantityError> {
        switch parseQuantity(text) {
        case .failure(let e): return .failure(e)
        case .success(let q):
            if q.dimension == d { return .success(q.value) }
            let trimmed = trimWS(text)
            if q.dimension.isNone && Double(trimmed) != nil {
                if q.value == 0 { return .success(0) }
                var msg = "expected \(withArticle(d)), found plain number \(trimmed)"
                if let u = siSymbol(for: d) { msg += "; write a unit, e.g. '\(trimmed) \(u)'" }
                return .failure(QuantityError(msg))
            }
            return .failure(QuantityError("expected \(withArticle(d)), found \(q.dimension)"))
        }
    }

    /// "a time [s]", "an area [m²]", "a plain number".
    static func withArticle(_ d: Dimension) -> String {
        if d.isNone { return "a plain number" }
        let s = d.description
        let vowel = s.first.map { "aeiou".contains($0) } ?? false
        return (vowel ? "an " : "a ") + s
    }
}

/// Trims Unicode whitespace at both ends (no Foundation needed).
private func trimWS(_ text: String) -> String {
    var s = Substring(text)
    while let l = s.unicodeScalars.last, l.properties.isWhitespace { s = Substring(s.unicodeScalars.dropLast()) }
    while let f = s.unicodeScalars.first, f.properties.isWhitespace { s = Substring(s.unicodeScalars.dropFirst()) }
    return String(s)
}
