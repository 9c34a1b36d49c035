/// Physical dimension as integer exponents of SI base quantities.
/// Every quantity in the core is stored in coherent SI units (m, kg, s, K, A, mol);
/// units such as °C, kPa, m³/h or %LEL exist only at the edges (files, UI).
/// `lel` is a separate pseudo-dimension: "fraction of the lower explosive limit"
/// must never be mixed with a plain volume fraction.
public struct Dimension: Hashable, Sendable, CustomStringConvertible {
    public var length: Int8
    public var mass: Int8
    public var time: Int8
    public var temperature: Int8
    public var current: Int8
    public var amount: Int8
    public var lel: Int8

    public init(length: Int8 = 0, mass: Int8 = 0, time: Int8 = 0, temperature: Int8 = 0,
                current: Int8 = 0, amount: Int8 = 0, lel: Int8 = 0) {
        self.length = length; self.mass = mass; self.time = time
        self.temperature = temperature; self.current = current; self.amount = amount; self.lel = lel
    }

    public static let none = Dimension()
    public static let length = Dimension(length: 1)
    public static let area = Dimension(length: 2)
    public static let volume = Dimension(length: 3)
    public static let time = Dimension(time: 1)
    public static let frequency = Dimension(time: -1)
    public static let mass = Dimension(mass: 1)
    public static let temperature = Dimension(temperature: 1)
    public static let current = Dimension(current: 1)
    public static let amount = Dimension(amount: 1)
    public static let velocity = Dimension(length: 1, time: -1)
    public static let volumeFlow = Dimension(length: 3, time: -1)
    public static let massFlow = Dimension(mass: 1, time: -1)
    public static let pressure = Dimension(length: -1, mass: 1, time: -2)
    public static let energy = Dimension(length: 2, mass: 1, time: -2)
    public static let power = Dimension(length: 2, mass: 1, time: -3)
    public static let voltage = Dimension(length: 2, mass: 1, time: -3, current: -1)
    public static let lelFraction = Dimension(lel: 1)

    public static func * (a: Dimension, b: Dimension) -> Dimension {
        Dimension(length: a.length &+ b.length, mass: a.mass &+ b.mass, time: a.time &+ b.time,
                  temperature: a.temperature &+ b.temperature, current: a.current &+ b.current,
                  amount: a.amount &+ b.amount, lel: a.lel &+ b.lel)
    }

    public static func / (a: Dimension, b: Dimension) -> Dimension {
        Dimension(length: a.length &- b.length, mass: a.mass &- b.mass, time: a.time &- b.time,
                  temperature: a.temperature &- b.temperature, current: a.current &- b.current,
                  amount: a.amount &- b.amount, lel: a.lel &- b.lel)
    }

    public var isNone: Bool { self == .none }

    /// Readable form such as `m^3·s^-1`, or a well-known name.
    public var description: String {
        let named: [(Dimension, String)] = [
            (.none, "dimensionless"), (.length, "length [m]"), (.area, "area [m²]"), (.volume, "volume [m³]"),
            (.time, "time [s]"), (.temperature, "temperature [K]"), (.pressure, "pressure [Pa]"),
            (.volumeFlow, "volume flow [m³/s]"), (.massFlow, "mass flow [kg/s]"), (.voltage, "voltage [V]"),
            (.current, "current [A]"), (.power, "power [W]"), (.energy, "energy [J]"), (.mass, "mass [kg]"),
            (.velocity, "velocity [m/s]"), (.frequency, "frequency [1/s]"), (.lelFraction, "%LEL"),
        ]
        for (d, name) in named where d == self { return name }
        var parts: [String] = []
        func add(_ e: Int8, _ s: String) { if e == 1 { parts.append(s) } else if e != 0 { parts.append("\(s)^\(e)") } }
        add(length, "m"); add(mass, "kg"); add(time, "s"); add(temperature, "K")
        add(current, "A"); add(amount, "mol"); add(lel, "LEL")
        return parts.joined(separator: "·")
    }
}

/// The static type of an expression or entity field.
public enum ValueType: Hashable, Sendable, CustomStringConvertible {
    case bool
    case number(Dimension)

    public var description: String {
        switch self {
        case .bool: return "boolean"
        case .number(let d): return d.isNone ? "number" : "quantity of \(d)"
        }
    }
}
