/// Reads a YAML mapping with diagnostics: required keys, unknown keys with suggestions, typed values.
///
/// Messages: `what` is inserted verbatim in mapping-level messages ("missing required key 'id' in
/// entity"); typed getters quote it ("expected an integer for 'tickRate', found string \"ten\"").
public struct MappingReader: Sendable {
    /// The mapping node itself.
    public let mapping: YNode
    public let what: String
    /// The pairs in document order.
    public let pairs: [YPair]

    /// Fails (with "expected a mapping for <what>, found …" at the node) when `node` is not a mapping.
    public init?(_ node: YNode, what: String, bag: inout DiagnosticBag) {
        guard case .mapping(let pairs) = node.content else {
            bag.error(node.location, "expected a mapping for \(what), found \(node.foundDescription)")
            return nil
        }
        self.mapping = node
        self.what = what
        self.pairs = pairs
    }

    public var location: SourceLocation { mapping.location }
    public var keys: [String] { pairs.map(\.key) }

    public func node(_ key: String) -> YNode? { pair(key)?.value }
    public func pair(_ key: String) -> YPair? { pairs.first { $0.key == key } }
    public func has(_ key: String) -> Bool { pair(key) != nil }

    /// The value for `key`, or "missing required key '<key>' in <what>" at the mapping's location.
    public func required(_ key: String, bag: inout DiagnosticBag) -> YNode? {
        if let n = node(key) { return n }
        bag.error(mapping.location, "missing required key '\(key)' in \(what)")
        return nil
    }

    /// Reports every key not in `allowed` at the key's location, with a suggestion when one is close.
    public func checkKeys(allowed: [String], bag: inout DiagnosticBag) {
        let allowedSet = Set(allowed)
        for p in pairs where !allowedSet.contains(p.key) {
            var message = "unknown key '\(p.key)' in \(what)"
            if let s = Suggest.closest(to: p.key, among: allowed) {
                message += "; did you mean '\(s)'?"
            } else if p.key.contains(" ") || p.key.contains(")") {
                // `{when: f(a, b)}` splits at the comma inside the flow mapping.
                message += " (a comma inside {…} starts a new key: put the value in quotes)"
            }
            bag.error(p.keyLocation, message)
        }
    }

    // Typed reads of optional keys: nil without a diagnostic when the key is absent,
    // nil with a diagnostic when it is present with the wrong type. `what` in messages is the key.
    public func string(_ key: String, bag: inout DiagnosticBag) -> String? { node(key)?.string(&bag, what: key) }
    public func int(_ key: String, bag: inout DiagnosticBag) -> Int? { node(key)?.int(&bag, what: key) }
    public func double(_ key: String, bag: inout DiagnosticBag) -> Double? { node(key)?.double(&bag, what: key) }
    public func bool(_ key: String, bag: inout DiagnosticBag) -> Bool? { node(key)?.bool(&bag, what: key) }
    public func sequence(_ key: String, bag: inout DiagnosticBag) -> [YNode]? { node(key)?.sequence(&bag, what: key) }
}

extension YNode {
    private func typeError(_ bag: inout DiagnosticBag, _ expected: String, _ what: String) {
        bag.error(location, "expected \(expected) for '\(what)', found \(foundDescription)")
    }

    /// Any non-null scalar, as written (so `title: 2024` reads as "2024").
    public func string(_ bag: inout DiagnosticBag, what: String) -> String? {
        guard let s = scalar, !s.isNull else { typeError(&bag, "a string", what); return nil }
        return s.text
    }

    /// A plain decimal integer (`42`, `-7`, `+3`) or an `!!int`-tagged one; quoted text is a string.
    public func int(_ bag: inout DiagnosticBag, what: String) -> Int? {
        guard let s = scalar, s.kind == .int else { typeError(&bag, "an integer", what); return nil }
        guard YScalar.isIntegerSyntax(s.text) else { typeError(&bag, "an integer", what); return nil }
        guard let v = Int(s.text) else {
            bag.error(location, "integer \(s.text) is out of range for '\(what)'")
            return nil
        }
        return v
    }

    /// A finite plain number (integer or decimal, with optional exponent).
    public func double(_ bag: inout DiagnosticBag, what: String) -> Double? {
        guard let s = scalar, s.kind == .int || s.kind == .float else { typeError(&bag, "a number", what); return nil }
        if let nonFinite = YScalar.nonFiniteValue(s.text) {
            bag.error(location, "expected a finite number for '\(what)', found \(nonFinite.isNaN ? ".nan" : s.text)")
            return nil
        }
        guard YScalar.isFloatSyntax(s.text), let v = Double(s.text) else {
            typeError(&bag, "a number", what); return nil
        }
        guard v.isFinite else {
            bag.error(location, "number \(s.text) is out of range for '\(what)'")
            return nil
        }
        return v
    }

    /// `true`/`false` (also `True`, `TRUE`…). YAML 1.1 `yes`/`no`/`on`/`off` are strings here.
    public func bool(_ bag: inout DiagnosticBag, what: String) -> Bool? {
        guard let s = scalar, s.kind == .bool, let v = YScalar.boolValue(s.text) else {
            typeError(&bag, "a boolean (true or false)", what); return nil
        }
        return v
    }

    public func sequence(_ bag: inout DiagnosticBag, what: String) -> [YNode]? {
        guard let items else { typeError(&bag, "a sequence", what); return nil }
        return items
    }

    public func mapping(_ bag: inout DiagnosticBag, what: String) -> [YPair]? {
        guard let pairs else { typeError(&bag, "a mapping", what); return nil }
        return pairs
    }
}
