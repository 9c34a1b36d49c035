import HazLabCore

/// Where each entity stands in 3D: the scenario's layout where it gives one, otherwise a
/// deterministic automatic layout (zones in a row, equipment on a grid inside its zone), so a
/// scenario written without positions still makes a room to walk in.
public struct Layout3D: Sendable {
    /// Footprint centre at the base (z up) and size [w, d, h], by entity row; nil = not drawn.
    public struct Placement: Sendable, Equatable {
        public var base: V3, size: V3
        public var box: AABB { AABB(lo: base - V3(size.x / 2, size.y / 2, 0), hi: base + V3(size.x / 2, size.y / 2, size.z)) }
        public var centre: V3 { base + V3(0, 0, size.z / 2) }
    }

    public let placements: [Placement?]
    /// The room: every drawn zone, entity and the gas grid, with a margin.
    public let room: AABB
    /// The equipment (everything but zones) with a 1 m margin, for framing the overview; nil if none.
    public let equipment: AABB?

    /// True where the position came from the automatic layout.
    public let automatic: [Bool]

    /// Entity kinds with nothing to see.
    static func invisible(_ k: EntityKind) -> Bool { k == .timer || k == .link }

    /// A sensible size when the scenario gives none.
    static func defaultSize(_ model: Model, _ row: Int) -> V3 {
        let local = Int(model.entities.local[row])
        switch model.entities.kinds[row] {
        case .tank:
            let d = Float((model.tanks.area[local] / 3.14159).squareRoot() * 2)
            return V3(d, d, Float(model.tanks.height[local]))
        case .reactor: return V3(1.6, 1.6, 2.6)
        case .compressor: return V3(2.6, 1.0, 1.5)
        case .valve: return V3(0.4, 0.3, 0.8)
        case .motor: return model.motors.role[local] == .fan ? V3(0.8, 0.3, 0.8) : V3(1.0, 0.5, 0.7)
        case .switchgear: return V3(0.8, 0.6, 2.0)
        case .bus: return V3(2.0, 0.2, 0.15)
        case .supply, .load: return V3(1.0, 0.8, 1.6)
        case .indicator: return V3(0.15, 0.1, 0.15)
        case .sensor, .detector: return V3(0.2, 0.2, 1.5)
        case .alarm: return V3(0.25, 0.25, 2.4)
        case .ppe: return V3(0.35, 0.25, 0.35)
        case .contact: return V3(0.4, 0.3, 1.2)
        case .energy: return V3(0.6, 0.4, 1.4)
        case .opening: return V3(1.0, 0.1, 2.1)
        case .leak: return V3(0.3, 0.3, 0.3)
        case .hotwork: return V3(0.7, 0.5, 0.9)
        case .zone: return V3(8, 6, 3.2)
        case .timer, .link: return V3(0, 0, 0)
        }
    }

    public init(model: Model) {
        let e = model.entities
        let site = SiteLayout(model: model)
        var place = [Placement?](repeating: nil, count: e.count)
        var auto = [Bool](repeating: false, count: e.count)
        func size(_ row: Int) -> V3 {
            if SiteLayout.hasSize(model, row) { let s = e.size[row]; return V3(Float(s.x), Float(s.y), Float(s.z)) }
            return Self.defaultSize(model, row)
        }
        for row in site.placed where !Self.invisible(e.kinds[row]) {
            let p = e.position[row]
            place[row] = Placement(base: V3(Float(p.x), Float(p.y), Float(p.z)), size: size(row))
        }
        // Zones without a position: a row of rooms east of what is placed.
        var x = site.bounds.map { Float($0.x1) + 1 } ?? 0
        let zones = (0..<e.count).filter { e.kinds[$0] == .zone }
        for z in zones where place[z] == nil && !site.offSite.contains(z) {
            let s = size(z)
            place[z] = Placement(base: V3(x + s.x / 2, s.y / 2, 0), size: s)
            auto[z] = true
            x += s.x
        }
        // Equipment without a position: inside its zone (PPE and contacts where the trainee
        // starts; the rest in the zone with most equipment), on a grid.
        var counts = [Int](repeating: 0, count: e.count)
        for row in 0..<e.count where e.zone[row] >= 0 { counts[Int(e.zone[row])] += 1 }
        let busiest = zones.filter { place[$0] != nil }.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }
        var members: [Int: [Int]] = [:]
        var order: [Int] = []
        for row in 0..<e.count where place[row] == nil && e.kinds[row] != .zone && !Self.invisible(e.kinds[row]) && !site.offSite.contains(row) {
            var z = Int(e.zone[row])
            if z < 0 || place[z] == nil {
                let k = e.kinds[row]
                if (k == .ppe || k == .contact) && model.initialZone >= 0 && place[Int(model.initialZone)] != nil {
                    z = Int(model.initialZone)
                } else if let b = busiest {
                    z = b
                } else {
                    continue
                }
            }
            if members[z] == nil { order.append(z) }
            members[z, default: []].append(row)
        }
        for z in order {
            guard let zp = place[z], let rows = members[z] else { continue }
            let ppe = rows.filter { e.kinds[$0] == .ppe }, rest = rows.filter { e.kinds[$0] != .ppe }
            // PPE hangs on a rack along the zone's south wall.
            for (i, row) in ppe.enumerated() {
                let s = size(row)
                let px = zp.base.x - zp.size.x / 2 + 0.6 + Float(i) * 0.5
                place[row] = Placement(base: V3(px, zp.base.y - zp.size.y / 2 + 0.4, 1.0), size: s)
                auto[row] = true
            }
            // The rest on a grid of free cells: a cell whose footprint touches equipment the
            // scenario placed (or one placed before) is skipped.
            func free(_ b: AABB) -> Bool {
                for (k, q) in place.enumerated() where k != z && e.kinds[k] != .zone {
                    guard let q else { continue }
                    let o = q.box
                    if b.lo.x < o.hi.x && o.lo.x < b.hi.x && b.lo.y < o.hi.y && o.lo.y < b.hi.y { return false }
                }
                return true
            }
            var cols = 1
            while cols * cols < rest.count * 2 { cols += 1 }
            let rowsN = max(1, (rest.count * 2 + cols - 1) / cols)
            var cells: [V3] = []
            for r in 0..<rowsN {
                for c in 0..<cols {
                    cells.append(V3(zp.base.x - zp.size.x / 2 + zp.size.x * (Float(c) + 0.5) / Float(cols),
                                    zp.base.y - zp.size.y / 2 + 1 + (zp.size.y - 1.5) * (Float(r) + 0.5) / Float(rowsN), 0))
                }
            }
            var next = 0
            for row in rest {
                let s = size(row)
                var chosen = cells[next % cells.count]
                for k in next..<cells.count {
                    let c = cells[k]
                    if free(AABB(lo: c - V3(s.x / 2, s.y / 2, 0), hi: c + V3(s.x / 2, s.y / 2, s.z))) { chosen = c; next = k + 1; break }
                    if k == cells.count - 1 { next = cells.count }
                }
                place[row] = Placement(base: V3(chosen.x, chosen.y, zp.base.z), size: s)
                auto[row] = true
            }
        }
        var room: AABB? = nil
        if let g = SiteLayout.gasBox(model), let spec = model.gas?.spec {
            room = AABB(lo: V3(Float(g.x0), Float(g.y0), 0), hi: V3(Float(g.x1), Float(g.y1), Float(spec.originZ + Double(spec.nz) * spec.cellSize)))
        }
        for p in place.compactMap({ $0 }) { room = room?.union(p.box) ?? p.box }
        var r = room ?? AABB(lo: V3(-5, -5, 0), hi: V3(5, 5, 3))
        r.lo = V3(r.lo.x - 0.5, r.lo.y - 0.5, 0)
        r.hi = V3(r.hi.x + 0.5, r.hi.y + 0.5, max(r.hi.z, 3))
        self.room = r
        placements = place
        automatic = auto
        var eq: AABB? = nil
        for (row, p) in place.enumerated() where e.kinds[row] != .zone { if let p { eq = eq?.union(p.box) ?? p.box } }
        equipment = eq.map { AABB(lo: $0.lo - V3(1, 1, 0), hi: $0.hi + V3(1, 1, 0)) }
    }
}
