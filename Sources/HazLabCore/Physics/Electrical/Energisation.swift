/// Energisation by connectivity.
///
/// Algorithm (deterministic, O(nodes + branches) per call):
/// 1. Label connected components with a breadth-first search over the CSR adjacency,
///    following only conducting branches (closed switches and links). Seeds are taken in
///    node order 0, 1, 2, …, so component 0 is always EARTH's and labels never depend on
///    hashing or on the platform.
/// 2. A component is earthed if it contains node 0 (EARTH).
/// 3. Sources are switched on in a fixed point, in source-row order: an independent infeed is
///    live if available; a transformer secondary (`fedFrom >= 0`) becomes live once its primary
///    node's component is live. The least fixed point is taken, so transformers feeding each
///    other in a ring with no infeed stay dead. A component is live if it holds a live source.
/// 4. Per node: live, earthed, voltage (the highest nominal voltage of the live sources in
///    its component), and faulted = live ∧ earthed (a bolted fault to earth). EARTH itself is
///    the reference and never reported live.
///
/// Live and earthed are properties of the conducting component: impedance along busbars and
/// cables is neglected, and a bolted fault does not pull the voltage to zero here — the fault
/// is reported by `faulted` (protection tripping is the integrator's choice, see docs).
public struct Energisation: Sendable, Equatable {
    /// Per node: component label (0 = EARTH's component).
    public var component: [Int32]
    public var live: [Bool]
    public var earthed: [Bool]
    /// Per node: nominal voltage of the highest live source in its component, volts; 0 if dead.
    public var volts: [Double]
    /// Per source row: it is supplying.
    public var sourceLive: [Bool]
    /// Per indicator row: lit (its node is live).
    public var indicatorLit: [Bool]
    /// Per load row: supplied.
    public var loadSupplied: [Bool]

    @inline(__always)
    public func faulted(_ node: Int32) -> Bool { live[Int(node)] && earthed[Int(node)] }

    /// Nodes that are live and earthed at once, ascending.
    public var faultedNodes: [Int32] {
        var out: [Int32] = []
        for i in 0..<live.count where live[i] && earthed[i] { out.append(Int32(i)) }
        return out
    }

    public var hasFault: Bool {
        for i in 0..<live.count where live[i] && earthed[i] { return true }
        return false
    }

    /// Canonical bytes: counts as UInt64, flags as bytes, voltages as IEEE-754 bits.
    public func hash(into h: inout StateHasher) {
        h.u64(UInt64(component.count))
        for i in 0..<component.count {
            h.i32(component[i]); h.byte(live[i] ? 1 : 0); h.byte(earthed[i] ? 1 : 0); h.f64(volts[i])
        }
        h.u64(UInt64(sourceLive.count)); for x in sourceLive { h.byte(x ? 1 : 0) }
        h.u64(UInt64(indicatorLit.count)); for x in indicatorLit { h.byte(x ? 1 : 0) }
        h.u64(UInt64(loadSupplied.count)); for x in loadSupplied { h.byte(x ? 1 : 0) }
    }
}

/// Computes which nodes are live and earthed for the given switch positions.
/// - Parameters:
///   - closed: per branch row; ignored for `.link` rows. Must have `spec.branches.count` entries.
///   - sourceAvailable: per source row (e.g. false while a scripted "loss of grid" fault is
///     active); nil = all available.
public func energise(_ spec: ElectricalSpec, closed: [Bool], sourceAvailable: [Bool]? = nil) -> Energisation {
    var buffers = EnergiseBuffers(spec: spec)
    var e = Energisation(spec: spec)
    e.compute(spec, closed: closed, sourceAvailable: sourceAvailable, buffers: &buffers)
    return e
}

extension Energisation {
    /// Sized for `spec`, everything dead; `compute` fills it.
    public init(spec: ElectricalSpec) {
        let n = spec.nodeCount
        self.init(component: [Int32](repeating: 0, count: n), live: [Bool](repeating: false, count: n),
                  earthed: [Bool](repeating: false, count: n), volts: [Double](repeating: 0, count: n),
                  sourceLive: [Bool](repeating: false, count: spec.sources.count),
                  indicatorLit: [Bool](repeating: false, count: spec.indicators.count),
                  loadSupplied: [Bool](repeating: false, count: spec.loads.count))
    }

    /// `energise` in place: overwrites every array (sized by `init(spec:)`) using `buffers`
    /// for the search, so the step allocates nothing.
    mutating func compute(_ spec: ElectricalSpec, closed: [Bool], sourceAvailable: [Bool]? = nil, buffers: inout EnergiseBuffers) {
        precondition(closed.count == spec.branches.count, "closed must have one entry per branch row")
        let componentCount = labelComponents(spec, closed, into: &component, queue: &buffers.queue)
        let n = spec.nodeCount
        for c in 0..<componentCount { buffers.componentLive[c] = false; buffers.componentVolts[c] = 0 }
        for i in 0..<sourceLive.count { sourceLive[i] = false }
        var changed = true
        while changed {
            changed = false
            for i in 0..<spec.sources.count where !sourceLive[i] {
                if let avail = sourceAvailable, !avail[i] { continue }
                let s = spec.sources[i]
                if s.fedFrom >= 0 && !buffers.componentLive[Int(component[Int(s.fedFrom)])] { continue }
                sourceLive[i] = true
                let c = Int(component[Int(s.node)])
                if !buffers.componentLive[c] { buffers.componentLive[c] = true; changed = true }
                if s.volts > buffers.componentVolts[c] { buffers.componentVolts[c] = s.volts }
            }
        }
        let earthComp = component[Int(ElectricalSpec.earth)]
        for i in 0..<n {
            let c = Int(component[i])
            live[i] = buffers.componentLive[c]
            earthed[i] = component[i] == earthComp
            volts[i] = buffers.componentVolts[c]
        }
        // EARTH is the reference: never reported live, even when a fault connects it to a source.
        live[Int(ElectricalSpec.earth)] = false
        volts[Int(ElectricalSpec.earth)] = 0
        for k in 0..<spec.indicators.count { indicatorLit[k] = live[Int(spec.indicators[k])] }
        for k in 0..<spec.loads.count { loadSupplied[k] = live[Int(spec.loads[k].node)] }
    }
}

/// Breadth-first component labelling over conducting branches, seeds in node order.
func labelComponents(_ spec: ElectricalSpec, _ closed: [Bool]) -> (component: [Int32], count: Int) {
    var component = [Int32](repeating: -1, count: spec.nodeCount)
    var queue = [Int32](repeating: 0, count: spec.nodeCount)
    let count = labelComponents(spec, closed, into: &component, queue: &queue)
    return (component, count)
}

/// `labelComponents` into `component` (one entry per node) with `queue` (as long) as the BFS queue.
func labelComponents(_ spec: ElectricalSpec, _ closed: [Bool], into component: inout [Int32], queue: inout [Int32]) -> Int {
    let n = spec.nodeCount
    for i in 0..<n { component[i] = -1 }
    var label: Int32 = 0
    for seed in 0..<n where component[seed] < 0 {
        component[seed] = label
        var head = 0, tail = 0
        queue[tail] = Int32(seed); tail += 1
        while head < tail {
            let u = Int(queue[head]); head += 1
            for k in Int(spec.adjStart[u])..<Int(spec.adjStart[u + 1]) {
                let v = Int(spec.adjOther[k])
                if component[v] < 0 && spec.conducts(Int(spec.adjBranch[k]), closed) {
                    component[v] = label
                    queue[tail] = Int32(v); tail += 1
                }
            }
        }
        label += 1
    }
    return Int(label)
}

/// The search buffers of `Energisation.compute`: a queue per node and flags per component.
struct EnergiseBuffers: Sendable {
    var queue: [Int32]
    var componentLive: [Bool]
    var componentVolts: [Double]
    init(spec: ElectricalSpec) {
        queue = [Int32](repeating: 0, count: spec.nodeCount)
        componentLive = [Bool](repeating: false, count: spec.nodeCount)
        componentVolts = [Double](repeating: 0, count: spec.nodeCount)
    }
}

/// Buffers the electrical stage reuses for every energisation and interlock check, so a
/// switching operation allocates nothing in the step. Kept in `State` but not state: two
/// scratches always compare equal and hash nothing.
public struct ElectricalScratch: Sendable, Hashable {
    /// Branch flags of the switches as they are, and the same with one branch changed.
    var closed: [Bool]
    var trial: [Bool]
    var buffers: EnergiseBuffers
    /// Per component (at most one per node): holds a load point.
    var componentLoad: [Bool]
    var before: Energisation
    var after: Energisation

    public init(spec: ElectricalSpec) {
        let n = spec.nodeCount, b = spec.branches.count
        // Each array made on its own, so none shares a buffer another write would copy.
        closed = [Bool](repeating: false, count: b)
        trial = [Bool](repeating: false, count: b)
        buffers = EnergiseBuffers(spec: spec)
        componentLoad = [Bool](repeating: false, count: n)
        before = Energisation(spec: spec)
        after = Energisation(spec: spec)
    }

    public static func == (a: ElectricalScratch, b: ElectricalScratch) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}
}
