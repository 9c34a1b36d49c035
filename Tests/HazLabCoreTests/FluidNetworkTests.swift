import Foundation
import XCTest

@testable import HazLabCore

/// Verification of the lumped fluid network (Sources/HazLabCore/Physics/Fluids).
/// Each test states the formula, its source and the tolerance. When HAZLAB_VERIFICATION_OUT
/// names a folder, traces are written there as CSV for Tools/verification/fluids_plots.py.
final class FluidNetworkTests: XCTestCase {

    static let g = 9.80665
    static let patm = 101_325.0

    // MARK: - Torricelli

    /// Open tank draining through a bottom orifice to atmosphere:
    ///   h(t) = (√h0 − (Cd·a/A)·√(g/2)·t)²,  T_empty = (A/(Cd·a))·√(2·h0/g)
    /// (Torricelli; e.g. F. M. White, Fluid Mechanics, 7th ed., §3.7). Mapping: q = Cd·a·√(2ΔP/ρ)
    /// ⇒ K = Cd·a·√(2/ρ). Near empty the drain keeps the √ law with the conductance capped at
    /// its laminar value (ΔP_lin here 0.01 Pa ≙ 1 µm of water; F5 tests the default 10 Pa)
    /// and the adaptive substeps. "Empty" = level below 1e-5·h0 (20 µm).
    /// Tolerance: time to that level within 1 % of the analytic time to the same level AND of
    /// T_empty; level error over the whole run < 0.5 % of h0.
    func testTorricelliDraining() {
        let area = 1.0, h0 = 2.0, cd = 0.61, a = 0.001, rho = 1000.0
        let k = FluidNetwork.conductance(orificeArea: a, dischargeCoefficient: cd, density: rho)
        let spec = FluidNetworkSpec(
            nodes: [.openTank(area: area, height: 3, initialLevel: h0), .boundary(pressure: Self.patm)],
            links: [.pipe(from: 0, to: 1, conductance: k)],
            density: rho, laminarDeltaP: 0.01)
        XCTAssertEqual(spec.validate(), [])
        var st = FluidNetworkState(spec: spec)
        let ctl = FluidControls(linkCount: 1)
        let he = 1e-5 * h0
        let c = cd * a / area * (Self.g / 2).squareRoot()
        let tEmpty = (area / (cd * a)) * (2 * h0 / Self.g).squareRoot()
        let tHe = (h0.squareRoot() - he.squareRoot()) / c
        var t = 0.0, crossing: Double? = nil, maxErr = 0.0
        var prev = h0
        var rows: [String] = ["0,\(h0),\(h0)"]
        var tick = 0
        while t < 1.2 * tEmpty {
            FluidNetwork.step(spec, &st, controls: ctl, dt: 0.1)
            tick += 1
            t = Double(tick) * 0.1
            let h = st.level[0]
            let r = max(0, h0.squareRoot() - c * t)
            let ha = r * r
            maxErr = max(maxErr, abs(h - ha))
            if crossing == nil && h <= he {
                crossing = t - 0.1 + 0.1 * (prev - he) / (prev - h)   // linear interpolation
            }
            prev = h
            if tick % 50 == 0 { rows.append("\(t),\(h),\(ha)") }
        }
        guard let tc = crossing else { return XCTFail("tank never emptied") }
        XCTAssertEqual(tc, tHe, accuracy: 0.01 * tHe)
        XCTAssertEqual(tc, tEmpty, accuracy: 0.01 * tEmpty)
        XCTAssertLessThan(maxErr, 0.005 * h0)
        let b = st.liquidBalance()
        XCTAssertEqual(b.inventory + b.out - b.into, area * h0, accuracy: 1e-12 * area * h0)
        Self.writeCSV("fluids_torricelli.csv", "t_s,h_num_m,h_analytic_m", rows)
        Self.writeCSV("fluids_torricelli_summary.csv", "T_empty_analytic_s,t_to_he_analytic_s,t_to_he_num_s,max_level_err_m",
                      ["\(tEmpty),\(tHe),\(tc),\(maxErr)"])
        print("Torricelli: T_empty \(tEmpty) s, analytic to h_e \(tHe) s, numerical \(tc) s, max |Δh| \(maxErr) m")
    }

    /// F5 (issue 13): an open tank drains to EXACTLY empty near Torricelli's time with the
    /// default laminar band (ΔP_lin = 10 Pa ≙ 1 mm of water). Before, the band's linear law
    /// q = K·ΔP/√ΔP_lin made the last millimetre decay exponentially (τ = A·√ΔP_lin/(K·ρ·g)):
    /// the volume never reached 0 and the time to 1 µm was +4 % late. Draining into a drain now
    /// follows the √ law to 0. Tolerance: first tick with volume == 0 within 1 % of
    /// T_empty = (A/(Cd·a))·√(2h₀/g), at 10 Hz and at 1 Hz; the volume stays exactly 0 after.
    func testOpenTankDrainsToExactlyEmpty() {
        let area = 1.0, h0 = 2.0, cd = 0.61, a = 0.001, rho = 1000.0
        let k = FluidNetwork.conductance(orificeArea: a, dischargeCoefficient: cd, density: rho)
        let spec = FluidNetworkSpec(
            nodes: [.openTank(area: area, height: 3, initialLevel: h0), .boundary(pressure: Self.patm)],
            links: [.pipe(from: 0, to: 1, conductance: k)], density: rho)
        XCTAssertEqual(spec.laminarDeltaP, 10, "the default band")
        let tEmpty = (area / (cd * a)) * (2 * h0 / Self.g).squareRoot()
        let c = cd * a / area * (Self.g / 2).squareRoot()
        var summary: [String] = []
        for dt in [0.1, 1.0] {
            var st = FluidNetworkState(spec: spec)
            let ctl = FluidControls(linkCount: 1)
            var tick = 0, emptied: Double? = nil
            var rows: [String] = []
            while Double(tick) * dt < 1.2 * tEmpty {
                FluidNetwork.step(spec, &st, controls: ctl, dt: dt)
                tick += 1
                let t = Double(tick) * dt
                if let e = emptied {
                    XCTAssertEqual(st.volume[0], 0, "refilled after emptying at \(e) s")
                } else if st.volume[0] == 0 {
                    emptied = t
                }
                if dt == 0.1 && t >= tEmpty - 40 && t <= tEmpty + 20 && tick % 5 == 0 {
                    let r = max(0, h0.squareRoot() - c * t)
                    rows.append("\(t),\(st.level[0]),\(r * r)")
                }
            }
            guard let te = emptied else { XCTFail("never exactly empty at dt = \(dt) s"); continue }
            XCTAssertEqual(te, tEmpty, accuracy: 0.01 * tEmpty, "dt = \(dt) s")
            let b = st.liquidBalance()
            XCTAssertEqual(b.inventory + b.out - b.into, area * h0, accuracy: 1e-12 * area * h0)
            summary.append("\(dt),\(tEmpty),\(te),\((te - tEmpty) / tEmpty)")
            if dt == 0.1 { Self.writeCSV("fluids_drain_to_empty.csv", "t_s,h_num_m,h_analytic_m", rows) }
            print("Drain to empty at dt \(dt) s: analytic \(tEmpty) s, numerical \(te) s (\((te - tEmpty) / tEmpty * 100) %)")
        }
        Self.writeCSV("fluids_drain_to_empty_summary.csv", "dt_s,T_empty_analytic_s,T_empty_num_s,rel_err", summary)
    }

    /// The drain law where the balance is above empty: a tank draining into a drain raised 1 m
    /// settles at 1 m; it may pass the balance by at most ΔP_lin/4 (0.25 mm at 10 Pa), then the
    /// boundary's laminar back-flow brings it back monotonically (no chatter).
    func testDrainIntoRaisedBoundarySettlesWithoutChatter() {
        let rho = 1000.0
        let k = FluidNetwork.conductance(kv: 30, density: rho)
        let spec = FluidNetworkSpec(
            nodes: [.openTank(area: 0.5, height: 3, initialLevel: 2), .boundary(pressure: Self.patm, elevation: 1)],
            links: [.pipe(from: 0, to: 1, conductance: k)], density: rho)
        var st = FluidNetworkState(spec: spec)
        let ctl = FluidControls(linkCount: 1)
        let floor = 1 - spec.laminarDeltaP / 4 / (rho * Self.g)
        var lowest = st.level[0], rising = false, prev = st.level[0]
        for tick in 1...20_000 {
            FluidNetwork.step(spec, &st, controls: ctl, dt: 0.1)
            let h = st.level[0]
            XCTAssertGreaterThanOrEqual(h, floor - 1e-12, "passed the balance by more than ΔP_lin/4 at tick \(tick)")
            lowest = min(lowest, h)
            if rising { XCTAssertGreaterThanOrEqual(h, prev - 1e-15, "chatter at tick \(tick)") }
            if h > prev { rising = true }
            prev = h
        }
        XCTAssertEqual(st.level[0], 1, accuracy: 1e-6)
        XCTAssertLessThanOrEqual(lowest, 1)
    }

    // MARK: - Equalisation, no chatter, stability

    /// Two open tanks (the second on a 0.5 m plinth) equalising through a pipe. Equilibrium:
    /// equal piezometric head, level0 = level1 + 0.5 (hydrostatics). The level difference must
    /// decay monotonically and the flow never change sign (no chatter near ΔP → 0).
    func testEqualisingTanksNoChatter() {
        let k = FluidNetwork.conductance(kv: 30, density: 1000)
        let spec = FluidNetworkSpec(
            nodes: [.openTank(area: 1, height: 4, initialLevel: 3), .openTank(area: 0.5, height: 4, elevation: 0.5, initialLevel: 0.2)],
            links: [.pipe(from: 0, to: 1, conductance: k)])
        var st = FluidNetworkState(spec: spec)
        let ctl = FluidControls(linkCount: 1)
        var prevGap = st.level[0] - (st.level[1] + 0.5)
        var rows: [String] = []
        for tick in 1...20_000 {
            FluidNetwork.step(spec, &st, controls: ctl, dt: 0.1)
            let gap = st.level[0] - (st.level[1] + 0.5)
            XCTAssertGreaterThanOrEqual(st.liquidFlow[0], 0, "flow reversed at tick \(tick)")
            XCTAssertGreaterThanOrEqual(gap, 0, "overshoot at tick \(tick)")
            XCTAssertLessThanOrEqual(gap, prevGap, "gap grew at tick \(tick)")
            prevGap = gap
            if tick % 20 == 0 { rows.append("\(Double(tick) * 0.1),\(gap),\(st.liquidFlow[0])") }
        }
        XCTAssertLessThan(prevGap, 1e-6)
        Self.writeCSV("fluids_equalise.csv", "t_s,head_gap_m,flow_m3s", rows)
    }

    /// Stiff case: 1 L tanks (0.01 m² × 0.1 m) with a large valve, ONE substep per 0.1 s step.
    /// λ·dt ≫ 2, where explicit Euler oscillates and diverges; the linearly implicit update with
    /// secant conductance contracts the gap by 1/(1 + h·λ) each step: monotone, no sign flip.
    func testStiffSmallVolumesStayMonotone() {
        let k = FluidNetwork.conductance(kv: 100, density: 1000)
        let spec = FluidNetworkSpec(
            nodes: [.openTank(area: 0.01, height: 0.1, initialLevel: 0.09), .openTank(area: 0.01, height: 0.1, initialLevel: 0.01)],
            links: [.pipe(from: 0, to: 1, conductance: k)], maxSubsteps: 1)
        var st = FluidNetworkState(spec: spec)
        let ctl = FluidControls(linkCount: 1)
        // Laminar-region stiffness λ = (K/√ΔP_lin)·ρg·(1/A0 + 1/A1).
        let lam = k / spec.laminarDeltaP.squareRoot() * 1000 * Self.g * (1 / 0.01 + 1 / 0.01)
        XCTAssertGreaterThan(lam * 0.1, 2, "explicit Euler would be unstable here")
        var prevGap = st.level[0] - st.level[1]
        for _ in 0..<200 {
            FluidNetwork.step(spec, &st, controls: ctl, dt: 0.1)
            XCTAssertEqual(st.substeps, 1)
            let gap = st.level[0] - st.level[1]
            XCTAssertGreaterThanOrEqual(gap, -1e-15, "no overshoot (to rounding of V/A)")
            XCTAssertLessThanOrEqual(gap, prevGap + 1e-15)
            XCTAssertGreaterThanOrEqual(st.liquidFlow[0], 0)
            prevGap = gap
        }
        XCTAssertLessThan(prevGap, 1e-9)
    }

    // MARK: - Check valve, relief hysteresis

    /// A check valve passes forward flow and blocks reverse flow completely.
    func testCheckValveBlocksReverseFlow() {
        let k = FluidNetwork.conductance(kv: 10, density: 1000)
        // Tank 0 low, tank 1 high: gravity would push 1 → 0, the check valve only allows 0 → 1.
        let spec = FluidNetworkSpec(
            nodes: [.openTank(area: 1, height: 3, initialLevel: 0.5), .openTank(area: 1, height: 3, initialLevel: 2)],
            links: [.pipe(from: 0, to: 1, conductance: k, checkValve: true)])
        var st = FluidNetworkState(spec: spec)
        for _ in 0..<1000 { FluidNetwork.step(spec, &st, controls: FluidControls(linkCount: 1), dt: 0.1) }
        XCTAssertEqual(st.volume[0], 0.5)
        XCTAssertEqual(st.volume[1], 2.0)
        XCTAssertEqual(st.liquidFlow[0], 0)
        // Reverse the link direction: now forward and it flows.
        let spec2 = FluidNetworkSpec(
            nodes: spec.nodes,
            links: [.pipe(from: 1, to: 0, conductance: k, checkValve: true)])
        var st2 = FluidNetworkState(spec: spec2)
        FluidNetwork.step(spec2, &st2, controls: FluidControls(linkCount: 1), dt: 0.1)
        XCTAssertGreaterThan(st2.liquidFlow[0], 0)
    }

    /// Relief valve on a closed vessel whose N₂ blanket is compressed by a liquid supply: opens
    /// when the differential reaches set (not before), lift = (Δp − reseat)/(full − reseat)
    /// clamped to [0.2, 1] while open, stays open while the differential is between reseat and
    /// set, and reseats at set·(1 − 0.07) (set / 10 % overpressure / 7 % blowdown as in
    /// API 520/521 practice). The operator closes the supply 10 s after each lift and reopens it
    /// 30 s after each reseat. One substep per step so each decision sees the previous step's
    /// pressure exactly. Tolerance: exact inequalities; lift formula to 1e-12.
    func testReliefHysteresis() {
        let set = 200_000.0
        let spec = FluidNetworkSpec(
            nodes: [.closedVessel(area: 1, height: 2, initialLevel: 0.5, gasPressure: Self.patm),
                    .boundary(pressure: 600_000), .boundary(pressure: Self.patm, phase: .gas)],
            links: [.pipe(from: 1, to: 0, conductance: FluidNetwork.conductance(kv: 10, density: 1000)),
                    .relief(from: 0, to: 2, conductance: FluidNetwork.conductance(kv: 2, density: 1000),
                            setPressure: set, fromPortHeight: 2)],
            maxSubsteps: 1)
        var st = FluidNetworkState(spec: spec)
        var ctl = FluidControls(linkCount: 2)
        var opened = 0, closed = 0, openBelowSet = 0
        var prevDp = st.gasPressure[0] - Self.patm
        var wasOpen = false
        var lastEvent = 0
        var rows: [String] = []
        for tick in 0..<5_000 {
            // Operator: supply off 10 s after a lift, back on 30 s after a reseat.
            if wasOpen && tick - lastEvent == 100 { ctl.opening[0] = 0 }
            if !wasOpen && closed > 0 && tick - lastEvent == 300 { ctl.opening[0] = 1 }
            FluidNetwork.step(spec, &st, controls: ctl, dt: 0.1)
            let isOpen = st.reliefOpen[1] != 0
            if isOpen && !wasOpen { opened += 1; lastEvent = tick; XCTAssertGreaterThanOrEqual(prevDp, set) }
            if !isOpen && wasOpen { closed += 1; lastEvent = tick; XCTAssertLessThanOrEqual(prevDp, set * 0.93) }
            if !isOpen && !wasOpen { XCTAssertLessThan(prevDp, set) }
            if isOpen && wasOpen && prevDp < set { openBelowSet += 1 }
            if isOpen {
                let x = (prevDp - set * 0.93) / (set * 0.17)
                XCTAssertEqual(st.reliefLift[1], min(1, max(0.2, x)), accuracy: 1e-12)
            } else {
                XCTAssertEqual(st.reliefLift[1], 0)
            }
            wasOpen = isOpen
            prevDp = st.gasPressure[0] - Self.patm
            if tick % 5 == 0 { rows.append("\(Double(tick) * 0.1),\(prevDp),\(st.reliefOpen[1]),\(st.reliefLift[1])") }
        }
        XCTAssertGreaterThanOrEqual(opened, 3)
        XCTAssertGreaterThanOrEqual(closed, 3)
        XCTAssertGreaterThan(openBelowSet, 0, "hysteresis: stays open between reseat and set")
        Self.writeCSV("fluids_relief.csv", "t_s,dp_Pa,open,lift", rows)
        print("relief: opened \(opened)×, reseated \(closed)×, steps open below set \(openBelowSet)")
    }

    // MARK: - Gas blanket, pump

    /// Isothermal gas blanket: p·V_gas = n·R·T = const (Boyle). Filling from 0.5 m to ~0.8 m of
    /// liquid must follow p = p0·V_gas0/V_gas. Tolerance 1e-12 relative (it is the state equation).
    func testGasBlanketCompressionFollowsBoyle() {
        let spec = FluidNetworkSpec(
            nodes: [.closedVessel(area: 1, height: 2, initialLevel: 0.5, gasPressure: Self.patm), .boundary(pressure: 500_000)],
            links: [.pipe(from: 1, to: 0, conductance: FluidNetwork.conductance(kv: 2, density: 1000))])
        var st = FluidNetworkState(spec: spec)
        for _ in 0..<3000 { FluidNetwork.step(spec, &st, controls: FluidControls(linkCount: 1), dt: 0.1) }
        let vg = 2 - st.volume[0]
        XCTAssertGreaterThan(st.volume[0], 0.7)
        XCTAssertEqual(st.gasPressure[0], Self.patm * 1.5 / vg, accuracy: 1e-12 * st.gasPressure[0])
        XCTAssertEqual(st.bottomPressure[0], st.gasPressure[0] + 1000 * Self.g * st.level[0], accuracy: 1e-6)
        // Equilibrium: supply pressure = gas + hydrostatic head at the bottom port.
        for _ in 0..<30_000 { FluidNetwork.step(spec, &st, controls: FluidControls(linkCount: 1), dt: 0.1) }
        XCTAssertEqual(st.bottomPressure[0], 500_000, accuracy: 1)
    }

    /// Pump with a piecewise-linear head curve between two fixed-pressure boundaries:
    /// operating point where pump head = static head + pipe loss, ρ·g·H(q) = ΔP_static + (q/K)².
    /// On a linear segment H = H_a + s·(q − q_a) this is a quadratic with a closed-form root.
    /// Tolerance 1e-9 relative. Shut-off head below the static head ⇒ no flow (check valve);
    /// tripped pump ⇒ pipe behaviour.
    func testPumpOperatingPointAndTrip() {
        let rho = 1000.0, rg = rho * Self.g
        let k = FluidNetwork.conductance(kv: 30, density: rho)
        let flows: ContiguousArray<Double> = [0, 0.005, 0.01, 0.015]
        let heads: ContiguousArray<Double> = [40, 38, 32, 20]
        let dps = 150_000.0  // discharge boundary is 1.5 bar above suction
        let spec = FluidNetworkSpec(
            nodes: [.boundary(pressure: Self.patm), .boundary(pressure: Self.patm + dps)],
            links: [.pump(from: 0, to: 1, conductance: k, flows: flows, heads: heads)])
        var st = FluidNetworkState(spec: spec)
        var ctl = FluidControls(linkCount: 1)
        FluidNetwork.step(spec, &st, controls: ctl, dt: 0.1)
        let q = st.liquidFlow[0]
        // Find the segment and solve (1/K²)q² − rg·s·q + (dps − rg·(H_a − s·q_a)) = 0.
        var expected = -1.0
        for j in 1..<flows.count {
            let s = (heads[j] - heads[j - 1]) / (flows[j] - flows[j - 1])
            let a = 1 / (k * k), b = -rg * s, c = dps - rg * (heads[j - 1] - s * flows[j - 1])
            let root = (-b + (b * b - 4 * a * c).squareRoot()) / (2 * a)
            if root >= flows[j - 1] && root <= flows[j] { expected = root }
        }
        XCTAssertGreaterThan(expected, 0)
        XCTAssertEqual(q, expected, accuracy: 1e-9 * expected)
        // Half speed: affinity H_s(q) = s²·H(q/s) ⇒ 10 m shut-off < 15.3 m static ⇒ blocked.
        ctl.pumpSpeed[0] = 0.5
        FluidNetwork.step(spec, &st, controls: ctl, dt: 0.1)
        XCTAssertEqual(st.liquidFlow[0], 0)
        // Tripped, check valve: blocked; tripped without check valve: flows backwards like a pipe.
        ctl.pumpSpeed[0] = 0
        FluidNetwork.step(spec, &st, controls: ctl, dt: 0.1)
        XCTAssertEqual(st.liquidFlow[0], 0)
        let spec2 = FluidNetworkSpec(nodes: spec.nodes,
                                     links: [.pump(from: 0, to: 1, conductance: k, flows: flows, heads: heads, checkValve: false)])
        var st2 = FluidNetworkState(spec: spec2)
        FluidNetwork.step(spec2, &st2, controls: ctl, dt: 0.1)
        XCTAssertEqual(st2.liquidFlow[0], -k * dps.squareRoot(), accuracy: 1e-12)
    }

    /// A pump cannot pull from an empty tank (lost suction): the tank is never drawn below 0.
    func testNeverDrawsBelowEmpty() {
        let k = FluidNetwork.conductance(kv: 30, density: 1000)
        let spec = FluidNetworkSpec(
            nodes: [.openTank(area: 0.05, height: 1, initialLevel: 0.2), .boundary(pressure: Self.patm)],
            links: [.pump(from: 0, to: 1, conductance: k, flows: [0, 0.02], heads: [50, 0]),
                    .pipe(from: 0, to: 1, conductance: k)])
        var st = FluidNetworkState(spec: spec)
        for _ in 0..<200 {
            FluidNetwork.step(spec, &st, controls: FluidControls(linkCount: 2), dt: 0.1)
            XCTAssertGreaterThanOrEqual(st.volume[0], 0)
        }
        XCTAssertEqual(st.volume[0], 0)
        XCTAssertEqual(st.liquidOut[1], 0.01, accuracy: 1e-15)
    }

    // MARK: - Mass balance over a long run

    /// Plant: liquid supply → open feed tank (top inlet, overflows if it fills) → pump (head
    /// curve, check valve) → closed vessel with N₂ blanket, N₂ padding through a check valve,
    /// relief valve at the top to a flare header, bottom drain. Operated in 10-minute cycles
    /// (pump 5 min / drain 5 min) for 2 h so the relief lifts and reseats repeatedly.
    static func plant() -> FluidNetworkSpec {
        let rho = 1000.0
        return FluidNetworkSpec(
            nodes: [
                .boundary(pressure: patm + 50_000),                                    // 0 water supply
                .openTank(area: 2, height: 3, initialLevel: 1.5),                     // 1 feed tank
                .closedVessel(area: 1, height: 2, initialLevel: 0.5, gasPressure: patm), // 2 vessel
                .boundary(pressure: patm, elevation: 2, phase: .gas),                 // 3 flare header
                .boundary(pressure: patm),                                            // 4 drain
                .boundary(pressure: 130_000, elevation: 2, phase: .gas),              // 5 N₂ padding
            ],
            links: [
                .pipe(from: 0, to: 1, conductance: FluidNetwork.conductance(kv: 40, density: rho), toPortHeight: 3),
                .pump(from: 1, to: 2, conductance: FluidNetwork.conductance(kv: 40, density: rho),
                      flows: [0, 0.005, 0.01, 0.015], heads: [40, 38, 32, 20]),
                .relief(from: 2, to: 3, conductance: FluidNetwork.conductance(kv: 6, density: rho),
                        setPressure: 200_000, fromPortHeight: 2),
                .pipe(from: 2, to: 4, conductance: FluidNetwork.conductance(kv: 20, density: rho)),
                .pipe(from: 5, to: 2, conductance: FluidNetwork.conductance(kv: 0.5, density: rho), toPortHeight: 2, checkValve: true),
            ],
            density: rho)
    }

    static func plantControls(tick: Int) -> FluidControls {
        var c = FluidControls(linkCount: 5)
        let pumping = (tick % 6000) < 3000
        c.pumpSpeed[1] = pumping ? 1 : 0
        c.opening[3] = pumping ? 0 : 1
        return c
    }

    /// Global balance: Σ inventories + Σ out − Σ in = initial inventory (liquid m³ and gas mol).
    /// Tolerance: relative error < 1e-9 (transfers are exact; only summation rounding remains).
    func testMassBalanceClosesOverTwoHours() {
        let spec = Self.plant()
        XCTAssertEqual(spec.validate(), [])
        var st = FluidNetworkState(spec: spec)
        let l0 = st.liquidBalance().inventory, g0 = st.gasBalance().inventory
        var lifts = 0, reseats = 0, wasOpen = false, maxRelL = 0.0, maxRelG = 0.0
        var rows: [String] = []
        var spilled = false, padded = false, pumped = false
        for tick in 0..<72_000 {
            FluidNetwork.step(spec, &st, controls: Self.plantControls(tick: tick), dt: 0.1)
            let isOpen = st.reliefOpen[2] != 0
            if isOpen && !wasOpen { lifts += 1 }
            if !isOpen && wasOpen { reseats += 1 }
            wasOpen = isOpen
            if st.overflowing[1] != 0 { spilled = true }
            if st.gasFlow[4] > 0 { padded = true }
            if st.liquidFlow[1] > 0 { pumped = true }
            let lb = st.liquidBalance(), gb = st.gasBalance()
            let relL = abs(lb.inventory + lb.out - lb.into - l0) / max(l0, lb.into, lb.out)
            let relG = abs(gb.inventory + gb.out - gb.into - g0) / max(g0, gb.into, gb.out)
            maxRelL = max(maxRelL, relL); maxRelG = max(maxRelG, relG)
            if tick % 100 == 0 {
                rows.append("\(Double(tick) * 0.1),\(relL),\(relG),\(st.gasPressure[2]),\(st.level[2]),\(st.level[1]),\(st.reliefOpen[2])")
            }
        }
        XCTAssertTrue(pumped); XCTAssertTrue(padded)
        XCTAssertGreaterThanOrEqual(lifts, 2, "relief must lift at least twice")
        XCTAssertGreaterThanOrEqual(reseats, 2, "relief must reseat at least twice")
        XCTAssertLessThan(maxRelL, 1e-9)
        XCTAssertLessThan(maxRelG, 1e-9)
        Self.writeCSV("fluids_mass_balance.csv", "t_s,rel_err_liquid,rel_err_gas,p_vessel_Pa,level_vessel_m,level_tank_m,relief_open", rows)
        print("mass balance: lifts \(lifts), reseats \(reseats), max rel err liquid \(maxRelL), gas \(maxRelG), feed tank spilled \(spilled)")
    }

    // MARK: - Determinism

    static let goldenHash = "9571bcc11f2c5f5f"

    /// Same inputs → same bits; the golden value moves only with a deliberate kernel change.
    func testDeterministicHash() {
        func run() -> UInt64 {
            let spec = Self.plant()
            var st = FluidNetworkState(spec: spec)
            for tick in 0..<12_000 { FluidNetwork.step(spec, &st, controls: Self.plantControls(tick: tick), dt: 0.1) }
            return st.stateHash
        }
        let a = run(), b = run()
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.hex16, Self.goldenHash, "kernel arithmetic changed: update the golden hash deliberately")
        print("fluids golden hash:", a.hex16)
    }

    // MARK: - CSV output

    static func writeCSV(_ name: String, _ header: String, _ rows: [String]) {
        guard let dir = ProcessInfo.processInfo.environment["HAZLAB_VERIFICATION_OUT"], !dir.isEmpty else { return }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let text = ([header] + rows).joined(separator: "\n") + "\n"
        try? text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    }
}
