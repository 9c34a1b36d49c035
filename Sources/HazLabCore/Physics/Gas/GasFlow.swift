// Gas dispersion — the air velocity field for one update.
//
// Velocities are stored on cell faces (a staggered "MAC" layout, face indexing in
// GasGrid.swift): u on x-faces, v on y-faces, w on z-faces, m/s, positive towards +axis.
// A face velocity moves gas from the upwind cell into the downwind cell, so the flux form
// is conservative by construction. Velocities on boundary faces act only where the face
// belongs to an open `GasOpening`; on walls they are ignored (zero flux).
//
// Building blocks (all add to the existing field, so they compose):
//  - `setUniform`: a uniform wind on every face (e.g. a draught through a tunnel with
//    openings at both ends). Divergence-free in the interior.
//  - `addRecirculation`: a fan-driven loop in a plane — nested rectangular rings of speed
//    `speed` built from an integer stream function, so the discrete divergence is exactly
//    zero (no gas piles up; the scheme stays bounded by the initial maximum).
//  - `addJet`: a fan jet along a line of faces. Not divergence-free on its own (gas piles
//    up where it stops, as against a real wall); mass is still conserved exactly.
//  - `u`, `v`, `w` are public: an engine may write any field (e.g. from a coarse flow solve).

public struct GasFlow: Sendable, Hashable {
    public let nx: Int, ny: Int, nz: Int
    /// x-face velocities, (nx+1)·ny·nz, m/s.
    public var u: ContiguousArray<Double>
    /// y-face velocities, nx·(ny+1)·nz, m/s.
    public var v: ContiguousArray<Double>
    /// z-face velocities, nx·ny·(nz+1), m/s.
    public var w: ContiguousArray<Double>
    /// Per `GasGridSpec.openings` entry: 1 = open, 0 = closed (acts as a wall).
    public var openingOpen: ContiguousArray<UInt8>

    /// Still air, every opening open.
    public init(spec: GasGridSpec) {
        nx = spec.nx; ny = spec.ny; nz = spec.nz
        u = ContiguousArray(repeating: 0, count: spec.xFaceCount)
        v = ContiguousArray(repeating: 0, count: spec.yFaceCount)
        w = ContiguousArray(repeating: 0, count: spec.zFaceCount)
        openingOpen = ContiguousArray(repeating: 1, count: spec.openings.count)
    }

    @inlinable public func xFace(_ i: Int, _ j: Int, _ k: Int) -> Int { i &+ (nx &+ 1) &* (j &+ ny &* k) }
    @inlinable public func yFace(_ i: Int, _ j: Int, _ k: Int) -> Int { i &+ nx &* (j &+ (ny &+ 1) &* k) }
    @inlinable public func zFace(_ i: Int, _ j: Int, _ k: Int) -> Int { i &+ nx &* (j &+ ny &* k) }

    /// Sets every face to the uniform wind (ux, uy, uz), m/s.
    public mutating func setUniform(ux: Double, uy: Double, uz: Double) {
        for n in 0..<u.count { u[n] = ux }
        for n in 0..<v.count { v[n] = uy }
        for n in 0..<w.count { w[n] = uz }
    }

    /// Adds `speed` (m/s, sign gives the direction along `axis`) on the faces crossed by a
    /// jet that starts at the exit face of cell (i, j, k) and runs `lengthCells` faces.
    /// Faces outside the grid are skipped.
    public mutating func addJet(i: Int, j: Int, k: Int, axis: Int, speed: Double, lengthCells: Int) {
        for n in 0..<max(0, lengthCells) {
            switch axis {
            case 0:
                let f = speed >= 0 ? i + 1 + n : i - n
                if f >= 0 && f <= nx && j >= 0 && j < ny && k >= 0 && k < nz { u[xFace(f, j, k)] += speed }
            case 1:
                let f = speed >= 0 ? j + 1 + n : j - n
                if f >= 0 && f <= ny && i >= 0 && i < nx && k >= 0 && k < nz { v[yFace(i, f, k)] += speed }
            default:
                let f = speed >= 0 ? k + 1 + n : k - n
                if f >= 0 && f <= nz && i >= 0 && i < nx && j >= 0 && j < ny { w[zFace(i, j, f)] += speed }
            }
        }
    }

    /// Adds a divergence-free recirculation in the plane of axes (a, b) = (0,1) xy, (0,2) xz
    /// or (1,2) yz, over the cell block a0..<a1 × b0..<b1, for every cell layer c0..<c1 of the
    /// third axis. Speed `speed` (m/s) on every ring, counter-clockwise seen from the +third
    /// axis for speed > 0 (along +a on the b-min side). Stream function on cell corners:
    /// ψ = speed · max(0, min(ia − a0, a1 − ia, ib − b0, b1 − ib)) (integer levels), so face
    /// velocities are exactly 0 or ±speed and every cell's net outflow is exactly zero.
    public mutating func addRecirculation(planeAxes a: Int, _ b: Int, a0: Int, a1: Int, b0: Int, b1: Int,
                                          c0: Int, c1: Int, speed: Double) {
        precondition(a < b && a >= 0 && b <= 2, "planeAxes must be (0,1), (0,2) or (1,2)")
        let c = 3 - a - b
        func psi(_ ia: Int, _ ib: Int) -> Int { max(0, min(min(ia - a0, a1 - ia), min(ib - b0, b1 - ib))) }
        func add(_ axis: Int, _ p: (Int, Int, Int), _ val: Double) {
            // p = face/cell coordinates in (x, y, z) order
            if val == 0 { return }
            switch axis {
            case 0: if p.0 >= 0 && p.0 <= nx && p.1 >= 0 && p.1 < ny && p.2 >= 0 && p.2 < nz { u[xFace(p.0, p.1, p.2)] += val }
            case 1: if p.1 >= 0 && p.1 <= ny && p.0 >= 0 && p.0 < nx && p.2 >= 0 && p.2 < nz { v[yFace(p.0, p.1, p.2)] += val }
            default: if p.2 >= 0 && p.2 <= nz && p.0 >= 0 && p.0 < nx && p.1 >= 0 && p.1 < ny { w[zFace(p.0, p.1, p.2)] += val }
            }
        }
        func xyz(_ ia: Int, _ ib: Int, _ ic: Int) -> (Int, Int, Int) {
            var r = [0, 0, 0]; r[a] = ia; r[b] = ib; r[c] = ic
            return (r[0], r[1], r[2])
        }
        for ic in c0..<c1 {
            // a-faces at corner position ia, cell ib: u_a = speed · (ψ(ia, ib+1) − ψ(ia, ib))
            for ib in b0..<b1 { for ia in a0...a1 {
                let d = psi(ia, ib + 1) - psi(ia, ib)
                add(a, xyz(ia, ib, ic), speed * Double(d))
            } }
            // b-faces at cell ia, corner position ib: u_b = −speed · (ψ(ia+1, ib) − ψ(ia, ib))
            for ib in b0...b1 { for ia in a0..<a1 {
                let d = psi(ia + 1, ib) - psi(ia, ib)
                add(b, xyz(ia, ib, ic), -speed * Double(d))
            } }
        }
    }
}
