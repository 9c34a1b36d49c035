/// Stage 5: fluids. Valves stroke toward their targets; then the lumped network
/// (`FluidNetwork`) moves liquid and gas between vessels through lines, pumps, check valves
/// and reliefs, conserving mass to rounding. A line's opening is its most-closed valve's.
/// Tank leaks (faults) drain to a ledger so the balance still closes.
enum Fluids {
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        let dt = m.secondsPerTick
        for v in 0..<m.valves.count where s.valveStuck[v] == 0 {
            let target = s.valveTarget[v]
            var pos = s.valvePosition[v]
            if pos == target { continue }
            let stroke = m.valves.strokeTicks[v]
            let delta = stroke == 0 ? 1.0 : 1.0 / Double(stroke)
            if pos < target { pos = min(target, pos + delta) } else { pos = max(target, pos - delta) }
            s.valvePosition[v] = pos
        }
        // The network state is moved out of `s` and back (never copied): a copy would retain
        // and release each of its arrays every tick.
        guard let plant = m.fluid, var net = s.fluid.take() else { return }
        var controls = net.controlsScratch.take() ?? FluidControls(linkCount: plant.spec.links.count)
        for l in 0..<m.lines.count {
            let link = Int(plant.linkOfLine[l])
            var opening = 1.0
            let lo = Int(m.lines.valveStart[l]), hi = Int(m.lines.valveStart[l + 1])
            for k in lo..<hi { opening = min(opening, s.valvePosition[Int(m.lines.valves[k])]) }
            controls.opening[link] = opening
            let pump = m.lines.pump[l]
            controls.pumpSpeed[link] = pump >= 0 && s.motorRunning[Int(pump)] == 0 ? 0 : 1
        }
        if isQuiescent(controls, net, s) {
            // Every link is shut and nothing moved last step: stepping would change nothing
            // (the golden runs pin that this shortcut leaves every hash as it was).
            net.controlsScratch = controls
            s.fluid = net
            return
        }
        FluidNetwork.step(plant.spec, &net, controls: controls, dt: dt)
        net.controlsScratch = controls
        var leaked = false
        for t in 0..<m.tanks.count where s.tankLeakRate[t] > 0 {
            let node = Int(plant.nodeOfTank[t])
            let v = min(s.tankLeakRate[t] * dt, net.volume[node])
            net.volume[node] -= v
            s.tankLeaked[t] += v
            leaked = true
        }
        if leaked { FluidNetwork.refreshDerived(plant.spec, &net) }
        mirror(m, &s, net)
        s.fluid = net
    }

    /// True when no link can carry anything and the network is at rest.
    static func isQuiescent(_ c: FluidControls, _ net: FluidNetworkState, _ s: State) -> Bool {
        if net.substeps != 1 { return false }
        for x in c.opening where x != 0 { return false }
        for q in net.liquidFlow where q != 0 { return false }
        for q in net.gasFlow where q != 0 { return false }
        for o in net.overflowing where o != 0 { return false }
        for r in s.tankLeakRate where r > 0 { return false }
        return true
    }

    /// Copies the network's vessels and links into the tank, line and valve arrays that
    /// expressions and the viewer read.
    static func mirror(_ m: Model, _ s: inout State, _ net: borrowing FluidNetworkState) {
        guard let plant = m.fluid else { return }
        let dt = m.secondsPerTick
        for t in 0..<m.tanks.count {
            let n = Int(plant.nodeOfTank[t])
            s.tankVolume[t] = net.volume[n]
            s.tankLevel[t] = net.level[n]
            s.tankFill[t] = net.level[n] / m.tanks.height[t]
            s.tankOverflowing[t] = net.overflowing[n]
            s.tankPressure[t] = net.bottomPressure[n]
            s.tankGasPressure[t] = net.gasPressure[n]
            s.tankInflow[t] = 0
            s.tankOutflow[t] = s.tankLeakRate[t] > 0 && net.volume[n] > 0 ? s.tankLeakRate[t] : 0
        }
        for v in 0..<m.valves.count { s.valveFlow[v] = 0 }
        for l in 0..<m.lines.count {
            let link = Int(plant.linkOfLine[l])
            let q = net.liquidFlow[link]
            s.lineFlow[l] = q
            s.lineReliefOpen[l] = net.reliefOpen[link]
            let lo = Int(m.lines.valveStart[l]), hi = Int(m.lines.valveStart[l + 1])
            for k in lo..<hi { s.valveFlow[Int(m.lines.valves[k])] += q }
            let from = m.lines.fromTank[l], to = m.lines.toTank[l]
            if q >= 0 {
                if from >= 0 { s.tankOutflow[Int(from)] += q }
                if to >= 0 { s.tankInflow[Int(to)] += q }
            } else {
                if to >= 0 { s.tankOutflow[Int(to)] -= q }
                if from >= 0 { s.tankInflow[Int(from)] -= q }
            }
        }
        _ = dt
    }
}
