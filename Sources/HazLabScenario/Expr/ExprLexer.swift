import HazLabCore

/// A problem found while reading an expression; `offset` counts Unicode scalars from the
/// start of the expression text (0-based).
public struct ExprSyntaxError: Hashable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public init(offset: Int, message: String) { self.offset = offset; self.message = message }
    public var description: String { "\(offset): \(message)" }
}

struct ExprToken {
    enum Kind: Equatable {
        /// A number, with its unit when one follows (`unitText` set, `unit` nil when unknown).
        case number(Double, text: String, unit: UnitDef?, unitText: String?, unitOffset: Int)
        case ident(String)
        /// Operators and punctuation, normalised (`&&` → `and`, `≤` → `<=`, ...).
        case punct(String)
        /// A character that could not be read (already reported).
        case invalid
        case eof
    }
    var kind: Kind
    var offset: Int
    /// Text as written, for messages.
    var text: String

    var describe: String {
        if case .eof = kind { return "end of expression" }
        return "'\(text)'"
    }
}

/// Splits an expression into tokens. Units directly after a number (optionally separated by
/// spaces, but with no spaces inside the unit) are read as part of the number.
enum ExprLexer {
    static let keywords: Set<String> = ["and", "or", "not", "if", "then", "else", "true", "false"]

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122)
    }
    static func isIdentStart(_ c: Unicode.Scalar) -> Bool { isLetter(c) || c == "_" }
    static func isIdentChar(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || isDigit(c) }
    static func isUnitStart(_ c: Unicode.Scalar) -> Bool { isLetter(c) || c == "°" || c == "%" || c == "µ" }
    static func isUnitChar(_ c: Unicode.Scalar) -> Bool {
        isLetter(c) || isDigit(c) || c == "°" || c == "%" || c == "µ" || c == "²" || c == "³"
    }

    /// End index of a number (`12`, `3.5`, `.5`, `1e-3`) starting at `i`; `i` when none.
    static func scanNumber(_ s: [Unicode.Scalar], from start: Int) -> Int {
        var i = start
        while i < s.count, isDigit(s[i]) { i += 1 }
        var digits = i > start
        if i < s.count, s[i] == ".", i + 1 < s.count, isDigit(s[i + 1]) {
            i += 1
            while i < s.count, isDigit(s[i]) { i += 1 }
            digits = true
        }
        guard digits else { return start }
        if i < s.count, s[i] == "e" || s[i] == "E" {
            var j = i + 1
            if j < s.count, s[j] == "+" || s[j] == "-" { j += 1 }
            if j < s.count, isDigit(s[j]) {
                while j < s.count, isDigit(s[j]) { j += 1 }
                i = j
            }
        }
        return i
    }

    static func tokenize(_ text: String, errors: inout [ExprSyntaxError]) -> [ExprToken] {
        let s = Array(text.unicodeScalars)
        var toks: [ExprToken] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if c.properties.isWhitespace { i += 1; continue }
            let start = i
            let token: ExprToken
            if isDigit(c) || (c == "." && i + 1 < s.count && isDigit(s[i + 1])) {
                (token, i) = number(s, at: start, errors: &errors)
            } else if isIdentStart(c) {
                while i < s.count, isIdentChar(s[i]) { i += 1 }
                let name = string(s, start, i)
                token = ExprToken(kind: .ident(name), offset: start, text: name)
            } else {
                (token, i) = punctuation(s, at: start, errors: &errors)
            }
            toks.append(token)
        }
        toks.append(ExprToken(kind: .eof, offset: s.count, text: ""))
        return toks
    }

    static func string(_ s: [Unicode.Scalar], _ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(s[a ..< b])) }

    /// A number and the unit after it, if any; and the index after them.
    static func number(_ s: [Unicode.Scalar], at start: Int, errors: inout [ExprSyntaxError]) -> (ExprToken, end: Int) {
        var i = scanNumber(s, from: start)
        let numText = string(s, start, i)
        let value = Double(numText) ?? 0
        // optional unit
        var j = i
        while j < s.count, s[j].properties.isWhitespace { j += 1 }
        var unit: UnitDef?, unitText: String?, unitOffset = j
        if j < s.count, isUnitStart(s[j]), let end = unitEnd(s, from: j) {
            let word = string(s, j, end)
            unitText = word
            unitOffset = j
            unit = Units.lookup(word)
            if unit == nil {
                errors.append(ExprSyntaxError(offset: j, message: "unknown unit '\(word)'" + (Units.suggestion(for: word).map { "; did you mean '\($0)'?" } ?? "")))
            }
            i = end
        }
        let token = ExprToken(kind: .number(value, text: numText, unit: unit, unitText: unitText, unitOffset: unitOffset),
                              offset: start, text: string(s, start, i))
        return (token, i)
    }

    /// End of the unit word starting at `j`; nil when the word is a keyword (`2 and …`).
    /// `a/b` is one unit when it is known as one, or when `a` alone is not a unit.
    static func unitEnd(_ s: [Unicode.Scalar], from j: Int) -> Int? {
        var k = j
        while k < s.count, isUnitChar(s[k]) { k += 1 }
        let first = string(s, j, k)
        if keywords.contains(first) { return nil }
        var end = k
        if k + 1 < s.count, s[k] == "/", isUnitStart(s[k + 1]) {
            var m = k + 1
            while m < s.count, isUnitChar(s[m]) { m += 1 }
            if Units.lookup(string(s, j, m)) != nil || Units.lookup(first) == nil { end = m }
        }
        return end
    }

    /// An operator or punctuation mark (alternative spellings normalised, near misses
    /// reported and read as meant), or an invalid character; and the index after it.
    static func punctuation(_ s: [Unicode.Scalar], at i: Int, errors: inout [ExprSyntaxError]) -> (ExprToken, end: Int) {
        let c = s[i]
        let next: Unicode.Scalar? = i + 1 < s.count ? s[i + 1] : nil
        var op: String?
        var len = 1
        // One case per spelling: the switch is the table of operators.
        switch c {
        case "+", "*", "/", "(", ")", ",", ".": op = String(c)
        case "-", "−": op = "-"
        case "×": op = "*"
        case "<": if next == "=" { op = "<="; len = 2 } else { op = "<" }
        case ">": if next == "=" { op = ">="; len = 2 } else { op = ">" }
        case "≤": op = "<="
        case "≥": op = ">="
        case "≠": op = "!="
        case "=":
            if next == "=" { op = "=="; len = 2 } else {
                errors.append(ExprSyntaxError(offset: i, message: "unexpected '='; use '==' to compare"))
                op = "=="
            }
        case "!": if next == "=" { op = "!="; len = 2 } else { op = "not" }
        case "&":
            if next == "&" { op = "and"; len = 2 } else {
                errors.append(ExprSyntaxError(offset: i, message: "unexpected '&'; use 'and' or '&&'"))
                op = "and"
            }
        case "|":
            if next == "|" { op = "or"; len = 2 } else {
                errors.append(ExprSyntaxError(offset: i, message: "unexpected '|'; use 'or' or '||'"))
                op = "or"
            }
        default: break
        }
        guard let op else {
            var msg = "unexpected character '\(c)'"
            if c.properties.isAlphabetic { msg += "; names may only use ASCII letters, digits and '_'" }
            errors.append(ExprSyntaxError(offset: i, message: msg))
            return (ExprToken(kind: .invalid, offset: i, text: String(c)), i + 1)
        }
        return (ExprToken(kind: .punct(op), offset: i, text: string(s, i, i + len)), i + len)
    }
}
