import HazLabCore

/// Compiles scenario expressions to core `Program`s.
public enum ExpressionCompiler {
    /// Parses, type-checks (with unit algebra) and compiles `text`, which starts at `location`.
    /// Reports every error it finds into `bag` and returns nil when there was any.
    /// With `expecting`, the result must have that type (e.g. `.bool` for conditions).
    public static func compile(_ text: String, at location: SourceLocation, env: ExprEnvironment,
                               expecting: ValueType? = nil, bag: inout DiagnosticBag) -> Program? {
        ExprCompilerSession(env: env).compile(text, at: location, expecting: expecting, bag: &bag)
    }

    /// The built-in functions.
    public static let functions: [String] = ["min", "max", "abs", "sqrt", "clamp",
                                             "held", "rose", "fell", "since", "ever", "count", "duration"]

    /// "boolean", "number", or the dimension ("pressure [Pa]").
    public static func describe(_ t: ValueType) -> String {
        switch t {
        case .bool: return "boolean"
        case .number(let d): return d.isNone ? "number" : d.description
        }
    }
}

/// Compiles many expressions against one environment, type-checking each variable once:
/// errors inside a variable (and cycles) are reported once per session, not at every use.
/// Use one session per scenario.
public final class ExprCompilerSession {
    public let env: ExprEnvironment

    private enum VarState { case inProgress, done(TNode?) }
    private var vars: [String: VarState] = [:]
    private var varStack: [String] = []
    private var reportedCycles: Set<String> = []
    private var diags: [Diagnostic] = []

    public init(env: ExprEnvironment) { self.env = env }

    /// See `ExpressionCompiler.compile`.
    public func compile(_ text: String, at location: SourceLocation, expecting: ValueType? = nil,
                        bag: inout DiagnosticBag) -> Program? {
        diags = []
        defer { flush(into: &bag) }
        let (ast, errors) = ExpressionParser.parse(text)
        for e in errors { diags.append(.error(location.advanced(by: e.offset), e.message)) }
        guard let ast else { return nil }
        guard var root = check(ast, location) else { return nil }
        if let expecting, root.type != expecting {
            if case .number = expecting, root.isBareZero {
                root.type = expecting
            } else {
                let found = describe(root)
                var msg = expecting == .bool ? "condition must be boolean, found \(found)"
                    : "expected \(ExpressionCompiler.describe(expecting)), found \(found)"
                if case .number(let d) = expecting { msg += bareHint(root, d) }
                diags.append(.error(location.advanced(by: ast.offset), msg))
            }
        }
        if diags.contains(where: { $0.severity == .error }) { return nil }
        var code: [Instr] = []
        var slot: Int32 = 0
        root.emit(into: &code, slot: &slot)
        return Program(code: code, resultType: root.type)
    }

    /// Type-checks one variable (once per session); nil when it has errors.
    public func variableType(_ name: String, bag: inout DiagnosticBag) -> ValueType? {
        guard env.variables[name] != nil else { return nil }
        diags = []
        defer { flush(into: &bag) }
        return variable(name)?.type
    }

    /// Type-checks every variable (in name order), so errors in unused ones are reported too.
    public func checkAllVariables(bag: inout DiagnosticBag) {
        for name in env.variables.keys.sorted() { _ = variableType(name, bag: &bag) }
    }

    // MARK: - diagnostics

    /// Moves this call's diagnostics into `bag`, skipping exact duplicates already there
    /// (e.g. an error inside a variable met again by another `ExpressionCompiler.compile`).
    private func flush(into bag: inout DiagnosticBag) {
        for d in diags where !bag.items.contains(d) { bag.append(d) }
        diags = []
    }

    private func error(_ base: SourceLocation, _ offset: Int, _ message: String) {
        diags.append(.error(base.advanced(by: offset), message))
    }

    private func describe(_ n: TNode) -> String {
        if n.isBare, let v = n.constValue { return "plain number \(fmt(v))" }
        return ExpressionCompiler.describe(n.type)
    }

    /// "; write a unit, e.g. '2 m' (only 0 may omit its unit)" when `n` is a plain number used as a `d`.
    private func bareHint(_ n: TNode, _ d: Dimension) -> String {
        guard n.isBare, !d.isNone, let v = n.constValue else { return "" }
        if let u = Units.siSymbol(for: d) { return "; write a unit, e.g. '\(fmt(v)) \(u)' (only 0 may omit its unit)" }
        return "; only 0 may omit its unit"
    }

    private func fmt(_ v: Double) -> String {
        if v == v.rounded(), Swift.abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    // MARK: - type checking

    /// Gives all nodes one common type; a plain 0 adopts any numeric type.
    /// Returns the type, or the indices (reference, offending) of the first mismatch.
    private func unify(_ ts: inout [TNode]) -> Result<ValueType, Mismatch> {
        let ref = ts.firstIndex { !$0.isBareZero } ?? 0
        let t = ts[ref].type
        for i in ts.indices where ts[i].type != t {
            if ts[i].isBareZero, case .number = t {
                ts[i].type = t
                ts[i].isBare = false
            } else {
                return .failure(Mismatch(ref: ref, bad: i))
            }
        }
        return .success(t)
    }

    private struct Mismatch: Error { var ref: Int; var bad: Int }

    private func mismatchHint(_ a: TNode, _ b: TNode) -> String {
        if case .number(let d) = b.type, a.isBare { return bareHint(a, d) }
        if case .number(let d) = a.type, b.isBare { return bareHint(b, d) }
        return ""
    }

    /// Reports (at `node`) and returns false unless `t` is a number.
    private func needNumber(_ t: TNode, _ node: ExprNode, _ what: String, _ base: SourceLocation) -> Bool {
        if case .number = t.type { return true }
        error(base, node.offset, "\(what) needs numeric operands, found \(describe(t))")
        return false
    }

    private func needBool(_ t: TNode, _ node: ExprNode, _ what: String, _ base: SourceLocation) -> Bool {
        if t.type == .bool { return true }
        error(base, node.offset, "\(what), found \(describe(t))")
        return false
    }

    private func check(_ node: ExprNode, _ base: SourceLocation) -> TNode? {
        let at = node.offset
        switch node.kind {
        case .invalid:
            return nil
        case .number(let v, _):
            return TNode(type: .number(.none), instr: .const(v), offset: at, isBare: true)
        case .quantity(let v, let u, _):
            return TNode(type: .number(u.dimension), instr: .const(u.toSI(v)), offset: at)
        case .bool(let b):
            return TNode(type: .bool, instr: .const(b ? 1 : 0), offset: at)
        case .name(let n):
            return resolveName(n, at, base)
        case .field(let e, let f, let fo):
            return checkField(e, f, at, fo, base)

        case .unary(let op, let x):
            guard let t = check(x, base) else { return nil }
            switch op {
            case .neg:
                guard needNumber(t, x, "'-'", base) else { return nil }
                return TNode.make(t.type, .neg, [t], at, isBare: t.isBare)
            case .not:
                guard needBool(t, x, "'not' needs a boolean operand", base) else { return nil }
                return TNode.make(.bool, .not, [t], at)
            }

        case .binary(let op, let a, let b, let opAt):
            let ta = check(a, base), tb = check(b, base)
            guard let ta, let tb else { return nil }
            return checkBinary(op, a, b, ta, tb, at: at, opAt: opAt, base)

        case .ifThenElse(let c, let a, let b):
            let tc = check(c, base), ta = check(a, base), tb = check(b, base)
            guard let tc, let ta, let tb else { return nil }
            guard needBool(tc, c, "'if' condition must be boolean", base) else { return nil }
            var ts = [ta, tb]
            switch unify(&ts) {
            case .failure:
                error(base, b.offset, "'if' branches must have the same type, found \(describe(ta)) and \(describe(tb))"
                      + mismatchHint(ta, tb))
                return nil
            case .success(let t):
                return TNode.make(t, .select, [tc] + ts, at, isBare: ta.isBare && tb.isBare)
            }

        case .call(let name, let args):
            let checked = args.map { check($0, base) }
            return checkCall(name, node, args, checked, base)
        }
    }

    /// `entity.field`: its load, or nil after an error naming the entity or the field.
    private func checkField(_ e: String, _ f: String, _ at: Int, _ fo: Int, _ base: SourceLocation) -> TNode? {
        switch env.resolveField(e, f) {
        case .found(let ref, let t):
            return TNode(type: t, instr: .load(ref), offset: at)
        case .unknownEntity(let s):
            error(base, at, "unknown entity '\(e)'" + (s.map { "; did you mean '\($0)'?" } ?? ""))
        case .unknownField(let kind, let available, let s):
            var msg = "\(kind) '\(e)' has no field '\(f)'"
            if let s { msg += "; did you mean '\(s)'?" } else if !available.isEmpty {
                msg += "; available: " + available.joined(separator: ", ")
            }
            error(base, fo, msg)
        }
        return nil
    }

    /// A binary operation on checked operands: `and`/`or` on booleans, `*` and `/` multiply
    /// dimensions, `+`, `-` and comparisons need one dimension (or, for `==`/`!=`, two booleans).
    private func checkBinary(_ op: ExprNode.BinaryOp, _ a: ExprNode, _ b: ExprNode, _ ta: TNode, _ tb: TNode,
                             at: Int, opAt: Int, _ base: SourceLocation) -> TNode? {
        let sym = op == .and || op == .or ? op.rawValue : "'\(op.rawValue)'"
        switch op {
        case .and, .or:
            let okA = needBool(ta, a, "'\(op.rawValue)' needs boolean operands", base)
            let okB = needBool(tb, b, "'\(op.rawValue)' needs boolean operands", base)
            guard okA, okB else { return nil }
            return TNode.make(.bool, op == .and ? .and : .or, [ta, tb], at)
        case .mul, .div:
            let okA = needNumber(ta, a, sym, base), okB = needNumber(tb, b, sym, base)
            guard okA, okB, case .number(let da) = ta.type, case .number(let db) = tb.type else { return nil }
            return TNode.make(.number(op == .mul ? da * db : da / db), op == .mul ? .mul : .div, [ta, tb], at,
                              isBare: ta.isBare && tb.isBare)
        case .add, .sub, .lt, .le, .gt, .ge, .eq, .ne:
            let bothBool = ta.type == .bool && tb.type == .bool
            if !(bothBool && (op == .eq || op == .ne)) {
                if op == .eq || op == .ne, (ta.type == .bool) != (tb.type == .bool) {
                    error(base, opAt, "cannot compare \(describe(ta)) with \(describe(tb))")
                    return nil
                }
                let okA = needNumber(ta, a, sym, base), okB = needNumber(tb, b, sym, base)
                guard okA, okB else { return nil }
            }
            var ts = [ta, tb]
            switch unify(&ts) {
            case .failure:
                let da = describe(ta), db = describe(tb)
                let msg: String
                switch op {
                case .add: msg = "cannot add \(da) and \(db)"
                case .sub: msg = "cannot subtract \(db) from \(da)"
                default: msg = "cannot compare \(da) with \(db)"
                }
                error(base, opAt, msg + mismatchHint(ta, tb))
                return nil
            case .success(let t):
                if op == .add { warnCelsius(a, base); warnCelsius(b, base) }
                let instr: Instr
                switch op {
                case .add: instr = .add
                case .sub: instr = .sub
                case .lt: instr = .lt
                case .le: instr = .le
                case .gt: instr = .gt
                case .ge: instr = .ge
                case .eq: instr = .eq
                default: instr = .ne
                }
                if op == .add || op == .sub {
                    return TNode.make(t, instr, ts, at, isBare: ta.isBare && tb.isBare)
                }
                return TNode.make(.bool, instr, ts, at)
            }
        }
    }

    private func warnCelsius(_ n: ExprNode, _ base: SourceLocation) {
        if case .quantity(let v, let u, let text) = n.kind, u.offset != 0 {
            diags.append(.warning(base.advanced(by: n.offset),
                                  "'\(text) \(u.symbol)' is an absolute temperature (\(fmt(u.toSI(v))) K when converted); "
                                  + "write a temperature difference in K, e.g. '\(text) K'"))
        }
    }

    private func checkCall(_ name: String, _ node: ExprNode, _ args: [ExprNode], _ checked: [TNode?],
                           _ base: SourceLocation) -> TNode? {
        let at = node.offset
        let arity: ClosedRange<Int>
        switch name {
        case "min", "max": arity = 2 ... Int.max
        case "clamp": arity = 3 ... 3
        case "held": arity = 2 ... 2
        case "abs", "sqrt", "rose", "fell", "since", "ever", "count", "duration": arity = 1 ... 1
        default:
            if env.variables[name] != nil || name == "time" {
                error(base, at, "'\(name)' is not a function")
            } else {
                error(base, at, "unknown function '\(name)'" + ExprSuggest.hint(name, ExpressionCompiler.functions))
            }
            return nil
        }
        guard arity.contains(args.count) else {
            let n = arity.lowerBound
            let want = arity.upperBound == Int.max ? "at least \(n) arguments"
                : "\(n) argument" + (n == 1 ? "" : "s")
            error(base, at, "'\(name)' takes \(want), found \(args.count)")
            return nil
        }
        guard checked.allSatisfy({ $0 != nil }) else { return nil }
        var ts = checked.map { $0! }

        switch name {
        case "min", "max", "clamp":
            var ok = true
            for i in ts.indices where !needNumber(ts[i], args[i], "'\(name)'", base) { ok = false }
            guard ok else { return nil }
            switch unify(&ts) {
            case .failure(let m):
                error(base, args[m.bad].offset, "'\(name)' arguments must have the same dimension, found "
                      + "\(describe(ts[m.ref])) and \(describe(ts[m.bad]))" + mismatchHint(ts[m.ref], ts[m.bad]))
                return nil
            case .success(let t):
                let instr: Instr = name == "min" ? .min : name == "max" ? .max : .clamp
                return TNode.make(t, instr, ts, at, isBare: ts.allSatisfy(\.isBare))
            }
        case "abs":
            guard needNumber(ts[0], args[0], "'abs'", base) else { return nil }
            return TNode.make(ts[0].type, .abs, ts, at, isBare: ts[0].isBare)
        case "sqrt":
            guard needNumber(ts[0], args[0], "'sqrt'", base), case .number(let d) = ts[0].type else { return nil }
            let exps = [d.length, d.mass, d.time, d.temperature, d.current, d.amount, d.lel]
            guard exps.allSatisfy({ $0 % 2 == 0 }) else {
                error(base, args[0].offset, "'sqrt' needs a quantity whose dimension has even powers, found \(describe(ts[0]))")
                return nil
            }
            let h = Dimension(length: d.length / 2, mass: d.mass / 2, time: d.time / 2, temperature: d.temperature / 2,
                              current: d.current / 2, amount: d.amount / 2, lel: d.lel / 2)
            return TNode.make(.number(h), .sqrt, ts, at, isBare: ts[0].isBare)
        default:
            // temporal predicates
            guard needBool(ts[0], args[0], "'\(name)' needs a boolean condition", base) else { return nil }
            switch name {
            case "held":
                if ts[1].isBareZero { ts[1].type = .number(.time); ts[1].isBare = false }
                guard ts[1].type == .number(.time) else {
                    error(base, args[1].offset, "'held' duration must be a time [s], found \(describe(ts[1]))"
                          + bareHint(ts[1], .time))
                    return nil
                }
                return TNode.make(.bool, .held(slot: 0), ts, at)
            case "rose": return TNode.make(.bool, .rose(slot: 0), ts, at)
            case "fell": return TNode.make(.bool, .fell(slot: 0), ts, at)
            case "ever": return TNode.make(.bool, .ever(slot: 0), ts, at)
            case "since": return TNode.make(.number(.time), .since(slot: 0), ts, at)
            case "count": return TNode.make(.number(.none), .count(slot: 0), ts, at)
            default: return TNode.make(.number(.time), .duration(slot: 0), ts, at)
            }
        }
    }

    // MARK: - names and variables

    private func resolveName(_ n: String, _ at: Int, _ base: SourceLocation) -> TNode? {
        if env.variables[n] != nil { return variable(n) }
        if n == "time" { return TNode(type: .number(.time), instr: .time, offset: at) }
        if ExpressionCompiler.functions.contains(n) {
            error(base, at, "'\(n)' is a function; call it as \(n)(...)")
            return nil
        }
        let local = ExprSuggest.closest(to: n, in: env.variables.keys.sorted() + ["time"])
        var suggestion = local
        switch env.resolveField(n, "") {
        case .unknownField(let kind, let available, _):
            let example = available.first.map { "'\(n).\($0)'" } ?? "'\(n).field'"
            error(base, at, "'\(n)' is a \(kind), not a value; use one of its fields, e.g. \(example)")
            return nil
        case .found:
            error(base, at, "'\(n)' is an entity, not a value; use one of its fields ('\(n).field')")
            return nil
        case .unknownEntity(let s):
            if let s {
                if let l = local {
                    if ExprSuggest.distance(n, s) < ExprSuggest.distance(n, l) { suggestion = s }
                } else {
                    suggestion = s
                }
            }
        }
        error(base, at, "unknown name '\(n)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
        return nil
    }

    private func variable(_ name: String) -> TNode? {
        switch vars[name] {
        case .done(let t):
            return t
        case .inProgress:
            let i = varStack.firstIndex(of: name) ?? 0
            let cycle = Array(varStack[i...])
            // Report the cycle from its alphabetically first member, so the message and its
            // location don't depend on where the cycle was entered.
            let m = cycle.indices.min { cycle[$0] < cycle[$1] } ?? 0
            let canonical = Array(cycle[m...] + cycle[..<m])
            let key = canonical.joined(separator: " -> ")
            if reportedCycles.insert(key).inserted, let src = env.variables[canonical[0]] {
                diags.append(.error(src.location, "cyclic definition: " + (canonical + [canonical[0]]).joined(separator: " -> ")))
            }
            return nil
        case nil:
            guard let src = env.variables[name] else { return nil }
            vars[name] = .inProgress
            varStack.append(name)
            let (ast, errors) = ExpressionParser.parse(src.text)
            for e in errors { diags.append(.error(src.location.advanced(by: e.offset), e.message)) }
            let t = ast.flatMap { check($0, src.location) }
            varStack.removeLast()
            vars[name] = .done(t)
            return t
        }
    }
}

// MARK: - typed tree

/// A type-checked node: `instr` applied to `children` (postfix), with constant folding.
struct TNode {
    var type: ValueType
    var instr: Instr
    var children: [TNode] = []
    var offset: Int
    /// Built only from plain (unit-less) numbers.
    var isBare = false

    var constValue: Double? {
        if children.isEmpty, case .const(let v) = instr { return v }
        return nil
    }

    var isBareZero: Bool { isBare && constValue == 0 }

    /// A node; pure operations on constants are folded with the core evaluator itself,
    /// so folding can never disagree with run-time evaluation.
    static func make(_ type: ValueType, _ instr: Instr, _ children: [TNode], _ offset: Int, isBare: Bool = false) -> TNode {
        let n = TNode(type: type, instr: instr, children: children, offset: offset, isBare: isBare)
        guard instr.isPure, !children.isEmpty, children.allSatisfy({ $0.constValue != nil }) else { return n }
        var code: [Instr] = []
        var slot: Int32 = 0
        n.emit(into: &code, slot: &slot)
        guard let p = Program(code: code, resultType: type) else { return n }
        let v = Evaluator.evaluate(p, ConstReader())
        return TNode(type: type, instr: .const(v), offset: offset, isBare: isBare)
    }

    /// Appends postfix code; temporal instructions get consecutive memory slots.
    func emit(into code: inout [Instr], slot: inout Int32) {
        switch instr {
        case .min, .max:
            children[0].emit(into: &code, slot: &slot)
            for c in children.dropFirst() {
                c.emit(into: &code, slot: &slot)
                code.append(instr)
            }
        default:
            for c in children { c.emit(into: &code, slot: &slot) }
            let w = instr.memoryWidth
            if w > 0 {
                code.append(instr.withSlot(slot))
                slot += Int32(w)
            } else {
                code.append(instr)
            }
        }
    }
}

/// Reader for constant folding (never actually read).
private struct ConstReader: FieldReader {
    func read(_ field: FieldRef) -> Double { 0 }
    var tick: Int64 { 0 }
    var secondsPerTick: Double { 1 }
}
