// Gas dispersion — the transport kernel.
//
// Scheme (per species, volume fraction c, cell edge h, cell volume V = h³):
//   explicit finite volume on the staggered grid; first-order upwind advection with face
//   velocities u_f, central (two-point) diffusion with eddy diffusivity D.
//   Flux through face f from its min-side cell L to its max-side cell R, per substep,
//   as a fraction of a cell volume:
//       F_f = P_f·c_L − Q_f·c_R,   P_f = max(u_f,0)·Δt/h + d,   Q_f = d − min(u_f,0)·Δt/h,
//       d = D·Δt/h².
//   Cell update: c_i ← c_i + Σ_{min faces} F − Σ_{max faces} F.
//   Walls: P = Q = 0 (boundary faces outside openings and, with rooms, faces between rooms
//   or touching a solid cell, except where an open internal door is). Open boundary faces: the outside is clean air (c = 0), so only the
//   outgoing coefficient is kept (Q on a min side, P on a max side); inflow brings c = 0.
//   Each face flux is evaluated by the same expression on the same operands in both cells
//   that share it, so what leaves one cell enters its neighbour bit for bit: the total is
//   conserved to summation rounding in a closed room.
//
// Stability by construction: rewritten, c_i ← (1 − Σ_out)·c_i + Σ_in·c_neighbour with all
// coefficients ≥ 0 whenever the outgoing sum Σ_out = Δt·(Σ outgoing face speeds / h +
// n_open_faces·D/h²) ≤ 1. The plan takes the largest per-cell outgoing rate r_max (1/s)
// and uses n = ceil(dt·r_max / safety) substeps of Δt = dt/n. (This per-cell bound is never
// larger than the textbook Σ_axes max|u|/h + 6D/h².) Extraction sinks are integrated exactly
// (c ← c·e^{−Q_e·Δt/V}) and do not limit Δt.
// The update is then positive (no negative concentrations) and, for a discretely
// divergence-free velocity field, a convex combination (bounded by the initial maximum).
//
// Buoyancy (see `driftSpecies`): where a cell holds more of species s than the cell above it
// (s lighter than air) or below it (s heavier), the excess Δ = c_source − c_neighbour drifts
// into the neighbour at w = W_s·Δ/(Δ + c½), W_s = driftVelocity (from molar mass, GasSpecies),
// c½ = 1 %vol: per substep F = |W_s|·Δt/h·Δ²/(Δ + c½) through each z-face that is not a wall.
// Gas moves only into leaner air on its buoyant side, never back: a release rises (sinks) and
// fills the space above (below) it, as a buoyant plume fills a closed room down to its source
// (the "filling box"), while a uniform mixture stays mixed (gases do not un-mix). One F per
// face applied to both cells (conservative to round-off); F = a·Δ with 0 ≤ a ≤ |W_s|·Δt/h, so
// with the substep limit (which adds 2·max|W_s|/h) every cell is a convex combination of its
// neighbours: positive and bounded by the initial maximum. No flux through closed faces; an
// open roof (floor) face lets a light (heavy) gas drift out into clean air (vented ledger).
//
// Per substep: (1) vent ledger from the pre-step field, (2) stencil over the active box
// grown by one cell into the workspace, (3) copy back with the cutoff flush (|c| < cutoff
// → 0) while recomputing the tight active box, (4) extraction sinks, (5) point sources.
// Everything runs in a fixed order (species, z, y, x); no Dictionary/Set, no libm.

/// A leak: `rate` m³/s of pure gas of species `species` released into linear cell `cell`.
public struct GasSource: Sendable, Hashable {
    public var cell: Int
    public var species: Int
    public var rate: Double
    public init(cell: Int, species: Int, rate: Double) { self.cell = cell; self.species = species; self.rate = rate }
}

/// An extraction point: removes `flowRate` m³/s of the local mixture from linear cell `cell`.
public struct GasSink: Sendable, Hashable {
    public var cell: Int
    public var flowRate: Double
    public init(cell: Int, flowRate: Double) { self.cell = cell; self.flowRate = flowRate }
}

/// Precomputed per-update coefficients. Build once per change of flow, sinks or dt and reuse.
public struct GasStepPlan: Sendable {
    public let nx: Int, ny: Int, nz: Int
    /// The update interval (s), the number of substeps and the substep length.
    public let dt: Double, substeps: Int, dtSub: Double
    /// Largest per-cell outgoing transport rate (1/s).
    public let maxRate: Double
    /// Per-substep face coefficients P (min-side cell → max-side cell) and Q (back), on x-,
    /// y- and z-faces (read-only; exposed for tools such as the C yardstick benchmark).
    public let px: ContiguousArray<Double>, qx: ContiguousArray<Double>
    public let py: ContiguousArray<Double>, qy: ContiguousArray<Double>
    public let pz: ContiguousArray<Double>, qz: ContiguousArray<Double>
    /// Open boundary faces: the cell they drain and the outgoing coefficient per substep.
    @usableFromInline let ventCells: ContiguousArray<Int>, ventCoef: ContiguousArray<Double>
    @usableFromInline let sinkCells: ContiguousArray<Int>, sinkFraction: ContiguousArray<Double>
    /// Per species: signed drift coefficient W_s·Δt/h per substep (> 0 rises, 0: no buoyancy).
    public let driftCoef: ContiguousArray<Double>
    /// Per z-face: 1 where the drift may cross (interior faces and open floor/roof faces).
    @usableFromInline let driftFace: ContiguousArray<UInt8>
}

/// Work done by one `advance`.
public struct GasStepStats: Sendable, Hashable {
    public var substeps: Int
    /// Cell-species updates performed by the stencil (Σ over substeps of box cells × species).
    public var cellUpdates: Int
    public init(substeps: Int = 0, cellUpdates: Int = 0) { self.substeps = substeps; self.cellUpdates = cellUpdates }
}

public enum GasKernel {
    /// Hard limit on substeps per update; a plan needing more is a configuration error
    /// (the scenario compiler bounds the transport rate first: `GasSection` in HazLabScenario).
    public static let maxSubsteps = 1_000_000

    /// Builds the coefficients for advancing by `dt` seconds with `flow` and `sinks`.
    public static func plan(spec: GasGridSpec, flow: GasFlow, sinks: [GasSink] = [], dt: Double) -> GasStepPlan {
        precondition(flow.nx == spec.nx && flow.ny == spec.ny && flow.nz == spec.nz, "GasFlow built for another grid")
        let h = spec.cellSize, D = spec.diffusivity, V = spec.cellVolume
        let faces = openFaces(spec: spec, flow: flow)
        let driftFace = ContiguousArray<UInt8>(faces.gz.map { $0 != 0 ? 1 : 0 })
        let maxRate = maxOutgoingRate(spec: spec, flow: flow, faces)
        for s in sinks {
            precondition(s.cell >= 0 && s.cell < spec.cellCount && s.flowRate >= 0, "bad GasSink")
        }
        let n = substeps(dt: dt, maxRate: maxRate, safety: spec.safety)
        let dts = n > 0 ? dt / Double(n) : 0
        let r = dts / h, d = D * dts / (h * h)
        func coefficients(_ uf: ContiguousArray<Double>, _ g: ContiguousArray<Double>)
            -> (ContiguousArray<Double>, ContiguousArray<Double>) {
            var p = ContiguousArray<Double>(repeating: 0, count: uf.count), q = p
            for f in 0..<uf.count where g[f] != 0 {
                p[f] = max(uf[f], 0) * r + d
                q[f] = d - min(uf[f], 0) * r
            }
            return (p, q)
        }
        var c = FaceCoefficients(x: coefficients(faces.ux, faces.gx), y: coefficients(faces.uy, faces.gy),
                                 z: coefficients(faces.uz, faces.gz))
        let (ventCells, ventCoef) = ventToOutside(spec: spec, flow: flow, faces, &c)
        var sinkCells = ContiguousArray<Int>(), sinkFraction = ContiguousArray<Double>()
        // Extraction integrated exactly over the substep (dc/dt = −(Q_e/V)·c): the removed
        // fraction 1 − e^{−Q_e·Δt/V} is in [0, 1) for any rate, so sinks never limit Δt.
        for s in sinks { sinkCells.append(s.cell); sinkFraction.append(-DetMath.expm1(-s.flowRate * dts / V)) }
        let driftCoef = ContiguousArray<Double>(spec.species.map { $0.driftVelocity * r })
        return GasStepPlan(nx: spec.nx, ny: spec.ny, nz: spec.nz, dt: dt, substeps: n, dtSub: dts, maxRate: maxRate,
                           px: c.x.p, qx: c.x.q, py: c.y.p, qy: c.y.q, pz: c.z.p, qz: c.z.q,
                           ventCells: ventCells, ventCoef: ventCoef, sinkCells: sinkCells, sinkFraction: sinkFraction,
                           driftCoef: driftCoef, driftFace: driftFace)
    }

    /// Face velocities and conductance flags with walls closed: 0 on a wall, the flow's
    /// velocity and 1 elsewhere.
    struct OpenFaces {
        var ux: ContiguousArray<Double>, gx: ContiguousArray<Double>
        var uy: ContiguousArray<Double>, gy: ContiguousArray<Double>
        var uz: ContiguousArray<Double>, gz: ContiguousArray<Double>
    }

    /// The forward and backward coefficients of each face, per axis.
    struct FaceCoefficients {
        var x: (p: ContiguousArray<Double>, q: ContiguousArray<Double>)
        var y: (p: ContiguousArray<Double>, q: ContiguousArray<Double>)
        var z: (p: ContiguousArray<Double>, q: ContiguousArray<Double>)
    }

    /// Closes every boundary face but those of open boundary openings, and (with rooms) the
    /// walls between rooms.
    static func openFaces(spec: GasGridSpec, flow: GasFlow) -> OpenFaces {
        let nx = spec.nx, ny = spec.ny, nz = spec.nz
        // Open flags of boundary faces, per side, indexed by the tangential cell pair.
        var xLo = ContiguousArray<UInt8>(repeating: 0, count: ny * nz), xHi = xLo
        var yLo = ContiguousArray<UInt8>(repeating: 0, count: nx * nz), yHi = yLo
        var zLo = ContiguousArray<UInt8>(repeating: 0, count: nx * ny), zHi = zLo
        for (n, o) in spec.openings.enumerated() where n < flow.openingOpen.count && flow.openingOpen[n] != 0 && o.isBoundary {
            for b in o.b0..<o.b1 { for a in o.a0..<o.a1 {
                switch o.face {
                case .xMin: xLo[a + ny * b] = 1
                case .xMax: xHi[a + ny * b] = 1
                case .yMin: yLo[a + nx * b] = 1
                case .yMax: yHi[a + nx * b] = 1
                case .zMin: zLo[a + nx * b] = 1
                case .zMax: zHi[a + nx * b] = 1
                }
            } }
        }
        var f = OpenFaces(ux: flow.u, gx: ContiguousArray<Double>(repeating: 1, count: spec.xFaceCount),
                          uy: flow.v, gy: ContiguousArray<Double>(repeating: 1, count: spec.yFaceCount),
                          uz: flow.w, gz: ContiguousArray<Double>(repeating: 1, count: spec.zFaceCount))
        for k in 0..<nz { for j in 0..<ny {
            if xLo[j + ny * k] == 0 { let x = flow.xFace(0, j, k); f.ux[x] = 0; f.gx[x] = 0 }
            if xHi[j + ny * k] == 0 { let x = flow.xFace(nx, j, k); f.ux[x] = 0; f.gx[x] = 0 }
        } }
        for k in 0..<nz { for i in 0..<nx {
            if yLo[i + nx * k] == 0 { let y = flow.yFace(i, 0, k); f.uy[y] = 0; f.gy[y] = 0 }
            if yHi[i + nx * k] == 0 { let y = flow.yFace(i, ny, k); f.uy[y] = 0; f.gy[y] = 0 }
        } }
        for j in 0..<ny { for i in 0..<nx {
            if zLo[i + nx * j] == 0 { let z = flow.zFace(i, j, 0); f.uz[z] = 0; f.gz[z] = 0 }
            if zHi[i + nx * j] == 0 { let z = flow.zFace(i, j, nz); f.uz[z] = 0; f.gz[z] = 0 }
        } }
        if !spec.rooms.isEmpty {
            closeWalls(spec: spec, flow: flow, ux: &f.ux, gx: &f.gx, uy: &f.uy, gy: &f.gy, uz: &f.uz, gz: &f.gz)
        }
        return f
    }

    /// Largest outgoing rate over cells (the drift adds at most 2·max|W_s|/h: out of a cell and into it).
    static func maxOutgoingRate(spec: GasGridSpec, flow: GasFlow, _ f: OpenFaces) -> Double {
        let nx = spec.nx, ny = spec.ny, nz = spec.nz, h = spec.cellSize
        var maxRate = 0.0
        let dh2 = spec.diffusivity / (h * h)
        var maxDrift = 0.0
        for sp in spec.species { maxDrift = max(maxDrift, abs(sp.driftVelocity)) }
        for k in 0..<nz { for j in 0..<ny { for i in 0..<nx {
            let a = flow.xFace(i, j, k), b = flow.yFace(i, j, k), c = flow.zFace(i, j, k)
            let outV = max(-f.ux[a], 0) + max(f.ux[a + 1], 0) + max(-f.uy[b], 0) + max(f.uy[b + nx], 0)
                + max(-f.uz[c], 0) + max(f.uz[c + nx * ny], 0)
            let nOpen = f.gx[a] + f.gx[a + 1] + f.gy[b] + f.gy[b + nx] + f.gz[c] + f.gz[c + nx * ny]
            maxRate = max(maxRate, outV / h + nOpen * dh2 + 2 * maxDrift / h)
        } } }
        return maxRate
    }

    /// Substeps for a stable explicit update of `dt` at `maxRate` (0 when `dt` is 0).
    static func substeps(dt: Double, maxRate: Double, safety: Double) -> Int {
        guard dt > 0 else { return 0 }
        let x = dt * maxRate / safety
        precondition(x.isFinite && x <= Double(maxSubsteps), "gas update needs more than \(maxSubsteps) substeps")
        var n = max(1, Int(x))
        if Double(n) < x { n += 1 }
        return n
    }

    /// Boundary faces: the outside is clean air; keeps only each open face's outgoing
    /// coefficient and lists the cells that vent through it.
    static func ventToOutside(spec: GasGridSpec, flow: GasFlow, _ f: OpenFaces, _ c: inout FaceCoefficients)
        -> (cells: ContiguousArray<Int>, coef: ContiguousArray<Double>) {
        let nx = spec.nx, ny = spec.ny, nz = spec.nz
        var ventCells = ContiguousArray<Int>(), ventCoef = ContiguousArray<Double>()
        for k in 0..<nz { for j in 0..<ny {
            let lo = flow.xFace(0, j, k), hi = flow.xFace(nx, j, k)
            c.x.p[lo] = 0; c.x.q[hi] = 0
            if f.gx[lo] != 0 { ventCells.append(spec.index(0, j, k)); ventCoef.append(c.x.q[lo]) }
            if f.gx[hi] != 0 { ventCells.append(spec.index(nx - 1, j, k)); ventCoef.append(c.x.p[hi]) }
        } }
        for k in 0..<nz { for i in 0..<nx {
            let lo = flow.yFace(i, 0, k), hi = flow.yFace(i, ny, k)
            c.y.p[lo] = 0; c.y.q[hi] = 0
            if f.gy[lo] != 0 { ventCells.append(spec.index(i, 0, k)); ventCoef.append(c.y.q[lo]) }
            if f.gy[hi] != 0 { ventCells.append(spec.index(i, ny - 1, k)); ventCoef.append(c.y.p[hi]) }
        } }
        for j in 0..<ny { for i in 0..<nx {
            let lo = flow.zFace(i, j, 0), hi = flow.zFace(i, j, nz)
            c.z.p[lo] = 0; c.z.q[hi] = 0
            if f.gz[lo] != 0 { ventCells.append(spec.index(i, j, 0)); ventCoef.append(c.z.q[lo]) }
            if f.gz[hi] != 0 { ventCells.append(spec.index(i, j, nz - 1)); ventCoef.append(c.z.p[hi]) }
        } }
        return (ventCells, ventCoef)
    }

    /// Rooms: closes (zero velocity and conductance) every face between cells of different
    /// rooms or touching a solid cell, except the faces of open internal openings.
    static func closeWalls(spec: GasGridSpec, flow: GasFlow,
                           ux: inout ContiguousArray<Double>, gx: inout ContiguousArray<Double>,
                           uy: inout ContiguousArray<Double>, gy: inout ContiguousArray<Double>,
                           uz: inout ContiguousArray<Double>, gz: inout ContiguousArray<Double>) {
        let nx = spec.nx, ny = spec.ny, nz = spec.nz
        let room = spec.cellRooms()
        // Faces of open internal openings, per axis.
        var doorX = ContiguousArray<UInt8>(repeating: 0, count: spec.xFaceCount)
        var doorY = ContiguousArray<UInt8>(repeating: 0, count: spec.yFaceCount)
        var doorZ = ContiguousArray<UInt8>(repeating: 0, count: spec.zFaceCount)
        for (n, o) in spec.openings.enumerated() where n < flow.openingOpen.count && flow.openingOpen[n] != 0 {
            guard let p = o.plane else { continue }
            for b in o.b0..<o.b1 { for a in o.a0..<o.a1 {
                switch o.face.axis {
                case 0: doorX[flow.xFace(p, a, b)] = 1
                case 1: doorY[flow.yFace(a, p, b)] = 1
                default: doorZ[flow.zFace(a, b, p)] = 1
                }
            } }
        }
        // A face is open when both cells are in the same room, or an open door joins two rooms.
        func shut(_ lo: Int32, _ hi: Int32, _ door: UInt8) -> Bool { lo < 0 || hi < 0 || (lo != hi && door == 0) }
        // Boundary faces (lo == hi) close only on solid cells; their openings are set by `plan`.
        for k in 0..<nz { for j in 0..<ny { for i in 0...nx {
            let f = flow.xFace(i, j, k)
            let lo = room[spec.index(max(i - 1, 0), j, k)], hi = room[spec.index(min(i, nx - 1), j, k)]
            if shut(lo, hi, doorX[f]) { ux[f] = 0; gx[f] = 0 }
        } } }
        for k in 0..<nz { for j in 0...ny { for i in 0..<nx {
            let f = flow.yFace(i, j, k)
            let lo = room[spec.index(i, max(j - 1, 0), k)], hi = room[spec.index(i, min(j, ny - 1), k)]
            if shut(lo, hi, doorY[f]) { uy[f] = 0; gy[f] = 0 }
        } } }
        for k in 0...nz { for j in 0..<ny { for i in 0..<nx {
            let f = flow.zFace(i, j, k)
            let lo = room[spec.index(i, j, max(k - 1, 0))], hi = room[spec.index(i, j, min(k, nz - 1))]
            if shut(lo, hi, doorZ[f]) { uz[f] = 0; gz[f] = 0 }
        } } }
    }

    /// Advances `field` by `plan.dt` with the point `sources` (rates held constant over the
    /// update). `fullGrid: true` updates every cell instead of the active box; the result is
    /// bit-identical (used by tests). Returns the work done.
    @discardableResult
    public static func advance(_ spec: GasGridSpec, _ field: inout GasField, plan: GasStepPlan,
                               sources: [GasSource] = [], fullGrid: Bool = false) -> GasStepStats {
        precondition(plan.nx == field.nx && plan.ny == field.ny && plan.nz == field.nz, "plan built for another grid")
        let V = spec.cellVolume
        var stats = GasStepStats(substeps: plan.substeps, cellUpdates: 0)
        for src in sources {
            precondition(src.cell >= 0 && src.cell < field.cellCount && src.species >= 0
                         && src.species < field.speciesCount, "bad GasSource")
        }
        for _ in 0..<plan.substeps {
            ventLedger(&field, plan: plan, cellVolume: V)
            stats.cellUpdates &+= transport(&field, plan: plan, cutoff: spec.cutoff, cellVolume: V, fullGrid: fullGrid)
            for n in 0..<plan.sinkCells.count {
                let cell = plan.sinkCells[n], f = plan.sinkFraction[n]
                for s in 0..<field.speciesCount {
                    let o = field.offset(cell: cell, species: s)
                    let removed = field.c[o] * f
                    field.c[o] = field.c[o] - removed
                    field.extracted[s] += removed * V
                }
            }
            for src in sources where src.rate != 0 {
                let o = field.offset(cell: src.cell, species: src.species)
                let added = src.rate * plan.dtSub
                field.c[o] = field.c[o] + added / V
                field.emitted[src.species] += added
                if field.c[o] != 0 {
                    let i = src.cell % field.nx, j = (src.cell / field.nx) % field.ny, k = src.cell / (field.nx * field.ny)
                    field.include(i, j, k)
                }
            }
        }
        return stats
    }

    /// Convenience: plan and advance in one call (rebuilds the coefficients every time).
    @discardableResult
    public static func advance(_ spec: GasGridSpec, _ field: inout GasField, flow: GasFlow,
                               sources: [GasSource] = [], sinks: [GasSink] = [], dt: Double,
                               fullGrid: Bool = false) -> GasStepStats {
        advance(spec, &field, plan: plan(spec: spec, flow: flow, sinks: sinks, dt: dt), sources: sources, fullGrid: fullGrid)
    }

    static func ventLedger(_ field: inout GasField, plan: GasStepPlan, cellVolume V: Double) {
        let nv = plan.ventCells.count
        if nv == 0 { return }
        for s in 0..<field.speciesCount {
            var sum = 0.0
            let base = field.offset(cell: 0, species: s)
            for n in 0..<nv { sum += plan.ventCoef[n] * field.c[base + plan.ventCells[n]] }
            field.vented[s] += sum * V
        }
    }

    /// One substep of advection–diffusion over the (grown) active box, then the flush and
    /// the new tight box. Returns cell-species updates.
    static func transport(_ field: inout GasField, plan: GasStepPlan, cutoff: Double, cellVolume V: Double,
                          fullGrid: Bool) -> Int {
        let nx = field.nx, ny = field.ny, nz = field.nz
        var i0 = 0, i1 = nx - 1, j0 = 0, j1 = ny - 1, k0 = 0, k1 = nz - 1
        if !fullGrid {
            if field.boxIsEmpty { return 0 }
            i0 = max(field.boxI0 - 1, 0); i1 = min(field.boxI1 + 1, nx - 1)
            j0 = max(field.boxJ0 - 1, 0); j1 = min(field.boxJ1 + 1, ny - 1)
            k0 = max(field.boxK0 - 1, 0); k1 = min(field.boxK1 + 1, nz - 1)
        }
        let S = field.speciesCount, N = field.cellCount, G = field.guardCount
        var bi0 = Int.max, bi1 = -1, bj0 = Int.max, bj1 = -1, bk0 = Int.max, bk1 = -1
        // Per-species totals on the stack: this runs every substep and must not allocate.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * S) { totals in
        totals.initialize(repeating: 0)
        let flushed = UnsafeMutableBufferPointer(rebasing: totals[0..<S])
        let driftVented = UnsafeMutableBufferPointer(rebasing: totals[S..<(2 * S)])
        field.scratch.withUnsafeMutableBufferPointer { dstB in
        field.c.withUnsafeMutableBufferPointer { srcB in
        plan.px.withUnsafeBufferPointer { pxB in plan.qx.withUnsafeBufferPointer { qxB in
        plan.py.withUnsafeBufferPointer { pyB in plan.qy.withUnsafeBufferPointer { qyB in
        plan.pz.withUnsafeBufferPointer { pzB in plan.qz.withUnsafeBufferPointer { qzB in
            let src = srcB.baseAddress!, dst = dstB.baseAddress!
            let px = pxB.baseAddress!, qx = qxB.baseAddress!, py = pyB.baseAddress!
            let qy = qyB.baseAddress!, pz = pzB.baseAddress!, qz = qzB.baseAddress!
            let nxy = nx &* ny, nx1 = nx &+ 1, ny1 = ny &+ 1
            for s in 0..<S {
                let sBase = G &+ s &* N
                for k in k0...k1 { for j in j0...j1 {
                    let p = sBase &+ nx &* (j &+ ny &* k)
                    let fx = nx1 &* (j &+ ny &* k), fy = nx &* (j &+ ny1 &* k), fz = nx &* (j &+ ny &* k)
                    stencilRow(src: src, dst: dst, p: p, fx: fx, fy: fy, fz: fz, nx: nx, nxy: nxy,
                               i0: i0, i1: i1, px: px, qx: qx, py: py, qy: qy, pz: pz, qz: qz)
                } }
                if plan.driftCoef[s] != 0 {
                    driftVented[s] = driftSpecies(src: src, dst: dst, base: sBase, a: plan.driftCoef[s],
                                                  half: GasSpecies.driftHalfFraction, faces: plan.driftFace,
                                                  nx: nx, ny: ny, nz: nz, i0: i0, i1: i1, j0: j0, j1: j1, k0: k0, k1: k1)
                }
                // Copy back with flush; tight box.
                var fl = 0.0
                for k in k0...k1 { for j in j0...j1 {
                    let p = sBase &+ nx &* (j &+ ny &* k)
                    var first = -1, last = -1
                    var i = i0
                    while i <= i1 {
                        var v = dst[p &+ i]
                        if v != 0 {
                            if abs(v) < cutoff { fl += v; v = 0 } else { if first < 0 { first = i }; last = i }
                        }
                        src[p &+ i] = v
                        i &+= 1
                    }
                    if first >= 0 {
                        bi0 = min(bi0, first); bi1 = max(bi1, last)
                        bj0 = min(bj0, j); bj1 = max(bj1, j); bk0 = min(bk0, k); bk1 = max(bk1, k)
                    }
                } }
                flushed[s] = fl
            }
        } } } } } } } }
        for s in 0..<S where flushed[s] != 0 { field.flushed[s] += flushed[s] * V }
        for s in 0..<S where driftVented[s] != 0 { field.vented[s] += driftVented[s] * V }
        }
        if bi1 < 0 {
            field.boxI0 = 0; field.boxI1 = -1; field.boxJ0 = 0; field.boxJ1 = -1; field.boxK0 = 0; field.boxK1 = -1
        } else {
            field.boxI0 = bi0; field.boxI1 = bi1; field.boxJ0 = bj0; field.boxJ1 = bj1; field.boxK0 = bk0; field.boxK1 = bk1
        }
        return (i1 - i0 + 1) * (j1 - j0 + 1) * (k1 - k0 + 1) * S
    }

    /// Buoyant drift of one species (block at `base`) into leaner cells over the z-faces of the box (cells
    /// i0...i1 × j0...j1 × k0...k1, already grown by one around every non-zero cell, so a face
    /// whose upwind cell is non-zero always has its downwind cell in the box). Reads `src`,
    /// adds to `dst`; `a` = W·Δt/h (> 0 up). Returns the volume fraction (in cell volumes)
    /// drifted out through open floor or roof faces.
    static func driftSpecies(src: UnsafeMutablePointer<Double>, dst: UnsafeMutablePointer<Double>, base: Int,
                             a: Double, half: Double, faces: ContiguousArray<UInt8>, nx: Int, ny: Int, nz: Int,
                             i0: Int, i1: Int, j0: Int, j1: Int, k0: Int, k1: Int) -> Double {
        let nxy = nx &* ny, up = a > 0, speed = abs(a)
        var out = 0.0
        // Flux from a cell holding c into a neighbour holding cDown on its buoyant side (0: clean air outside).
        @inline(__always) func flux(_ c: Double, _ cDown: Double) -> Double {
            let contrast = c - cDown
            return contrast > 0 ? speed * (contrast / (contrast + half)) * contrast : 0
        }
        faces.withUnsafeBufferPointer { fb in
            let face = fb.baseAddress!
            // Face k lies between cell k−1 (below) and cell k (above); faces 0 and nz are floor and roof.
            for k in k0...(k1 &+ 1) { for j in j0...j1 {
                let f0 = nx &* (j &+ ny &* k)
                var i = i0
                while i <= i1 {
                    if face[f0 &+ i] != 0 {
                        let below = k &- 1, above = k
                        if below >= 0 && above < nz {
                            let lo = base &+ i &+ nx &* j &+ nxy &* below, hi = lo &+ nxy
                            if below >= k0 && above <= k1 {
                                if up {
                                    let F = flux(src[lo], src[hi])
                                    dst[lo] -= F; dst[hi] += F
                                } else {
                                    let F = flux(src[hi], src[lo])
                                    dst[hi] -= F; dst[lo] += F
                                }
                            }
                        } else if above >= nz && up {          // open roof face
                            let c = base &+ i &+ nx &* j &+ nxy &* below
                            let F = flux(src[c], 0); dst[c] -= F; out += F
                        } else if below < 0 && !up {           // open floor face
                            let c = base &+ i &+ nx &* j
                            let F = flux(src[c], 0); dst[c] -= F; out += F
                        }
                    }
                    i &+= 1
                }
            } }
        }
        return out
    }

    /// The stencil for cells i0...i1 of one x-row. `p`: offset of the row's cell 0 in the
    /// concentration arrays; `fx`, `fy`, `fz`: the row's first x-, y-, z-face indices.
    @inline(__always)
    static func stencilRow(src: UnsafeMutablePointer<Double>, dst: UnsafeMutablePointer<Double>,
                           p: Int, fx: Int, fy: Int, fz: Int, nx: Int, nxy: Int, i0: Int, i1: Int,
                           px: UnsafePointer<Double>, qx: UnsafePointer<Double>,
                           py: UnsafePointer<Double>, qy: UnsafePointer<Double>,
                           pz: UnsafePointer<Double>, qz: UnsafePointer<Double>) {
        var i = i0
        while i <= i1 {
            let c = p &+ i
            let c0 = src[c]
            let fxm = px[fx &+ i] * src[c &- 1] - qx[fx &+ i] * c0
            let fxp = px[fx &+ i &+ 1] * c0 - qx[fx &+ i &+ 1] * src[c &+ 1]
            let fym = py[fy &+ i] * src[c &- nx] - qy[fy &+ i] * c0
            let fyp = py[fy &+ i &+ nx] * c0 - qy[fy &+ i &+ nx] * src[c &+ nx]
            let fzm = pz[fz &+ i] * src[c &- nxy] - qz[fz &+ i] * c0
            let fzp = pz[fz &+ i &+ nxy] * c0 - qz[fz &+ i &+ nxy] * src[c &+ nxy]
            dst[c] = c0 + (((fxm - fxp) + (fym - fyp)) + (fzm - fzp))
            i &+= 1
        }
    }
}
