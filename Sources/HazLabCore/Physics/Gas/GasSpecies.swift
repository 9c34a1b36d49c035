// Gas dispersion — species property table.
//
// Concentrations in the gas kernel are volume fractions (m³ of pure gas per m³ of air,
// 1.0 = 100 %vol). This table holds what the detectors and hazards need to turn a volume
// fraction into %LEL or ppm and to compare it with exposure limits.
//
// Sources (values checked against the cited documents; where they differ the choice is noted):
//  - LEL/UEL: IEC 60079-20-1:2010 "Explosive atmospheres — Material characteristics for gas
//    and vapour classification", and the NIOSH Pocket Guide to Chemical Hazards
//    (DHHS/NIOSH 2007-149) which lists LEL/UEL for H2S, CO, NH3 and H2.
//    Methane: IEC 60079-20-1 gives LFL 4.4 %vol; this table uses the classic 5.0 %vol
//    (NFPA 325, GB 15322 calibration practice) that most fixed detectors in Chinese
//    petrochemical plants are calibrated to — set `lel` to 0.044 for IEC calibration.
//  - Exposure limits (ppm): NIOSH Pocket Guide — IDLH; STEL is the NIOSH REL short-term
//    (15 min) or ceiling value where NIOSH gives only a ceiling (H2S: C 10 ppm/10 min;
//    CO: C 200 ppm). Methane and hydrogen are simple asphyxiants: no toxic limit (nil).
//  - Alarm set points and detector placement are NOT in this table; they belong to the
//    scenario (GB/T 50493-2019 "Standard for design of combustible gas and toxic gas
//    detection and alarm for petrochemical industry": 1st alarm ≤ 25 %LEL, 2nd ≤ 50 %LEL;
//    toxic 1st alarm ≤ 100 % OEL, 2nd ≤ 200 % OEL; detectors for gases heavier than air
//    0.3–0.6 m above floor, lighter than air above the release point).
//  - Molar masses: IUPAC standard atomic weights.
//
// Buoyancy: each species drifts vertically relative to the air with a speed set by its molar
// mass against air (28.96 g/mol); see `driftVelocity` and GasKernel's drift term
// (Docs/verification/gas.md, "Buoyancy").

/// Which published flammability limits the species table uses (`gas.standard` in a scenario).
/// They differ only for methane: NFPA 325 / classic calibration 5.0–15 %vol (the default, what
/// the bundled scenarios and most fixed detectors in Chinese plants are calibrated to) and
/// IEC 60079-20-1:2010 (adopted as GB/T 3836.11) 4.4–17 %vol. Other species keep the NIOSH figures.
public enum GasStandard: String, Sendable, Hashable, CaseIterable {
    case nfpa = "NFPA"
    case iec = "IEC"

    /// The standard a compiled grid's species table follows (told apart by methane's LEL).
    public static func of(_ spec: GasGridSpec) -> GasStandard {
        for g in spec.species where g.name == "CH4" && g.lel == GasSpecies.named("CH4", standard: .iec)?.lel { return .iec }
        return .nfpa
    }
}

/// How a detector reports a species.
public enum GasReadingUnit: UInt8, Sendable, Hashable {
    /// Percent of the lower explosive limit: 100 × fraction / LEL.
    case percentLEL = 0
    /// Parts per million by volume: 1e6 × fraction.
    case ppm = 1
    /// Percent by volume: 100 × fraction.
    case percentVolume = 2
}

/// Static properties of one gas species.
public struct GasSpecies: Sendable, Hashable {
    public var name: String
    /// Lower explosive limit as a volume fraction (0.05 = 5 %vol); nil if not flammable.
    public var lel: Double?
    /// Upper explosive limit as a volume fraction; nil if not flammable.
    public var uel: Double?
    /// Molar mass, g/mol.
    public var molarMass: Double
    /// Short-term (15 min) or ceiling exposure limit, ppm; nil if none.
    public var stelPPM: Double?
    /// Immediately dangerous to life or health, ppm; nil if none.
    public var idlhPPM: Double?
    /// 8-hour time-weighted average limit, ppm; nil if none (display bands only, no rule uses it).
    public var twaPPM: Double?
    /// Buoyant drift speed relative to air, m/s, positive up: the scale W_s of the kernel's
    /// drift w = W_s·Δ/(Δ + c½) of an excess Δ over the neighbouring cell. Default `defaultDriftScale`·(M_air − M)/M_air;
    /// a scenario may scale it (`gas.buoyancy`) or switch it off (0).
    public var driftVelocity: Double

    public init(name: String, lel: Double?, uel: Double?, molarMass: Double,
                stelPPM: Double?, idlhPPM: Double?, twaPPM: Double? = nil, driftVelocity: Double? = nil) {
        self.name = name; self.lel = lel; self.uel = uel; self.molarMass = molarMass
        self.stelPPM = stelPPM; self.idlhPPM = idlhPPM; self.twaPPM = twaPPM
        self.driftVelocity = driftVelocity ?? GasSpecies.driftVelocity(molarMass: molarMass, scale: GasSpecies.defaultDriftScale)
    }

    /// Molar mass of dry air, g/mol.
    public static let airMolarMass = 28.96
    /// Default buoyancy velocity scale, m/s: the drift of a gas whose relative density
    /// difference to air is 1. Chosen so that 1 %vol CH4 rises at about 0.2 m/s, the order of
    /// the gravity-current speed √(g·Δρ/ρ·h) for a 0.5 m layer (Britter & McQuaid 1988).
    public static let defaultDriftScale = 1.0
    /// Excess volume fraction at which the drift reaches half its full speed: a dilute cloud
    /// carries little density difference and so little buoyancy.
    public static let driftHalfFraction = 0.01

    /// W·(M_air − M)/M_air: positive (up) for gases lighter than air, negative for heavier.
    public static func driftVelocity(molarMass: Double, scale: Double) -> Double {
        scale * (airMolarMass - molarMass) / airMolarMass
    }

    /// The same species with its drift scaled to `scale` m/s (0 switches buoyancy off).
    public func withDriftScale(_ scale: Double) -> GasSpecies {
        var s = self
        s.driftVelocity = GasSpecies.driftVelocity(molarMass: molarMass, scale: scale)
        return s
    }

    /// The unit a detector for this species shows by default: %LEL for flammables that
    /// have no toxic limit, ppm for toxics (H2S, CO, NH3 are flammable too, but their toxic
    /// limits are reached four orders of magnitude before their LEL).
    public var defaultUnit: GasReadingUnit {
        if stelPPM != nil || idlhPPM != nil { return .ppm }
        return lel != nil ? .percentLEL : .percentVolume
    }

    /// Methane CH4. LEL 5.0 %vol, UEL 15 %vol (NFPA 325; IEC 60079-20-1: 4.4 / 17, see
    /// `GasStandard.iec`). Asphyxiant.
    public static let methane = GasSpecies(name: "CH4", lel: 0.050, uel: 0.150, molarMass: 16.04,
                                           stelPPM: nil, idlhPPM: nil)
    /// Hydrogen sulfide H2S. NIOSH: LEL 4.0 %, UEL 44 %, REL C 10 ppm (10 min), IDLH 100 ppm.
    public static let hydrogenSulfide = GasSpecies(name: "H2S", lel: 0.040, uel: 0.440, molarMass: 34.08,
                                                   stelPPM: 10, idlhPPM: 100)
    /// Carbon monoxide CO. NIOSH: LEL 12.5 %, UEL 74 %, REL TWA 35 ppm, C 200 ppm, IDLH 1200 ppm.
    public static let carbonMonoxide = GasSpecies(name: "CO", lel: 0.125, uel: 0.740, molarMass: 28.01,
                                                  stelPPM: 200, idlhPPM: 1200, twaPPM: 35)
    /// Ammonia NH3. NIOSH: LEL 15 %, UEL 28 %, REL TWA 25 ppm, ST 35 ppm, IDLH 300 ppm.
    public static let ammonia = GasSpecies(name: "NH3", lel: 0.150, uel: 0.280, molarMass: 17.03,
                                           stelPPM: 35, idlhPPM: 300, twaPPM: 25)
    /// Hydrogen H2. IEC 60079-20-1: LFL 4.0 %, UFL 77 % (NFPA: 75 %). Asphyxiant.
    public static let hydrogen = GasSpecies(name: "H2", lel: 0.040, uel: 0.770, molarMass: 2.016,
                                            stelPPM: nil, idlhPPM: nil)

    /// Nitrogen N2 added to the air (inerting gas): displaces air and with it O2, no toxic
    /// limit, not flammable. M = 28.01 (nearly neutral: N2 is 78 % of air already).
    public static let nitrogen = GasSpecies(name: "N2", lel: nil, uel: nil, molarMass: 28.013,
                                            stelPPM: nil, idlhPPM: nil)
    /// Carbon dioxide CO2. NIOSH: REL ST 30 000 ppm, IDLH 40 000 ppm; not flammable. Heavier than air.
    public static let carbonDioxide = GasSpecies(name: "CO2", lel: nil, uel: nil, molarMass: 44.01,
                                                 stelPPM: 30_000, idlhPPM: 40_000)

    /// The built-in table, in a fixed order (look up by name with `named(_:)`).
    public static let table: [GasSpecies] = [.methane, .hydrogenSulfide, .carbonMonoxide, .ammonia, .hydrogen,
                                             .nitrogen, .carbonDioxide]

    /// Finds a built-in species by its formula (case-sensitive: "CH4", "H2S", "CO", "NH3", "H2", "N2", "CO2").
    public static func named(_ name: String) -> GasSpecies? {
        for s in table where s.name == name { return s }
        return nil
    }

    /// A built-in species with the flammability limits of `standard`.
    public static func named(_ name: String, standard: GasStandard) -> GasSpecies? {
        guard var g = named(name) else { return nil }
        if standard == .iec, name == "CH4" { g.lel = 0.044; g.uel = 0.170 }
        return g
    }

    /// Concentration over the species' own limits on one scale for display (heatmap, gauges):
    /// 0.25 at the lowest band, 0.5 at the warning band, 1 at the danger band, 2 at twice it.
    /// Toxic gases: TWA (or STEL/2 without one) / STEL / IDLH; flammable gases without a toxic
    /// limit: 10 / 20 / 50 %LEL; a gas with neither: 0 (it shows through oxygen).
    public func hazardIndex(fraction f: Double) -> Double {
        let ppm = f * 1e6
        if let stel = stelPPM, let idlh = idlhPPM {
            return GasSpecies.band(ppm, [0, twaPPM ?? stel / 2, stel, idlh, 2 * idlh])
        }
        if let lel {
            return GasSpecies.band(f / lel, [0, 0.10, 0.20, 0.50, 1.0])
        }
        return 0
    }

    /// Oxygen on the same scale: 20.9 % → 0, 19.5 % (entry limit) → 0.5, 16 % (incapacitation
    /// rule) → 1, 10 % → 2; enrichment from 20.9 % to 23.5 % → 0…0.5, 26.1 % → 1.
    public static func oxygenHazardIndex(fraction o2: Double) -> Double {
        if o2 > airOxygenFraction { return (o2 - airOxygenFraction) / (0.235 - airOxygenFraction) * 0.5 }
        return band(airOxygenFraction - o2, [0, 0.007, 0.014, 0.049, 0.109])
    }

    /// Piecewise-linear through (edges[k], k/4·…): edges map to 0, 0.25, 0.5, 1, 2; beyond, linear.
    public static func band(_ x: Double, _ edges: [Double]) -> Double {
        let marks = [0.0, 0.25, 0.5, 1.0, 2.0]
        if !(x > 0) { return 0 }
        for k in 1..<edges.count where x <= edges[k] {
            return marks[k - 1] + (marks[k] - marks[k - 1]) * (x - edges[k - 1]) / (edges[k] - edges[k - 1])
        }
        return 2 + (x - edges[4]) / (edges[4] - edges[3])
    }

    /// Oxygen volume fraction of normal air (dry air, 20.9 %vol).
    public static let airOxygenFraction = 0.209
}
