/// Energy isolation (lockout–tagout) — the immutable part.
///
/// Practice followed: OSHA 29 CFR 1910.147 (control of hazardous energy), ISO 14118
/// (prevention of unexpected start-up) and GB/T 33579-2017 (机械安全 危险能量控制方法 上锁/挂牌):
/// identify every energy source, isolate it at every isolation point, apply a personal lock
/// and tag per worker, dissipate stored energy, verify zero energy (including a try-out),
/// and only then work in the danger zone.
///
/// Units are SI and fixed per kind (see `EnergyKind.unit`); zone ids are the caller's
/// integers (zone rows or equipment rows — they are only compared for equality).

public enum EnergyKind: UInt8, Sendable, CaseIterable {
    case electrical     // volts
    case hydraulic      // pascals (gauge)
    case pneumatic      // pascals (gauge)
    case thermal        // kelvin above ambient
    case spring         // joules
    case flywheel       // joules
    case gravity        // joules

    public var name: String {
        switch self {
        case .electrical: return "electrical"
        case .hydraulic: return "hydraulic"
        case .pneumatic: return "pneumatic"
        case .thermal: return "thermal"
        case .spring: return "spring"
        case .flywheel: return "flywheel"
        case .gravity: return "gravity"
        }
    }

    /// The unit of `magnitude`, `residualOnIsolation` and `zeroThreshold`.
    public var unit: String {
        switch self {
        case .electrical: return "V"
        case .hydraulic, .pneumatic: return "Pa"
        case .thermal: return "K"
        case .spring, .flywheel, .gravity: return "J"
        }
    }

    /// Default threshold under which residual energy counts as zero:
    /// 50 V (extra-low voltage limit, IEC 61140 / GB/T 17045 band I for AC),
    /// 10 kPa gauge for fluids (a gauge's resolution at the low end; no stored jet hazard),
    /// 20 K above ambient (contact-burn onset for metal surfaces is near 45–50 °C, ISO 13732-1),
    /// 1 J for stored mechanical energy.
    public var defaultZeroThreshold: Double {
        switch self {
        case .electrical: return 50
        case .hydraulic, .pneumatic: return 10_000
        case .thermal: return 20
        case .spring, .flywheel, .gravity: return 1
        }
    }

    /// Whether isolating the feed leaves the energy stored by default (pressure stays trapped,
    /// a hot vessel stays hot, a flywheel keeps spinning); a plain electrical supply stores none.
    public var storesByDefault: Bool { self != .electrical }
}

public struct EnergySource: Sendable, Hashable {
    public var kind: EnergyKind
    /// Energy level while fed, in `kind.unit`.
    public var magnitude: Double
    /// Danger zone: zone (or equipment) ids where a release hurts people.
    public var zones: [Int32]
    /// Level left behind at the moment of isolation (trapped pressure, capacitor charge, heat,
    /// a raised load), in `kind.unit`. Stays until dissipated.
    public var residualOnIsolation: Double
    /// Natural decay time constant of the residual while isolated, seconds (heat loss,
    /// capacitor discharge resistor, flywheel run-down); 0 = no natural decay.
    public var decaySeconds: Double
    /// Residual at or below this counts as zero energy, in `kind.unit`.
    public var zeroThreshold: Double

    public init(kind: EnergyKind, magnitude: Double, zones: [Int32], residualOnIsolation: Double? = nil,
                decaySeconds: Double = 0, zeroThreshold: Double? = nil) {
        self.kind = kind; self.magnitude = magnitude; self.zones = zones
        self.residualOnIsolation = residualOnIsolation ?? (kind.storesByDefault ? magnitude : 0)
        self.decaySeconds = decaySeconds
        self.zeroThreshold = zeroThreshold ?? kind.defaultZeroThreshold
    }
}

public enum IsolationPointKind: UInt8, Sendable, CaseIterable {
    case breaker            // electrical isolating device (breaker, disconnector, plug)
    case valve              // block valve
    case blindFlange        // spectacle blind / spade / removed spool
    case mechanicalBlock    // block, pin, chock, chain
    case bleed              // bleed / drain / vent valve, discharge earth

    public var name: String {
        switch self {
        case .breaker: return "breaker"
        case .valve: return "valve"
        case .blindFlange: return "blind-flange"
        case .mechanicalBlock: return "mechanical-block"
        case .bleed: return "bleed"
        }
    }
}

/// A device with a safe position (open breaker, closed valve, blind inserted, block in,
/// bleed open). Its position is given by the caller each update as a "safe" flag.
public struct IsolationPoint: Sendable, Hashable {
    public var kind: IsolationPointKind
    /// Sources this point isolates: a source is isolated when all of them are safe.
    public var isolates: [Int32]
    /// Sources whose residual this point dissipates while it is safe and the source is isolated
    /// (a bleed valve open, a discharge earth on, a block taking the load).
    public var dissipates: [Int32]
    /// Time constant of that dissipation, seconds; 0 = instantaneous.
    public var dissipationSeconds: Double

    public init(kind: IsolationPointKind, isolates: [Int32], dissipates: [Int32] = [], dissipationSeconds: Double = 0) {
        self.kind = kind; self.isolates = isolates; self.dissipates = dissipates
        self.dissipationSeconds = dissipationSeconds
    }
}

public enum IsolationSpecError: Error, Sendable, Equatable {
    case sourceOutOfRange(point: Int, source: Int32)
    case negativeValue(source: Int)
    case negativeDissipationTime(point: Int)
    case negativePersonCount
}

public struct IsolationSpec: Sendable {
    public let sources: [EnergySource]
    public let points: [IsolationPoint]
    /// People who may hold locks (person rows 0 ..< personCount).
    public let personCount: Int

    /// CSR: isolating point rows of source s are `isoPoint[isoStart[s] ..< isoStart[s + 1]]`.
    public let isoStart: [Int32]
    public let isoPoint: [Int32]
    /// CSR: dissipating point rows of source s, in point order.
    public let dissStart: [Int32]
    public let dissPoint: [Int32]

    public init(sources: [EnergySource], points: [IsolationPoint], personCount: Int) throws(IsolationSpecError) {
        guard personCount >= 0 else { throw .negativePersonCount }
        let ns = Int32(sources.count)
        for (i, s) in sources.enumerated() {
            if !(s.magnitude >= 0) || !(s.residualOnIsolation >= 0) || !(s.decaySeconds >= 0) || !(s.zeroThreshold >= 0) {
                throw .negativeValue(source: i)
            }
        }
        for (i, p) in points.enumerated() {
            for s in p.isolates + p.dissipates where s < 0 || s >= ns { throw .sourceOutOfRange(point: i, source: s) }
            if !(p.dissipationSeconds >= 0) { throw .negativeDissipationTime(point: i) }
        }
        self.sources = sources; self.points = points; self.personCount = personCount

        func csr(_ pick: (IsolationPoint) -> [Int32]) -> ([Int32], [Int32]) {
            var start = [Int32](repeating: 0, count: sources.count + 1)
            for p in points { for s in pick(p) { start[Int(s) + 1] += 1 } }
            for i in 0..<sources.count { start[i + 1] += start[i] }
            var fill = start
            var rows = [Int32](repeating: 0, count: Int(start[sources.count]))
            for (i, p) in points.enumerated() {
                for s in pick(p) { rows[Int(fill[Int(s)])] = Int32(i); fill[Int(s)] += 1 }
            }
            return (start, rows)
        }
        (isoStart, isoPoint) = csr { $0.isolates }
        (dissStart, dissPoint) = csr { $0.dissipates }
    }

    /// Whether a person in `zone` is inside the danger zone of `source`.
    @inline(__always)
    public func inDangerZone(source: Int, zone: Int32) -> Bool {
        zone >= 0 && sources[source].zones.contains(zone)
    }
}
