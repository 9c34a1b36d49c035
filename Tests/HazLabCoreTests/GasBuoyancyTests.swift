import Foundation
import XCTest

import HazLabCore

/// Buoyancy, initial atmospheres, purging and inerting (Docs/verification.md G8–G10,
/// Docs/verification/gas.md "Buoyancy"). CSVs for Tools/verification/plot_gas.py are written
/// when HAZLAB_VERIFICATION_OUT is set.
final class GasBuoyancyTests: XCTestCase {

    static func run(_ spec: GasGridSpec, _ field: inout GasField, flow: GasFlow? = nil, seconds: Double, updates: Int,
                    sources: [GasSource] = [], sinks: [GasSink] = [], fullGrid: Bool = false) {
        let plan = GasKernel.plan(spec: spec, flow: flow ?? GasFlow(spec: spec), sinks: sinks, dt: seconds / Double(updates))
        for _ in 0..<updates { GasKernel.advance(spec, &field, plan: plan, sources: sources, fullGrid: fullGrid) }
    }

    /// Mean over a horizontal layer k of species s.
    static func layerMean(_ spec: GasGridSpec, _ f: GasField, _ k: Int, _ s: Int) -> Double {
        var sum = 0.0
        for j in 0..<spec.ny { for i in 0..<spec.nx { sum += f.value(i, j, k, species: s) } }
        return sum / Double(spec.nx * spec.ny)
    }

    /// Height of the centre of mass of species s.
    static func centroidZ(_ spec: GasGridSpec, _ f: GasField, _ s: Int) -> Double {
        var m = 0.0, mz = 0.0
        for k in 0..<spec.nz {
            let c = layerMean(spec, f, k, s)
            m += c; mz += c * spec.cellCenter(0, 0, k).z
        }
        return mz / m
    }

    // MARK: - Species table

    /// Drift direction follows molar mass against air (28.96 g/mol): CH4 16.04, NH3 17.03 and
    /// H2 2.016 rise; H2S 34.08 and CO2 44.01 sink; N2 and CO (28.01) are within 3.5 % of air.
    func testDriftDirectionFollowsMolarMass() {
        XCTAssertGreaterThan(GasSpecies.methane.driftVelocity, 0.4)
        XCTAssertGreaterThan(GasSpecies.ammonia.driftVelocity, 0.3)
        XCTAssertGreaterThan(GasSpecies.hydrogen.driftVelocity, GasSpecies.methane.driftVelocity)
        XCTAssertLessThan(GasSpecies.hydrogenSulfide.driftVelocity, 0)
        XCTAssertLessThan(GasSpecies.carbonDioxide.driftVelocity, GasSpecies.hydrogenSulfide.driftVelocity)
        XCTAssertLessThan(abs(GasSpecies.nitrogen.driftVelocity), 0.04)
        XCTAssertLessThan(abs(GasSpecies.carbonMonoxide.driftVelocity), 0.04)
        XCTAssertEqual(GasSpecies.methane.withDriftScale(0).driftVelocity, 0)
        XCTAssertEqual(GasSpecies.methane.withDriftScale(2).driftVelocity, 2 * GasSpecies.methane.driftVelocity, accuracy: 1e-15)
        XCTAssertEqual(GasSpecies.named("N2")?.defaultUnit, .percentVolume)
        XCTAssertEqual(GasSpecies.named("CO2")?.defaultUnit, .ppm)
    }

    /// Each species alone, 5 %vol in the middle metre of a closed 1 × 1 × 3 m column
    /// (h = 0.25 m, no turbulent diffusion), 300 s: the centre of mass rises for the lighter-than-air gases
    /// and falls for the heavier ones; the column keeps every molecule (no flux through closed
    /// faces) and no value leaves [0, 5 %vol].
    func testEachSpeciesRisesOrSinksAndStaysInAClosedBox() {
        for sp in GasSpecies.table {
            let spec = GasGridSpec(cellSize: 0.25, nx: 4, ny: 4, nz: 12, species: [sp], diffusivity: 0, cutoff: 0)
            let middle = (4..<8).flatMap { k in (0..<16).map { $0 + 16 * k } }
            var f = GasField(spec: spec, initial: [GasInitialRegion(cells: middle, species: [0], fractions: [0.05])])
            let m0 = f.totalVolume(species: 0, cellVolume: spec.cellVolume), z0 = Self.centroidZ(spec, f, 0)
            Self.run(spec, &f, seconds: 300, updates: 300)
            let z1 = Self.centroidZ(spec, f, 0)
            if sp.driftVelocity > 0 { XCTAssertGreaterThan(z1, z0 + 0.1, sp.name) }
            else { XCTAssertLessThan(z1, z0 - 0.1, sp.name) }
            XCTAssertEqual(f.totalVolume(species: 0, cellVolume: spec.cellVolume), m0, accuracy: 1e-13 * m0, sp.name)
            XCTAssertEqual(f.vented[0], 0, sp.name)
            for n in 0..<spec.cellCount {
                XCTAssertGreaterThanOrEqual(f.value(cell: n, species: 0), 0)
                XCTAssertLessThanOrEqual(f.value(cell: n, species: 0), 0.05 * (1 + 1e-12))
            }
        }
    }

    /// A uniform mixture does not separate: gases do not un-mix by gravity in a room.
    func testUniformMixtureStaysUniform() {
        let spec = GasGridSpec(cellSize: 0.5, nx: 3, ny: 3, nz: 6, species: [.methane, .hydrogenSulfide], diffusivity: 0.05, cutoff: 0)
        let all = Array(0..<spec.cellCount)
        var f = GasField(spec: spec, initial: [GasInitialRegion(cells: all, species: [0, 1], fractions: [0.02, 0.01])])
        let before = f
        Self.run(spec, &f, seconds: 120, updates: 120)
        XCTAssertTrue(f == before || f.c == before.c, "a uniform mixture stays as it is")
    }

    /// An open roof lets a light gas out but not a heavy one; an open floor the reverse. No wind
    /// and no diffusion, so buoyancy is the only way through a face. The ledger closes.
    func testBuoyancyCrossesOnlyOpenFacesInItsOwnDirection() {
        for face in [GasFace.zMax, .zMin] { for sp in [GasSpecies.methane, .hydrogenSulfide] {
            var spec = GasGridSpec(cellSize: 0.5, nx: 2, ny: 2, nz: 4, species: [sp], diffusivity: 0, cutoff: 0)
            spec.openings = [GasOpening(face: face, a0: 0, a1: 2, b0: 0, b1: 2)]
            var flow = GasFlow(spec: spec)
            flow.openingOpen[0] = 1
            var f = GasField(spec: spec, initial: [GasInitialRegion(cells: Array(0..<spec.cellCount), species: [0], fractions: [0.1])])
            let m = f.totalVolume(species: 0, cellVolume: spec.cellVolume)
            Self.run(spec, &f, flow: flow, seconds: 30, updates: 30)
            let leaves = (face == .zMax) == (sp.driftVelocity > 0)
            XCTAssertEqual(f.vented[0] > 0, leaves, "\(sp.name) through \(face)")
            XCTAssertEqual(f.totalVolume(species: 0, cellVolume: spec.cellVolume) + f.vented[0], m, accuracy: 1e-13 * m)
        } }
    }

    /// The stiffest case the substep limit must cover: layers of pure H2 and pure CO2 in small
    /// cells, one 5 s update. Every value stays in [0, 1]; H2 rises, CO2 sinks.
    func testBuoyancyIsPositiveAndBoundedAtItsLimit() {
        let spec = GasGridSpec(cellSize: 0.1, nx: 3, ny: 3, nz: 20, species: [.hydrogen, .carbonDioxide], diffusivity: 0.05, cutoff: 0)
        var f = GasField(spec: spec)
        for k in 0..<20 { for j in 0..<3 { for i in 0..<3 {
            f.set(i, j, k, species: 0, to: k % 2 == 0 && k < 10 ? 1 : 0)
            f.set(i, j, k, species: 1, to: k % 2 == 1 && k >= 10 ? 1 : 0)
        } } }
        let z0 = (Self.centroidZ(spec, f, 0), Self.centroidZ(spec, f, 1))
        let plan = GasKernel.plan(spec: spec, flow: GasFlow(spec: spec), dt: 5)
        XCTAssertGreaterThanOrEqual(Double(plan.substeps), 5 * (2 * GasSpecies.hydrogen.driftVelocity / 0.1 + 6 * 0.05 / 0.01))
        for _ in 0..<4 {
            GasKernel.advance(spec, &f, plan: plan)
            for s in 0..<2 { for n in 0..<spec.cellCount {
                let c = f.value(cell: n, species: s)
                XCTAssertGreaterThanOrEqual(c, 0); XCTAssertLessThanOrEqual(c, 1 + 1e-12)
            } }
        }
        XCTAssertGreaterThan(Self.centroidZ(spec, f, 0), z0.0 + 0.5, "H2 rises")
        XCTAssertLessThan(Self.centroidZ(spec, f, 1), z0.1 - 0.5, "CO2 sinks")
    }

    /// Verification G8: a stratified layer forms on the right side. A closed 2 × 2 × 3 m room
    /// (h = 0.25 m, no turbulent diffusion, so buoyancy alone moves the gas) with 1 %vol CH4 in the layer 0.5–1.0 m and
    /// 1 %vol H2S in the layer 2.0–2.5 m, 900 s. Expected (filling box: a buoyant release mixes
    /// the space on its side of the source and leaves the other side clean — Baines & Turner,
    /// J. Fluid Mech. 37 (1969); Cleaver, Marshall & Linden, J. Hazard. Mater. 36 (1994)):
    /// CH4 uniform at 1 %·0.5/2.5 = 0.2 %vol over 0.5–3 m and (almost) none below; H2S uniform
    /// at 0.2 %vol over 0–2.5 m and none above. Tolerances: each layer mean within 10 % of
    /// 0.2 %vol; the clean side below 10 % of it; mass conserved to 1e-12.
    func testStratifiedLayerFormsOnTheRightSide() {
        let spec = GasGridSpec(cellSize: 0.25, nx: 8, ny: 8, nz: 12, species: [.methane, .hydrogenSulfide], diffusivity: 0, cutoff: 0)
        let layer = { (ks: Range<Int>) in ks.flatMap { k in (0..<64).map { $0 + 64 * k } } }
        var f = GasField(spec: spec, initial: [GasInitialRegion(cells: layer(2..<4), species: [0], fractions: [0.01]),
                                                GasInitialRegion(cells: layer(8..<10), species: [1], fractions: [0.01])])
        let m0 = (0..<2).map { f.totalVolume(species: $0, cellVolume: spec.cellVolume) }
        var rows: [[Double]] = (0..<spec.nz).map { k in
            [spec.cellCenter(0, 0, k).z, Self.layerMean(spec, f, k, 0), Self.layerMean(spec, f, k, 1), 0, 0, 0, 0] }
        var t = 0
        for (col, until) in [(3, 60), (5, 900)] {
            Self.run(spec, &f, seconds: Double(until - t), updates: until - t)
            t = until
            for k in 0..<spec.nz { rows[k][col] = Self.layerMean(spec, f, k, 0); rows[k][col + 1] = Self.layerMean(spec, f, k, 1) }
        }
        for s in 0..<2 {
            XCTAssertEqual(f.totalVolume(species: s, cellVolume: spec.cellVolume), m0[s], accuracy: 1e-12 * m0[s])
        }
        let expected = 0.002
        func mean(_ ks: Range<Int>, _ col: Int) -> Double { ks.map { rows[$0][col] }.reduce(0, +) / Double(ks.count) }
        let ch4Above = mean(2..<12, 5), ch4Below = mean(0..<2, 5), h2sBelow = mean(0..<10, 6), h2sAbove = mean(10..<12, 6)
        XCTAssertEqual(ch4Above, expected, accuracy: 0.1 * expected, "CH4 fills the room above its source")
        XCTAssertEqual(h2sBelow, expected, accuracy: 0.1 * expected, "H2S fills the room below its source")
        XCTAssertLessThan(ch4Below, 0.1 * expected, "no CH4 below its source")
        XCTAssertLessThan(h2sAbove, 0.1 * expected, "no H2S above its source")
        let worst = [abs(ch4Above / expected - 1), abs(h2sBelow / expected - 1), ch4Below / expected, h2sAbove / expected].max()!
        GasDispersionTests.writeCSV("gas_stratification.csv", "z_m,ch4_0,h2s_0,ch4_60s,h2s_60s,ch4_900s,h2s_900s", rows)
        GasDispersionTests.writeCSV("gas_stratification_summary.csv", "worst_rel_error,ch4_mass_drift,h2s_mass_drift",
                                    [[worst] + (0..<2).map { abs(f.totalVolume(species: $0, cellVolume: spec.cellVolume) / m0[$0] - 1) }])
        print("gas stratification: CH4 above \(ch4Above) below \(ch4Below); H2S below \(h2sBelow) above \(h2sAbove); worst \(worst)")
    }

    /// The active box with drift is bit-identical to a full-grid update (a rising leak plume).
    func testDriftKeepsActiveBoxBitIdentical() {
        var spec = GasGridSpec(cellSize: 0.25, nx: 16, ny: 12, nz: 12, species: [.methane, .hydrogenSulfide], diffusivity: 0.03)
        spec.openings = [GasOpening(face: .zMax, a0: 2, a1: 5, b0: 2, b1: 5)]
        var flow = GasFlow(spec: spec)
        flow.openingOpen[0] = 1
        let sources = [GasSource(cell: spec.index(8, 6, 1), species: 0, rate: 1e-3),
                       GasSource(cell: spec.index(4, 4, 10), species: 1, rate: 1e-3)]
        var a = GasField(spec: spec), b = GasField(spec: spec)
        Self.run(spec, &a, flow: flow, seconds: 40, updates: 40, sources: sources)
        Self.run(spec, &b, flow: flow, seconds: 40, updates: 40, sources: sources, fullGrid: true)
        XCTAssertEqual(a.stateHash, b.stateHash)
        XCTAssertGreaterThan(Self.centroidZ(spec, a, 0), spec.cellCenter(0, 0, 1).z + 0.25, "the CH4 plume rises")
    }

    // MARK: - Purge and inerting

    /// A well-mixed 2 × 2 × 2 m box (h = 0.5 m, D = 5 m²/s: mixing time L²/(π²D) = 0.08 s)
    /// purged by an extraction point of Q = 0.01 m³/s (residence time V/Q = 800 s, 10⁴ × the
    /// mixing time; the extraction cell runs leaner than the mean by about Q/(4π·D·h/2) =
    /// 0.06 %), air replacing what it removes.
    static func purgeBox() -> (GasGridSpec, GasSink) {
        let spec = GasGridSpec(cellSize: 0.5, nx: 4, ny: 4, nz: 4, species: [.hydrogenSulfide, .nitrogen], diffusivity: 5, cutoff: 0)
        return (spec, GasSink(cell: spec.index(2, 2, 2), flowRate: 0.01))
    }

    /// Verification G9: purge by ventilation. Well-mixed dilution law C(t) = C0·e^{−Q·t/V}
    /// (e.g. AIHA, *Mathematical Models for Estimating Occupational Exposure to Chemicals*,
    /// 2nd ed. 2009, well-mixed box; ASHRAE Fundamentals ch. 16). C0 = 100 ppm H2S, 3 time
    /// constants. Tolerance: the mean concentration within 1 % of the law at every 40 s
    /// (the residual is the sink cell running slightly leaner than the mean).
    func testPurgeFollowsWellMixedDilutionLaw() {
        let (spec, sink) = Self.purgeBox()
        let V = spec.cellVolume * Double(spec.cellCount), Q = sink.flowRate, C0 = 100e-6
        var f = GasField(spec: spec, initial: [GasInitialRegion(cells: Array(0..<spec.cellCount), species: [0], fractions: [C0])])
        let plan = GasKernel.plan(spec: spec, flow: GasFlow(spec: spec), sinks: [sink], dt: 1)
        var rows: [[Double]] = [[0, C0 * 1e6, C0 * 1e6]], worst = 0.0
        for t in 1...2400 {
            GasKernel.advance(spec, &f, plan: plan)
            if t % 40 == 0 {
                let mean = f.totalVolume(species: 0, cellVolume: spec.cellVolume) / V
                let law = C0 * Foundation.exp(-Q * Double(t) / V)
                worst = max(worst, abs(mean / law - 1))
                rows.append([Double(t), mean * 1e6, law * 1e6])
            }
        }
        XCTAssertLessThan(worst, 0.01)
        let balance = f.totalVolume(species: 0, cellVolume: spec.cellVolume) + f.extracted[0] - C0 * V
        XCTAssertEqual(balance, 0, accuracy: 1e-12 * C0 * V)
        GasDispersionTests.writeCSV("gas_purge.csv", "t_s,numerical_ppm,analytic_ppm", rows)
        GasDispersionTests.writeCSV("gas_purge_summary.csv", "max_rel_error", [[worst]])
        print("gas purge: worst relative error \(worst)")
    }

    /// Verification G10: inerting. N2 fed at q = 0.04 m³/s into the same box while the same flow
    /// of mixture leaves by the extraction point: c_N2 = 1 − e^{−q·t/V}, so
    /// O2 = 20.9 % × e^{−q·t/V} (well-mixed purge, same sources as G9). The O2 meter
    /// (displacement: 20.9 % × (1 − Σ gases)) in the middle of the box must follow it within
    /// 2 % of the O2 value at every 40 s over 3 time constants (to 1.04 %vol O2; the relative
    /// error grows as O2 falls: 2 % of 1 %vol is 0.02 %vol).
    func testInertingWithNitrogenBringsOxygenToTheExpectedFraction() {
        let (spec, sink) = Self.purgeBox()
        let V = spec.cellVolume * Double(spec.cellCount), q = sink.flowRate
        let feed = GasSource(cell: spec.index(1, 1, 1), species: 1, rate: q)
        var f = GasField(spec: spec)
        let plan = GasKernel.plan(spec: spec, flow: GasFlow(spec: spec), sinks: [sink], dt: 1)
        let meter = GasDetector(x: 0.5, y: 1.5, z: 1.0, target: .oxygen, unit: .percentVolume, t90: 0)
        var rows: [[Double]] = [[0, 20.9, 20.9]], worst = 0.0
        for t in 1...2400 {
            GasKernel.advance(spec, &f, plan: plan, sources: [feed])
            if t % 40 == 0 {
                let o2 = meter.instantaneous(spec: spec, field: f)
                let law = 20.9 * Foundation.exp(-q * Double(t) / V)
                worst = max(worst, abs(o2 / law - 1))
                rows.append([Double(t), o2, law])
            }
        }
        XCTAssertLessThan(worst, 0.02)
        XCTAssertLessThan(rows.last![1], 1.1)
        GasDispersionTests.writeCSV("gas_inerting.csv", "t_s,numerical_o2_pct,analytic_o2_pct", rows)
        GasDispersionTests.writeCSV("gas_inerting_summary.csv", "max_rel_error", [[worst]])
        print("gas inerting: worst relative error \(worst), O2 at 600 s \(rows.last![1]) %")
    }

    /// Initial regions apply in order over clean air; the active box covers them.
    func testInitialAtmosphereRegionsApplyInOrder() {
        let spec = GasGridSpec(cellSize: 0.5, nx: 4, ny: 4, nz: 4, species: [.hydrogenSulfide, .nitrogen], diffusivity: 0.1)
        let bottom = (0..<16).map { $0 }
        let f = GasField(spec: spec, initial: [
            GasInitialRegion(cells: Array(0..<spec.cellCount), species: [1], fractions: [0.1]),
            GasInitialRegion(cells: bottom, species: [0, 1], fractions: [50e-6, 0.2]),
        ])
        XCTAssertEqual(f.value(1, 1, 0, species: 0), 50e-6)
        XCTAssertEqual(f.value(1, 1, 0, species: 1), 0.2)
        XCTAssertEqual(f.value(1, 1, 3, species: 0), 0)
        XCTAssertEqual(f.value(1, 1, 3, species: 1), 0.1)
        XCTAssertEqual(f.boxCellCount, spec.cellCount)
        XCTAssertTrue(GasField(spec: spec, initial: []) == GasField(spec: spec))
    }
}
