import HazLabCore

/// Outcome of resolving `entity.field` through the scenario.
public enum FieldResolution {
    case found(FieldRef, ValueType)
    case unknownEntity(suggestion: String?)
    /// The entity exists (of kind `entityKind`, e.g. "tank") but has no such field.
    case unknownField(entityKind: String, available: [String], suggestion: String?)
}

/// A named expression from the scenario's `variables:` section.
public struct VariableSource {
    public var text: String
    /// Location of the first character of `text` in its file.
    public var location: SourceLocation
    public init(text: String, location: SourceLocation) { self.text = text; self.location = location }
}

/// Name resolution for the expression compiler, supplied by the scenario compiler.
public struct ExprEnvironment {
    /// Resolves `entity.field`. Also called with an empty `field` for a bare identifier that
    /// is neither a variable nor a built-in, to produce better messages: return
    /// `.unknownEntity(suggestion:)` (suggesting a close entity name) when no such entity exists,
    /// or `.unknownField(...)` when it does.
    public var resolveField: (_ entity: String, _ field: String) -> FieldResolution
    /// Named expressions; a bare identifier is looked up here first.
    public var variables: [String: VariableSource]

    public init(resolveField: @escaping (_ entity: String, _ field: String) -> FieldResolution,
                variables: [String: VariableSource] = [:]) {
        self.resolveField = resolveField
        self.variables = variables
    }
}
