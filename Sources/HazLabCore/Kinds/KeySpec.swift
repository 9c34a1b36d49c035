/// The shape of a value in a scenario file. `KeySpec`s built from it describe the format once:
/// the compiler takes its allowed keys from them and `hazlab schema` turns them into JSON Schema.
public indirect enum ValueShape: Sendable {
    case string
    case identifier
    /// A scenario id: also a folder name, so '-' is allowed.
    case scenarioId
    case integer(min: Int?)
    case number
    case boolean
    /// A quantity with a unit, e.g. `5 s`; a bare number is taken in SI units.
    case quantity(Dimension)
    /// An expression in the scenario expression language.
    case expression(boolean: Bool)
    /// `{zh: ..., en: ...}` or a plain string (used for both languages).
    case localized
    case oneOf([String])
    case list(ValueShape)
    /// A mapping whose keys are free-form names and whose values all have this shape.
    case dictionary(ValueShape)
    case section(String)
    /// `veto`, or a number of points.
    case vetoOrPoints
}

public struct KeySpec: Sendable {
    public var name: String
    public var shape: ValueShape
    public var required: Bool
    public var help: String
    public init(_ name: String, _ shape: ValueShape, required: Bool = false, _ help: String) {
        self.name = name; self.shape = shape; self.required = required; self.help = help
    }
}
