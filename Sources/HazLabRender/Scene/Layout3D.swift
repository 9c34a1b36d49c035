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
        var b = AutoLayout(model: model)
        b.placeGiven()
        b.placeZonesInARow()
        for (z, rows) in b.unplacedEquipmentByZone() { b.placeInZone(z, rows) }
        room = b.room()
        placements = b.place
        automatic = b.auto
        equipment = b.equipment()
    }
}

/// Builds a `Layout3D`: the given positions first, then zones, then equipment inside them.
private struct AutoLayout {
    let model: Model
    let e: EntityTable
    let site: SiteLayout
    let zones: [Int]
    var place: [Layout3D.Placement?]
    var auto: [Bool]

    init(model: Model) {
        let e = model.entities
        self.model = model
        self.e = e
        site = SiteLayout(model: model)
        zones = (0..<e.count).filter { e.kinds[$0] == .zone }
        place = [Layout3D.Placement?](repeating: nil, count: e.count)
        auto = [Bool](repeating: false, count: e.count)
    }

    func size(_ row: Int) -> V3 {
        if SiteLayout.hasSize(model, row) { let s = e.size[row]; return V3(Float(s.x), Float(s.y), Float(s.z)) }
        return Layout3D.defaultSize(model, row)
    }

    mutating func placeGiven() {
        for row in site.placed where !Layout3D.invisible(e.kinds[row]) {
            let p = e.position[row]
            place[row] = Layout3D.Placement(base: V3(Float(p.x), Float(p.y), Float(p.z)), size: size(row))
        }
    }

    /// Zones without a position: a row of rooms east of what is placed.
    mutating func placeZonesInARow() {
        var x = site.bounds.map { Float($0.x1) + 1 } ?? 0
        for z in zones where place[z] == nil && !site.offSite.contains(z) {
            let s = size(z)
            place[z] = Layout3D.Placement(base: V3(x + s.x / 2, s.y / 2, 0), size: s)
            auto[z] = true
            x += s.x
        }
    }

    /// Equipment without a position, by the zone it goes in (its own, else PPE and contacts
    /// where the trainee starts and the rest in the zone with most equipment); zones in the
    /// order they are first needed.
    func unplacedEquipmentByZone() -> [(zone: Int, rows: [Int])] {
        var counts = [Int](repeating: 0, count: e.count)
        for row in 0..<e.count where e.zone[row] >= 0 { counts[Int(e.zone[row])] += 1 }
        let busiest = zones.filter { place[$0] != nil }.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }
        var members: [Int: [Int]] = [:]
        var order: [Int] = []
        for row in 0..<e.count where place[row] == nil && e.kinds[row] != .zone && !Layout3D.invisible(e.kinds[row]) && !site.offSite.contains(row) {
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
        return order.map { ($0, members[$0]!) }
    }

    mutating func placeInZone(_ z: Int, _ rows: [Int]) {
        guard let zp = place[z] else { return }
        placePPE(rows.filter { e.kinds[$0] == .ppe }, in: zp)
        placeOnGrid(rows.filter { e.kinds[$0] != .ppe }, zone: z, zp)
    }

    /// PPE hangs on a rack along the zone's south wall.
    mutating func placePPE(_ ppe: [Int], in zp: Layout3D.Placement) {
        for (i, row) in ppe.enumerated() {
            let s = size(row)
            let px = zp.base.x - zp.size.x / 2 + 0.6 + Float(i) * 0.5
            place[row] = Layout3D.Placement(base: V3(px, zp.base.y - zp.size.y / 2 + 0.4, 1.0), size: s)
            auto[row] = true
        }
    }

    /// The rest on a grid of free cells: a cell whose footprint touches equipment the
    /// scenario placed (or one placed before) is skipped.
    mutating func placeOnGrid(_ rest: [Int], zone z: Int, _ zp: Layout3D.Placement) {
        let cells = gridCells(zp, count: rest.count)
        var next = 0
        for row in rest {
            let s = size(row)
            var chosen = cells[next % cells.count]
            for k in next..<cells.count {
                let c = cells[k]
                if isFree(AABB(lo: c - V3(s.x / 2, s.y / 2, 0), hi: c + V3(s.x / 2, s.y / 2, s.z)), zone: z) { chosen = c; next = k + 1; break }
                if k == cells.count - 1 { next = cells.count }
            }
            place[row] = Layout3D.Placement(base: V3(chosen.x, chosen.y, zp.base.z), size: s)
            auto[row] = true
        }
    }

    /// About twice as many cells as pieces of equipment, in a near-square grid across the zone.
    func gridCells(_ zp: Layout3D.Placement, count: Int) -> [V3] {
        var cols = 1
        while cols * cols < count * 2 { cols += 1 }
        let rowsN = max(1, (count * 2 + cols - 1) / cols)
        var cells: [V3] = []
        for r in 0..<rowsN {
            for c in 0..<cols {
                cells.append(V3(zp.base.x - zp.size.x / 2 + zp.size.x * (Float(c) + 0.5) / Float(cols),
                                zp.base.y - zp.size.y / 2 + 1 + (zp.size.y - 1.5) * (Float(r) + 0.5) / Float(rowsN), 0))
            }
        }
        return cells
    }

    /// True when `b` overlaps (in plan) nothing placed but zones.
    func isFree(_ b: AABB, zone z: Int) -> Bool {
        for (k, q) in place.enumerated() where k != z && e.kinds[k] != .zone {
            guard let q else { continue }
            let o = q.box
            if b.lo.x < o.hi.x && o.lo.x < b.hi.x && b.lo.y < o.hi.y && o.lo.y < b.hi.y { return false }
        }
        return true
    }

    /// Every placement and the gas grid, with a margin; at least 3 m high.
    func room() -> AABB {
        var box: AABB? = nil
        if let g = SiteLayout.gasBox(model), let spec = model.gas?.spec {
            box = AABB(lo: V3(Float(g.x0), Float(g.y0), 0), hi: V3(Float(g.x1), Float(g.y1), Float(spec.originZ + Double(spec.nz) * spec.cellSize)))
        }
        for p in place.compactMap({ $0 }) { box = box?.union(p.box) ?? p.box }
        var r = box ?? AABB(lo: V3(-5, -5, 0), hi: V3(5, 5, 3))
        r.lo = V3(r.lo.x - 0.5, r.lo.y - 0.5, 0)
        r.hi = V3(r.hi.x + 0.5, r.hi.y + 0.5, max(r.hi.z, 3))
        return r
    }

    func equipment() -> AABB? {
        var eq: AABB? = nil
        for (row, p) in place.enumerated() where e.kinds[row] != .zone { if let p { eq = eq?.union(p.box) ?? p.box } }
        return eq.map { AABB(lo: $0.lo - V3(1, 1, 0), hi: $0.hi + V3(1, 1, 0)) }
    }
}
