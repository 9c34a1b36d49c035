// DetMath: deterministic elementary functions.
//
// Every function here is built ONLY from IEEE-754 basic operations (+ - * /, squareRoot),
// comparisons, integer ops, exact power-of-two scaling and bit-pattern manipulation, and
// roundings to integral (.toNearestOrEven / .towardZero). No libm, no Foundation, no FMA.
// IEEE basic operations are correctly rounded, so the results are bit-identical on every
// conforming CPU, OS and build mode. Swift never contracts `a * b + c` into an FMA and never
// reassociates floating-point expressions, so the evaluation order written here is the one
// executed, in debug and release alike. See Docs/determinism-math.md.
//
// Constants are hex float literals (exact) produced offline with 50-digit arithmetic.

public enum DetMath {

    // MARK: - exp / expm1

    /// e^x. Max error ~0.5 ulp (normal results). Overflows to +inf above ~709.78,
    /// returns 0 below ~-745.13, subnormal results in between.
    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.79 { return .infinity }
        if x < -745.2 { return 0 }
        let (a, b, k) = expCore(x, 0)
        return scale(a + b, k)
    }

    /// e^x - 1, accurate also for small |x|.
    public static func expm1(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 40 { return exp(x) }
        if x < -40 { return -1 }
        if abs(x) < 0x1p-54 { return x }
        let (h, l) = expm1Core(x)
        return h + l
    }

    // MARK: - log family

    /// Natural logarithm. log(0) = -inf, log(x < 0) = NaN, log(+inf) = +inf.
    public static func log(_ x: Double) -> Double {
        if let s = logSpecial(x) { return s }
        let (h, l) = logCore(x)
        return h + l
    }

    /// Base-10 logarithm (exact for exact powers of ten).
    public static func log10(_ x: Double) -> Double {
        if let s = logSpecial(x) { return s }
        let (h, l) = logCore(x)
        let (ph, pl) = twoProd(h, invLn10Hi)
        return ph + (pl + (h * invLn10Lo + l * invLn10Hi))
    }

    /// Base-2 logarithm (exact for powers of two).
    public static func log2(_ x: Double) -> Double {
        if let s = logSpecial(x) { return s }
        let (h, l) = logCore(x)
        let (ph, pl) = twoProd(h, invLn2Hi)
        return ph + (pl + (h * invLn2Lo + l * invLn2Hi))
    }

    /// Correctly rounded square root (IEEE basic operation).
    @inline(__always)
    public static func sqrt(_ x: Double) -> Double { x.squareRoot() }

    // MARK: - pow

    /// x^y with C99/IEEE special-case rules.
    public static func pow(_ x: Double, _ y: Double) -> Double {
        if y == 0 { return 1 }
        if x == 1 { return 1 }
        if x.isNaN || y.isNaN { return x + y }
        if y == 1 { return x }
        if y == 2 { return x * x }
        if y == -1 { return 1 / x }
        let ax = abs(x)
        if y.isInfinite {
            if ax == 1 { return 1 }  // (-1)^±inf
            return ((ax < 1) == (y < 0)) ? .infinity : 0
        }
        // y finite, not 0: integer / odd-integer classification.
        let yIsInt = truncate(y) == y
        let half = y * 0.5
        let yIsOdd = yIsInt && abs(y) < 0x1p53 && truncate(half) != half
        if x == 0 {
            if y < 0 { return yIsOdd ? 1 / x : .infinity }
            return yIsOdd ? x : 0
        }
        if x.isInfinite {
            if x > 0 { return y < 0 ? 0 : .infinity }
            if y < 0 { return yIsOdd ? -0.0 : 0 }
            return yIsOdd ? -.infinity : .infinity
        }
        if x < 0 && !yIsInt { return .nan }
        let negate = x < 0 && yIsOdd
        var r: Double
        if abs(y) > 0x1p66 {
            // |y * log|x|| > 8000 for every |x| != 1: certain overflow / underflow.
            r = ((ax < 1) == (y < 0)) ? .infinity : 0
        } else {
            let (lh, ll) = logCore(ax)
            let (ph, pe) = twoProd(y, lh)
            let pl = pe + y * ll
            if ph > 709.79 {
                r = .infinity
            } else if ph < -745.2 {
                r = 0
            } else {
                let (a, b, k) = expCore(ph, pl)
                r = scale(a + b, k)
            }
        }
        return negate ? -r : r
    }

    // MARK: - Trigonometric

    /// sin(x). Accurate (<= 1 ulp) for |x| <= 2^25 (~3.3e7); beyond that the argument
    /// reduction is crude: the value is deterministic and in [-1, 1] but not accurate.
    public static func sin(_ x: Double) -> Double {
        if !x.isFinite { return x - x }
        if abs(x) < 0x1p-26 { return x }
        let (r, rr, q) = reducePio2(x)
        switch q {
        case 0: return sinKernel(r, rr)
        case 1: return cosKernel(r, rr)
        case 2: return -sinKernel(r, rr)
        default: return -cosKernel(r, rr)
        }
    }

    /// cos(x). Same range notes as `sin`.
    public static func cos(_ x: Double) -> Double {
        if !x.isFinite { return x - x }
        if abs(x) < 0x1p-27 { return 1 }
        let (r, rr, q) = reducePio2(x)
        switch q {
        case 0: return cosKernel(r, rr)
        case 1: return -sinKernel(r, rr)
        case 2: return -cosKernel(r, rr)
        default: return sinKernel(r, rr)
        }
    }

    /// atan(x) in [-pi/2, pi/2].
    public static func atan(_ x: Double) -> Double { atan2(x, 1) }

    /// atan2(y, x) in [-pi, pi] with IEEE quadrant and signed-zero rules.
    public static func atan2(_ y: Double, _ x: Double) -> Double {
        if x.isNaN || y.isNaN { return x + y }
        let yNeg = y.sign == .minus
        if y == 0 {
            if x.sign == .minus { return yNeg ? -piHi : piHi }  // x < 0 or x == -0
            return y  // ±0
        }
        if x == 0 { return yNeg ? -pio2Hi : pio2Hi }
        if x.isInfinite {
            if y.isInfinite {
                let v = x > 0 ? pio4Hi : threePio4Hi
                return yNeg ? -v : v
            }
            if x > 0 { return yNeg ? -0.0 : 0.0 }
            return yNeg ? -piHi : piHi
        }
        if y.isInfinite { return yNeg ? -pio2Hi : pio2Hi }

        let ax = abs(x), ay = abs(y)
        let swap = ay > ax
        let num = swap ? ax : ay
        let den = swap ? ay : ax
        var rh: Double, rl: Double
        let ediff = Int(den.exponent) - Int(num.exponent)
        if ediff > 60 {
            // t < 2^-60: atan(t) == t to far below half an ulp.
            rh = num / den
            rl = 0
            if !swap && x > 0 { return yNeg ? -rh : rh }
        } else {
            let e = -Int(den.exponent)
            let n = scale(num, e)  // exact, den -> [1, 2)
            let d = scale(den, e)
            let th = n / d
            let (p, pe) = twoProd(th, d)
            let tl = ((n - p) - pe) / d
            (rh, rl) = atanCore(th, tl)
        }
        if swap {  // pi/2 - r
            let (s, e) = twoSum(pio2Hi, -rh)
            rl = e + (pio2Lo - rl)
            rh = s
        }
        if x < 0 {  // pi - r
            let (s, e) = twoSum(piHi, -rh)
            rl = e + (piLo - rl)
            rh = s
        }
        let r = rh + rl
        return yNeg ? -r : r
    }

    // MARK: - Hyperbolic

    /// tanh(x).
    public static func tanh(_ x: Double) -> Double {
        if x.isNaN { return x }
        let ax = abs(x)
        if ax < 0x1p-28 { return x }
        if ax > 22 { return x > 0 ? 1 : -1 }
        // tanh(a) = E / (E + 2), E = expm1(2a), in double-double.
        let (eh, el) = expm1Core(2 * ax)
        let (dh, dl0) = twoSum(eh, 2)
        let dl = dl0 + el
        let q = eh / dh
        let (p, pe) = twoProd(q, dh)
        let ql = (((eh - p) - pe) + el - q * dl) / dh
        let r = q + ql
        return x < 0 ? -r : r
    }

    // MARK: - Error function

    /// Branch point between the erf series and the erfc = exp(-x^2) * erfcx(x) form (erf(x0) ~ 0.5).
    static let erfSplit = 0.4769

    /// erf(x). erf(±inf) = ±1, erf(±0) = ±0.
    public static func erf(_ x: Double) -> Double {
        if x.isNaN { return x }
        let ax = abs(x)
        if ax < erfSplit {
            if x == 0 { return x }
            if ax < 0x1p-960 { return ((x * 0x1p64) * twoOverSqrtPiHi) * 0x1p-64 }
            let (h, l) = erfSmall(x)
            return h + l
        }
        if ax >= 6 { return x > 0 ? 1 : -1 }
        let (h, l, k) = erfcPositive(ax)
        let vh = scale(h, k), vl = scale(l, k)
        let (s, e) = twoSum(1, -vh)
        let r = s + (e - vl)
        return x > 0 ? r : -r
    }

    /// erfc(x) = 1 - erf(x), accurate in the tail (relative error) down to the
    /// subnormal range; erfc(x) = 0 for x >= 27.3, erfc(-inf) = 2.
    public static func erfc(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x < erfSplit {
            if x > -erfSplit {
                let (h, l) = erfSmall(x)
                let (s, e) = twoSum(1, -h)
                return s + (e - l)
            }
            if x <= -6 { return 2 }
            let (h, l, k) = erfcPositive(-x)
            let vh = scale(h, k), vl = scale(l, k)
            let (s, e) = twoSum(2, -vh)
            return s + (e - vl)
        }
        if x >= 27.3 { return 0 }
        let (h, l, k) = erfcPositive(x)
        return scale(h + l, k)
    }
}

// MARK: - Internals

extension DetMath {
    // ln2 = ln2Hi + ln2Lo; ln2Hi has 40 significant bits so k * ln2Hi is exact for |k| < 2^13.
    static let ln2Hi = 0x1.62e42fefa4000p-1
    static let ln2Lo = -0x1.8432a1b0e2634p-43
    static let invLn2Hi = 0x1.71547652b82fep+0
    static let invLn2Lo = 0x1.777d0ffda0d24p-56
    static let invLn10Hi = 0x1.bcb7b1526e50ep-2
    static let invLn10Lo = 0x1.95355baaafad3p-57
    static let sqrt2 = 0x1.6a09e667f3bcdp+0
    static let twoThirdsHi = 0x1.5555555555555p-1
    static let twoThirdsLo = 0x1.5555555555555p-55
    static let twoOverSqrtPiHi = 0x1.20dd750429b6dp+0
    static let twoOverSqrtPiLo = 0x1.1ae3a914fed80p-56
    // pi/2 split in 28-bit chunks: k * pio2_{1,2,3} exact for |k| < 2^25.
    static let pio2_1 = 0x1.921fb54000000p+0
    static let pio2_2 = 0x1.10b4612000000p-30
    static let pio2_3 = -0x1.676733a000000p-60
    static let pio2_4 = -0x1.d1fc8f8cbb5bfp-89
    static let twoOverPi = 0x1.45f306dc9c883p-1
    static let pio2Hi = 0x1.921fb54442d18p+0
    static let pio2Lo = 0x1.1a62633145c07p-54
    static let piHi = 0x1.921fb54442d18p+1
    static let piLo = 0x1.1a62633145c07p-53
    static let pio4Hi = 0x1.921fb54442d18p-1
    static let threePio4Hi = 0x1.2d97c7f3321d2p+1

    // MARK: Error-free transformations (exact with round-to-nearest, no FMA needed)

    @inline(__always) static func twoSum(_ a: Double, _ b: Double) -> (Double, Double) {
        let s = a + b
        let bb = s - a
        return (s, (a - (s - bb)) + (b - bb))
    }

    /// Requires |a| >= |b| (or a == 0).
    @inline(__always) static func fastTwoSum(_ a: Double, _ b: Double) -> (Double, Double) {
        let s = a + b
        return (s, b - (s - a))
    }

    /// Veltkamp split; valid for |a| < 2^996.
    @inline(__always) static func split(_ a: Double) -> (Double, Double) {
        let c = 134_217_729.0 * a  // 2^27 + 1
        let hi = c - (c - a)
        return (hi, a - hi)
    }

    /// Dekker product: a * b == p + e exactly (barring overflow/underflow).
    @inline(__always) static func twoProd(_ a: Double, _ b: Double) -> (Double, Double) {
        let p = a * b
        let (ah, al) = split(a)
        let (bh, bl) = split(b)
        return (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
    }

    /// Nearest integer (ties to even) using one IEEE add/sub pair; requires |t| < 2^51.
    /// (Used instead of `rounded()`, which may lower to a libm `rint` call on baseline x86_64.)
    @inline(__always) static func roundToInt(_ t: Double) -> Double {
        (t + 0x1.8p52) - 0x1.8p52
    }

    /// Truncation toward zero by clearing fraction bits (any input; NaN/inf returned unchanged).
    @inline(__always) static func truncate(_ t: Double) -> Double {
        let bits = t.bitPattern
        let biased = Int(truncatingIfNeeded: (bits >> 52) & 0x7ff)
        if biased >= 1075 { return t }  // already integral, or inf/NaN
        if biased < 1023 { return Double(bitPattern: bits & 0x8000_0000_0000_0000) }  // |t| < 1
        let mask: UInt64 = (1 << UInt64(1075 - biased)) - 1
        return Double(bitPattern: bits & ~mask)
    }

    /// 2^n for -1022 <= n <= 1023.
    @inline(__always) static func pow2(_ n: Int) -> Double {
        Double(bitPattern: UInt64(truncatingIfNeeded: n + 1023) << 52)
    }

    /// v * 2^k with a single rounding (for v in a moderate range, -1122 <= k <= 2046).
    @inline(__always) static func scale(_ v: Double, _ k: Int) -> Double {
        if k > 1023 { return (v * pow2(k - 1023)) * pow2(1023) }
        if k < -1022 { return (v * pow2(k + 100)) * pow2(-100) }
        return v * pow2(k)
    }

    // MARK: exp core

    /// exp(xh + xl) = (a + b) * 2^k with a + b in ~[0.7, 1.42]. Requires |xh| < ~750, |xl| small.
    @inline(__always) static func expCore(_ xh: Double, _ xl: Double) -> (Double, Double, Int) {
        let kd = roundToInt(xh * invLn2Hi)
        let rh = xh - kd * ln2Hi  // exact (Sterbenz, k*ln2Hi exact)
        let rl = xl - kd * ln2Lo
        let (r, rr) = twoSum(rh, rl)
        // exp(r) = 1 + r + r^2 * P(r), P = Taylor series 1/2 + r/6 + ... + r^12/14!
        var p = 0x1.93974a8c07c9dp-37
        p = 0x1.6124613a86d09p-33 + r * p
        p = 0x1.1eed8eff8d898p-29 + r * p
        p = 0x1.ae64567f544e4p-26 + r * p
        p = 0x1.27e4fb7789f5cp-22 + r * p
        p = 0x1.71de3a556c734p-19 + r * p
        p = 0x1.a01a01a01a01ap-16 + r * p
        p = 0x1.a01a01a01a01ap-13 + r * p
        p = 0x1.6c16c16c16c17p-10 + r * p
        p = 0x1.1111111111111p-7 + r * p
        p = 0x1.5555555555555p-5 + r * p
        p = 0x1.5555555555555p-3 + r * p
        p = 0x1.0000000000000p-1 + r * p
        let t = (r * r) * p
        let (a, ae) = fastTwoSum(1, r)
        // exp(r + rr) ~= exp(r) * (1 + rr)
        let b = ae + (t + (rr + rr * r))
        return (a, b, Int(kd))
    }

    /// expm1(x) as (hi, lo) for 2^-54 <= |x| <= 45.
    @inline(__always) static func expm1Core(_ x: Double) -> (Double, Double) {
        if abs(x) < 0.3465 {
            // k == 0: expm1(x) = x + x^2 * P(x)
            var p = 0x1.93974a8c07c9dp-37
            p = 0x1.6124613a86d09p-33 + x * p
            p = 0x1.1eed8eff8d898p-29 + x * p
            p = 0x1.ae64567f544e4p-26 + x * p
            p = 0x1.27e4fb7789f5cp-22 + x * p
            p = 0x1.71de3a556c734p-19 + x * p
            p = 0x1.a01a01a01a01ap-16 + x * p
            p = 0x1.a01a01a01a01ap-13 + x * p
            p = 0x1.6c16c16c16c17p-10 + x * p
            p = 0x1.1111111111111p-7 + x * p
            p = 0x1.5555555555555p-5 + x * p
            p = 0x1.5555555555555p-3 + x * p
            p = 0x1.0000000000000p-1 + x * p
            let (xh, xl) = twoProd(x, x)
            let th = xh * 0.5
            let tl = xl * 0.5 + (x * x) * (p - 0.5)
            let (s, e) = fastTwoSum(x, th)
            return fastTwoSum(s, e + tl)
        }
        let (a, b, k) = expCore(x, 0)
        let f = pow2(k)  // |k| <= 65: exact scaling
        let (s, e) = twoSum(a * f, -1)
        return fastTwoSum(s, e + b * f)
    }

    // MARK: log core

    @inline(__always) static func logSpecial(_ x: Double) -> Double? {
        if x.isNaN { return x }
        if x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return x }
        return nil
    }

    /// log(x) = hi + lo (relative error ~2^-100) for finite x > 0.
    @inline(__always) static func logCore(_ x: Double) -> (Double, Double) {
        var v = x
        var e = 0
        if v < 0x1p-1022 { v *= 0x1p54; e = -54 }
        let bits = v.bitPattern
        e += Int(truncatingIfNeeded: (bits >> 52) & 0x7ff) - 1023
        var m = Double(bitPattern: (bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000)
        if m > sqrt2 { m *= 0.5; e += 1 }
        let f = m - 1  // exact, in [-0.293, 0.415]
        // s = f / (2 + f) in double-double; log(1+f) = 2s + s^3 * (2/3 + 2/5 s^2 + ...)
        let (dh, dl) = fastTwoSum(2, f)
        let sh = f / dh
        let (p0, p0e) = twoProd(sh, dh)
        let sl = (((f - p0) - p0e) - sh * dl) / dh
        let (zh, zl0) = twoProd(sh, sh)
        let zl = zl0 + 2 * sh * sl
        var q = 0x1.642c8590b2164p-4  // 2/23
        q = 0x1.8618618618618p-4 + zh * q
        q = 0x1.af286bca1af28p-4 + zh * q
        q = 0x1.e1e1e1e1e1e1ep-4 + zh * q
        q = 0x1.1111111111111p-3 + zh * q
        q = 0x1.3b13b13b13b14p-3 + zh * q
        q = 0x1.745d1745d1746p-3 + zh * q
        q = 0x1.c71c71c71c71cp-3 + zh * q
        q = 0x1.2492492492492p-2 + zh * q
        q = 0x1.999999999999ap-2 + zh * q  // 2/5
        let tt = zh * q
        let (ch, cl0) = fastTwoSum(twoThirdsHi, tt)
        let cl = cl0 + twoThirdsLo
        let (s3h, s3l0) = twoProd(sh, zh)
        let s3l = s3l0 + (sh * zl + sl * zh)
        let (uh, ul0) = twoProd(s3h, ch)
        let ul = ul0 + (s3h * cl + s3l * ch)
        let (vh, vl0) = fastTwoSum(2 * sh, uh)
        let vl = vl0 + (2 * sl + ul)
        let ed = Double(e)
        let (hh, h0) = twoSum(ed * ln2Hi, vh)
        let lo = h0 + (vl + ed * ln2Lo)
        return fastTwoSum(hh, lo)
    }

    // MARK: trig core

    @inline(__always) static func quadrant(_ k: Double) -> Int {
        abs(k) < 0x1p62 ? Int(k) & 3 : 0
    }

    /// x = k*pi/2 + (r + rr), |r| <~ pi/4; returns (r, rr, k mod 4).
    @inline(__always) static func reducePio2(_ x: Double) -> (Double, Double, Int) {
        var v = x
        var q = 0
        // Outside the supported range: crude, deterministic pre-reduction (not accurate).
        while !(abs(v) <= 0x1p25) {
            let k = truncate(v * twoOverPi)
            q &+= quadrant(k)
            v = ((v - k * pio2_1) - k * pio2_2) - k * pio2_3
        }
        if abs(v) <= 0x1.921fb54442d18p-1 { return (v, 0, q & 3) }
        let k = roundToInt(v * twoOverPi)
        q &+= Int(k)
        let a = v - k * pio2_1  // exact
        let (b, be) = twoSum(a, -(k * pio2_2))
        let (c, ce) = twoSum(b, -(k * pio2_3))
        let (r, rr) = fastTwoSum(c, ce + (be - k * pio2_4))
        return (r, rr, q & 3)
    }

    /// sin(r + rr), |r| <= ~pi/4.
    @inline(__always) static func sinKernel(_ r: Double, _ rr: Double) -> Double {
        let z = r * r
        var p = -0x1.2f49b46814157p-57
        p = 0x1.952c77030ad4ap-49 + z * p
        p = -0x1.ae7f3e733b81fp-41 + z * p
        p = 0x1.6124613a86d09p-33 + z * p
        p = -0x1.ae64567f544e4p-26 + z * p
        p = 0x1.71de3a556c734p-19 + z * p
        p = -0x1.a01a01a01a01ap-13 + z * p
        p = 0x1.1111111111111p-7 + z * p
        p = -0x1.5555555555555p-3 + z * p
        return r + ((r * z) * p + (rr - (0.5 * z) * rr))
    }

    /// cos(r + rr), |r| <= ~pi/4.
    @inline(__always) static func cosKernel(_ r: Double, _ rr: Double) -> Double {
        let (zh, zl) = twoProd(r, r)
        var p = -0x1.6827863b97d97p-53
        p = 0x1.ae7f3e733b81fp-45 + zh * p
        p = -0x1.93974a8c07c9dp-37 + zh * p
        p = 0x1.1eed8eff8d898p-29 + zh * p
        p = -0x1.27e4fb7789f5cp-22 + zh * p
        p = 0x1.a01a01a01a01ap-16 + zh * p
        p = -0x1.6c16c16c16c17p-10 + zh * p
        p = 0x1.5555555555555p-5 + zh * p
        let hz = 0.5 * zh
        let w = 1 - hz
        return w + ((((1 - w) - hz) - 0.5 * zl) + ((zh * zh) * p - r * rr))
    }

    // MARK: atan core

    /// atan(j/8) as (hi, lo), j = 1...8.
    @inline(__always) static func atanTable(_ j: Int) -> (Double, Double) {
        switch j {
        case 1: return (0x1.fd5ba9aac2f6ep-4, -0x1.cd37686760c17p-59)
        case 2: return (0x1.f5b75f92c80ddp-3, 0x1.8ab6e3cf7afbdp-57)
        case 3: return (0x1.6f61941e4def1p-2, -0x1.c63aae6f6e918p-56)
        case 4: return (0x1.dac670561bb4fp-2, 0x1.a2b7f222f65e2p-56)
        case 5: return (0x1.1e00babdefeb4p-1, -0x1.928df287a668fp-58)
        case 6: return (0x1.4978fa3269ee1p-1, 0x1.2419a87f2a458p-56)
        case 7: return (0x1.700a7c5784634p-1, -0x1.8c34d25aadef6p-56)
        default: return (0x1.921fb54442d18p-1, 0x1.1a62633145c07p-55)
        }
    }

    /// atan(th + tl) for 0 <= th <= 1, as (hi, lo).
    @inline(__always) static func atanCore(_ th: Double, _ tl: Double) -> (Double, Double) {
        let j = Int(th * 8 + 0.5)  // 0...8, truncating conversion
        var uh = th, ul = tl, ah = 0.0, al = 0.0
        if j > 0 {
            // u = (t - c) / (1 + t c), c = j/8, so atan(t) = atan(c) + atan(u), |u| <= 1/16.
            let c = Double(j) * 0.125
            let (n1, n2) = twoSum(th - c, tl)  // th - c is exact
            let (dp, dpe) = twoProd(th, c)
            let (dh, dl0) = fastTwoSum(1, dp)
            let dl = dl0 + (dpe + tl * c)
            uh = n1 / dh
            let (p, pe) = twoProd(uh, dh)
            ul = (((n1 - p) - pe) + n2 - uh * dl) / dh
            (ah, al) = atanTable(j)
        }
        let z = uh * uh
        var p = 0x1.e1e1e1e1e1e1ep-5
        p = -0x1.1111111111111p-4 + z * p
        p = 0x1.3b13b13b13b14p-4 + z * p
        p = -0x1.745d1745d1746p-4 + z * p
        p = 0x1.c71c71c71c71cp-4 + z * p
        p = -0x1.2492492492492p-3 + z * p
        p = 0x1.999999999999ap-3 + z * p
        p = -0x1.5555555555555p-2 + z * p
        let (sh, se) = twoSum(ah, uh)
        return (sh, se + (al + (ul + (uh * z) * p)))
    }

    // MARK: erf core

    /// erf(x) as (hi, lo) for 2^-960 <= |x| < 0.4769.
    @inline(__always) static func erfSmall(_ x: Double) -> (Double, Double) {
        let z = x * x
        let q = erfSmallQ(z)
        let (ph, pl) = twoProd(x, twoOverSqrtPiHi)
        return (ph, pl + x * (twoOverSqrtPiLo + z * q))
    }

    /// erfc(x) = (hi + lo) * 2^k for 0.4769 <= x < 27.5.
    @inline(__always) static func erfcPositive(_ x: Double) -> (Double, Double, Int) {
        let (sh, sl) = twoProd(x, x)
        let (a, b, k) = expCore(-sh, -sl)
        let (gh, gl) = erfcxPoly(x)
        let (ph, pl) = twoProd(a, gh)
        let (h, l) = fastTwoSum(ph, pl + ((a * gl + b * gh) + b * gl))
        return (h, l, k)
    }
}
