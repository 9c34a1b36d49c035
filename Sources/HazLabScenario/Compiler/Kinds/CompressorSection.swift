import HazLabCore

extension Compilation {
    /// Compressors (`KindDescriptor.compressor`): the pressures, checked against each other, and
    /// the discharge valve.
    mutating func readCompressors() -> CompressorTable {
        var t = CompressorTable()
        for (row, d) in declared.enumerated() where d.kind == .compressor {
            let r = d.reader, id = d.id
            let suction = nonNegative(r.node("suctionPressure"), .pressure, "\(id).suctionPressure", default: 0.15e6)
            let design = positive(r.node("dischargePressure"), .pressure, "\(id).dischargePressure", default: 1.2e6)
            let deadhead = positive(r.node("deadheadPressure"), .pressure, "\(id).deadheadPressure", default: 2.5e6)
            let trip = positive(r.node("tripPressure"), .pressure, "\(id).tripPressure", default: 1.6e6)
            let response = nonNegative(r.node("responseTime"), .time, "\(id).responseTime", default: 20)
            let at = { (key: String) in r.node(key)?.location ?? d.node.location }
            if suction >= design { bag.error(at("suctionPressure"), "'\(id).suctionPressure' must be below its dischargePressure") }
            if trip <= design { bag.error(at("tripPressure"), "'\(id).tripPressure' must be above its dischargePressure, or it trips as soon as it runs") }
            if deadhead < design { bag.error(at("deadheadPressure"), "'\(id).deadheadPressure' must not be below its dischargePressure") }
            var valve: Int32 = -1
            if let v = r.node("dischargeValve"), let vr = entityRef(v, "\(id).dischargeValve", kinds: [.valve]) { valve = local[Int(vr)] }
            t.entity.append(Int32(row))
            t.initialRunning.append(r.node("running").flatMap { $0.bool(&bag, what: "\(id).running") } ?? false)
            t.dischargeValve.append(valve)
            t.suctionPressure.append(suction); t.dischargePressure.append(design)
            t.deadheadPressure.append(deadhead); t.tripPressure.append(trip)
            t.approachPerTick.append(response > 0 ? min(1, 1 / (response * Double(tickRate))) : 1)
        }
        return t
    }
}
