/// An immutable YAML node with source positions, produced by `SafeYAML`.
///
/// Mapping pairs keep document order. Keys are always plain strings: `SafeYAML` rejects
/// complex, aliased and collection keys, so nothing downstream has to handle them.
public struct YNode: Sendable {
    public enum Content: Sendable {
        case scalar(YScalar)
        case sequence([YNode])
        case mapping([YPair])
    }

    public var content: Content
    /// Where the node starts (1-based line/column, columns in Unicode scalars). For a node with
    /// properties (`&anchor`, `!!tag`) this is the first property. For an alias (`*a`) it is the
    /// position of the alias itself; the children of an aliased collection keep their anchor-side positions.
    public var location: SourceLocation

    public init(content: Content, location: SourceLocation) {
        self.content = content
        self.location = location
    }
}

public enum ScalarStyle: Sendable, Equatable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// How a character offset inside a scalar's text maps back to the source.
public enum ScalarSourceMap: Sendable, Equatable {
    /// Text character `k` is at `start.advanced(by: k)` (single-line scalar without escapes).
    case linear(start: SourceLocation)
    /// Text character `k` is at column `columns[k]` of `line` (single-line quoted scalar with escapes or `''`).
    /// `columns` has one extra entry for the position just after the text.
    case columns(file: String, line: Int, columns: [Int])
    /// Literal block scalar (`|`): text line `j` is source line `firstLine + j`, indented by `indent` spaces.
    case literalBlock(file: String, firstLine: Int, indent: Int)
    /// Multi-line plain/quoted or folded scalar: only the start of the text is known.
    case approximate(start: SourceLocation)
}

public struct YScalar: Sendable {
    /// The scalar's value after YAML unescaping/folding.
    public var text: String
    public var style: ScalarStyle
    /// True for plain `""`, `~`, `null`, `Null`, `NULL`, or an explicit `!!null` tag.
    public var isNull: Bool
    /// The explicit tag in long form (e.g. `tag:yaml.org,2002:str`), or nil when implicit.
    public var tag: String?
    /// Maps character offsets of `text` to source positions.
    public var sourceMap: ScalarSourceMap

    public init(text: String, style: ScalarStyle, tag: String? = nil, sourceMap: ScalarSourceMap) {
        self.text = text
        self.style = style
        self.tag = tag
        self.sourceMap = sourceMap
        if let tag {
            isNull = tag == YAMLTag.null
        } else {
            isNull = style == .plain && YScalar.nullWords.contains(text)
        }
    }

    static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

    /// The source location of the character at `offset` (in Unicode scalars) of `text`.
    ///
    /// - Single-line plain scalars: exact (`start + offset`).
    /// - Single-line quoted scalars: exact, one column after the opening quote, and escapes
    ///   (`\n`, `\u00e9`, `''`) are accounted for.
    /// - Literal block scalars (`|`): exact line and column (content indentation + column in the line).
    /// - Folded block scalars and multi-line plain/quoted scalars: the start of the text
    ///   (line folding makes exact positions unrecoverable).
    public func location(ofOffset offset: Int) -> SourceLocation {
        let k = max(0, offset)
        switch sourceMap {
        case .linear(let start):
            return start.advanced(by: k)
        case .columns(let file, let line, let columns):
            let col = columns.isEmpty ? 1 : columns[min(k, columns.count - 1)]
            return SourceLocation(file: file, line: line, column: col)
        case .literalBlock(let file, let firstLine, let indent):
            var line = 0
            var col = 0
            var i = 0
            for s in text.unicodeScalars {
                if i == k { break }
                if s == "\n" { line += 1; col = 0 } else { col += 1 }
                i += 1
            }
            return SourceLocation(file: file, line: firstLine + line, column: indent + col + 1)
        case .approximate(let start):
            return start
        }
    }
}

public struct YPair: Sendable {
    public var key: String
    public var keyLocation: SourceLocation
    public var value: YNode

    public init(key: String, keyLocation: SourceLocation, value: YNode) {
        self.key = key
        self.keyLocation = keyLocation
        self.value = value
    }
}

/// Long-form names of the standard YAML tags `SafeYAML` accepts.
public enum YAMLTag {
    public static let prefix = "tag:yaml.org,2002:"
    public static let str = prefix + "str"
    public static let int = prefix + "int"
    public static let float = prefix + "float"
    public static let bool = prefix + "bool"
    public static let null = prefix + "null"
    public static let seq = prefix + "seq"
    public static let map = prefix + "map"
    /// `!` (non-specific tag) is also accepted and means "string" for scalars.
    public static let nonSpecific = "!"
    public static let allowed: Set<String> = [str, int, float, bool, null, seq, map, nonSpecific]

    /// `tag:yaml.org,2002:python/object` → `!!python/object`.
    public static func shortForm(_ tag: String) -> String {
        tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
    }
}

/// What a scalar resolves to (YAML 1.2 core schema, strict: `yes`/`no`/`on`/`off` are strings).
public enum ScalarKind: Sendable, Equatable {
    case null, bool, int, float, string
}

extension YScalar {
    public var kind: ScalarKind {
        if isNull { return .null }
        if let tag {
            switch tag {
            case YAMLTag.bool: return .bool
            case YAMLTag.int: return .int
            case YAMLTag.float: return .float
            default: return .string
            }
        }
        guard style == .plain else { return .string }
        if YScalar.boolValue(text) != nil { return .bool }
        if YScalar.isIntegerSyntax(text) { return .int }
        if YScalar.isFloatSyntax(text) { return .float }
        return .string
    }

    static func boolValue(_ t: String) -> Bool? {
        switch t {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// `[-+]?[0-9]+`
    static func isIntegerSyntax(_ t: String) -> Bool {
        var u = Substring(t).utf8[...]
        if let f = u.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") { u = u.dropFirst() }
        return !u.isEmpty && u.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` or `[-+]?.inf`, `.nan` (any case form YAML allows).
    static func isFloatSyntax(_ t: String) -> Bool {
        if nonFiniteValue(t) != nil { return true }
        let u = Array(t.utf8)
        var i = 0
        func digits() -> Int { var n = 0; while i < u.count, u[i] >= 48, u[i] <= 57 { i += 1; n += 1 }; return n }
        if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
        let intDigits = digits()
        var fracDigits = 0
        if i < u.count, u[i] == UInt8(ascii: ".") { i += 1; fracDigits = digits() }
        guard intDigits + fracDigits > 0 else { return false }
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == u.count
    }

    static func nonFiniteValue(_ t: String) -> Double? {
        switch t {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: return nil
        }
    }
}

extension YNode {
    /// "mapping", "sequence", "string", "integer", "number", "boolean" or "null".
    public var kindName: String {
        switch content {
        case .mapping: return "mapping"
        case .sequence: return "sequence"
        case .scalar(let s):
            switch s.kind {
            case .null: return "null"
            case .bool: return "boolean"
            case .int: return "integer"
            case .float: return "number"
            case .string: return "string"
            }
        }
    }

    /// For messages: `a mapping`, `a sequence`, `null`, `string "ten"`, `integer 10`.
    public var foundDescription: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .scalar(let s):
            if s.isNull { return "null" }
            var shown = s.text
            if shown.unicodeScalars.count > 40 {
                shown = String(String.UnicodeScalarView(shown.unicodeScalars.prefix(40))) + "…"
            }
            let escaped = shown.unicodeScalars.map { u -> String in
                switch u {
                case "\"": return "\\\""
                case "\\": return "\\\\"
                case "\n": return "\\n"
                case "\t": return "\\t"
                case "\r": return "\\r"
                default: return String(u)
                }
            }.joined()
            return s.kind == .string ? "\(kindName) \"\(escaped)\"" : "\(kindName) \(escaped)"
        }
    }

    public var isMapping: Bool { if case .mapping = content { return true } else { return false } }
    public var isSequence: Bool { if case .sequence = content { return true } else { return false } }
    public var isNull: Bool { if case .scalar(let s) = content { return s.isNull } else { return false } }

    public var scalar: YScalar? { if case .scalar(let s) = content { return s } else { return nil } }
    /// The text of a scalar node (nil for collections).
    public var scalarText: String? { scalar?.text }
    public var pairs: [YPair]? { if case .mapping(let p) = content { return p } else { return nil } }
    public var items: [YNode]? { if case .sequence(let i) = content { return i } else { return nil } }

    /// The pair with this key in a mapping (first match; `SafeYAML` guarantees keys are unique).
    public func pair(_ key: String) -> YPair? { pairs?.first { $0.key == key } }

    /// The value for `key` in a mapping, or nil if absent or not a mapping.
    public subscript(key: String) -> YNode? { pair(key)?.value }

    /// The source location of character `offset` inside a scalar's text; the node's location
    /// for collections. See `YScalar.location(ofOffset:)` for the accuracy per scalar style.
    public func location(ofOffset offset: Int) -> SourceLocation {
        scalar?.location(ofOffset: offset) ?? location
    }
}
