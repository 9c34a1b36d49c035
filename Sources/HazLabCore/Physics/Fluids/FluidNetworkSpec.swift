// Lumped fluid network: immutable parameters (SI units throughout).
//
// Pressures are ABSOLUTE pascals, lengths metres, volumes m³, flows m³/s (liquid) or mol/s
// (gas), temperatures kelvin. The kernel is independent of Model/State: the scenario
// compiler builds a `FluidNetworkSpec`, the engine keeps a `FluidNetworkState` and calls
// `FluidNetwork.step` once per tick. See Docs/verification/process.md.

/// What a node is.
public enum FluidNodeKind: UInt8, Sendable {
    /// A tank or vessel with finite inventory: open to atmosphere, or closed with a gas blanket.
    case vessel = 0
    /// A fixed-pressure boundary: supply header, drain, atmosphere, flare header, N₂ supply.
    case boundary = 1
}

/// Phase carried by a link (or offered by a node at a port).
public enum FluidPhase: UInt8, Sendable {
    case none = 0
    case liquid = 1
    case gas = 2
}

public struct FluidNodeSpec: Sendable, Equatable {
    public var kind: FluidNodeKind
    /// Vessel: liquid cross-section (m²). Unused for boundaries.
    public var area: Double
    /// Vessel: total height (m); capacity = area · height.
    public var height: Double
    /// Elevation of the vessel bottom / of the boundary connection point (m, common datum).
    public var elevation: Double
    /// Vessel: closed with a gas blanket (ideal gas, isothermal at the liquid temperature).
    public var closed: Bool
    /// Boundary: fixed absolute pressure (Pa). Closed vessel: initial gas pressure (Pa abs).
    public var pressure: Double
    /// Boundary: phase it supplies when flow leaves it (`.liquid` or `.gas`).
    public var boundaryPhase: FluidPhase
    /// Boundary: supply temperature (K). Vessel: initial liquid (and blanket) temperature.
    public var temperature: Double
    /// Vessel: initial liquid level above the bottom (m).
    public var initialLevel: Double

    public init(kind: FluidNodeKind, area: Double, height: Double, elevation: Double, closed: Bool,
                pressure: Double, boundaryPhase: FluidPhase, temperature: Double, initialLevel: Double) {
        self.kind = kind; self.area = area; self.height = height; self.elevation = elevation
        self.closed = closed; self.pressure = pressure; self.boundaryPhase = boundaryPhase
        self.temperature = temperature; self.initialLevel = initialLevel
    }

    /// Tank open to atmosphere (gas-space pressure = `FluidNetworkSpec.atmosphericPressure`).
    public static func openTank(area: Double, height: Double, elevation: Double = 0,
                                initialLevel: Double = 0, temperature: Double = 293.15) -> FluidNodeSpec {
        FluidNodeSpec(kind: .vessel, area: area, height: height, elevation: elevation, closed: false,
                      pressure: 0, boundaryPhase: .none, temperature: temperature, initialLevel: initialLevel)
    }

    /// Closed vessel with a gas blanket; `gasPressure` (Pa abs) fixes the initial gas inventory
    /// n = p·V_gas/(R·T).
    public static func closedVessel(area: Double, height: Double, elevation: Double = 0,
                                    initialLevel: Double = 0, gasPressure: Double = 101_325,
                                    temperature: Double = 293.15) -> FluidNodeSpec {
        FluidNodeSpec(kind: .vessel, area: area, height: height, elevation: elevation, closed: true,
                      pressure: gasPressure, boundaryPhase: .none, temperature: temperature,
                      initialLevel: initialLevel)
    }

    /// Fixed-pressure boundary (absolute Pa). Use `phase: .gas` for a gas supply (N₂ padding).
    public static func boundary(pressure: Double, elevation: Double = 0, phase: FluidPhase = .liquid,
                                temperature: Double = 293.15) -> FluidNodeSpec {
        FluidNodeSpec(kind: .boundary, area: 0, height: 0, elevation: elevation, closed: false,
                      pressure: pressure, boundaryPhase: phase, temperature: temperature, initialLevel: 0)
    }
}

public enum FluidLinkKind: UInt8, Sendable {
    /// Pipe + valve: q = K·opening·sign(ΔP)·√|ΔP| (laminar-regularised below `laminarDeltaP`).
    case pipe = 0
    /// Centrifugal pump (head curve H(q)) in series with the pipe/valve resistance K·opening.
    case pump = 1
    /// Spring-loaded relief/safety valve with set pressure, overpressure and blowdown (hysteresis).
    case relief = 2
}

public struct FluidLinkSpec: Sendable, Equatable {
    public var kind: FluidLinkKind
    /// Node indices (into `FluidNetworkSpec.nodes`). Positive flow is from → to.
    public var from: Int32
    public var to: Int32
    /// Nozzle height above the vessel bottom (m) at each end; ignored for boundaries.
    /// A port above the liquid draws gas from a closed vessel and nothing from an open one.
    public var fromPortHeight: Double
    public var toPortHeight: Double
    /// Liquid flow conductance at full opening, K in m³/(s·√Pa): q = K·√ΔP.
    /// For an orifice K = Cd·a·√(2/ρ) (`FluidNetwork.conductance(orificeArea:...)`).
    public var conductance: Double
    /// Non-return valve in the link: flow from → to only.
    public var checkValve: Bool
    /// Pump head curve: flows (m³/s, strictly increasing, first = 0) and heads (m, non-increasing;
    /// heads[0] = shut-off head). Piecewise linear; flat (= shut-off) for q < 0; the last segment
    /// is extrapolated beyond the last point. A single point is an ideal constant-head pump.
    public var pumpFlows: ContiguousArray<Double>
    public var pumpHeads: ContiguousArray<Double>
    /// Relief: set pressure as a differential over the valve (Pa, inlet static − outlet static).
    public var setPressure: Double
    /// Relief: full lift at set·(1 + overpressure). Typical 0.10.
    public var overpressure: Double
    /// Relief: reseats at set·(1 − blowdown). Typical 0.07.
    public var blowdown: Double

    public init(kind: FluidLinkKind, from: Int32, to: Int32, fromPortHeight: Double, toPortHeight: Double,
                conductance: Double, checkValve: Bool, pumpFlows: ContiguousArray<Double>,
                pumpHeads: ContiguousArray<Double>, setPressure: Double, overpressure: Double, blowdown: Double) {
        self.kind = kind; self.from = from; self.to = to
        self.fromPortHeight = fromPortHeight; self.toPortHeight = toPortHeight
        self.conductance = conductance; self.checkValve = checkValve
        self.pumpFlows = pumpFlows; self.pumpHeads = pumpHeads
        self.setPressure = setPressure; self.overpressure = overpressure; self.blowdown = blowdown
    }

    public static func pipe(from: Int32, to: Int32, conductance: Double, fromPortHeight: Double = 0,
                            toPortHeight: Double = 0, checkValve: Bool = false) -> FluidLinkSpec {
        FluidLinkSpec(kind: .pipe, from: from, to: to, fromPortHeight: fromPortHeight, toPortHeight: toPortHeight,
                      conductance: conductance, checkValve: checkValve, pumpFlows: [], pumpHeads: [],
                      setPressure: 0, overpressure: 0, blowdown: 0)
    }

    public static func pump(from: Int32, to: Int32, conductance: Double, flows: ContiguousArray<Double>,
                            heads: ContiguousArray<Double>, fromPortHeight: Double = 0,
                            toPortHeight: Double = 0, checkValve: Bool = true) -> FluidLinkSpec {
        FluidLinkSpec(kind: .pump, from: from, to: to, fromPortHeight: fromPortHeight, toPortHeight: toPortHeight,
                      conductance: conductance, checkValve: checkValve, pumpFlows: flows, pumpHeads: heads,
                      setPressure: 0, overpressure: 0, blowdown: 0)
    }

    public static func relief(from: Int32, to: Int32, conductance: Double, setPressure: Double,
                              overpressure: Double = 0.10, blowdown: Double = 0.07,
                              fromPortHeight: Double, toPortHeight: Double = 0) -> FluidLinkSpec {
        FluidLinkSpec(kind: .relief, from: from, to: to, fromPortHeight: fromPortHeight, toPortHeight: toPortHeight,
                      conductance: conductance, checkValve: true, pumpFlows: [], pumpHeads: [],
                      setPressure: setPressure, overpressure: overpressure, blowdown: blowdown)
    }
}

public struct FluidNetworkSpec: Sendable, Equatable {
    public let nodes: ContiguousArray<FluidNodeSpec>
    public let links: ContiguousArray<FluidLinkSpec>
    /// Liquid density (kg/m³), incompressible.
    public let density: Double
    /// Gravitational acceleration (m/s²).
    public let gravity: Double
    /// Pressure of the gas space of open tanks (Pa abs).
    public let atmosphericPressure: Double
    /// Below this |ΔP| (Pa) a link's flow is linear in ΔP (laminar regularisation):
    /// q = K·ΔP/√ΔP_lin, which meets K·√ΔP with equal value at ΔP_lin. Default 10 Pa (~1 mm H₂O).
    public let laminarDeltaP: Double
    /// Molar mass of the blanket / vent gas (kg/mol), for gas flow through links. Default N₂.
    public let gasMolarMass: Double
    /// Bulk modulus (Pa) of the liquid (+ vessel wall compliance) used once a closed vessel is
    /// liquid-full: Δp = β·ΔV/V. Default 2.2e9 Pa (water).
    public let liquidBulkModulus: Double
    /// Clearance between the top of a vessel and its highest nozzle, as a fraction of the
    /// height: a port is submerged once level > min(portHeight, height·(1 − nozzleClearance)).
    /// The gas above it cannot be vented. Default 0.01.
    public let nozzleClearance: Double
    /// Substep control: substeps per step = clamp(⌈dt·λ/substepStiffness⌉, 1, maxSubsteps),
    /// λ = Gershgorin bound of the linearised flow Jacobian. The update is linearly implicit,
    /// so the cap costs accuracy, never stability.
    public let substepStiffness: Double
    public let maxSubsteps: Int

    /// Index of each vessel's liquid-volume unknown (−1 for boundaries), and of each closed
    /// vessel's gas-inventory unknown (−1 otherwise), in the implicit system.
    public let liquidVar: ContiguousArray<Int32>
    public let gasVar: ContiguousArray<Int32>
    public let varCount: Int

    public static let gasConstant = 8.314_462_618  // J/(mol·K)

    public init(nodes: ContiguousArray<FluidNodeSpec>, links: ContiguousArray<FluidLinkSpec>,
                density: Double = 1000, gravity: Double = 9.80665, atmosphericPressure: Double = 101_325,
                laminarDeltaP: Double = 10, gasMolarMass: Double = 0.028, liquidBulkModulus: Double = 2.2e9,
                nozzleClearance: Double = 0.01, substepStiffness: Double = 0.5, maxSubsteps: Int = 8) {
        self.nodes = nodes; self.links = links; self.density = density; self.gravity = gravity
        self.atmosphericPressure = atmosphericPressure; self.laminarDeltaP = laminarDeltaP
        self.gasMolarMass = gasMolarMass; self.liquidBulkModulus = liquidBulkModulus
        self.nozzleClearance = nozzleClearance
        self.substepStiffness = substepStiffness
        self.maxSubsteps = max(1, maxSubsteps)
        var lv = ContiguousArray<Int32>(repeating: -1, count: nodes.count)
        var gv = ContiguousArray<Int32>(repeating: -1, count: nodes.count)
        var k: Int32 = 0
        for i in 0..<nodes.count where nodes[i].kind == .vessel {
            lv[i] = k; k &+= 1
            if nodes[i].closed { gv[i] = k; k &+= 1 }
        }
        liquidVar = lv; gasVar = gv; varCount = Int(k)
    }

    /// Human-readable problems (empty when valid). The scenario compiler should surface these
    /// with file:line:column; `FluidNetwork.step` assumes a valid spec.
    public func validate() -> [String] {
        var out: [String] = []
        if !(density > 0) { out.append("density must be > 0") }
        if !(gravity > 0) { out.append("gravity must be > 0") }
        if !(laminarDeltaP > 0) { out.append("laminarDeltaP must be > 0") }
        if !(gasMolarMass > 0) { out.append("gasMolarMass must be > 0") }
        if !(liquidBulkModulus > 0) { out.append("liquidBulkModulus must be > 0") }
        if !(nozzleClearance > 0 && nozzleClearance < 0.5) { out.append("nozzleClearance must be in (0, 0.5)") }
        if !(substepStiffness > 0) { out.append("substepStiffness must be > 0") }
        for i in 0..<nodes.count {
            let n = nodes[i]
            if n.kind == .vessel {
                if !(n.area > 0) { out.append("node \(i): area must be > 0") }
                if !(n.height > 0) { out.append("node \(i): height must be > 0") }
                if !(n.initialLevel >= 0 && n.initialLevel <= n.height) {
                    out.append("node \(i): initialLevel must be within 0...height")
                }
                if n.closed && !(n.pressure > 0) { out.append("node \(i): gas pressure must be > 0") }
                if n.closed && !(n.initialLevel < n.height) { out.append("node \(i): closed vessel needs a gas space") }
                if !(n.temperature > 0) { out.append("node \(i): temperature must be > 0 K") }
            } else {
                if !(n.pressure >= 0) { out.append("node \(i): boundary pressure must be >= 0") }
                if n.boundaryPhase == .none { out.append("node \(i): boundary phase must be liquid or gas") }
                if n.boundaryPhase == .gas && !(n.temperature > 0) { out.append("node \(i): temperature must be > 0 K") }
            }
        }
        for l in 0..<links.count {
            let k = links[l]
            let f = Int(k.from), t = Int(k.to)
            if f < 0 || f >= nodes.count || t < 0 || t >= nodes.count || f == t {
                out.append("link \(l): bad endpoints"); continue
            }
            if !(k.conductance >= 0) { out.append("link \(l): conductance must be >= 0") }
            switch k.kind {
            case .pipe: break
            case .pump:
                if k.pumpFlows.isEmpty || k.pumpFlows.count != k.pumpHeads.count {
                    out.append("link \(l): pump curve needs matching flows and heads")
                } else {
                    if k.pumpFlows[0] != 0 { out.append("link \(l): pump curve must start at q = 0 (shut-off head)") }
                    for j in 1..<k.pumpFlows.count {
                        if !(k.pumpFlows[j] > k.pumpFlows[j - 1]) { out.append("link \(l): pump flows must increase") }
                        if !(k.pumpHeads[j] <= k.pumpHeads[j - 1]) { out.append("link \(l): pump heads must not increase") }
                    }
                }
            case .relief:
                if nodes[f].kind != .vessel { out.append("link \(l): relief valve must start at a vessel") }
                if !(k.setPressure > 0) { out.append("link \(l): relief set pressure must be > 0") }
                if !(k.overpressure > 0) { out.append("link \(l): relief overpressure must be > 0") }
                if !(k.blowdown > 0 && k.blowdown < 1) { out.append("link \(l): relief blowdown must be in (0, 1)") }
            }
        }
        return out
    }
}
