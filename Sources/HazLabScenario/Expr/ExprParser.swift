import HazLabCore

/// Expression syntax tree. `offset` is the node's first Unicode scalar in the expression text.
public struct ExprNode: Sendable, CustomStringConvertible {
    public enum UnaryOp: String, Sendable { case neg = "-", not }
    public enum BinaryOp: String, Sendable {
        case add = "+", sub = "-", mul = "*", div = "/"
        case lt = "<", le = "<=", gt = ">", ge = ">=", eq = "==", ne = "!="
        case and, or
        var isComparison: Bool { [.lt, .le, .gt, .ge, .eq, .ne].contains(self) }
    }

    public indirect enum Kind: Sendable {
        /// A plain number without unit.
        case number(Double, text: String)
        /// A number with a unit; `value` is as written (not yet converted to SI).
        case quantity(Double, unit: UnitDef, text: String)
        case bool(Bool)
        /// A bare identifier: a variable or the built-in `time`.
        case name(String)
        /// `entity.field`; `fieldOffset` is where `field` starts.
        case field(entity: String, field: String, fieldOffset: Int)
        case unary(UnaryOp, ExprNode)
        /// `opOffset` is where the operator starts.
        case binary(BinaryOp, ExprNode, ExprNode, opOffset: Int)
        case ifThenElse(ExprNode, ExprNode, ExprNode)
        case call(String, [ExprNode])
        /// Something already reported as an error (e.g. an unknown unit).
        case invalid
    }

    public var offset: Int
    public var kind: Kind

    public init(_ kind: Kind, at offset: Int) { self.kind = kind; self.offset = offset }

    /// S-expression debug form, e.g. `(or (and a b) (not (< TK1.level 2[m])))`.
    public var description: String {
        switch kind {
        case .number(_, let t): return t
        case .quantity(_, let u, let t): return "\(t)[\(u.symbol)]"
        case .bool(let b): return b ? "true" : "false"
        case .name(let n): return n
        case .field(let e, let f, _): return "\(e).\(f)"
        case .unary(let op, let x): return "(\(op.rawValue) \(x))"
        case .binary(let op, let a, let b, _): return "(\(op.rawValue) \(a) \(b))"
        case .ifThenElse(let c, let a, let b): return "(if \(c) \(a) \(b))"
        case .call(let f, let args): return "(\(f)" + args.map { " \($0)" }.joined() + ")"
        case .invalid: return "<error>"
        }
    }
}

/// Recursive-descent (Pratt) parser for scenario expressions.
///
/// Precedence, loosest first: `or` < `and` < `not` < comparisons (non-associative)
/// < `+ -` < `* /` < unary `-`. `if c then a else b` is a prefix form whose `else` branch
/// extends as far right as possible.
public enum ExpressionParser {
    /// Parses `text`. Returns the tree (nil after a syntax error) and every error found:
    /// lexical errors (unknown characters and units) are all reported; parsing stops at the
    /// first syntax error.
    public static func parse(_ text: String) -> (ExprNode?, [ExprSyntaxError]) {
        var errors: [ExprSyntaxError] = []
        let toks = ExprLexer.tokenize(text, errors: &errors)
        var p = Parser(toks: toks)
        do {
            if case .eof = toks[0].kind {
                throw SyntaxFailure(offset: 0, message: "empty expression")
            }
            let e = try p.expr(0)
            if case .eof = p.peek.kind {} else {
                let t = p.peek
                if case .invalid = t.kind { throw SyntaxFailure(offset: t.offset, message: nil) }
                if case .punct(")") = t.kind {
                    throw SyntaxFailure(offset: t.offset, message: "unexpected ')' with no matching '('")
                }
                throw SyntaxFailure(offset: t.offset, message: "unexpected \(t.describe); expected an operator or end of expression")
            }
            return (e, errors)
        } catch let f as SyntaxFailure {
            if let m = f.message { errors.append(ExprSyntaxError(offset: f.offset, message: m)) }
            errors.sort { $0.offset < $1.offset }
            return (nil, errors)
        } catch {
            return (nil, errors)
        }
    }
}

/// A syntax error; `message == nil` when already reported by the lexer.
private struct SyntaxFailure: Error {
    var offset: Int
    var message: String?
}

private struct Parser {
    let toks: [ExprToken]
    var pos = 0

    init(toks: [ExprToken]) { self.toks = toks }

    var peek: ExprToken { toks[pos] }
    var peekNext: ExprToken { toks[min(pos + 1, toks.count - 1)] }

    mutating func advance() -> ExprToken {
        let t = toks[pos]
        if pos < toks.count - 1 { pos += 1 }
        return t
    }

    func isPunct(_ t: ExprToken, _ p: String) -> Bool {
        if case .punct(let q) = t.kind { return q == p }
        return false
    }

    func isKeyword(_ t: ExprToken, _ k: String) -> Bool {
        if case .ident(let q) = t.kind { return q == k }
        return false
    }

    /// Infix operator at the current token, with its precedence.
    func infix() -> (ExprNode.BinaryOp, Int)? {
        switch peek.kind {
        case .ident("or"), .punct("or"): return (.or, 1)
        case .ident("and"), .punct("and"): return (.and, 2)
        case .punct(let p):
            switch p {
            case "<": return (.lt, 4)
            case "<=": return (.le, 4)
            case ">": return (.gt, 4)
            case ">=": return (.ge, 4)
            case "==": return (.eq, 4)
            case "!=": return (.ne, 4)
            case "+": return (.add, 5)
            case "-": return (.sub, 5)
            case "*": return (.mul, 6)
            case "/": return (.div, 6)
            default: return nil
            }
        default: return nil
        }
    }

    mutating func expr(_ minPrec: Int) throws -> ExprNode {
        var left = try prefix()
        while let (op, prec) = infix(), prec > minPrec {
            let opTok = advance()
            let right = try expr(prec)
            left = ExprNode(.binary(op, left, right, opOffset: opTok.offset), at: left.offset)
            if prec == 4, let (_, p2) = infix(), p2 == 4 {
                throw SyntaxFailure(offset: peek.offset,
                                    message: "comparisons cannot be chained; combine them with 'and'")
            }
        }
        return left
    }

    mutating func prefix() throws -> ExprNode {
        let t = peek
        switch t.kind {
        case .eof:
            throw SyntaxFailure(offset: t.offset, message: "unexpected end of expression; expected a value")
        case .invalid:
            throw SyntaxFailure(offset: t.offset, message: nil)
        case .number(let v, let text, let unit, let unitText, _):
            _ = advance()
            return Self.literal(v, text: text, unit: unit, unitText: unitText, at: t.offset)
        case .punct("-"):
            _ = advance()
            // A minus directly before a literal is part of the literal (so -5 °C is 268.15 K).
            // (unary minus binds tighter than every binary operator, so this is equivalent)
            if case .number(let v, let text, let unit, let unitText, _) = peek.kind {
                _ = advance()
                return Self.literal(-v, text: "-" + text, unit: unit, unitText: unitText, at: t.offset)
            }
            let x = try expr(6)
            return ExprNode(.unary(.neg, x), at: t.offset)
        case .punct("not"), .ident("not"):
            _ = advance()
            let x = try expr(3)
            return ExprNode(.unary(.not, x), at: t.offset)
        case .punct("("):
            _ = advance()
            let e = try expr(0)
            try close(open: t)
            return e
        case .ident(let name):
            return try named(name, at: t)
        case .punct(let p):
            if p == ")" {
                throw SyntaxFailure(offset: t.offset, message: "unexpected ')'; expected a value")
            }
            throw SyntaxFailure(offset: t.offset, message: "unexpected \(t.describe); expected a value")
        }
    }

    /// A plain number, or a quantity when a unit was written (invalid when the unit is
    /// unknown: the lexer reported it).
    static func literal(_ v: Double, text: String, unit: UnitDef?, unitText: String?, at offset: Int) -> ExprNode {
        if unitText != nil {
            guard let unit else { return ExprNode(.invalid, at: offset) }
            return ExprNode(.quantity(v, unit: unit, text: text), at: offset)
        }
        return ExprNode(.number(v, text: text), at: offset)
    }

    /// What begins with a name `t`: true or false, `if … then … else …`, a call, a field or a variable.
    mutating func named(_ name: String, at t: ExprToken) throws -> ExprNode {
        switch name {
        case "true", "false":
            _ = advance()
            return ExprNode(.bool(name == "true"), at: t.offset)
        case "if":
            _ = advance()
            let c = try expr(0)
            try expectKeyword("then", after: "the 'if' condition")
            let a = try expr(0)
            try expectKeyword("else", after: "the 'then' branch")
            let b = try expr(0)
            return ExprNode(.ifThenElse(c, a, b), at: t.offset)
        case "and", "or", "then", "else":
            throw SyntaxFailure(offset: t.offset, message: "unexpected '\(name)'; expected a value")
        default:
            _ = advance()
            if isPunct(peek, "(") { return try call(name, at: t) }
            if isPunct(peek, ".") { return try field(of: name, at: t) }
            return ExprNode(.name(name), at: t.offset)
        }
    }

    /// `name(arg, …)`, at its '('.
    mutating func call(_ name: String, at t: ExprToken) throws -> ExprNode {
        let open = advance()
        var args: [ExprNode] = []
        if !isPunct(peek, ")") {
            while true {
                args.append(try expr(0))
                if isPunct(peek, ",") { _ = advance(); continue }
                break
            }
        }
        try close(open: open)
        return ExprNode(.call(name, args), at: t.offset)
    }

    /// `entity.field`, at its '.'.
    mutating func field(of name: String, at t: ExprToken) throws -> ExprNode {
        _ = advance()
        guard case .ident(let field) = peek.kind else {
            throw SyntaxFailure(offset: peek.offset, message: "expected a field name after '\(name).', found \(peek.describe)")
        }
        let ft = advance()
        if isPunct(peek, ".") {
            throw SyntaxFailure(offset: peek.offset, message: "field references have one dot: 'ENTITY.field'")
        }
        return ExprNode(.field(entity: name, field: field, fieldOffset: ft.offset), at: t.offset)
    }

    mutating func close(open: ExprToken) throws {
        if isPunct(peek, ")") { _ = advance(); return }
        if case .eof = peek.kind {
            throw SyntaxFailure(offset: open.offset, message: "unclosed '('; expected ')' before end of expression")
        }
        if case .invalid = peek.kind { throw SyntaxFailure(offset: peek.offset, message: nil) }
        throw SyntaxFailure(offset: peek.offset, message: "expected ')' or an operator, found \(peek.describe)")
    }

    mutating func expectKeyword(_ k: String, after what: String) throws {
        if isKeyword(peek, k) { _ = advance(); return }
        if case .invalid = peek.kind { throw SyntaxFailure(offset: peek.offset, message: nil) }
        throw SyntaxFailure(offset: peek.offset, message: "expected '\(k)' after \(what), found \(peek.describe)")
    }
}
