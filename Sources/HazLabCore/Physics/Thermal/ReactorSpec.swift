// Jacketed stirred-tank reactor (CSTR or semi-batch) with Arrhenius kinetics: immutable
// parameters in SI units (m³, kg, J, K, mol, s, W). See Docs/verification/process.md.

public struct ReactorSpec: Sendable, Equatable {
    // MARK: Contents
    /// Density of the reactor contents (kg/m³) and heat capacity (J/(kg·K)).
    public var density: Double = 1000
    public var heatCapacity: Double = 4180
    /// Initial liquid volume (m³); `minVolume` (dump stops; keeps ρ·cp·V > 0) and `maxVolume`
    /// (semi-batch overflow) bound it.
    public var initialVolume: Double = 1
    public var minVolume: Double = 0.01
    public var maxVolume: Double = 1.5
    /// true: CSTR, outflow = feed + quench, volume constant. false: semi-batch, outflow = dump input.
    public var constantVolume: Bool = true

    // MARK: Kinetics, r = k0·exp(−Ea/(R·T))·C^order  (mol/(m³·s))
    /// Pre-exponential factor k0 (1/s · (m³/mol)^(order−1)).
    public var preExponential: Double = 1e10
    /// Activation energy Ea (J/mol).
    public var activationEnergy: Double = 80_000
    /// Reaction order n (0, 1 and 2 are exact fast paths; others use DetMath.pow).
    public var reactionOrder: Double = 1
    /// Reaction enthalpy ΔH (J/mol of reactant); negative = exothermic.
    public var heatOfReaction: Double = -100_000
    /// false: the reactant is not consumed and the rate uses `referenceConcentration`
    /// (the zero-consumption limit of Semenov's theory). Default true.
    public var consumeReactant: Bool = true
    public var referenceConcentration: Double = 0

    // MARK: Heat transfer
    /// Reactor–jacket UA (W/K) with the agitator running; multiplied by
    /// `agitatorOffFactor` when it stops (natural convection only).
    public var ua: Double = 5_000
    public var agitatorOffFactor: Double = 0.3
    /// Heat loss to ambient UA (W/K) and ambient temperature (K).
    public var uaLoss: Double = 0
    public var ambientTemperature: Double = 293.15

    // MARK: Jacket
    /// Jacket coolant hold-up (m³, > 0), coolant density (kg/m³) and heat capacity (J/(kg·K)).
    public var jacketVolume: Double = 0.2
    public var coolantDensity: Double = 1000
    public var coolantHeatCapacity: Double = 4180

    // MARK: Initial conditions
    public var initialTemperature: Double = 293.15
    public var initialJacketTemperature: Double = 293.15
    /// Initial reactant concentration (mol/m³).
    public var initialConcentration: Double = 0

    // MARK: Integrator (energy-conserving splitting; see Reactor.swift)
    /// A substep may let the reaction heat the contents by at most arrheniusStep·R·T²/Ea (k then
    /// grows by at most about e^arrheniusStep within it). At most `maxSubsteps` per step; the last
    /// takes the remainder, so the cost per step is bounded (and T stays within MTSR regardless).
    public var arrheniusStep: Double = 0.1
    public var maxSubsteps: Int = 1000

    public static let gasConstant = 8.314_462_618  // J/(mol·K)

    public init() {}

    /// Human-readable problems (empty when valid).
    public func validate() -> [String] {
        var out: [String] = []
        func pos(_ v: Double, _ name: String) { if !(v > 0) { out.append("\(name) must be > 0") } }
        func nonneg(_ v: Double, _ name: String) { if !(v >= 0) { out.append("\(name) must be >= 0") } }
        pos(density, "density"); pos(heatCapacity, "heatCapacity")
        pos(minVolume, "minVolume")
        if !(initialVolume >= minVolume && initialVolume <= maxVolume) {
            out.append("initialVolume must be within minVolume...maxVolume")
        }
        nonneg(preExponential, "preExponential"); nonneg(activationEnergy, "activationEnergy")
        nonneg(reactionOrder, "reactionOrder")
        nonneg(ua, "ua"); nonneg(uaLoss, "uaLoss")
        if !(agitatorOffFactor >= 0 && agitatorOffFactor <= 1) { out.append("agitatorOffFactor must be within 0...1") }
        pos(jacketVolume, "jacketVolume"); pos(coolantDensity, "coolantDensity")
        pos(coolantHeatCapacity, "coolantHeatCapacity")
        pos(initialTemperature, "initialTemperature"); pos(initialJacketTemperature, "initialJacketTemperature")
        pos(ambientTemperature, "ambientTemperature")
        nonneg(initialConcentration, "initialConcentration")
        pos(arrheniusStep, "arrheniusStep")
        if maxSubsteps < 1 { out.append("maxSubsteps must be >= 1") }
        return out
    }
}

/// Operator / process inputs held constant over one step.
public struct ReactorInputs: Sendable, Equatable {
    /// Reactant feed (m³/s), its temperature (K) and concentration (mol/m³).
    public var feedFlow: Double = 0
    public var feedTemperature: Double = 293.15
    public var feedConcentration: Double = 0
    /// Jacket coolant flow (m³/s) and inlet temperature (K). 0 = loss of cooling.
    public var coolantFlow: Double = 0
    public var coolantInletTemperature: Double = 293.15
    /// Agitator running (full UA) or stopped (UA·agitatorOffFactor).
    public var agitatorOn: Bool = true
    /// Quench: inert cold liquid added (m³/s) at `quenchTemperature` (K).
    public var quenchFlow: Double = 0
    public var quenchTemperature: Double = 283.15
    /// Semi-batch only: bottom dump / drain flow (m³/s), stops at `minVolume`.
    public var dumpFlow: Double = 0

    public init() {}
}

public struct ReactorState: Sendable, Equatable {
    /// Reactor temperature T (K), jacket temperature Tj (K), reactant inventory (mol), volume (m³).
    public var temperature: Double
    public var jacketTemperature: Double
    public var moles: Double
    public var volume: Double
    /// Derived at the end of the last step: concentration (mol/m³), reaction rate (mol/s),
    /// heat release (W), heat to jacket UA·(T − Tj) (W), heat to ambient (W), and the maximum
    /// temperature of the synthesis reaction MTSR = T + (−ΔH)·n/(ρ·cp·V) (K) — the temperature
    /// the contents would reach if the accumulated reactant reacted adiabatically.
    public var concentration: Double = 0
    public var reactionRate: Double = 0
    public var heatRelease: Double = 0
    public var jacketDuty: Double = 0
    public var ambientLoss: Double = 0
    public var mtsr: Double = 0
    /// Substeps used by the last step (diagnostic).
    public var substeps: Int32 = 0

    public init(spec: ReactorSpec) {
        temperature = spec.initialTemperature
        jacketTemperature = spec.initialJacketTemperature
        volume = spec.initialVolume
        moles = spec.initialConcentration * spec.initialVolume
        Reactor.refreshDerived(spec, &self, agitatorOn: true)
    }

    /// Canonical order: T, Tj, moles, volume, derived values, substeps.
    public func hash(into h: inout StateHasher) {
        h.f64(temperature); h.f64(jacketTemperature); h.f64(moles); h.f64(volume)
        h.f64(concentration); h.f64(reactionRate); h.f64(heatRelease); h.f64(jacketDuty)
        h.f64(ambientLoss); h.f64(mtsr); h.i32(substeps)
    }

    public var stateHash: UInt64 { var h = StateHasher(); hash(into: &h); return h.value }
}
