// Jacketed CSTR / semi-batch reactor kernel.
//
// Unknowns y = (T, Tj, n, V):
//   ρ·cp·V·dT/dt   = (−ΔH)·r·V + ρ·cp·q_f·(T_f − T) + ρ·cp·q_q·(T_q − T) − UA·(T − Tj) − UA_loss·(T − T_amb)
//   ρc·cpc·Vj·dTj/dt = ρc·cpc·q_c·(Tc_in − Tj) + UA·(T − Tj)
//   dn/dt = q_f·C_f − q_out·n/V − r·V          (r = k0·exp(−Ea/(R·T))·(n/V)^order)
//   dV/dt = q_f + q_q − q_out
//
// Integrator: ROS2 (Verwer, Spee, Blom & Hundsdorfer, SIAM J. Sci. Comput. 20 (1999) 1456),
// a 2-stage linearly implicit Rosenbrock(-W) method, order 2, L-stable, γ = 1 + 1/√2:
//   (I − γhJ)·k1 = f(y),  (I − γhJ)·k2 = f(y + h·k1) − 2·k1,  y⁺ = y + 1.5·h·k1 + 0.5·h·k2,
// with the analytic Jacobian J except for one deliberate omission: for an EXOTHERMIC reaction
// the Arrhenius temperature sensitivity ∂r/∂T is left out of J (in both the T and the n row).
// That term is the positive (explosive) eigenvalue of thermal runaway; treating it implicitly
// makes (1 − γ·h·λ) change sign once γ·h·λ > 1 and throws T negative. ROS2 is a W-method
// (order 2 for ANY matrix in place of J), so the omission keeps order 2, leaves only
// non-positive eigenvalues in the implicit part (cooling, flows, consumption — stable at any
// h), and, because it is dropped from both rows, still preserves the linear invariant
// ρ·cp·V·T + (−ΔH)·n of an adiabatic batch to rounding. The runaway itself is then resolved
// explicitly (Heun-like: T never decreases while f_T ≥ 0), with accuracy set by the substeps:
// n = clamp(⌈dt·λ/substepStiffness⌉, minSubsteps, maxSubsteps), λ = max row sum of |J_full|
// at the start of the step (J_full includes ∂r/∂T, so the substeps grow with the runaway).
// Fixed work per substep (one 4×4 elimination, one re-solve), no iteration.
// Flows (q_out limits for min/max volume) are frozen over a substep.

public enum Reactor {
    static let gamma = 1 + 1 / (2 as Double).squareRoot()

    /// Advances the reactor by `dt` seconds with `inputs` held constant.
    public static func step(_ spec: ReactorSpec, _ s: inout ReactorState, inputs u: ReactorInputs, dt: Double) {
        if !(dt > 0) { return }
        var y = (s.temperature, s.jacketTemperature, s.moles, s.volume)
        var jac = ContiguousArray<Double>(repeating: 0, count: 16)
        var mat = ContiguousArray<Double>(repeating: 0, count: 16)
        var rhs = ContiguousArray<Double>(repeating: 0, count: 4)

        let qOut0 = outflow(spec, u, y.3, dt)
        let f00 = rates(spec, u, qOut0, y)
        jacobian(spec, u, qOut0, y, f00, &jac, full: true)
        var lam = 0.0
        for r in 0..<4 {
            var sum = 0.0
            for c in 0..<4 { sum += abs(jac[r &* 4 &+ c]) }
            lam = max(lam, sum)
        }
        var n = spec.maxSubsteps
        let want = dt * lam / spec.substepStiffness
        if want.isFinite && want < Double(spec.maxSubsteps) { n = max(spec.minSubsteps, ceilInt(want)) }
        n = min(max(n, spec.minSubsteps), spec.maxSubsteps)
        let h = dt / Double(n)

        var i = 0
        while i < n {
            let qOut = outflow(spec, u, y.3, h)
            let f0 = rates(spec, u, qOut, y)
            jacobian(spec, u, qOut, y, f0, &jac, full: false)
            let gh = gamma * h
            for k in 0..<16 { mat[k] = -(gh * jac[k]) }
            mat[0] += 1; mat[5] += 1; mat[10] += 1; mat[15] += 1
            let lu = mat
            rhs[0] = f0.0; rhs[1] = f0.1; rhs[2] = f0.2; rhs[3] = f0.3
            DenseSolve.solve(&mat, &rhs, 4)
            let k1 = (rhs[0], rhs[1], rhs[2], rhs[3])
            let y1 = (y.0 + h * k1.0, y.1 + h * k1.1, y.2 + h * k1.2, y.3 + h * k1.3)
            let f1 = rates(spec, u, qOut, y1)
            mat = lu
            rhs[0] = f1.0 - 2 * k1.0; rhs[1] = f1.1 - 2 * k1.1; rhs[2] = f1.2 - 2 * k1.2; rhs[3] = f1.3 - 2 * k1.3
            DenseSolve.solve(&mat, &rhs, 4)
            let k2 = (rhs[0], rhs[1], rhs[2], rhs[3])
            y.0 = y.0 + (1.5 * h * k1.0 + 0.5 * h * k2.0)
            y.1 = y.1 + (1.5 * h * k1.1 + 0.5 * h * k2.1)
            y.2 = max(0, y.2 + (1.5 * h * k1.2 + 0.5 * h * k2.2))
            // dV/dt is constant over the substep, so V advances exactly by h·(q_in − q_out).
            y.3 = min(spec.maxVolume, max(spec.minVolume, y.3 + h * (u.feedFlow + u.quenchFlow - qOut)))
            i &+= 1
        }
        s.temperature = y.0; s.jacketTemperature = y.1; s.moles = y.2; s.volume = y.3
        s.substeps = Int32(n)
        refreshDerived(spec, &s, agitatorOn: u.agitatorOn)
    }

    /// Rate constant k(T) = k0·exp(−Ea/(R·T)) (DetMath.exp).
    @inline(__always)
    public static func rateConstant(_ spec: ReactorSpec, _ t: Double) -> Double {
        spec.preExponential * DetMath.exp(-spec.activationEnergy / (ReactorSpec.gasConstant * max(t, 1)))
    }

    /// Recomputes the derived fields from (T, Tj, n, V).
    public static func refreshDerived(_ spec: ReactorSpec, _ s: inout ReactorState, agitatorOn: Bool) {
        let c = s.moles / s.volume
        let rv = reaction(spec, s.temperature, s.moles, s.volume)
        let ua = spec.ua * (agitatorOn ? 1 : spec.agitatorOffFactor)
        s.concentration = c
        s.reactionRate = rv.rate
        s.heatRelease = -spec.heatOfReaction * rv.rate
        s.jacketDuty = ua * (s.temperature - s.jacketTemperature)
        s.ambientLoss = spec.uaLoss * (s.temperature - spec.ambientTemperature)
        s.mtsr = s.temperature + (-spec.heatOfReaction) * s.moles / (spec.density * spec.heatCapacity * s.volume)
    }

    // MARK: - Internals

    /// Outflow frozen over a substep of length h: CSTR = inflow; semi-batch = dump, limited so
    /// V stays within [minVolume, maxVolume] (overflow above maxVolume).
    @inline(__always)
    static func outflow(_ spec: ReactorSpec, _ u: ReactorInputs, _ v: Double, _ h: Double) -> Double {
        let qin = max(0, u.feedFlow) + max(0, u.quenchFlow)
        if spec.constantVolume { return qin }
        let hi = qin + (v - spec.minVolume) / h
        let lo = qin - (spec.maxVolume - v) / h
        return max(0, min(hi, max(lo, max(0, u.dumpFlow))))
    }

    @inline(__always)
    static func powOrder(_ c: Double, _ a: Double) -> Double {
        if a == 0 { return 1 }
        if a == 1 { return c }
        if a == 2 { return c * c }
        if c <= 0 { return 0 }
        return DetMath.pow(c, a)
    }

    /// Total reaction rate R = r·V (mol/s) and its partial derivatives.
    @inline(__always)
    static func reaction(_ spec: ReactorSpec, _ t: Double, _ n: Double, _ v: Double)
        -> (rate: Double, dT: Double, dn: Double, dV: Double) {
        let k = rateConstant(spec, t)
        let a = spec.reactionOrder
        let tt = max(t, 1)
        let arr = spec.activationEnergy / (ReactorSpec.gasConstant * tt * tt)
        if !spec.consumeReactant {
            let r = k * powOrder(spec.referenceConcentration, a)
            let rv = r * v
            return (rv, rv * arr, 0, r)
        }
        let c = max(0, n) / v
        let r = k * powOrder(c, a)
        let rv = r * v
        var dn = 0.0
        if a == 1 { dn = k } else if a != 0 && c > 0 { dn = a * k * powOrder(c, a - 1) }
        return (rv, rv * arr, dn, r * (1 - a))
    }

    typealias Vec4 = (Double, Double, Double, Double)

    @inline(__always)
    static func rates(_ spec: ReactorSpec, _ u: ReactorInputs, _ qOut: Double, _ y: Vec4) -> Vec4 {
        let (t, tj, n, v) = y
        let rc = spec.density * spec.heatCapacity
        let ua = spec.ua * (u.agitatorOn ? 1 : spec.agitatorOffFactor)
        let qf = max(0, u.feedFlow), qq = max(0, u.quenchFlow), qc = max(0, u.coolantFlow)
        let rx = reaction(spec, t, n, v)
        let num = -spec.heatOfReaction * rx.rate + rc * qf * (u.feedTemperature - t) + rc * qq * (u.quenchTemperature - t)
            - ua * (t - tj) - spec.uaLoss * (t - spec.ambientTemperature)
        let fT = num / (rc * v)
        let rcj = spec.coolantDensity * spec.coolantHeatCapacity
        let fTj = (rcj * qc * (u.coolantInletTemperature - tj) + ua * (t - tj)) / (rcj * spec.jacketVolume)
        var fn = qf * u.feedConcentration - qOut * (max(0, n) / v)
        if spec.consumeReactant { fn -= rx.rate }
        return (fT, fTj, fn, qf + qq - qOut)
    }

    /// Analytic Jacobian (row-major 4×4; row/column order T, Tj, n, V). `full: false` drops
    /// ∂r/∂T of an exothermic reaction (see the header) for the integration matrix.
    static func jacobian(_ spec: ReactorSpec, _ u: ReactorInputs, _ qOut: Double, _ y: Vec4, _ f: Vec4,
                         _ j: inout ContiguousArray<Double>, full: Bool) {
        let (t, _, n, v) = y
        let rc = spec.density * spec.heatCapacity
        let e = rc * v
        let ua = spec.ua * (u.agitatorOn ? 1 : spec.agitatorOffFactor)
        let qf = max(0, u.feedFlow), qq = max(0, u.quenchFlow), qc = max(0, u.coolantFlow)
        let rx = reaction(spec, t, n, v)
        let dh = -spec.heatOfReaction
        let rdT = (full || dh <= 0) ? rx.dT : 0
        j[0] = (dh * rdT - rc * (qf + qq) - ua - spec.uaLoss) / e
        j[1] = ua / e
        j[2] = dh * rx.dn / e
        j[3] = dh * rx.dV / e - f.0 / v
        let ej = spec.coolantDensity * spec.coolantHeatCapacity * spec.jacketVolume
        j[4] = ua / ej
        j[5] = -(spec.coolantDensity * spec.coolantHeatCapacity * qc + ua) / ej
        j[6] = 0
        j[7] = 0
        let consume = spec.consumeReactant
        j[8] = consume ? -rdT : 0
        j[9] = 0
        j[10] = -qOut / v - (consume ? rx.dn : 0)
        j[11] = qOut * max(0, n) / (v * v) - (consume ? rx.dV : 0)
        j[12] = 0; j[13] = 0; j[14] = 0; j[15] = 0
    }
}
