// Lumped fluid network kernel: one `step` per tick.
//
// Numerics (see Docs/verification/process.md):
// - Link law q = K·o·sign(ΔP)·√|ΔP| for |ΔP| ≥ ΔP_lin, q = K·o·ΔP/√ΔP_lin below (laminar
//   regularisation: continuous value at ΔP_lin, finite slope through 0, so no chatter) between
//   vessels; liquid leaving into a boundary or into a port that offers no liquid follows the √
//   law down to 0 with the same capped conductance, so a vessel drains in finite time.
// - Linearly implicit (backward-Euler, lagged-conductance) update per substep: link flows are
//   q_new = q + c·Δ(ΔP), where c is the SECANT conductance q/ΔP for pipes and relief valves
//   (tangent for pumps), and Δ(ΔP) is linear in the change of the unknowns (vessel liquid
//   volumes, blanket gas inventories). Solving (I − h·J)·Δx = h·f couples all links, so two
//   vessels equalising decay by 1/(1 + h·λ) per substep: monotone for any h (no overshoot).
// - Substeps n = clamp(⌈dt·λ/substepStiffness⌉, 1, maxSubsteps), λ = max row sum of |J|
//   at the start of the step (Gershgorin bound). Accuracy, not stability, sets n.
// - Conservation: every link's transfer is ONE Double subtracted from its source and added to
//   its destination (or to the boundary's in/out counters). Outflows are limited in link order
//   so no vessel goes below empty; a link never reverses within a substep.
// - Determinism: fixed iteration counts (pump: 64 bisection steps), no Dictionary/Set, only
//   + − × ÷ √, min/max/abs.

public enum FluidNetwork {

    // MARK: - Conductance helpers (for the scenario compiler)

    /// Orifice / nozzle: q = Cd·a·√(2ΔP/ρ)  ⇒  K = Cd·a·√(2/ρ).
    public static func conductance(orificeArea a: Double, dischargeCoefficient cd: Double = 0.61,
                                   density rho: Double) -> Double {
        cd * a * (2 / rho).squareRoot()
    }

    /// Valve flow coefficient Kv (m³/h of water at ΔP = 1 bar): q[m³/h] = Kv·√(ΔP[bar]·1000/ρ).
    public static func conductance(kv: Double, density rho: Double) -> Double {
        kv / 3600 * (1000 / (100_000 * rho)).squareRoot()
    }

    /// US Cv (US gpm of water at ΔP = 1 psi); Cv = 1.156·Kv.
    public static func conductance(cv: Double, density rho: Double) -> Double {
        conductance(kv: cv / 1.156, density: rho)
    }

    /// Smallest lift of an open relief valve (fraction of full lift); see `evaluate`.
    public static let reliefMinimumLift = 0.2

    // MARK: - Step

    /// Advances the network by `dt` seconds with `controls` held constant.
    public static func step(_ spec: FluidNetworkSpec, _ s: inout FluidNetworkState,
                            controls: FluidControls, dt: Double) {
        if !(dt > 0) { return }
        let nL = spec.links.count
        precondition(controls.opening.count == nL && controls.pumpSpeed.count == nL, "one control per link")
        // Reuse the scratch arrays of the previous step (reset to their initial values): the
        // allocations cost as much as the solve for small plants.
        var w = s.workspace.take() ?? Workspace(links: nL, vars: spec.varCount)
        if w.q.count == nL && w.m == spec.varCount {
            w.reset()
        } else {
            w = Workspace(links: nL, vars: spec.varCount)
        }

        for i in 0..<spec.nodes.count { s.overflowing[i] = 0 }
        evaluate(spec, &s, controls, &w)
        let lam = w.lambda
        var n = spec.maxSubsteps
        let want = dt * lam / spec.substepStiffness
        if want.isFinite && want < Double(spec.maxSubsteps) {
            n = max(1, ceilInt(want))
        }
        let h = dt / Double(n)
        var k = 0
        while k < n {
            if k > 0 { evaluate(spec, &s, controls, &w) }
            substep(spec, &s, &w, h)
            k &+= 1
        }
        for l in 0..<nL {
            s.liquidFlow[l] = w.accLiquid[l] / dt
            s.gasFlow[l] = w.accGas[l] / dt
        }
        s.substeps = Int32(n)
        s.workspace = w
    }

    /// Recomputes level, gas pressure and bottom pressure from the inventories.
    public static func refreshDerived(_ spec: FluidNetworkSpec, _ s: inout FluidNetworkState) {
        let rg = spec.density * spec.gravity
        for i in 0..<spec.nodes.count {
            let n = spec.nodes[i]
            if n.kind == .boundary {
                s.level[i] = 0; s.gasPressure[i] = n.pressure; s.bottomPressure[i] = n.pressure
                continue
            }
            let lvl = min(s.volume[i] / n.area, n.height)
            let pg = gasPressure(spec, s, i, n)
            s.level[i] = lvl; s.gasPressure[i] = pg; s.bottomPressure[i] = pg + rg * lvl
        }
    }

    // MARK: - Internals

    struct Workspace: Sendable, Equatable {
        /// Scratch space never distinguishes two states.
        static func == (_: Workspace, _: Workspace) -> Bool { true }

        var q: ContiguousArray<Double>
        var c: ContiguousArray<Double>
        var phase: ContiguousArray<UInt8>
        /// Per link: dP_from/dV_from, dP_from/dn_from, dP_to/dV_to, dP_to/dn_to.
        var sens: ContiguousArray<Double>
        var forwardOnly: ContiguousArray<UInt8>
        var jac: ContiguousArray<Double>
        var f: ContiguousArray<Double>
        var mat: ContiguousArray<Double>
        var dx: ContiguousArray<Double>
        var accLiquid: ContiguousArray<Double>
        var accGas: ContiguousArray<Double>
        var lambda: Double = 0
        let m: Int

        init(links nL: Int, vars m: Int) {
            self.m = m
            q = ContiguousArray(repeating: 0, count: nL)
            c = ContiguousArray(repeating: 0, count: nL)
            phase = ContiguousArray(repeating: 0, count: nL)
            sens = ContiguousArray(repeating: 0, count: nL &* 4)
            forwardOnly = ContiguousArray(repeating: 0, count: nL)
            jac = ContiguousArray(repeating: 0, count: m &* m)
            f = ContiguousArray(repeating: 0, count: m)
            mat = ContiguousArray(repeating: 0, count: m &* m)
            dx = ContiguousArray(repeating: 0, count: m)
            accLiquid = ContiguousArray(repeating: 0, count: nL)
            accGas = ContiguousArray(repeating: 0, count: nL)
        }

        /// Back to the freshly initialised values, so a reused workspace behaves exactly like a new one.
        mutating func reset() {
            for i in 0..<q.count { q[i] = 0; c[i] = 0; phase[i] = 0; forwardOnly[i] = 0; accLiquid[i] = 0; accGas[i] = 0 }
            for i in 0..<sens.count { sens[i] = 0 }
            for i in 0..<jac.count { jac[i] = 0; mat[i] = 0 }
            for i in 0..<f.count { f[i] = 0; dx[i] = 0 }
            lambda = 0
        }
    }

    /// Port of a node as seen by a link.
    struct Port {
        var piezometric: Double  // p_gas + ρ·g·(elevation + max(level, port)); boundary p + ρ·g·z
        var staticP: Double      // p_gas + ρ·g·max(0, level − port); boundary p
        var offers: FluidPhase   // what flows out of this port
        var dPdV: Double         // ∂p/∂V_liquid
        var dPdn: Double         // ∂p/∂n_gas
        var gasP: Double         // gas pressure upstream (gas density)
        var temp: Double
        /// A boundary: its pressure does not respond to what flows in.
        var fixed = false
    }

    /// Gas-space pressure of a vessel and its sensitivities (∂p/∂V_liquid, ∂p/∂n_gas).
    /// Closed: isothermal ideal gas p = n·R·T/V_gas while V_gas > V_min = 1e-6·capacity; below
    /// that the vessel is liquid-full (hydraulic lock) and the pressure continues continuously
    /// as p(V_min) + β·(V_min − V_gas)/capacity, β = liquidBulkModulus, so a blocked-in or
    /// overfilled vessel pressurises (the relief then passes liquid) instead of overflowing.
    @inline(__always)
    static func vesselPressure(_ spec: FluidNetworkSpec, _ n: FluidNodeSpec, _ v: Double, _ moles: Double,
                               _ temp: Double) -> (p: Double, dV: Double, dn: Double, full: Bool) {
        if !n.closed { return (spec.atmosphericPressure, 0, 0, false) }
        let cap = n.area * n.height
        let vmin = cap * 1e-6
        let vg = cap - v
        let rt = FluidNetworkSpec.gasConstant * temp
        if vg > vmin {
            let p = moles * rt / vg
            return (p, p / vg, rt / vg, false)
        }
        let beta = spec.liquidBulkModulus / cap
        return (moles * rt / vmin + beta * (vmin - vg), beta, rt / vmin, true)
    }

    @inline(__always)
    static func gasPressure(_ spec: FluidNetworkSpec, _ s: FluidNetworkState, _ i: Int, _ n: FluidNodeSpec) -> Double {
        if n.kind == .boundary { return n.pressure }
        return vesselPressure(spec, n, s.volume[i], s.gasMoles[i], s.temperature[i]).p
    }

    @inline(__always)
    static func port(_ spec: FluidNetworkSpec, _ s: FluidNetworkState, _ i: Int, _ z: Double) -> Port {
        let n = spec.nodes[i]
        let rg = spec.density * spec.gravity
        if n.kind == .boundary {
            return Port(piezometric: n.pressure + rg * n.elevation, staticP: n.pressure, offers: n.boundaryPhase,
                        dPdV: 0, dPdn: 0, gasP: n.pressure, temp: n.temperature, fixed: true)
        }
        let lvl = min(s.volume[i] / n.area, n.height)
        let vp = vesselPressure(spec, n, s.volume[i], s.gasMoles[i], s.temperature[i])
        // No nozzle is closer to the top than nozzleClearance·height: the gas pocket above the
        // highest nozzle stays trapped, so venting a closed vessel can never remove all of its
        // gas (a gas-free vessel would switch abruptly between vacuum and hydraulic lock).
        let zWet = min(z, n.height * (1 - spec.nozzleClearance))
        let wet = lvl > zWet || vp.full
        var dV = vp.dV
        if wet { dV += rg / n.area }
        let offers: FluidPhase = wet ? .liquid : (n.closed ? .gas : .none)
        return Port(piezometric: vp.p + rg * (n.elevation + max(lvl, z)), staticP: vp.p + rg * max(0, lvl - z),
                    offers: offers, dPdV: dV, dPdn: vp.dn, gasP: vp.p, temp: s.temperature[i])
    }

    /// Regularised square-root law: flow and secant conductance q/ΔP.
    @inline(__always)
    static func sqrtLaw(_ k: Double, _ dp: Double, _ lin: Double) -> (q: Double, c: Double) {
        let a = abs(dp)
        if a >= lin {
            let r = a.squareRoot()
            return (dp < 0 ? -(k * r) : k * r, k / r)
        }
        let c = k / lin.squareRoot()
        return (c * dp, c)
    }

    /// Liquid draining into a boundary (a drain: fixed pressure) or into a port that offers no
    /// liquid back: the √ law all the way down, so the last film drains in finite time, as in
    /// Torricelli's law, instead of the laminar band's exponential tail (which never reaches
    /// empty). The secant conductance stays capped at its laminar value, so the implicit step's
    /// stiffness is unchanged; a substep can then carry more than the remaining head, and the
    /// transfer limiter stops it at exactly empty. Where the balance lies above empty (a side
    /// nozzle, a raised drain) it overshoots by at most ΔP_lin/4, and the laminar law brings it back.
    @inline(__always)
    static func drainLaw(_ k: Double, _ dp: Double, _ lin: Double) -> (q: Double, c: Double) {
        if !(dp > 0) { return (0, k / lin.squareRoot()) }
        let r = dp.squareRoot()
        return (k * r, k / max(r, lin.squareRoot()))
    }

    /// Pipe or relief flow (q, secant c, phase). `fwdOnly`: check valve / relief.
    @inline(__always)
    static func pipeFlow(_ spec: FluidNetworkSpec, _ k: Double, _ pf: Port, _ pt: Port, _ fwdOnly: Bool)
        -> (q: Double, c: Double, phase: FluidPhase) {
        if !(k > 0) { return (0, 0, .none) }
        let lin = spec.laminarDeltaP
        let dPl = pf.piezometric - pt.piezometric
        if pf.offers == .liquid && pt.offers == .liquid {
            if fwdOnly && dPl < 0 { return (0, 0, .none) }
            let r = pt.fixed && dPl > 0 ? drainLaw(k, dPl, lin) : sqrtLaw(k, dPl, lin)
            return (r.q, r.c, .liquid)
        }
        let dPs = pf.staticP - pt.staticP
        var dp = 0.0
        var ph = FluidPhase.none
        var up = pf
        let fwd = pf.offers == .liquid ? dPl : (pf.offers == .gas ? dPs : 0)
        if pf.offers != .none && fwd > 0 {
            dp = fwd; ph = pf.offers
        } else if !fwdOnly && pt.offers != .none {
            let rev = pt.offers == .liquid ? -dPl : -dPs
            if rev > 0 { dp = -rev; ph = pt.offers; up = pt }
        }
        if ph == .none { return (0, 0, .none) }
        if ph == .liquid {
            let r = pt.offers == .liquid ? sqrtLaw(k, dp, lin) : drainLaw(k, dp, lin)
            return (r.q, r.c, .liquid)
        }
        // Gas through the same restriction: ṁ = Cd·a·√(2·ρ_g·ΔP) with Cd·a = K·√(ρ_l/2),
        // ρ_g = p_up·M/(R·T_up), so ṅ = K·√(ρ_l·p_up/(M·R·T_up))·√ΔP. Choked above the
        // critical ratio: ΔP_eff = min(ΔP, 0.47·p_up) (γ ≈ 1.4).
        let kg = k * (spec.density * up.gasP / (spec.gasMolarMass * FluidNetworkSpec.gasConstant * up.temp)).squareRoot()
        let a = abs(dp)
        let eff = min(a, 0.47 * up.gasP)
        let mag = sqrtLaw(kg, eff, lin).q
        return (dp < 0 ? -mag : mag, mag / a, .gas)
    }

    @inline(__always)
    static func pumpHead(_ flows: ContiguousArray<Double>, _ heads: ContiguousArray<Double>, _ x: Double)
        -> (h: Double, slope: Double) {
        let n = flows.count
        if x <= 0 || n == 1 { return (heads[0], 0) }
        var j = 1
        while j < n &- 1 && x > flows[j] { j = j &+ 1 }
        let slope = (heads[j] - heads[j &- 1]) / (flows[j] - flows[j &- 1])
        return (heads[j &- 1] + slope * (x - flows[j &- 1]), slope)
    }

    /// Pump + series resistance: solve ΔP_static + ρ·g·H_s(q) = loss(q) by safeguarded Newton on
    /// a bracket that always holds the root (H non-increasing, loss increasing). c = dq/dΔP (tangent).
    static func pumpFlow(_ spec: FluidNetworkSpec, _ link: FluidLinkSpec, _ k: Double, _ speed: Double,
                         _ pf: Port, _ pt: Port) -> (q: Double, c: Double, phase: FluidPhase) {
        if !(k > 0) { return (0, 0, .none) }
        let dP = pf.piezometric - pt.piezometric
        let s = max(0, speed)
        guard s > 0 else {
            // Stopped / tripped: the pump casing is just a pipe (secant conductance, as for pipes).
            let r = sqrtLaw(k, dP, spec.laminarDeltaP)
            if r.q > 0 && pf.offers != .liquid { return (0, 0, .none) }
            if r.q < 0 && (link.checkValve || pt.offers != .liquid) { return (0, 0, .none) }
            return (r.q, r.c, .liquid)
        }
        let curve = PumpBalance(rg: spec.density * spec.gravity, sl: spec.laminarDeltaP.squareRoot(), k: k, speed: s, dP: dP,
                                flows: link.pumpFlows, heads: link.pumpHeads)
        if let q = curve.onALinearPiece() {
            let headSlope = s * pumpHead(curve.flows, curve.heads, q / s).slope
            if q > 0 && pf.offers != .liquid { return (0, 0, .none) }
            let c = 1 / (2 * q / (k * k) - curve.rg * headSlope)
            return (q, c, .liquid)
        }
        let q = curve.bracketed(lin: spec.laminarDeltaP)
        let headSlope = s * pumpHead(curve.flows, curve.heads, q / s).slope
        if q > 0 && pf.offers != .liquid { return (0, 0, .none) }          // lost suction
        if q < 0 && (link.checkValve || pt.offers != .liquid) { return (0, 0, .none) }
        let lossSlope = abs(q) >= curve.qLin ? 2 * abs(q) / (k * k) : curve.sl / k
        let c = 1 / (lossSlope - curve.rg * headSlope)
        return (q, c, .liquid)
    }

    /// The balance of a running pump: g(q) = ΔP + ρg·s²·H(q/s) − loss(q), falling strictly with q.
    struct PumpBalance {
        let rg: Double, sl: Double, k: Double, speed: Double, dP: Double
        let flows: ContiguousArray<Double>, heads: ContiguousArray<Double>
        /// Where the loss turns from laminar to turbulent.
        var qLin: Double { k * sl }

        @inline(__always)
        func g(_ x: Double) -> (g: Double, slope: Double) {
            let s = speed, qLin = self.qLin
            let ph = pumpHead(flows, heads, x / s)
            let ax = abs(x)
            let loss = ax >= qLin ? x * ax / (k * k) : x * sl / k
            let lossSlope = ax >= qLin ? 2 * ax / (k * k) : sl / k
            return (dP + rg * s * s * ph.h - loss, rg * s * ph.slope - lossSlope)
        }

        /// Fast path: on each linear piece of the curve the balance is a quadratic in q
        /// (turbulent loss q²/k²), solved in the cancellation-free form q = 2C/(B + √(B² + 4AC)).
        /// The root is unique (g falls strictly), so the first piece that contains its own root
        /// is the answer; nil in the laminar region and for reverse flow.
        func onALinearPiece() -> Double? {
            let n = flows.count, s = speed, qLin = self.qLin
            guard n >= 2 else { return nil }
            let a = 1 / (k * k)
            var j = 1
            while j < n {
                let f0 = flows[j &- 1], f1 = flows[j]
                let m = (heads[j] - heads[j &- 1]) / (f1 - f0)
                let bb = rg * s * m              // B = −b ≤ 0 for a falling curve
                let cc = dP + rg * s * s * (heads[j &- 1] - m * f0)
                if cc > 0 {
                    let disc = bb * bb + 4 * a * cc
                    let root = 2 * cc / (-bb + disc.squareRoot())
                    let x = root / s
                    if root >= qLin && x > f0 && (x <= f1 || j == n &- 1) { return root }
                }
                j &+= 1
            }
            return nil
        }

        /// Safeguarded Newton on a bracket that always holds the root: every iterate narrows it
        /// by the sign of g. A Newton step that leaves the bracket, or any step after the eighth
        /// (Newton can alternate across a kink of the piecewise-linear curve), is replaced by an
        /// Illinois false-position step. Stops within a few ulps, or after 64 steps; the iterates
        /// depend only on the operands, so the result is deterministic.
        func bracketed(lin: Double) -> Double {
            let s = speed
            let h0 = s * s * heads[0]
            var hi = FluidNetwork.sqrtLaw(k, dP + rg * h0, lin).q
            let hHi = s * s * pumpHead(flows, heads, hi / s).h
            var lo = FluidNetwork.sqrtLaw(k, dP + rg * hHi, lin).q
            if lo > hi { let t = lo; lo = hi; hi = t }
            var gLo = g(lo).g, gHi = g(hi).g
            var side = 0
            var q = 0.5 * (lo + hi)
            var it = 0
            while it < 64 {
                let r = g(q)
                if r.g > 0 {
                    lo = q; gLo = r.g
                    if side == 1 { gHi *= 0.5 }
                    side = 1
                } else {
                    hi = q; gHi = r.g
                    if side == -1 { gLo *= 0.5 }
                    side = -1
                }
                if !(hi > lo) || hi - lo <= 4 * hi.ulp { break }
                var next = it < 8 && r.slope < 0 ? q - r.g / r.slope : lo
                if !(next > lo && next < hi) {
                    let d = gLo - gHi
                    next = d > 0 ? lo + (hi - lo) * (gLo / d) : 0.5 * (lo + hi)
                    if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
                }
                if abs(next - q) <= 4 * q.ulp { q = next; break }
                q = next
                it &+= 1
            }
            return q
        }
    }

    /// A relief valve's flow: hysteresis on the static differential over the valve (opens at
    /// the set pressure, reseats after the blowdown), lift between, and the pipe law.
    @inline(__always)
    static func reliefFlow(_ spec: FluidNetworkSpec, _ link: FluidLinkSpec, _ l: Int, _ s: inout FluidNetworkState,
                           _ k: Double, _ pf: Port, _ pt: Port) -> (q: Double, c: Double, phase: FluidPhase) {
        let dps = pf.staticP - pt.staticP
        let pset = link.setPressure
        let pfull = pset * (1 + link.overpressure)
        let preseat = pset * (1 - link.blowdown)
        var open = s.reliefOpen[l] != 0
        if !open && dps >= pset { open = true } else if open && dps <= preseat { open = false }
        // Lift while open: linear from reseat (0) to full lift (1), but never below
        // reliefMinimumLift, so the blowdown ends in finite time and the disc snaps shut
        // at reseat (pop action) instead of simmering asymptotically above it.
        var lift = 0.0, dlift = 0.0
        if open {
            let x = (dps - preseat) / (pfull - preseat)
            if x >= 1 { lift = 1 } else if x > reliefMinimumLift { lift = x; dlift = 1 / (pfull - preseat) } else { lift = reliefMinimumLift }
        }
        s.reliefOpen[l] = open ? 1 : 0
        s.reliefLift[l] = lift
        var r = pipeFlow(spec, k * lift, pf, pt, true)
        // Lift responds to pressure within the substep: add q·(dlift/dΔP)/lift to c.
        if lift > 0 && r.phase != .none { r.c = r.c + r.q * dlift / lift }
        return r
    }

    /// Link flows at the current state, relief hysteresis, Jacobian J and rates f.
    static func evaluate(_ spec: FluidNetworkSpec, _ s: inout FluidNetworkState, _ ctl: FluidControls,
                         _ w: inout Workspace) {
        let m = w.m
        for i in 0..<(m &* m) { w.jac[i] = 0 }
        for i in 0..<m { w.f[i] = 0 }
        for l in 0..<spec.links.count {
            let link = spec.links[l]
            let fi = Int(link.from), ti = Int(link.to)
            let pf = port(spec, s, fi, link.fromPortHeight)
            let pt = port(spec, s, ti, link.toPortHeight)
            let o = min(1, max(0, ctl.opening[l]))
            let k = link.conductance * o
            let r: (q: Double, c: Double, phase: FluidPhase)
            switch link.kind {
            case .pipe:
                r = pipeFlow(spec, k, pf, pt, link.checkValve)
                w.forwardOnly[l] = link.checkValve ? 1 : 0
            case .pump:
                r = pumpFlow(spec, link, k, ctl.pumpSpeed[l], pf, pt)
                w.forwardOnly[l] = link.checkValve ? 1 : 0
            case .relief:
                r = reliefFlow(spec, link, l, &s, k, pf, pt)
                w.forwardOnly[l] = 1
            }
            w.q[l] = r.q; w.c[l] = r.c; w.phase[l] = r.phase.rawValue
            let b = l &* 4
            w.sens[b] = pf.dPdV; w.sens[b &+ 1] = pf.dPdn; w.sens[b &+ 2] = pt.dPdV; w.sens[b &+ 3] = pt.dPdn
            if r.phase == .none { continue }
            let rowF: Int, rowT: Int
            if r.phase == .liquid {
                rowF = Int(spec.liquidVar[fi]); rowT = Int(spec.liquidVar[ti])
            } else {
                rowF = Int(spec.gasVar[fi]); rowT = Int(spec.gasVar[ti])
            }
            let cols = (Int(spec.liquidVar[fi]), Int(spec.gasVar[fi]), Int(spec.liquidVar[ti]), Int(spec.gasVar[ti]))
            let d = (r.c * pf.dPdV, r.c * pf.dPdn, -(r.c * pt.dPdV), -(r.c * pt.dPdn))
            if rowF >= 0 {
                w.f[rowF] -= r.q
                let base = rowF &* m
                if cols.0 >= 0 { w.jac[base &+ cols.0] -= d.0 }
                if cols.1 >= 0 { w.jac[base &+ cols.1] -= d.1 }
                if cols.2 >= 0 { w.jac[base &+ cols.2] -= d.2 }
                if cols.3 >= 0 { w.jac[base &+ cols.3] -= d.3 }
            }
            if rowT >= 0 {
                w.f[rowT] += r.q
                let base = rowT &* m
                if cols.0 >= 0 { w.jac[base &+ cols.0] += d.0 }
                if cols.1 >= 0 { w.jac[base &+ cols.1] += d.1 }
                if cols.2 >= 0 { w.jac[base &+ cols.2] += d.2 }
                if cols.3 >= 0 { w.jac[base &+ cols.3] += d.3 }
            }
        }
        var lam = 0.0
        for r in 0..<m {
            var sum = 0.0
            for c in 0..<m { sum += abs(w.jac[r &* m &+ c]) }
            lam = max(lam, sum)
        }
        w.lambda = lam
    }

    /// One linearly implicit substep of length h, then conservative transfers.
    static func substep(_ spec: FluidNetworkSpec, _ s: inout FluidNetworkState, _ w: inout Workspace, _ h: Double) {
        let m = w.m
        for i in 0..<(m &* m) { w.mat[i] = -(h * w.jac[i]) }
        for i in 0..<m { w.mat[i &* m &+ i] += 1; w.dx[i] = h * w.f[i] }
        DenseSolve.solve(&w.mat, &w.dx, m)

        for l in 0..<spec.links.count {
            let ph = FluidPhase(rawValue: w.phase[l]) ?? .none
            if ph == .none { continue }
            let link = spec.links[l]
            let fi = Int(link.from), ti = Int(link.to)
            let b = l &* 4
            var dd = 0.0
            let lvF = Int(spec.liquidVar[fi]), gvF = Int(spec.gasVar[fi])
            let lvT = Int(spec.liquidVar[ti]), gvT = Int(spec.gasVar[ti])
            if lvF >= 0 { dd += w.sens[b] * w.dx[lvF] }
            if gvF >= 0 { dd += w.sens[b &+ 1] * w.dx[gvF] }
            if lvT >= 0 { dd -= w.sens[b &+ 2] * w.dx[lvT] }
            if gvT >= 0 { dd -= w.sens[b &+ 3] * w.dx[gvT] }
            let q0 = w.q[l]
            var q = q0 + w.c[l] * dd
            if w.forwardOnly[l] != 0 && q < 0 { q = 0 }
            if (q0 > 0 && q < 0) || (q0 < 0 && q > 0) { q = 0 }   // never reverse within a substep
            if q == 0 { continue }
            var amount = q * h
            let fwd = amount > 0
            if !fwd { amount = -amount }
            let src = fwd ? fi : ti, dst = fwd ? ti : fi
            if ph == .liquid {
                amount = moveLiquid(spec, &s, from: src, to: dst, amount)
                w.accLiquid[l] += fwd ? amount : -amount
            } else {
                amount = moveGas(spec, &s, from: src, to: dst, amount)
                w.accGas[l] += fwd ? amount : -amount
            }
        }
        spillOpenTanks(spec, &s)
        refreshDerived(spec, &s)
    }

    /// Moves up to `amount` m³ of liquid from node `src` to `dst` (a vessel gives at most what
    /// it holds; the receiving vessel's temperature mixes); returns what moved.
    @inline(__always)
    static func moveLiquid(_ spec: FluidNetworkSpec, _ s: inout FluidNetworkState, from src: Int, to dst: Int,
                           _ wanted: Double) -> Double {
        var amount = wanted
        if spec.nodes[src].kind == .vessel {
            amount = min(amount, s.volume[src])
            if amount == s.volume[src] { s.volume[src] = 0 } else { s.volume[src] -= amount }
        } else {
            s.liquidIn[src] += amount
        }
        if spec.nodes[dst].kind == .vessel {
            let v = s.volume[dst]
            let tot = v + amount
            if tot > 0 { s.temperature[dst] = (v * s.temperature[dst] + amount * s.temperature[src]) / tot }
            s.volume[dst] = tot
        } else {
            s.liquidOut[dst] += amount
        }
        return amount
    }

    /// Moves up to `amount` mol of gas from node `src` to `dst`; returns what moved. Gas never
    /// overfills a closed vessel's gas space beyond pressure equality with its source (the
    /// linearisation can overshoot across the liquid-full kink): at most
    /// p_src·max(V_gas, V_min)/(R·T) − n may enter.
    @inline(__always)
    static func moveGas(_ spec: FluidNetworkSpec, _ s: inout FluidNetworkState, from src: Int, to dst: Int,
                        _ wanted: Double) -> Double {
        var amount = wanted
        let srcNode = spec.nodes[src], dstNode = spec.nodes[dst]
        if dstNode.kind == .vessel && dstNode.closed {
            let cap = dstNode.area * dstNode.height
            let vg = max(cap - s.volume[dst], cap * 1e-6)
            let pSrc = gasPressure(spec, s, src, srcNode)
            let room = pSrc * vg / (FluidNetworkSpec.gasConstant * s.temperature[dst]) - s.gasMoles[dst]
            amount = min(amount, max(0, room))
        }
        if srcNode.kind == .vessel {
            amount = min(amount, s.gasMoles[src])
            if amount == s.gasMoles[src] { s.gasMoles[src] = 0 } else { s.gasMoles[src] -= amount }
        } else {
            s.gasIn[src] += amount
        }
        if dstNode.kind == .vessel && dstNode.closed {
            s.gasMoles[dst] += amount
        } else {
            s.gasOut[dst] += amount
        }
        return amount
    }

    /// Spill: liquid above capacity of an OPEN tank overflows and leaves the network
    /// (cap ≤ V ≤ 2·cap ⇒ V − cap is exact). Closed vessels pressurise instead (hydraulic lock).
    static func spillOpenTanks(_ spec: FluidNetworkSpec, _ s: inout FluidNetworkState) {
        for i in 0..<spec.nodes.count {
            let n = spec.nodes[i]
            if n.kind != .vessel || n.closed { continue }
            let cap = n.area * n.height
            let v = s.volume[i]
            if v > cap {
                s.liquidOut[i] += v - cap
                s.volume[i] = cap
                s.overflowing[i] = 1
            }
        }
    }
}
