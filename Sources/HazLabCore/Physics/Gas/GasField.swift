// Gas dispersion — the dynamic state (lives in State).
//
// Layout: species-major. `c` holds `guardCount` zeros, then species 0's nx·ny·nz volume
// fractions (cell index i + nx·(j + ny·k)), then species 1's, …, then `guardCount` zeros.
// Species-major keeps each species a contiguous 3D block, so the stencil's inner x loop is
// unit-stride with fixed strides ±1, ±nx, ±nx·ny and vectorises; the face coefficients
// are shared by all species. The guard zeros (nx·ny each side) let the stencil read the
// z-neighbours of the first and last layer without a branch: boundary-face coefficients
// multiply those reads by exactly 0.
//
// The active box is the tight bounding box of cells where any species is non-zero (after
// the cutoff flush); the kernel updates only that box grown by one cell per substep. It is
// state (hashed), but it never changes a concentration: full-grid and active updates are
// bit-identical.
//
// Ledgers (m³ of pure gas at room conditions, per species) close the mass balance:
//   Σ c·V (now) = Σ c·V (start) + emitted − extracted − vented − flushed   (to rounding).

/// Part of an initial atmosphere: the volume fractions of some species in a set of cells
/// (a box or a room, resolved by the scenario compiler).
public struct GasInitialRegion: Sendable, Hashable {
    /// Linear cell indices, ascending.
    public var cells: [Int]
    /// Species indices and their volume fractions, pairwise.
    public var species: [Int]
    public var fractions: [Double]
    /// An O2 fraction to reach by displacement (`O2: 17 %vol`): after the fractions above,
    /// species `inertSpecies` (N2) is set in each cell to 1 − O2/0.209 − Σ other species there.
    public var oxygen: Double?
    public var inertSpecies: Int
    public init(cells: [Int], species: [Int], fractions: [Double], oxygen: Double? = nil, inertSpecies: Int = -1) {
        precondition(species.count == fractions.count)
        precondition(oxygen == nil || inertSpecies >= 0, "an O2 target needs the inert species")
        self.cells = cells; self.species = species; self.fractions = fractions
        self.oxygen = oxygen; self.inertSpecies = inertSpecies
    }
}

public struct GasField: Sendable {
    public let nx: Int, ny: Int, nz: Int, speciesCount: Int
    /// nx·ny·nz.
    public let cellCount: Int
    /// Number of guard zeros before and after the species blocks (nx·ny).
    public let guardCount: Int
    /// Volume fractions, see the layout above. Write through `set` (keeps the box valid).
    public internal(set) var c: ContiguousArray<Double>
    /// Active box, inclusive cell coordinates; empty when boxI0 > boxI1.
    public internal(set) var boxI0: Int, boxI1: Int, boxJ0: Int, boxJ1: Int, boxK0: Int, boxK1: Int
    /// m³ of pure gas emitted by sources, per species.
    public internal(set) var emitted: ContiguousArray<Double>
    /// m³ removed by extraction sinks, per species.
    public internal(set) var extracted: ContiguousArray<Double>
    /// m³ carried out through openings (advection + diffusion to clean air), per species.
    public internal(set) var vented: ContiguousArray<Double>
    /// m³ removed by the cutoff flush, per species.
    public internal(set) var flushed: ContiguousArray<Double>
    /// Kernel workspace; not state (excluded from ==, hashes; contents never read before written).
    @usableFromInline internal var scratch: ContiguousArray<Double>
    /// The gas stage's list of this update's leaks, kept between updates (not state).
    internal var sourceScratch: [GasSource] = []

    /// Clean air everywhere.
    public init(spec: GasGridSpec) {
        nx = spec.nx; ny = spec.ny; nz = spec.nz; speciesCount = spec.speciesCount
        cellCount = spec.cellCount; guardCount = spec.nx * spec.ny
        let total = guardCount * 2 + cellCount * speciesCount
        c = ContiguousArray(repeating: 0, count: total)
        scratch = ContiguousArray(repeating: 0, count: total)
        boxI0 = 0; boxI1 = -1; boxJ0 = 0; boxJ1 = -1; boxK0 = 0; boxK1 = -1
        emitted = ContiguousArray(repeating: 0, count: speciesCount)
        // Four buffers of their own (not copies of one), so no first write in a step copies.
        extracted = ContiguousArray(repeating: 0, count: speciesCount)
        vented = ContiguousArray(repeating: 0, count: speciesCount)
        flushed = ContiguousArray(repeating: 0, count: speciesCount)
    }

    /// The initial atmosphere: clean air, then each region's fractions in order (a later
    /// region overrides an earlier one for the species it names).
    public init(spec: GasGridSpec, initial: [GasInitialRegion]) {
        self.init(spec: spec)
        for region in initial {
            for cell in region.cells where cell >= 0 && cell < cellCount {
                for (n, s) in region.species.enumerated() where s >= 0 && s < speciesCount {
                    c[offset(cell: cell, species: s)] = region.fractions[n]
                }
                if let o2 = region.oxygen, region.inertSpecies < speciesCount {
                    var others = 0.0
                    for s in 0..<speciesCount where s != region.inertSpecies { others += c[offset(cell: cell, species: s)] }
                    c[offset(cell: cell, species: region.inertSpecies)] = max(0, 1 - o2 / GasSpecies.airOxygenFraction - others)
                }
            }
        }
        recomputeActiveBox()
    }

    @inlinable public var boxIsEmpty: Bool { boxI0 > boxI1 }
    /// Number of cells in the active box.
    public var boxCellCount: Int {
        boxIsEmpty ? 0 : (boxI1 - boxI0 + 1) * (boxJ1 - boxJ0 + 1) * (boxK1 - boxK0 + 1)
    }

    /// Position in `c` of cell `cell` (linear index) of species `s`.
    @inlinable public func offset(cell: Int, species s: Int) -> Int { guardCount &+ s &* cellCount &+ cell }

    /// Volume fraction of species `s` in cell (i, j, k).
    @inlinable public func value(_ i: Int, _ j: Int, _ k: Int, species s: Int) -> Double {
        c[offset(cell: i &+ nx &* (j &+ ny &* k), species: s)]
    }

    /// Volume fraction of species `s` in linear cell `cell`.
    @inlinable public func value(cell: Int, species s: Int) -> Double { c[offset(cell: cell, species: s)] }

    /// Sets a volume fraction (initial conditions, tests). Extends the active box.
    public mutating func set(_ i: Int, _ j: Int, _ k: Int, species s: Int, to x: Double) {
        precondition(i >= 0 && i < nx && j >= 0 && j < ny && k >= 0 && k < nz && s >= 0 && s < speciesCount)
        c[offset(cell: i + nx * (j + ny * k), species: s)] = x
        if x != 0 { include(i, j, k) }
    }

    mutating func include(_ i: Int, _ j: Int, _ k: Int) {
        if boxIsEmpty {
            boxI0 = i; boxI1 = i; boxJ0 = j; boxJ1 = j; boxK0 = k; boxK1 = k
        } else {
            boxI0 = min(boxI0, i); boxI1 = max(boxI1, i); boxJ0 = min(boxJ0, j); boxJ1 = max(boxJ1, j)
            boxK0 = min(boxK0, k); boxK1 = max(boxK1, k)
        }
    }

    /// Shrinks the active box to the tight bounding box of non-zero cells (full scan).
    public mutating func recomputeActiveBox() {
        boxI0 = 0; boxI1 = -1; boxJ0 = 0; boxJ1 = -1; boxK0 = 0; boxK1 = -1
        for s in 0..<speciesCount { for k in 0..<nz { for j in 0..<ny { for i in 0..<nx
        where c[offset(cell: i + nx * (j + ny * k), species: s)] != 0 { include(i, j, k) } } } }
    }

    /// Total volume of pure gas of species `s` in the grid, m³ (Σ c·V, compensated sum in
    /// cell order, so it is accurate to ~1 ulp and deterministic).
    public func totalVolume(species s: Int, cellVolume: Double) -> Double {
        var sum = 0.0, comp = 0.0
        let base = offset(cell: 0, species: s)
        for n in 0..<cellCount {
            let x = c[base + n]
            let t = sum + x
            if abs(sum) >= abs(x) { comp += (sum - t) + x } else { comp += (x - t) + sum }
            sum = t
        }
        return (sum + comp) * cellVolume
    }

    /// Feeds the canonical bytes into a state hash: dimensions, concentrations, active box,
    /// ledgers (the workspace is excluded).
    public func hash(into h: inout StateHasher) {
        h.i64(Int64(nx)); h.i64(Int64(ny)); h.i64(Int64(nz)); h.i64(Int64(speciesCount))
        h.array(c)
        h.i64(Int64(boxI0)); h.i64(Int64(boxI1)); h.i64(Int64(boxJ0)); h.i64(Int64(boxJ1))
        h.i64(Int64(boxK0)); h.i64(Int64(boxK1))
        h.array(emitted); h.array(extracted); h.array(vented); h.array(flushed)
    }

    /// 64-bit FNV-1a state hash of this field alone.
    public var stateHash: UInt64 { var h = StateHasher(); hash(into: &h); return h.value }
}

extension GasField: Hashable {
    public static func == (a: GasField, b: GasField) -> Bool {
        a.nx == b.nx && a.ny == b.ny && a.nz == b.nz && a.speciesCount == b.speciesCount && a.c == b.c
            && a.boxI0 == b.boxI0 && a.boxI1 == b.boxI1 && a.boxJ0 == b.boxJ0 && a.boxJ1 == b.boxJ1
            && a.boxK0 == b.boxK0 && a.boxK1 == b.boxK1 && a.emitted == b.emitted
            && a.extracted == b.extracted && a.vented == b.vented && a.flushed == b.flushed
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(stateHash) }
}
