/// One instruction of a compiled expression `Program`.
///
/// Programs are a flat postfix (stack machine) sequence: operands are pushed, operators pop
/// their inputs and push one result. There are no jumps: every instruction runs on every
/// evaluation, which is what keeps temporal predicates correct inside `if`/`and`/`or`
/// (a skipped branch would miss ticks). Booleans are 0.0 / 1.0; any non-zero value is true.
public enum Instr: Hashable, Sendable {
    // operands
    case const(Double)
    case load(FieldRef)
    /// Seconds since start: `Double(tick) * secondsPerTick`.
    case time
    // arithmetic (pop 2, push 1; `neg`, `abs`, `sqrt` pop 1)
    case add, sub, mul, div, neg
    case min, max, abs, sqrt
    /// Pops `hi`, `lo`, `x`; pushes `min(max(x, lo), hi)`.
    case clamp
    // comparisons (pop 2, push 0/1)
    case lt, le, gt, ge, eq, ne
    // logic (`not` pops 1)
    case and, or, not
    /// Pops `else`, `then`, `cond`; pushes `cond != 0 ? then : else`.
    case select
    // temporal predicates; `slot` is the first memory slot (relative to `base`).
    /// Pops `duration` (s), `cond`. Memory: [consecutive true ticks].
    case held(slot: Int32)
    /// Pops `cond`. Memory: [previous cond].
    case rose(slot: Int32)
    /// Pops `cond`. Memory: [previous cond].
    case fell(slot: Int32)
    /// Pops `cond`; pushes seconds since the last rising edge. Memory: [previous cond, tick of last rise or -1].
    case since(slot: Int32)
    /// Pops `cond`. Memory: [latched].
    case ever(slot: Int32)
    /// Pops `cond`; pushes the number of rising edges. Memory: [previous cond, count].
    case count(slot: Int32)
    /// Pops `cond`; pushes total seconds true. Memory: [true ticks].
    case duration(slot: Int32)

    /// Number of memory slots this instruction owns (0 for non-temporal instructions).
    public var memoryWidth: Int {
        switch self {
        case .held, .rose, .fell, .ever, .duration: return 1
        case .since, .count: return 2
        default: return 0
        }
    }

    /// The first memory slot of a temporal instruction, nil otherwise.
    public var slot: Int32? {
        switch self {
        case .held(let s), .rose(let s), .fell(let s), .since(let s), .ever(let s), .count(let s), .duration(let s):
            return s
        default: return nil
        }
    }

    /// The same temporal instruction using memory slot `s` (non-temporal instructions are returned unchanged).
    public func withSlot(_ s: Int32) -> Instr {
        switch self {
        case .held: return .held(slot: s)
        case .rose: return .rose(slot: s)
        case .fell: return .fell(slot: s)
        case .since: return .since(slot: s)
        case .ever: return .ever(slot: s)
        case .count: return .count(slot: s)
        case .duration: return .duration(slot: s)
        default: return self
        }
    }

    /// (values popped, values pushed).
    public var stackEffect: (pop: Int, push: Int) {
        switch self {
        case .const, .load, .time: return (0, 1)
        case .neg, .abs, .sqrt, .not: return (1, 1)
        case .add, .sub, .mul, .div, .min, .max, .lt, .le, .gt, .ge, .eq, .ne, .and, .or: return (2, 1)
        case .clamp, .select: return (3, 1)
        case .held: return (2, 1)
        case .rose, .fell, .since, .ever, .count, .duration: return (1, 1)
        }
    }

    /// True when the result depends only on the operands (no fields, no time, no memory).
    public var isPure: Bool {
        switch self {
        case .load, .time, .held, .rose, .fell, .since, .ever, .count, .duration: return false
        default: return true
        }
    }

    /// Initial values of this instruction's memory slots (see `Program.initialMemory()`).
    public var initialMemory: [Double] {
        switch self {
        case .since: return [0, -1]
        default: return [Double](repeating: 0, count: memoryWidth)
        }
    }
}

extension Instr: CustomStringConvertible {
    public var description: String {
        switch self {
        case .const(let v): return "const \(v)"
        case .load(let f): return "load \(f.kind)[\(f.index)]"
        case .time: return "time"
        case .add: return "add"
        case .sub: return "sub"
        case .mul: return "mul"
        case .div: return "div"
        case .neg: return "neg"
        case .min: return "min"
        case .max: return "max"
        case .abs: return "abs"
        case .sqrt: return "sqrt"
        case .clamp: return "clamp"
        case .lt: return "lt"
        case .le: return "le"
        case .gt: return "gt"
        case .ge: return "ge"
        case .eq: return "eq"
        case .ne: return "ne"
        case .and: return "and"
        case .or: return "or"
        case .not: return "not"
        case .select: return "select"
        case .held(let s): return "held @\(s)"
        case .rose(let s): return "rose @\(s)"
        case .fell(let s): return "fell @\(s)"
        case .since(let s): return "since @\(s)"
        case .ever(let s): return "ever @\(s)"
        case .count(let s): return "count @\(s)"
        case .duration(let s): return "duration @\(s)"
        }
    }
}

/// A compiled, flat, deterministic expression.
///
/// Evaluate with `Evaluator.evaluate`. A program with temporal predicates (`memorySlots > 0`)
/// keeps state in a caller-owned memory array which must be initialised from
/// `initialMemory()` and the program must then be evaluated **exactly once per tick**.
public struct Program: Sendable, Hashable {
    /// Postfix instruction sequence.
    public let code: ContiguousArray<Instr>
    /// Static type of the result (booleans evaluate to 0 or 1).
    public let resultType: ValueType
    /// Number of `Double` memory slots used by temporal predicates.
    public let memorySlots: Int
    /// Maximum operand stack depth during evaluation (computed from `code`).
    public let maxStack: Int

    /// Validates `code`: no stack underflow, exactly one value left, and temporal
    /// memory slots that don't overlap. Returns nil when invalid.
    public init?<S: Sequence>(code: S, resultType: ValueType) where S.Element == Instr {
        let code = ContiguousArray(code)
        var depth = 0, maxDepth = 0, slots = 0
        var ranges: [(Int, Int)] = []
        for ins in code {
            let (pop, push) = ins.stackEffect
            if depth < pop { return nil }
            depth += push - pop
            if depth > maxDepth { maxDepth = depth }
            if let s = ins.slot {
                let lo = Int(s), hi = Int(s) + ins.memoryWidth
                if lo < 0 { return nil }
                for (a, b) in ranges where lo < b && a < hi { return nil }
                ranges.append((lo, hi))
                if hi > slots { slots = hi }
            }
        }
        if depth != 1 { return nil }
        self.code = code
        self.resultType = resultType
        self.memorySlots = slots
        self.maxStack = maxDepth
    }

    /// A program that always yields `value`.
    public static func constant(_ value: Double, type: ValueType) -> Program {
        Program(code: [.const(value)], resultType: type)!
    }

    /// True when the program has temporal predicates (and therefore memory).
    public var isTemporal: Bool { memorySlots > 0 }

    /// The constant result, when the program is a single constant.
    public var constantValue: Double? {
        if code.count == 1, case .const(let v) = code[0] { return v }
        return nil
    }

    /// Initial values for `memory[base ..< base + memorySlots]`.
    /// Every slot starts at 0 ("condition was false before the start"), except the
    /// last-rise tick of `since`, which starts at -1 ("never rose").
    public func initialMemory() -> ContiguousArray<Double> {
        var mem = ContiguousArray<Double>(repeating: 0, count: memorySlots)
        for ins in code {
            guard let s = ins.slot else { continue }
            for (i, v) in ins.initialMemory.enumerated() { mem[Int(s) + i] = v }
        }
        return mem
    }

    /// Writes `initialMemory()` into `memory[base ..< base + memorySlots]`.
    public func initializeMemory(_ memory: inout ContiguousArray<Double>, base: Int) {
        let initial = initialMemory()
        for i in 0 ..< initial.count { memory[base + i] = initial[i] }
    }
}

extension Program: CustomStringConvertible {
    /// Disassembly, one instruction per line.
    public var description: String {
        var s = "; \(resultType), stack \(maxStack), memory \(memorySlots)\n"
        for (i, ins) in code.enumerated() { s += "\(i): \(ins)\n" }
        return s
    }
}
