// Jacketed CSTR / semi-batch reactor kernel.
//
// Unknowns y = (T, Tj, n, V):
//   ρ·cp·V·dT/dt   = (−ΔH)·R + ρ·cp·q_f·(T_f − T) + ρ·cp·q_q·(T_q − T) − UA·(T − Tj) − UA_loss·(T − T_amb)
//   ρc·cpc·Vj·dTj/dt = ρc·cpc·q_c·(Tc_in − Tj) + UA·(T − Tj)
//   dn/dt = q_f·C_f − q_out·n/V − R          (R = k(T)·(n/V)^order·V, k = k0·exp(−Ea/(R·T)))
//   dV/dt = q_f + q_q − q_out
//
// Integrator: energy-conserving splitting, substeps chosen from the state (never wall time).
// Each substep of length h
//   1. reacts an extent ξ that is exact in conversion for a rate constant k_eff held over the
//      substep (first order: ξ = n·(1 − e^(−k·h)); order a: the closed-form isothermal solution),
//      so 0 ≤ ξ ≤ n: the reaction can never release more heat than the reactant present holds;
//   2. adds the heat (−ΔH)·ξ to the energy balance and solves the linear heat exchange (flows,
//      jacket, ambient) with the θ-method: θ = ½ (trapezoidal, order 2) when h is below the
//      fastest exchange time constant, θ = 1 (backward Euler, L-stable) otherwise;
//   3. k_eff = ½·(k(T) + k(T*)), T* from a predictor pass of 1–2 with k(T) (trapezoidal in k).
// For an adiabatic batch the update is T' = T + (−ΔH)·ξ/(ρ·cp·V), n' = n − ξ, so
// ρ·cp·V·T + (−ΔH)·n is conserved to rounding and T ≤ T0 + ΔT_ad exactly; heat removal only
// lowers MTSR = T + (−ΔH)·n/(ρ·cp·V), so cooling never lifts the peak above that bound.
// Substep length: h ≤ arrheniusStep·(R·T²/Ea)/(dT/dt)_reaction (k changes by at most about
// e^arrheniusStep per substep), h ≤ 1/(fastest exchange rate); at most maxSubsteps per step,
// the last one taking whatever remains (still conserving and bounded, only less accurate).
// See Docs/verification/process.md.

public enum Reactor {
    /// Advances the reactor by `dt` seconds with `inputs` held constant.
    public static func step(_ spec: ReactorSpec, _ s: inout ReactorState, inputs u: ReactorInputs, dt: Double) {
        if !(dt > 0) { return }
        var y = (s.temperature, s.jacketTemperature, s.moles, s.volume)
        var remaining = dt
        var count = 0
        while remaining > 0 {
            count &+= 1
            let left = max(1, spec.maxSubsteps &- count &+ 1)
            var pieces = 1
            let lim = substepLimit(spec, u, y)
            if left > 1 && lim < remaining {
                let want = remaining / lim
                pieces = want.isFinite && want < Double(left) ? max(1, ceilInt(want)) : left
            }
            let h = pieces == 1 ? remaining : remaining / Double(pieces)
            substep(spec, u, &y, h)
            remaining = pieces == 1 ? 0 : remaining - h
        }
        s.temperature = y.0; s.jacketTemperature = y.1; s.moles = y.2; s.volume = y.3
        s.substeps = Int32(count)
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
        let rate = reactionRate(spec, rateConstant(spec, s.temperature), s.moles, s.volume)
        let ua = spec.ua * (agitatorOn ? 1 : spec.agitatorOffFactor)
        s.concentration = c
        s.reactionRate = rate
        s.heatRelease = -spec.heatOfReaction * rate
        s.jacketDuty = ua * (s.temperature - s.jacketTemperature)
        s.ambientLoss = spec.uaLoss * (s.temperature - spec.ambientTemperature)
        s.mtsr = s.temperature + (-spec.heatOfReaction) * s.moles / (spec.density * spec.heatCapacity * s.volume)
    }

    // MARK: - Internals

    typealias Vec4 = (Double, Double, Double, Double)

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

    /// Total reaction rate R = k·C^order·V (mol/s) for rate constant k.
    @inline(__always)
    static func reactionRate(_ spec: ReactorSpec, _ k: Double, _ n: Double, _ v: Double) -> Double {
        let c = spec.consumeReactant ? max(0, n) / v : spec.referenceConcentration
        return k * powOrder(c, spec.reactionOrder) * v
    }

    /// Moles reacted in time h with k constant: the exact isothermal batch solution, so 0 ≤ ξ ≤ n.
    /// Without consumption (Semenov's limit) the rate is constant: ξ = R·h.
    @inline(__always)
    static func extent(_ spec: ReactorSpec, _ k: Double, _ n: Double, _ v: Double, _ h: Double) -> Double {
        if !spec.consumeReactant { return reactionRate(spec, k, n, v) * h }
        let n0 = max(0, n)
        if !(n0 > 0) || !(k > 0) { return 0 }
        let a = spec.reactionOrder
        if a == 1 { return min(n0, -n0 * DetMath.expm1(-k * h)) }
        let c = n0 / v
        if a == 0 { return min(n0, k * v * h) }
        if a == 2 { return min(n0, n0 - n0 / (1 + k * c * h)) }
        // C^(1−a) − (1−a)·k·h, then back: C' = base^(1/(1−a)) (0 once exhausted for a < 1).
        let base = DetMath.pow(c, 1 - a) - (1 - a) * k * h
        let c1 = base > 0 ? DetMath.pow(base, 1 / (1 - a)) : 0
        return min(n0, max(0, (c - c1) * v))
    }

    /// Heat-exchange coefficients of the energy balances (W/K) for the inputs.
    struct Exchange {
        var feed: Double, quench: Double, jacket: Double, loss: Double, coolant: Double
        var contents: Double, jacketCapacity: Double
    }

    @inline(__always)
    static func exchange(_ spec: ReactorSpec, _ u: ReactorInputs, _ v: Double) -> Exchange {
        let rc = spec.density * spec.heatCapacity
        return Exchange(feed: rc * max(0, u.feedFlow), quench: rc * max(0, u.quenchFlow),
                        jacket: spec.ua * (u.agitatorOn ? 1 : spec.agitatorOffFactor), loss: spec.uaLoss,
                        coolant: spec.coolantDensity * spec.coolantHeatCapacity * max(0, u.coolantFlow),
                        contents: rc * v, jacketCapacity: spec.coolantDensity * spec.coolantHeatCapacity * spec.jacketVolume)
    }

    /// Fastest linear exchange rate (1/s) of the T, Tj and n balances.
    @inline(__always)
    static func exchangeRate(_ x: Exchange, _ qOut: Double, _ v: Double) -> Double {
        max((x.feed + x.quench + x.jacket + x.loss) / x.contents, (x.coolant + x.jacket) / x.jacketCapacity, qOut / v)
    }

    /// Longest substep the state allows (s): the reaction may heat by at most arrheniusStep·R·T²/Ea,
    /// and h stays within the fastest exchange time constant (where the trapezoidal rule is accurate).
    static func substepLimit(_ spec: ReactorSpec, _ u: ReactorInputs, _ y: Vec4) -> Double {
        var lim = Double.infinity
        let x = exchange(spec, u, y.3)
        let rate = exchangeRate(x, max(0, u.feedFlow) + max(0, u.quenchFlow) + max(0, u.dumpFlow), y.3)
        if rate > 0 { lim = 1 / rate }
        let heating = -spec.heatOfReaction * reactionRate(spec, rateConstant(spec, y.0), y.2, y.3) / x.contents
        if heating > 0 && spec.activationEnergy > 0 {
            let scale = ReactorSpec.gasConstant * y.0 * y.0 / spec.activationEnergy
            lim = min(lim, spec.arrheniusStep * scale / heating)
        }
        return lim
    }

    /// Energy balances after releasing `heat` (J) over h: θ-method on the linear exchange terms,
    /// a 2×2 system in (T', Tj') solved in closed form (its determinant is > 0).
    @inline(__always)
    static func energy(_ x: Exchange, _ u: ReactorInputs, _ ambient: Double, _ t: Double, _ tj: Double,
                       _ heat: Double, _ h: Double, _ theta: Double) -> (Double, Double) {
        let e = (1 - theta) * h
        // Explicit part of the exchange, evaluated at the old state.
        let lT = x.feed * (u.feedTemperature - t) + x.quench * (u.quenchTemperature - t)
            - x.jacket * (t - tj) - x.loss * (t - ambient)
        let lJ = x.coolant * (u.coolantInletTemperature - tj) + x.jacket * (t - tj)
        let th = theta * h
        let a11 = x.contents + th * (x.feed + x.quench + x.jacket + x.loss)
        let a22 = x.jacketCapacity + th * (x.coolant + x.jacket)
        let off = th * x.jacket
        let b1 = x.contents * t + heat + e * lT
            + th * (x.feed * u.feedTemperature + x.quench * u.quenchTemperature + x.loss * ambient)
        let b2 = x.jacketCapacity * tj + e * lJ + th * x.coolant * u.coolantInletTemperature
        let det = a11 * a22 - off * off
        return ((b1 * a22 + off * b2) / det, (a11 * b2 + off * b1) / det)
    }

    static func substep(_ spec: ReactorSpec, _ u: ReactorInputs, _ y: inout Vec4, _ h: Double) {
        let (t, tj, n, v) = y
        let qOut = outflow(spec, u, v, h)
        let x = exchange(spec, u, v)
        let theta = h * exchangeRate(x, qOut, v) <= 1 ? 0.5 : 1.0
        let dh = -spec.heatOfReaction
        // Predictor with k(T), then the step with the trapezoidal mean of k(T) and k(T*).
        let k0 = rateConstant(spec, t)
        let xi0 = extent(spec, k0, n, v, h)
        let tStar = energy(x, u, spec.ambientTemperature, t, tj, dh * xi0, h, theta).0
        var k = 0.5 * (k0 + rateConstant(spec, tStar))
        // Without consumption nothing bounds the heat: keep a forced long substep finite.
        if !spec.consumeReactant { k = min(k, 8 * k0) }
        let xi = extent(spec, k, n, v, h)
        let te = energy(x, u, spec.ambientTemperature, t, tj, dh * xi, h, theta)
        // Species: reaction first (exact), then feed in and outflow of what is left (θ-method).
        let w = h * qOut / v
        let left = spec.consumeReactant ? max(0, n - xi) : max(0, n)
        let nNew = (left * (1 - (1 - theta) * w) + h * max(0, u.feedFlow) * u.feedConcentration) / (1 + theta * w)
        y.0 = te.0
        y.1 = te.1
        y.2 = max(0, nNew)
        // dV/dt is constant over the substep, so V advances exactly by h·(q_in − q_out).
        y.3 = min(spec.maxVolume, max(spec.minVolume, v + h * (max(0, u.feedFlow) + max(0, u.quenchFlow) - qOut)))
    }
}
