// Gas kernel benchmark: the Swift kernel and the C yardstick (CGasBench/gas_kernel.c, same
// stencil, same order, same arithmetic) side by side in one process on the same grid, then a
// 30-minute scenario replay. Not a test. Run: bash Tools/bench/gas/run.sh
//
// Modes:  gas-bench [--species S] [--trials T]          kernel vs C
//         gas-bench --replay [--every K] [--scale 1|2]  30 min at 10 Hz, gas every K ticks,
//                                                       cells 0.25 m × scale
#if canImport(HazLabCore)
import HazLabCore
#endif
import CGasBench

var args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ def: Int) -> Int {
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return def
}

/// A 10 × 7.5 × 3 m room: cells of 0.25 m × `scale` (40 × 30 × 12 at scale 1), D = 0.03 m²/s,
/// a 0.5 m/s fan loop in plan and a 0.3 m/s loop in elevation. Without `buoyancy` the species
/// are passive tracers (what the C yardstick computes).
func room(species: Int, openings: Bool, scale: Int = 1, buoyancy: Bool = true) -> (GasGridSpec, GasFlow) {
    let all: [GasSpecies] = [.methane, .hydrogenSulfide, .carbonMonoxide, .ammonia].map { buoyancy ? $0 : $0.withDriftScale(0) }
    let nx = 40 / scale, ny = 30 / scale, nz = 12 / scale
    var spec = GasGridSpec(cellSize: 0.25 * Double(scale), nx: nx, ny: ny, nz: nz,
                           species: Array(all.prefix(species)), diffusivity: 0.03)
    if openings { spec.openings = [spec.opening(face: .yMin, u0: 4, u1: 5, v0: 0, v1: 2.1)!] }
    var flow = GasFlow(spec: spec)
    flow.addRecirculation(planeAxes: 0, 1, a0: 0, a1: nx, b0: 0, b1: ny, c0: 0, c1: nz, speed: 0.5)
    flow.addRecirculation(planeAxes: 0, 2, a0: nx / 4, a1: 3 * nx / 4, b0: 0, b1: nz, c0: ny / 6, c1: 5 * ny / 6, speed: 0.3)
    return (spec, flow)
}

func kernelBench() {
    let S = option("--species", 2), trials = option("--trials", 5)
    let (spec, flow) = room(species: S, openings: false, buoyancy: false)
    var field0 = GasField(spec: spec)
    // Gas everywhere (the whole box is active): the worst case, no flush.
    for s in 0..<S { for k in 0..<spec.nz { for j in 0..<spec.ny { for i in 0..<spec.nx {
        let m: Int = (i * 7 + j * 13 + k * 29 + s * 5) % 17
        let x: Double = 0.01 * (1 + Double(m) / 17)
        field0.set(i, j, k, species: s, to: x)
    } } } }
    let plan = GasKernel.plan(spec: spec, flow: flow, dt: 1.0)
    let reps = 40
    var bestSwift = Double.infinity, bestC = Double.infinity
    var updatesSwift = 0, updatesC = 0, identical = true
    for _ in 0..<trials {
        var f = field0
        let t0 = gas_cpu_seconds()
        var u = 0
        for _ in 0..<reps { u += GasKernel.advance(spec, &f, plan: plan).cellUpdates }
        let t1 = gas_cpu_seconds()
        bestSwift = min(bestSwift, t1 - t0); updatesSwift = u

        var c = field0.c
        var scratch = ContiguousArray<Double>(repeating: 0, count: c.count)
        var box = [field0.boxI0, field0.boxI1, field0.boxJ0, field0.boxJ1, field0.boxK0, field0.boxK1]
        var flushed = [Double](repeating: 0, count: S)
        let t2 = gas_cpu_seconds()
        let uc = c.withUnsafeMutableBufferPointer { cb in scratch.withUnsafeMutableBufferPointer { sb in
            plan.px.withUnsafeBufferPointer { px in plan.qx.withUnsafeBufferPointer { qx in
            plan.py.withUnsafeBufferPointer { py in plan.qy.withUnsafeBufferPointer { qy in
            plan.pz.withUnsafeBufferPointer { pz in plan.qz.withUnsafeBufferPointer { qz in
                gas_transport_c(cb.baseAddress!, sb.baseAddress!, px.baseAddress!, qx.baseAddress!,
                                py.baseAddress!, qy.baseAddress!, pz.baseAddress!, qz.baseAddress!,
                                spec.nx, spec.ny, spec.nz, S, spec.cutoff, &box, &flushed,
                                plan.substeps * reps, 0)
            } } } } } } } }
        let t3 = gas_cpu_seconds()
        bestC = min(bestC, t3 - t2); updatesC = uc
        for n in 0..<c.count where c[n].bitPattern != f.c[n].bitPattern { identical = false; break }
    }
    let rs = Double(updatesSwift) / bestSwift, rc = Double(updatesC) / bestC
    print("grid \(spec.nx)x\(spec.ny)x\(spec.nz) species \(S) substeps/update \(plan.substeps) updates \(reps) (best of \(trials), CPU time)")
    print("swift  \(fmt(rs / 1e6)) M cell-updates/s  (\(fmt(bestSwift * 1e3)) ms)")
    print("c      \(fmt(rc / 1e6)) M cell-updates/s  (\(fmt(bestC * 1e3)) ms)")
    print("bit-identical results: \(identical ? "yes" : "NO")")
    print("ratio swift/c time: \(fmt(bestSwift / bestC))")
    // The same field with buoyant species: the drift pass on top of the stencil (Swift only).
    let (bspec, bflow) = room(species: S, openings: false)
    let bplan = GasKernel.plan(spec: bspec, flow: bflow, dt: 1.0)
    var bestDrift = Double.infinity, updatesDrift = 0
    for _ in 0..<trials {
        var f = field0
        let t0 = gas_cpu_seconds()
        var u = 0
        for _ in 0..<reps { u += GasKernel.advance(bspec, &f, plan: bplan).cellUpdates }
        bestDrift = min(bestDrift, gas_cpu_seconds() - t0); updatesDrift = u
    }
    print("swift with buoyancy  \(fmt(Double(updatesDrift) / bestDrift / 1e6)) M cell-updates/s  (\(bplan.substeps) substeps/update, \(fmt(bestDrift * 1e3)) ms)")
}

/// 30 minutes at 10 Hz: a CH4 leak from 60 s to 900 s, H2S traces, a door, an extraction
/// fan switched on at 1000 s, four detectors read every tick; gas updated every K ticks.
func replay() {
    let every = option("--every", 5), scale = option("--scale", 1)
    let tickRate = 10.0, ticks = 18_000
    let (spec, flow) = room(species: 2, openings: true, scale: scale)
    var field = GasField(spec: spec)
    let dtGas = Double(every) / tickRate
    let planOff = GasKernel.plan(spec: spec, flow: flow, dt: dtGas)
    let fan = GasSink(cell: spec.cellIndex(x: 8.9, y: 6.4, z: 2.9)!, flowRate: 0.3)
    let planFan = GasKernel.plan(spec: spec, flow: flow, sinks: [fan], dt: dtGas)
    let leak = GasSource(cell: spec.cellIndex(x: 2.1, y: 3.9, z: 0.3)!, species: 0, rate: 2e-4)
    let seep = GasSource(cell: spec.cellIndex(x: 7.6, y: 1.4, z: 0.1)!, species: 1, rate: 1e-7)
    let detectors = [
        GasDetector(x: 2.0, y: 4.0, z: 2.8, target: .species(0), unit: .percentLEL, t90: 30),
        GasDetector(x: 7.5, y: 1.5, z: 0.4, target: .species(1), unit: .ppm, t90: 20),
        GasDetector(x: 5.0, y: 4.0, z: 1.5, target: .oxygen, unit: .percentVolume, t90: 15),
        GasDetector(x: 9.0, y: 7.0, z: 2.5, target: .species(0), unit: .percentLEL, t90: 30),
    ]
    var readings = [Double](repeating: 0, count: detectors.count)
    let factors = detectors.map { $0.responseFactor(dt: 1 / tickRate) }
    var substeps = 0, updates = 0, peak = 0.0
    let t0 = gas_cpu_seconds()
    for tick in 0..<ticks {
        let t = Double(tick) / tickRate
        if tick % every == 0 {
            var sources: [GasSource] = [seep]
            if t >= 60 && t < 900 { sources.append(leak) }
            let st = GasKernel.advance(spec, &field, plan: t >= 1000 ? planFan : planOff, sources: sources)
            substeps += st.substeps; updates += st.cellUpdates
        }
        for d in 0..<detectors.count {
            GasDetector.respond(reading: &readings[d], target: detectors[d].instantaneous(spec: spec, field: field), factor: factors[d])
        }
        peak = max(peak, readings[0])
    }
    let t1 = gas_cpu_seconds()
    print("replay 30 min @10 Hz, grid \(spec.nx)x\(spec.ny)x\(spec.nz) h \(spec.cellSize) m, gas every \(every) ticks (dt_gas \(dtGas) s, \(planOff.substeps) substeps/update): CPU \(fmt(t1 - t0)) s, substeps \(substeps), cell-species updates \(updates) (full grid would be \(substeps * spec.cellCount * 2))")
    print("  peak CH4 detector \(fmt(peak)) %LEL, final readings \(readings.map { fmt($0) }), hash \(field.stateHash.hex16)")
}

func fmt(_ x: Double) -> String {
    let r = (x * 1000).rounded() / 1000
    return "\(r)"
}

if args.contains("--replay") { replay() } else { kernelBench() }
