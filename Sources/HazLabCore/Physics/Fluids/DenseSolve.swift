/// Small dense linear solver shared by the physics kernels (fluid network, reactor).
///
/// Gaussian elimination with partial pivoting, row-major storage. Deterministic: the pivot
/// choice compares magnitudes of values that are themselves computed with IEEE basic
/// operations only, and the first maximal row wins ties. A zero pivot (singular system)
/// yields 0 for that unknown instead of a NaN/inf.
public enum DenseSolve {
    /// Solves `a · x = b` for an `n × n` row-major matrix. `a` is destroyed; `b` becomes `x`.
    public static func solve(_ a: inout ContiguousArray<Double>, _ b: inout ContiguousArray<Double>, _ n: Int) {
        if n == 0 { return }
        precondition(a.count >= n &* n && b.count >= n)
        a.withUnsafeMutableBufferPointer { m in
            b.withUnsafeMutableBufferPointer { x in
                var k = 0
                while k < n {
                    // Partial pivot: first row with the largest |a[i][k]|.
                    var p = k
                    var best = abs(m[k &* n &+ k])
                    var i = k &+ 1
                    while i < n {
                        let v = abs(m[i &* n &+ k])
                        if v > best { best = v; p = i }
                        i = i &+ 1
                    }
                    if p != k {
                        var j = k
                        while j < n {
                            let t = m[k &* n &+ j]; m[k &* n &+ j] = m[p &* n &+ j]; m[p &* n &+ j] = t
                            j = j &+ 1
                        }
                        let t = x[k]; x[k] = x[p]; x[p] = t
                    }
                    let piv = m[k &* n &+ k]
                    if piv != 0 {
                        var r = k &+ 1
                        while r < n {
                            let f = m[r &* n &+ k] / piv
                            if f != 0 {
                                var j = k &+ 1
                                while j < n {
                                    m[r &* n &+ j] = m[r &* n &+ j] - f * m[k &* n &+ j]
                                    j = j &+ 1
                                }
                                x[r] = x[r] - f * x[k]
                            }
                            m[r &* n &+ k] = 0
                            r = r &+ 1
                        }
                    }
                    k = k &+ 1
                }
                // Back substitution.
                var r = n &- 1
                while r >= 0 {
                    var s = x[r]
                    var j = r &+ 1
                    while j < n { s = s - m[r &* n &+ j] * x[j]; j = j &+ 1 }
                    let piv = m[r &* n &+ r]
                    x[r] = piv != 0 ? s / piv : 0
                    r = r &- 1
                }
            }
        }
    }
}

/// ⌈x⌉ as Int for 0 ≤ x < 2^53 (exact; truncating conversion, no libm).
@inline(__always)
func ceilInt(_ x: Double) -> Int {
    let i = Int(x)
    return Double(i) < x ? i &+ 1 : i
}
