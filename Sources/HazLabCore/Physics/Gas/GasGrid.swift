// Gas dispersion — the grid: geometry, species, boundary openings.
//
// A uniform Cartesian grid of nx × ny × nz cubic cells of edge `cellSize` (m) whose
// minimum corner is at `origin`. Cell (i, j, k) spans
//   [x0 + i·h, x0 + (i+1)·h) × [y0 + j·h, …) × [z0 + k·h, …).
// Linear cell index: i + nx·(j + ny·k)  (x fastest, then y, then z).
//
// Faces: x-faces are indexed (i, j, k) with i in 0...nx (face i is the min-x face of cell i),
// linear index i + (nx+1)·(j + ny·k); y-faces i + nx·(j + (ny+1)·k) with j in 0...ny;
// z-faces i + nx·(j + ny·k) with k in 0...nz.
//
// Every boundary face is a closed wall (zero flux) unless it lies in an `GasOpening`.
//
// Rooms: without `rooms` the whole grid is one room. With rooms, each is an axis-aligned box
// of cells; a cell in no room is solid (inside a wall, or not a space the model tracks).
// Every face between two cells of different rooms, or touching a solid cell, is a wall
// unless an internal opening (a door or window in a partition) covers it and is open.
// The outside (fresh air) is beyond the grid's boundary, reached through boundary openings.

/// A side of the grid box.
public enum GasFace: UInt8, Sendable, Hashable, CaseIterable {
    case xMin = 0, xMax, yMin, yMax, zMin, zMax

    /// 0 for x, 1 for y, 2 for z.
    public var axis: Int { Int(rawValue) / 2 }
    /// True for the max side of its axis.
    public var isMax: Bool { rawValue % 2 == 1 }
}

/// A door, window or vent: a rectangle of boundary faces through which gas can leave
/// (outflow carries the cell's concentration out, diffusion exchanges with clean air) and
/// clean ambient air can enter. Rectangle in cell indices of the two tangential axes in
/// (x, y, z) order — for an x-face these are (j, k), for a y-face (i, k), for a z-face (i, j) —
/// half-open: a0 ..< a1, b0 ..< b1.
///
/// An internal opening (a door between two rooms) has `plane` set: the face index along
/// `face.axis` (1 ..< n; face p lies between cells p − 1 and p); `face.isMax` is then ignored.
public struct GasOpening: Sendable, Hashable {
    public var face: GasFace
    public var a0: Int, a1: Int, b0: Int, b1: Int
    /// Face index along the axis for an internal opening; nil for a boundary opening.
    public var plane: Int?

    public init(face: GasFace, a0: Int, a1: Int, b0: Int, b1: Int, plane: Int? = nil) {
        self.face = face; self.a0 = a0; self.a1 = a1; self.b0 = b0; self.b1 = b1; self.plane = plane
    }

    /// True for a door or window to the outside (on the grid's boundary).
    @inlinable public var isBoundary: Bool { plane == nil }
}

/// A room: the half-open box of cells i0..<i1 × j0..<j1 × k0..<k1.
public struct GasRoom: Sendable, Hashable {
    public var name: String
    public var i0: Int, i1: Int, j0: Int, j1: Int, k0: Int, k1: Int

    public init(name: String, i0: Int, i1: Int, j0: Int, j1: Int, k0: Int, k1: Int) {
        self.name = name; self.i0 = i0; self.i1 = i1; self.j0 = j0; self.j1 = j1; self.k0 = k0; self.k1 = k1
    }

    @inlinable public func contains(_ i: Int, _ j: Int, _ k: Int) -> Bool {
        i >= i0 && i < i1 && j >= j0 && j < j1 && k >= k0 && k < k1
    }
}

/// Static description of a gas grid (lives in the Model).
public struct GasGridSpec: Sendable, Hashable {
    /// World position (m) of the grid's minimum corner.
    public var originX: Double, originY: Double, originZ: Double
    /// Cell edge h (m), same in all axes.
    public var cellSize: Double
    public var nx: Int, ny: Int, nz: Int
    /// Transported species, in state order.
    public var species: [GasSpecies]
    /// Turbulent (eddy) diffusivity D, m²/s, the same for every species.
    public var diffusivity: Double
    /// Boundary and internal openings (doors, windows, louvres). Their open/closed state is in `GasFlow`.
    public var openings: [GasOpening]
    /// Rooms; empty: the whole grid is one room.
    public var rooms: [GasRoom] = []
    /// Fraction of the monotonicity limit used per substep (0 < safety ≤ 1).
    public var safety: Double
    /// Volume fractions with magnitude below this are set to exactly zero after each substep
    /// (their volume goes to the `flushed` ledger). This bounds the active region; 0 disables it.
    public var cutoff: Double

    public init(originX: Double = 0, originY: Double = 0, originZ: Double = 0, cellSize: Double,
                nx: Int, ny: Int, nz: Int, species: [GasSpecies], diffusivity: Double,
                openings: [GasOpening] = [], safety: Double = 0.9, cutoff: Double = 1e-9) {
        self.originX = originX; self.originY = originY; self.originZ = originZ
        self.cellSize = cellSize; self.nx = nx; self.ny = ny; self.nz = nz
        self.species = species; self.diffusivity = diffusivity; self.openings = openings
        self.safety = safety; self.cutoff = cutoff
    }

    @inlinable public var cellCount: Int { nx &* ny &* nz }
    @inlinable public var speciesCount: Int { species.count }
    /// Cell volume h³, m³.
    @inlinable public var cellVolume: Double { cellSize * cellSize * cellSize }
    @inlinable public var xFaceCount: Int { (nx &+ 1) &* ny &* nz }
    @inlinable public var yFaceCount: Int { nx &* (ny &+ 1) &* nz }
    @inlinable public var zFaceCount: Int { nx &* ny &* (nz &+ 1) }

    /// Problems with this spec, empty if it is usable (the scenario compiler reports them).
    public func validate() -> [String] {
        var e: [String] = []
        if !(cellSize > 0) || !cellSize.isFinite { e.append("gas grid: cellSize must be > 0") }
        if nx < 1 || ny < 1 || nz < 1 { e.append("gas grid: nx, ny, nz must be ≥ 1") }
        if nx > 4096 || ny > 4096 || nz > 4096 || (nx > 0 && ny > 0 && nz > 0 && nx * ny * nz > 50_000_000) {
            e.append("gas grid: too many cells")
        }
        if species.isEmpty { e.append("gas grid: at least one species") }
        if !(diffusivity >= 0) || !diffusivity.isFinite { e.append("gas grid: diffusivity must be ≥ 0") }
        if !(safety > 0 && safety <= 1) { e.append("gas grid: safety must be in (0, 1]") }
        if !(cutoff >= 0) { e.append("gas grid: cutoff must be ≥ 0") }
        for (n, o) in openings.enumerated() {
            let (na, nb) = tangentialCounts(o.face)
            if !(0 <= o.a0 && o.a0 < o.a1 && o.a1 <= na && 0 <= o.b0 && o.b0 < o.b1 && o.b1 <= nb) {
                e.append("gas grid: opening \(n) rectangle outside its face")
            }
            if let p = o.plane, !(p >= 1 && p < [nx, ny, nz][o.face.axis]) {
                e.append("gas grid: internal opening \(n) is not between two cells")
            }
        }
        for (n, r) in rooms.enumerated() {
            if !(0 <= r.i0 && r.i0 < r.i1 && r.i1 <= nx && 0 <= r.j0 && r.j0 < r.j1 && r.j1 <= ny
                 && 0 <= r.k0 && r.k0 < r.k1 && r.k1 <= nz) {
                e.append("gas grid: room '\(r.name)' is empty or outside the grid")
            }
            for q in rooms[..<n] where r.i0 < q.i1 && q.i0 < r.i1 && r.j0 < q.j1 && q.j0 < r.j1 && r.k0 < q.k1 && q.k0 < r.k1 {
                e.append("gas grid: rooms '\(q.name)' and '\(r.name)' overlap")
            }
        }
        return e
    }

    /// The room of cell (i, j, k): its index in `rooms`, 0 for every cell of a grid without
    /// rooms, -1 for a solid cell (in no room) or a cell outside the grid.
    @inlinable public func room(_ i: Int, _ j: Int, _ k: Int) -> Int {
        guard i >= 0 && i < nx && j >= 0 && j < ny && k >= 0 && k < nz else { return -1 }
        if rooms.isEmpty { return 0 }
        for n in 0..<rooms.count where rooms[n].contains(i, j, k) { return n }
        return -1
    }

    /// The room of every cell, by linear index (see `room(_:_:_:)`).
    public func cellRooms() -> ContiguousArray<Int32> {
        var r = ContiguousArray<Int32>(repeating: rooms.isEmpty ? 0 : -1, count: cellCount)
        for (n, q) in rooms.enumerated() {
            for k in q.k0..<q.k1 { for j in q.j0..<q.j1 { for i in q.i0..<q.i1 { r[index(i, j, k)] = Int32(n) } } }
        }
        return r
    }

    /// A straight run of wall on a plan, in cell units: along `axis` 0 it lies on x-face plane
    /// `plane` from y = `from` to `to`; along axis 1 on y-face plane `plane` from x = `from` to `to`.
    public struct WallRun: Sendable, Hashable {
        public var axis: Int, plane: Int, from: Int, to: Int
        /// Number of cells up to the lower of the two sides' ceilings (at least one side's).
        public var height: Int
    }

    /// The walls of a grid with rooms, seen from above at floor level (k = 0): every x- or
    /// y-face between two different rooms, or between a room and a solid cell or the grid's
    /// edge, except where a door (an opening starting at the floor) stands. Adjacent faces
    /// are merged into runs. Empty for a grid without rooms (its walls are the grid's box).
    public func wallRuns() -> [WallRun] {
        guard !rooms.isEmpty else { return [] }
        func top(_ r: Int) -> Int { r >= 0 ? rooms[r].k1 : 0 }
        func door(_ axis: Int, _ plane: Int, _ a: Int) -> Bool {
            for o in openings where o.face.axis == axis && o.b0 == 0 && a >= o.a0 && a < o.a1 {
                let p = o.plane ?? (o.face.isMax ? (axis == 0 ? nx : ny) : 0)
                if p == plane { return true }
            }
            return false
        }
        var runs: [WallRun] = []
        for axis in 0..<2 {
            let planes = axis == 0 ? nx : ny, along = axis == 0 ? ny : nx
            for p in 0...planes {
                var open: WallRun? = nil
                for a in 0...along {
                    var wall = false, h = 0
                    if a < along {
                        let lo = axis == 0 ? room(p - 1, a, 0) : room(a, p - 1, 0)
                        let hi = axis == 0 ? room(p, a, 0) : room(a, p, 0)
                        wall = lo != hi && !door(axis, p, a)
                        h = lo >= 0 && hi >= 0 ? min(top(lo), top(hi)) : max(top(lo), top(hi))
                    }
                    if var r = open, !wall || r.height != h {
                        r.to = a; runs.append(r); open = nil
                    }
                    if wall && open == nil { open = WallRun(axis: axis, plane: p, from: a, to: a + 1, height: h) }
                }
            }
        }
        return runs
    }

    /// The room containing world point (x, y, z): -1 outside the grid or in a solid cell.
    public func room(x: Double, y: Double, z: Double) -> Int {
        guard let (i, j, k) = cellCoordinates(x: x, y: y, z: z) else { return -1 }
        return room(i, j, k)
    }

    /// Number of cells along the two tangential axes of a face, in (x, y, z) order.
    @inlinable public func tangentialCounts(_ f: GasFace) -> (Int, Int) {
        switch f.axis { case 0: return (ny, nz); case 1: return (nx, nz); default: return (nx, ny) }
    }

    /// Linear index of cell (i, j, k); no bounds check.
    @inlinable public func index(_ i: Int, _ j: Int, _ k: Int) -> Int { i &+ nx &* (j &+ ny &* k) }

    /// The cell containing world point (x, y, z), or nil outside the grid.
    public func cellIndex(x: Double, y: Double, z: Double) -> Int? {
        guard let (i, j, k) = cellCoordinates(x: x, y: y, z: z) else { return nil }
        return index(i, j, k)
    }

    /// (i, j, k) of the cell containing the world point, or nil outside the grid.
    public func cellCoordinates(x: Double, y: Double, z: Double) -> (Int, Int, Int)? {
        let fx = (x - originX) / cellSize, fy = (y - originY) / cellSize, fz = (z - originZ) / cellSize
        guard fx >= 0, fy >= 0, fz >= 0, fx < Double(nx), fy < Double(ny), fz < Double(nz) else { return nil }
        return (Int(fx), Int(fy), Int(fz))
    }

    /// World coordinates of the centre of cell (i, j, k).
    public func cellCenter(_ i: Int, _ j: Int, _ k: Int) -> (x: Double, y: Double, z: Double) {
        (originX + (Double(i) + 0.5) * cellSize, originY + (Double(j) + 0.5) * cellSize,
         originZ + (Double(k) + 0.5) * cellSize)
    }

    /// An opening on `face` covering the world rectangle [u0, u1] × [v0, v1] (m) in the two
    /// tangential axes in (x, y, z) order: the cells whose centres fall inside. Nil if none.
    public func opening(face: GasFace, u0: Double, u1: Double, v0: Double, v1: Double) -> GasOpening? {
        let (na, nb) = tangentialCounts(face)
        let (ou, ov): (Double, Double)
        switch face.axis { case 0: (ou, ov) = (originY, originZ); case 1: (ou, ov) = (originX, originZ)
        default: (ou, ov) = (originX, originY) }
        func range(_ lo: Double, _ hi: Double, _ o: Double, _ n: Int) -> (Int, Int) {
            var a = n, b = 0
            for c in 0..<n {
                let m = o + (Double(c) + 0.5) * cellSize
                if m >= lo && m <= hi { a = min(a, c); b = max(b, c + 1) }
            }
            return (a, b)
        }
        let (a0, a1) = range(min(u0, u1), max(u0, u1), ou, na)
        let (b0, b1) = range(min(v0, v1), max(v0, v1), ov, nb)
        guard a0 < a1, b0 < b1 else { return nil }
        return GasOpening(face: face, a0: a0, a1: a1, b0: b0, b1: b1)
    }
}

extension GasSampler {
    /// `fraction` in a grid with rooms: 0 (fresh air) outside the grid or in a solid cell;
    /// next to a wall, trilinear between cell centres over the corners in the point's own room
    /// only, the weights renormalised, so a reading never mixes in the air behind a wall.
    /// Nil where all eight corners are in the point's room: the plain trilinear value applies.
    static func roomFraction(spec: GasGridSpec, field: GasField, x: Double, y: Double, z: Double,
                             species s: Int) -> Double? {
        guard let (ci, cj, ck) = spec.cellCoordinates(x: x, y: y, z: z) else { return 0 }
        let r = spec.room(ci, cj, ck)
        if r < 0 { return 0 }
        func axis(_ p: Double, _ o: Double, _ n: Int) -> (Int, Int, Double) {
            var g = (p - o) / spec.cellSize - 0.5
            if !(g > 0) { g = 0 }
            if g >= Double(n - 1) { return (n - 1, n - 1, 0) }
            let i = Int(g)
            return (i, min(i + 1, n - 1), g - Double(i))
        }
        let (i0, i1, fx) = axis(x, spec.originX, spec.nx)
        let (j0, j1, fy) = axis(y, spec.originY, spec.ny)
        let (k0, k1, fz) = axis(z, spec.originZ, spec.nz)
        var sum = 0.0, weight = 0.0, split = false
        for dk in 0..<2 { for dj in 0..<2 { for di in 0..<2 {
            if spec.room(di == 0 ? i0 : i1, dj == 0 ? j0 : j1, dk == 0 ? k0 : k1) != r { split = true }
        } } }
        if !split { return nil }
        for dk in 0..<2 { for dj in 0..<2 { for di in 0..<2 {
            let i = di == 0 ? i0 : i1, j = dj == 0 ? j0 : j1, k = dk == 0 ? k0 : k1
            let w = (di == 0 ? 1 - fx : fx) * (dj == 0 ? 1 - fy : fy) * (dk == 0 ? 1 - fz : fz)
            if w > 0 && spec.room(i, j, k) == r { sum += w * field.value(i, j, k, species: s); weight += w }
        } } }
        // The point's own cell always carries weight ≥ 1/8, so weight > 0.
        return weight > 0 ? min(max(sum / weight, 0), 1) : 0
    }
}
