import Foundation
import HazLabCore

/// `lines`: the pipes between tanks, compiled into the fluid network.
extension Compilation {
    /// Lines become links of the fluid network; tanks are its vessels. A line end without a
    /// tank is a boundary: a supply at `supplyPressure` (gauge) or a drain at atmosphere.
    mutating func readLines(_ node: YNode?, tanks: TankTable) -> (LineTable, FluidPlant?) {
        var lines = LineTable()
        let rho = 1000.0, g = 9.80665, atm = 101_325.0
        let (vessels, nodeOfTank) = tankNodes(tanks, atm: atm)
        var nodes = vessels
        var links: ContiguousArray<FluidLinkSpec> = []
        var linkOfLine: [Int32] = []
        var lineNodes: [YNode] = []
        if let node, let list = node.sequence(&bag, what: "lines") {
            var seen: [String: SourceLocation] = [:]
            for item in list {
                guard let r = reader(item, "line", Format.line), let id = readId(r, "line", seen: &seen) else { continue }
                let from = r.node("from").flatMap { entityRef($0, "\(id).from", kinds: [.tank]) }.map { local[Int($0)] } ?? -1
                let to = r.node("to").flatMap { entityRef($0, "\(id).to", kinds: [.tank]) }.map { local[Int($0)] } ?? -1
                if from < 0 && to < 0 && r.node("from") == nil && r.node("to") == nil {
                    bag.error(item.location, "line '\(id)' needs 'from', 'to' or both")
                }
                if from >= 0 && from == to, let n = r.node("to") { bag.error(n.location, "line '\(id)' runs from a tank to itself") }
                let pump = r.node("pump").flatMap { entityRef($0, "\(id).pump", kinds: [.motor]) }.map { local[Int($0)] } ?? -1
                var valveRows: [Int32] = []
                if let v = r.node("valves"), let vs = v.sequence(&bag, what: "\(id).valves") {
                    for vn in vs { if let e = entityRef(vn, "\(id).valves", kinds: [.valve]) { valveRows.append(local[Int(e)]) } }
                }
                let (conductance, rated, ratedDP) = lineResistance(r, id, item, rho: rho)
                let fromH = nonNegative(r.node("fromHeight"), .length, "\(id).fromHeight", default: 0)
                let toH = nonNegative(r.node("toHeight"), .length, "\(id).toHeight", default: 0)
                func boundary(_ gauge: Double) -> Int32 {
                    nodes.append(.boundary(pressure: atm + gauge, elevation: 0, phase: .liquid, temperature: 293.15))
                    return Int32(nodes.count - 1)
                }
                let supply = nonNegative(r.node("supplyPressure"), .pressure, "\(id).supplyPressure", default: 0)
                let a = from >= 0 ? nodeOfTank[Int(from)] : boundary(supply)
                let b = to >= 0 ? nodeOfTank[Int(to)] : boundary(0)
                let check = r.node("checkValve").flatMap { $0.bool(&bag, what: "\(id).checkValve") } ?? false
                let link: FluidLinkSpec
                if let sp = r.node("setPressure") {
                    let set = positive(sp, .pressure, "\(id).setPressure", default: 1e5)
                    link = .relief(from: a, to: b, conductance: conductance, setPressure: set, fromPortHeight: fromH, toPortHeight: toH)
                } else if pump >= 0 {
                    let (flows, heads) = pumpCurve(r, id, rated: rated, ratedDP: ratedDP, rho: rho, g: g)
                    link = .pump(from: a, to: b, conductance: conductance, flows: flows, heads: heads, fromPortHeight: fromH, toPortHeight: toH)
                } else {
                    link = .pipe(from: a, to: b, conductance: conductance, fromPortHeight: fromH, toPortHeight: toH, checkValve: check)
                }
                linkOfLine.append(Int32(links.count))
                links.append(link)
                lineNodes.append(item)
                lines.ids.append(id); lines.fromTank.append(from); lines.toTank.append(to)
                lines.ratedFlow.append(rated ?? 0); lines.pump.append(pump)
                lines.valves.append(contentsOf: valveRows)
                lines.valveStart.append(Int32(lines.valves.count))
            }
        }
        if nodes.isEmpty || bag.hasErrors { return (lines, nil) }
        let spec = FluidNetworkSpec(nodes: nodes, links: links, density: rho, gravity: g, atmosphericPressure: atm)
        for message in spec.validate() { bag.error(node?.location ?? SourceLocation(file: path, line: 1, column: 1), "fluid network: \(message)") }
        return (lines, FluidPlant(spec: spec, nodeOfTank: nodeOfTank, linkOfLine: linkOfLine))
    }

    /// The tanks as vessels of the fluid network: open tanks, or closed vessels under a blanket
    /// pressure. Returns the nodes and the node of each tank.
    mutating func tankNodes(_ tanks: TankTable, atm: Double) -> (ContiguousArray<FluidNodeSpec>, [Int32]) {
        var nodes: ContiguousArray<FluidNodeSpec> = []
        var nodeOfTank: [Int32] = []
        for t in 0..<tanks.count {
            let d = declared[Int(tanks.entity[t])], r = d.reader
            let elevation = nonNegative(r.node("elevation"), .length, "\(d.id).elevation", default: 0)
            let closed = r.node("closed").flatMap { $0.bool(&bag, what: "\(d.id).closed") } ?? false
            if !closed, let b = r.node("blanketPressure") { bag.error(b.location, "'blanketPressure' needs 'closed: true'") }
            let blanket = r.node("blanketPressure").flatMap { quantity($0, .pressure, "\(d.id).blanketPressure") } ?? 0
            if closed && blanket + atm <= 0, let b = r.node("blanketPressure") { bag.error(b.location, "absolute blanket pressure must be positive") }
            nodeOfTank.append(Int32(nodes.count))
            nodes.append(closed
                ? .closedVessel(area: tanks.area[t], height: tanks.height[t], elevation: elevation,
                                initialLevel: tanks.initialLevel[t], gasPressure: atm + blanket, temperature: 293.15)
                : .openTank(area: tanks.area[t], height: tanks.height[t], elevation: elevation,
                            initialLevel: tanks.initialLevel[t], temperature: 293.15))
        }
        return (nodes, nodeOfTank)
    }

    /// A line's resistance: Cv, Kv, an orifice, or a rated flow at a rated pressure drop (exactly
    /// one). Returns the conductance, the rated flow if given, and the rated pressure drop.
    mutating func lineResistance(_ r: MappingReader, _ id: String, _ item: YNode, rho: Double) -> (Double, Double?, Double) {
        let ratedDP = positive(r.node("ratedDeltaP"), .pressure, "\(id).ratedDeltaP", default: 1e5)
        let rated = r.node("ratedFlow").map { positive($0, .volumeFlow, "\(id).ratedFlow", default: 0.001) }
        var k: Double? = nil
        var given = 0
        if let n = r.node("cv"), let cv = n.double(&bag, what: "\(id).cv") {
            given += 1
            if cv <= 0 { bag.error(n.location, "'\(id).cv' must be positive (Cv < 0 is not a valve)") } else { k = FluidNetwork.conductance(cv: cv, density: rho) }
        }
        if let n = r.node("kv"), let kv = n.double(&bag, what: "\(id).kv") {
            given += 1
            if kv <= 0 { bag.error(n.location, "'\(id).kv' must be positive") } else { k = FluidNetwork.conductance(kv: kv, density: rho) }
        }
        if let n = r.node("orificeArea") {
            given += 1
            let a = positive(n, .area, "\(id).orificeArea", default: 1e-4)
            let cd = r.node("cd").flatMap { $0.double(&bag, what: "\(id).cd") } ?? 0.61
            k = FluidNetwork.conductance(orificeArea: a, dischargeCoefficient: cd, density: rho)
        }
        if let q = rated { given += 1; k = q / ratedDP.squareRoot() }
        if given != 1 {
            bag.error(item.location, "line '\(id)' needs exactly one of 'ratedFlow', 'cv', 'kv' or 'orificeArea'")
        }
        return (k ?? 1e-5, rated, ratedDP)
    }

    /// A pump's head curve, [flow, head] points from shut-off; by default a curve through the
    /// line's rated point.
    mutating func pumpCurve(_ r: MappingReader, _ id: String, rated: Double?, ratedDP: Double, rho: Double, g: Double)
        -> (ContiguousArray<Double>, ContiguousArray<Double>) {
        var flows: ContiguousArray<Double> = [], heads: ContiguousArray<Double> = []
        if let hn = r.node("head"), let points = hn.sequence(&bag, what: "\(id).head") {
            for p in points {
                guard let pair = p.sequence(&bag, what: "\(id).head"), pair.count == 2 else {
                    bag.error(p.location, "each point of '\(id).head' is [flow, head]"); continue
                }
                if let q = quantity(pair[0], .volumeFlow, "\(id).head"), let h = quantity(pair[1], .length, "\(id).head") {
                    flows.append(q); heads.append(h)
                }
            }
            if flows.first != 0 { bag.error(hn.location, "'\(id).head' must start at flow 0 (shut-off head)") }
            if zip(flows, flows.dropFirst()).contains(where: { $0 >= $1 }) { bag.error(hn.location, "'\(id).head' flows must increase") }
            if zip(heads, heads.dropFirst()).contains(where: { $0 < $1 }) { bag.error(hn.location, "'\(id).head' heads must not increase with flow") }
        } else {
            // Default curve through the rated point: the pump makes the line's rated pressure drop at its rated flow.
            let q = rated ?? 0.001
            let h = ratedDP / (rho * g)
            flows = [0, q, 1.6 * q]; heads = [1.3 * h, h, 0]
        }
        return (flows, heads)
    }
}
