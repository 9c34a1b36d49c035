/// Dynamic variables of a fluid network (one value per node or per link, in spec order).
/// A snapshot is a copy. `hash(into:)` fixes the canonical field order.
public struct FluidNetworkState: Sendable, Equatable {
    // MARK: per node
    /// Liquid volume (m³) of each vessel (0 for boundaries). The liquid inventory. A liquid-full
    /// closed vessel may hold slightly more than area·height (compressed by `liquidBulkModulus`).
    public var volume: ContiguousArray<Double>
    /// Gas inventory (mol) of each closed vessel's blanket (0 otherwise).
    public var gasMoles: ContiguousArray<Double>
    /// Liquid temperature (K): vessels mix inflows by volume; boundaries keep their spec value.
    public var temperature: ContiguousArray<Double>
    /// Derived, refreshed after every step: level (m, ≤ height), gas-space pressure (Pa abs; boundary
    /// pressure for boundaries), pressure at the vessel bottom = gas + ρ·g·level (Pa abs).
    public var level: ContiguousArray<Double>
    public var gasPressure: ContiguousArray<Double>
    public var bottomPressure: ContiguousArray<Double>
    /// Cumulative exchange with the outside (m³ liquid, mol gas). Boundaries: `liquidIn` =
    /// supplied into the network, `liquidOut` = received from it. Vessels: `liquidOut` = liquid
    /// spilled over the top of an open tank; `gasOut` = gas that entered an
    /// open vessel and escaped to atmosphere.
    public var liquidIn: ContiguousArray<Double>
    public var liquidOut: ContiguousArray<Double>
    public var gasIn: ContiguousArray<Double>
    public var gasOut: ContiguousArray<Double>
    /// 1 if a vessel spilled during the last step.
    public var overflowing: ContiguousArray<UInt8>

    // MARK: per link
    /// Step-average flow (transferred amount / dt): liquid m³/s, gas mol/s; + = from → to.
    public var liquidFlow: ContiguousArray<Double>
    public var gasFlow: ContiguousArray<Double>
    /// Relief valves: 1 = lifted (hysteresis flag), current lift 0...1 (others 0).
    public var reliefOpen: ContiguousArray<UInt8>
    public var reliefLift: ContiguousArray<Double>

    /// Substeps used by the last step (diagnostic).
    public var substeps: Int32
    /// Scratch arrays reused between steps; not state (equal for any two states, never hashed).
    var workspace: FluidNetwork.Workspace?
    /// Scratch for the engine's per-step controls.
    public var controlsScratch: FluidControls?

    /// The initial state of `spec` (levels, blanket inventories n = p·V_gas/(R·T)).
    public init(spec: FluidNetworkSpec) {
        let nN = spec.nodes.count, nL = spec.links.count
        volume = ContiguousArray(repeating: 0, count: nN)
        gasMoles = ContiguousArray(repeating: 0, count: nN)
        temperature = ContiguousArray(repeating: 0, count: nN)
        level = ContiguousArray(repeating: 0, count: nN)
        gasPressure = ContiguousArray(repeating: 0, count: nN)
        bottomPressure = ContiguousArray(repeating: 0, count: nN)
        liquidIn = ContiguousArray(repeating: 0, count: nN)
        liquidOut = ContiguousArray(repeating: 0, count: nN)
        gasIn = ContiguousArray(repeating: 0, count: nN)
        gasOut = ContiguousArray(repeating: 0, count: nN)
        overflowing = ContiguousArray(repeating: 0, count: nN)
        liquidFlow = ContiguousArray(repeating: 0, count: nL)
        gasFlow = ContiguousArray(repeating: 0, count: nL)
        reliefOpen = ContiguousArray(repeating: 0, count: nL)
        reliefLift = ContiguousArray(repeating: 0, count: nL)
        substeps = 0
        for i in 0..<nN {
            let n = spec.nodes[i]
            temperature[i] = n.temperature
            if n.kind == .vessel {
                volume[i] = n.area * n.initialLevel
                if n.closed {
                    let vg = n.area * n.height - volume[i]
                    gasMoles[i] = n.pressure * vg / (FluidNetworkSpec.gasConstant * n.temperature)
                }
            }
        }
        FluidNetwork.refreshDerived(spec, &self)
        // The step's scratch is made now, so that no tick allocates it.
        workspace = FluidNetwork.Workspace(links: nL, vars: spec.varCount)
        controlsScratch = FluidControls(linkCount: nL)
    }

    /// Canonical order: per-node arrays, per-link arrays, substeps (see field order above).
    public func hash(into h: inout StateHasher) {
        h.array(volume); h.array(gasMoles); h.array(temperature)
        h.array(level); h.array(gasPressure); h.array(bottomPressure)
        h.array(liquidIn); h.array(liquidOut); h.array(gasIn); h.array(gasOut)
        h.array(overflowing)
        h.array(liquidFlow); h.array(gasFlow); h.array(reliefOpen); h.array(reliefLift)
        h.i32(substeps)
    }

    public var stateHash: UInt64 { var h = StateHasher(); hash(into: &h); return h.value }

    /// Liquid balance terms (m³): Σ vessel volumes, Σ supplied in, Σ sent out (boundaries + spills).
    /// Conservation: inventory + out − in is constant (to rounding).
    public func liquidBalance() -> (inventory: Double, into: Double, out: Double) {
        var inv = 0.0, i = 0.0, o = 0.0
        for k in 0..<volume.count { inv += volume[k]; i += liquidIn[k]; o += liquidOut[k] }
        return (inv, i, o)
    }

    /// Gas balance terms (mol), same convention as `liquidBalance`.
    public func gasBalance() -> (inventory: Double, into: Double, out: Double) {
        var inv = 0.0, i = 0.0, o = 0.0
        for k in 0..<gasMoles.count { inv += gasMoles[k]; i += gasIn[k]; o += gasOut[k] }
        return (inv, i, o)
    }
}

/// Per-link operator inputs for one step.
public struct FluidControls: Sendable, Equatable {
    /// Valve opening 0...1 multiplying the link conductance (pipes, pumps' discharge valve,
    /// relief isolation valve).
    public var opening: ContiguousArray<Double>
    /// Pump speed as a fraction of rated (affinity laws: H_s(q) = s²·H(q/s)); 0 = tripped/off.
    public var pumpSpeed: ContiguousArray<Double>

    /// Everything open, every pump at rated speed.
    public init(linkCount: Int) {
        opening = ContiguousArray(repeating: 1, count: linkCount)
        pumpSpeed = ContiguousArray(repeating: 1, count: linkCount)
    }
}
