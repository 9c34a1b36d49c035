/// Evaluates compiled expression `Program`s.
///
/// Deterministic: only `+ - * /`, `squareRoot()`, comparisons, min/max/abs and IEEE rounding
/// are used. No allocation per evaluation (the operand stack is a temporary stack allocation
/// sized from `Program.maxStack`).
///
/// **Temporal predicates** (`held`, `rose`, `fell`, `since`, `ever`, `count`, `duration`) keep
/// state in `memory[base ..< base + program.memorySlots]`. That range must be initialised with
/// `program.initialMemory()` before the first tick, and the program must be evaluated
/// **exactly once per tick** (including tick 0) — skipping a tick misses edges, evaluating twice
/// in one tick counts the tick twice.
public enum Evaluator {
    /// Result reported by `since(cond)` when `cond` never rose: 1e9 seconds (~31.7 years).
    public static let neverSentinel: Double = 1e9

    /// Tolerance (in ticks) subtracted before rounding a duration up to whole ticks, so that
    /// e.g. 0.3 s / 0.1 s = 3.0000000000000004 still means 3 ticks.
    public static let tickRoundingTolerance: Double = 1e-9

    /// Whole ticks covering `seconds`: ceil(seconds / secondsPerTick), never negative.
    @inlinable
    public static func ticks(forSeconds seconds: Double, secondsPerTick: Double) -> Double {
        let q = seconds / secondsPerTick - tickRoundingTolerance
        if !(q > 0) { return 0 }          // also NaN
        if q >= 4.5e15 { return q }       // already integral (or infinite)
        // exact ceil without libm: truncate (q > 0), then step up if there was a fraction
        let t = Double(Int64(q))
        return t < q ? t + 1 : t
    }

    /// Evaluates `p`, updating its temporal state in `memory[base ..< base + p.memorySlots]`.
    @inlinable
    public static func evaluate<R: FieldReader>(_ p: Program, _ reader: R,
                                                memory: inout ContiguousArray<Double>, base: Int) -> Double {
        precondition(base >= 0 && base + p.memorySlots <= memory.count, "expression memory out of range")
        return memory.withUnsafeMutableBufferPointer { mem in
            run(p, reader, mem.baseAddress.map { $0 + base })
        }
    }

    /// Evaluates a program without temporal predicates (`p.memorySlots == 0`).
    @inlinable
    public static func evaluate<R: FieldReader>(_ p: Program, _ reader: R) -> Double {
        precondition(p.memorySlots == 0, "program has temporal predicates; pass its memory")
        return run(p, reader, nil)
    }

    /// `evaluate(...) != 0`.
    @inlinable
    public static func evaluateBool<R: FieldReader>(_ p: Program, _ reader: R,
                                                    memory: inout ContiguousArray<Double>, base: Int) -> Bool {
        evaluate(p, reader, memory: &memory, base: base) != 0
    }

    /// `evaluate(...) != 0` for a program without temporal predicates.
    @inlinable
    public static func evaluateBool<R: FieldReader>(_ p: Program, _ reader: R) -> Bool {
        evaluate(p, reader) != 0
    }

    @inlinable @inline(__always)
    static func b(_ x: Bool) -> Double { x ? 1 : 0 }

    /// The interpreter loop (inlinable so it specialises for the caller's `FieldReader`).
    /// Long: one case per opcode in one loop; a call per instruction would cost more than most ops.
    @inlinable
    static func run<R: FieldReader>(_ p: Program, _ reader: R, _ mem: UnsafeMutablePointer<Double>?) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: Swift.max(p.maxStack, 1)) { buf -> Double in
            let st = buf.baseAddress!
            var sp = 0  // number of values on the stack
            let dt = reader.secondsPerTick
            p.code.withUnsafeBufferPointer { code in
                for ins in code {
                    switch ins {
                    case .const(let v): st[sp] = v; sp += 1
                    case .load(let f): st[sp] = reader.read(f); sp += 1
                    case .time: st[sp] = Double(reader.tick) * dt; sp += 1
                    case .add: sp -= 1; st[sp - 1] = st[sp - 1] + st[sp]
                    case .sub: sp -= 1; st[sp - 1] = st[sp - 1] - st[sp]
                    case .mul: sp -= 1; st[sp - 1] = st[sp - 1] * st[sp]
                    case .div: sp -= 1; st[sp - 1] = st[sp - 1] / st[sp]
                    case .neg: st[sp - 1] = -st[sp - 1]
                    case .min: sp -= 1; st[sp - 1] = Swift.min(st[sp - 1], st[sp])
                    case .max: sp -= 1; st[sp - 1] = Swift.max(st[sp - 1], st[sp])
                    case .abs: st[sp - 1] = Swift.abs(st[sp - 1])
                    case .sqrt: st[sp - 1] = st[sp - 1].squareRoot()
                    case .clamp:
                        sp -= 2
                        st[sp - 1] = Swift.min(Swift.max(st[sp - 1], st[sp]), st[sp + 1])
                    case .lt: sp -= 1; st[sp - 1] = b(st[sp - 1] < st[sp])
                    case .le: sp -= 1; st[sp - 1] = b(st[sp - 1] <= st[sp])
                    case .gt: sp -= 1; st[sp - 1] = b(st[sp - 1] > st[sp])
                    case .ge: sp -= 1; st[sp - 1] = b(st[sp - 1] >= st[sp])
                    case .eq: sp -= 1; st[sp - 1] = b(st[sp - 1] == st[sp])
                    case .ne: sp -= 1; st[sp - 1] = b(st[sp - 1] != st[sp])
                    case .and: sp -= 1; st[sp - 1] = b(st[sp - 1] != 0 && st[sp] != 0)
                    case .or: sp -= 1; st[sp - 1] = b(st[sp - 1] != 0 || st[sp] != 0)
                    case .not: st[sp - 1] = b(st[sp - 1] == 0)
                    case .select:
                        sp -= 2
                        st[sp - 1] = st[sp - 1] != 0 ? st[sp] : st[sp + 1]
                    case .held(let s):
                        sp -= 1
                        let m = mem! + Int(s)
                        let need = ticks(forSeconds: st[sp], secondsPerTick: dt)
                        if st[sp - 1] != 0 {
                            m[0] += 1
                            // true for `need` whole ticks after the tick it became true
                            st[sp - 1] = b(m[0] - 1 >= need)
                        } else {
                            m[0] = 0
                            st[sp - 1] = 0
                        }
                    case .rose(let s):
                        let m = mem! + Int(s)
                        let c = st[sp - 1] != 0
                        st[sp - 1] = b(c && m[0] == 0)
                        m[0] = b(c)
                    case .fell(let s):
                        let m = mem! + Int(s)
                        let c = st[sp - 1] != 0
                        st[sp - 1] = b(!c && m[0] != 0)
                        m[0] = b(c)
                    case .since(let s):
                        let m = mem! + Int(s)
                        let c = st[sp - 1] != 0
                        if c && m[0] == 0 { m[1] = Double(reader.tick) }
                        m[0] = b(c)
                        st[sp - 1] = m[1] < 0 ? neverSentinel : (Double(reader.tick) - m[1]) * dt
                    case .ever(let s):
                        let m = mem! + Int(s)
                        if st[sp - 1] != 0 { m[0] = 1 }
                        st[sp - 1] = m[0]
                    case .count(let s):
                        let m = mem! + Int(s)
                        let c = st[sp - 1] != 0
                        if c && m[0] == 0 { m[1] += 1 }
                        m[0] = b(c)
                        st[sp - 1] = m[1]
                    case .duration(let s):
                        let m = mem! + Int(s)
                        if st[sp - 1] != 0 { m[0] += 1 }
                        st[sp - 1] = m[0] * dt
                    }
                }
            }
            return st[0]
        }
    }
}
