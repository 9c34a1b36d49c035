// Gas dispersion — sampling and gas detectors.
//
// Sampling: trilinear interpolation between the eight nearest cell centres (positions
// nearer a wall than half a cell use the boundary cell value: clamped, no extrapolation).
// A detector a few centimetres from a cell face therefore reads a blend of both cells
// instead of jumping when the plume crosses the face.
//
// Response: a first-order lag. The manufacturer's T90 (time to 90 % of a step) gives
// τ = T90 / ln 10. Each call integrates exactly for an input held constant over dt:
//   y ← y + (x − y)·(1 − e^{−dt/τ}),
// so a step reaches exactly 90 % at t = T90 whatever the tick length (e^{−ln 10} = 0.1).
// e^x comes from DetMath, so the result is bit-identical everywhere.
//
// Oxygen is not transported: O2 = 0.209 × (1 − Σ other species), i.e. every other gas
// displaces air (with its 20.9 % O2) volume for volume.

/// What a detector measures.
public enum GasDetectorTarget: Sendable, Hashable {
    /// A transported species (index into `GasGridSpec.species`).
    case species(Int)
    /// Oxygen by displacement: 20.9 %vol × (1 − Σ species fractions).
    case oxygen
}

/// A fixed or portable gas detector (static part; the reading is state).
public struct GasDetector: Sendable, Hashable {
    public var x: Double, y: Double, z: Double
    public var target: GasDetectorTarget
    public var unit: GasReadingUnit
    /// Time to 90 % of a step change, s (0 = instantaneous).
    public var t90: Double

    public init(x: Double, y: Double, z: Double, target: GasDetectorTarget, unit: GasReadingUnit, t90: Double) {
        self.x = x; self.y = y; self.z = z; self.target = target; self.unit = unit; self.t90 = t90
    }

    /// τ = T90 / ln 10, s.
    public var timeConstant: Double { t90 / 2.302585092994046 }

    /// The fraction of the way to the target covered in `dt` seconds: 1 − e^{−dt/τ}.
    /// Constant for a fixed tick: compute once and pass to `respond`.
    public func responseFactor(dt: Double) -> Double {
        if t90 <= 0 { return 1 }
        return -DetMath.expm1(-dt / timeConstant)
    }

    /// The instantaneous (no lag) reading at the detector, in its unit.
    public func instantaneous(spec: GasGridSpec, field: GasField) -> Double {
        switch target {
        case .species(let s):
            let f = GasSampler.fraction(spec: spec, field: field, x: x, y: y, z: z, species: s)
            switch unit {
            case .percentLEL:
                guard let lel = spec.species[s].lel else { return 0 }
                return 100 * f / lel
            case .ppm: return 1e6 * f
            case .percentVolume: return 100 * f
            }
        case .oxygen:
            var sum = 0.0
            for s in 0..<spec.speciesCount { sum += GasSampler.fraction(spec: spec, field: field, x: x, y: y, z: z, species: s) }
            let o2 = GasSpecies.airOxygenFraction * max(0, 1 - sum)
            switch unit {
            case .ppm: return 1e6 * o2
            case .percentVolume, .percentLEL: return 100 * o2
            }
        }
    }

    /// Advances a lagged `reading` towards `target` with a factor from `responseFactor(dt:)`.
    @inlinable
    public static func respond(reading: inout Double, target: Double, factor: Double) {
        reading = reading + (target - reading) * factor
    }

    /// One detector tick: instantaneous reading, then the lag over `dt`.
    public func update(reading: inout Double, spec: GasGridSpec, field: GasField, dt: Double) {
        GasDetector.respond(reading: &reading, target: instantaneous(spec: spec, field: field),
                            factor: responseFactor(dt: dt))
    }
}

public enum GasSampler {
    /// Volume fraction of species `s` at world point (x, y, z), trilinear between cell
    /// centres, clamped to the grid (a point outside reads the nearest boundary value).
    /// Clamped to [0, 1]. A grid with rooms reads fresh air outside (see `roomFraction`).
    public static func fraction(spec: GasGridSpec, field: GasField, x: Double, y: Double, z: Double,
                                species s: Int) -> Double {
        if !spec.rooms.isEmpty, let v = roomFraction(spec: spec, field: field, x: x, y: y, z: z, species: s) { return v }
        func axis(_ p: Double, _ o: Double, _ n: Int) -> (Int, Int, Double) {
            var g = (p - o) / spec.cellSize - 0.5     // in cell-centre units
            if !(g > 0) { g = 0 }
            let top = Double(n - 1)
            if g >= top { return (n - 1, n - 1, 0) }
            let i = Int(g)
            return (i, min(i + 1, n - 1), g - Double(i))
        }
        let (i0, i1, fx) = axis(x, spec.originX, spec.nx)
        let (j0, j1, fy) = axis(y, spec.originY, spec.ny)
        let (k0, k1, fz) = axis(z, spec.originZ, spec.nz)
        func at(_ i: Int, _ j: Int, _ k: Int) -> Double { field.value(i, j, k, species: s) }
        let c00 = at(i0, j0, k0) + (at(i1, j0, k0) - at(i0, j0, k0)) * fx
        let c10 = at(i0, j1, k0) + (at(i1, j1, k0) - at(i0, j1, k0)) * fx
        let c01 = at(i0, j0, k1) + (at(i1, j0, k1) - at(i0, j0, k1)) * fx
        let c11 = at(i0, j1, k1) + (at(i1, j1, k1) - at(i0, j1, k1)) * fx
        let c0 = c00 + (c10 - c00) * fy
        let c1 = c01 + (c11 - c01) * fy
        let v = c0 + (c1 - c0) * fz
        return min(max(v, 0), 1)
    }

    /// Volume fraction in the cell containing the point (0 outside the grid).
    public static func cellFraction(spec: GasGridSpec, field: GasField, x: Double, y: Double, z: Double,
                                    species s: Int) -> Double {
        guard let cell = spec.cellIndex(x: x, y: y, z: z) else { return 0 }
        return field.value(cell: cell, species: s)
    }
}

extension GasField {
    /// Volume fraction of species `s` at a world position (trilinear; see `GasSampler`).
    public func concentration(spec: GasGridSpec, x: Double, y: Double, z: Double, species s: Int) -> Double {
        GasSampler.fraction(spec: spec, field: self, x: x, y: y, z: z, species: s)
    }
}

/// How gas readings are shown (HUD, viewer, reports): instrument ranges and per-species bands.
/// The values in state stay unclamped; only the text saturates, as a real instrument does.
public enum GasDisplay {
    /// Full scale of a typical portable electrochemical sensor, ppm (four-gas monitors such as
    /// the Dräger X-am or MSA Altair: H2S 0–200, CO 0–2000, NH3 0–500); else twice the IDLH.
    public static func portableRangePPM(_ sp: GasSpecies) -> Double {
        switch sp.name {
        case "H2S": return 200
        case "CO": return 2000
        case "NH3": return 500
        default: return sp.idlhPPM.map { 2 * $0 } ?? 10_000
        }
    }

    /// `value unit`, or `>range unit (OVER)` past the instrument's range.
    public static func capped(_ v: Double, range: Double, unit: String) -> String {
        if v > range { return ">" + short(range) + " " + unit + " OVER" }
        return short(v) + " " + unit
    }

    /// 0 normal, 1 warning (from the warning band), 2 danger (from the danger band): see
    /// `GasSpecies.hazardIndex`.
    public static func level(_ hazardIndex: Double) -> Int {
        hazardIndex >= 1 ? 2 : hazardIndex >= 0.5 ? 1 : 0
    }

    /// How a reading of `sp` is coloured on a gauge or the handheld: for a toxic gas amber from
    /// the TWA (STEL/2 without one) and red from the STEL, like a detector's first and second
    /// alarms (GB/T 50493-2019: ≤ 100 % and ≤ 200 % of the limit); flammable amber from 20 and
    /// red from 50 %LEL. (The heatmap goes on to IDLH and beyond.)
    public static func readingLevel(_ sp: GasSpecies, fraction f: Double) -> Int {
        let h = sp.hazardIndex(fraction: f)
        if sp.stelPPM != nil && sp.idlhPPM != nil { return h >= 0.5 ? 2 : h >= 0.25 ? 1 : 0 }
        return level(h)
    }

    /// The species' display bands in words, for legends: what 0.25 / 0.5 / 1 of the scale mean.
    public static func bands(_ sp: GasSpecies) -> String {
        if let stel = sp.stelPPM, let idlh = sp.idlhPPM {
            let low = sp.twaPPM.map { "TWA " + plain($0) } ?? "STEL/2 " + plain(stel / 2)
            return "\(sp.name): \(low) · STEL \(plain(stel)) · IDLH \(plain(idlh)) ppm"
        }
        if sp.lel != nil { return "\(sp.name): 10 · 20 · 50 %LEL" }
        return "\(sp.name): —"
    }

    /// The bands as three numbers (low · warning · danger), for the HUD legend.
    public static func bandsShort(_ sp: GasSpecies) -> String {
        if let stel = sp.stelPPM, let idlh = sp.idlhPPM {
            return "\(sp.name)  \(plain(sp.twaPPM ?? stel / 2)) · \(plain(stel)) · \(plain(idlh)) ppm"
        }
        if sp.lel != nil { return "\(sp.name)  10 · 20 · 50 %LEL" }
        return "\(sp.name)  —"
    }

    /// Oxygen's bands in words.
    public static let oxygenBands = "O₂: 20.2 · 19.5 · 16 %vol (>23.5 enriched)"
    public static let oxygenBandsShort = "O₂  20.2 · 19.5 · 16 %vol"

    /// A limit as written in tables: 25, 0.5, 1200 (no trailing zeros).
    public static func plain(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        var t = short(x)
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }

    /// A reading with as many decimals as its size deserves: 152, 20.9, 1.07, 0.004.
    public static func short(_ x: Double) -> String {
        if !x.isFinite { return "—" }
        let a = abs(x)
        if a >= 1e15 { return "\(x)" }   // beyond Int64 rounding; no instrument reads this
        let digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3
        // No Foundation in the core: round by hand.
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (x * scale).rounded() / scale
        if digits == 0 { return String(Int64(r)) }
        let neg = r < 0
        let whole = Int64(abs(r) * scale + 0.5)
        let ip = whole / Int64(scale), fp = whole % Int64(scale)
        var f = String(fp)
        while f.count < digits { f = "0" + f }
        return (neg ? "-" : "") + String(ip) + "." + f
    }
}
