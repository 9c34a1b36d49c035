/// Where the scenario's entities stand, for anything that draws the site (the instructor
/// sheet's plan, the 3D viewer). Never read by the simulation.
///
/// Positions are footprint centres on the floor (x east, y north, z up, metres); sizes are
/// [w, d, h]. An entity far from everything else (a gap of more than max(8 m, the span of
/// the rest) on an axis, e.g. a control room 20 m away or a "customer site" 200 m away)
/// would shrink a drawing to nothing: it is `offSite` instead of `placed`. Entities without a
/// position are `notPlaced`.
public struct SiteLayout: Sendable {
    public struct Box: Sendable, Equatable {
        public var x0: Double, x1: Double, y0: Double, y1: Double
        public init(x0: Double, x1: Double, y0: Double, y1: Double) { self.x0 = x0; self.x1 = x1; self.y0 = y0; self.y1 = y1 }
        public func lo(_ axis: Int) -> Double { axis == 0 ? x0 : y0 }
        public func hi(_ axis: Int) -> Double { axis == 0 ? x1 : y1 }
        public func union(_ o: Box) -> Box { Box(x0: min(x0, o.x0), x1: max(x1, o.x1), y0: min(y0, o.y0), y1: max(y1, o.y1)) }
        public func contains(x: Double, y: Double) -> Bool { x >= x0 && x <= x1 && y >= y0 && y <= y1 }
    }

    /// Entity rows on the site, far away, and without a position (declaration order).
    public let placed: [Int]
    public let offSite: [Int]
    public let notPlaced: [Int]
    /// The footprints of the placed entities and the gas grid together, or nil if none.
    public let bounds: Box?

    static let gasKey = -1

    public init(model: Model) {
        let e = model.entities
        var rows: [Int] = [], none: [Int] = []
        for i in 0..<e.count {
            if i < e.hasPosition.count && e.hasPosition[i] { rows.append(i) } else { none.append(i) }
        }
        notPlaced = none
        // Zones count with their footprint, everything else by its position (a long cable or
        // bus must not bridge the gap to a far-away site).
        var items: [(key: Int, box: Box)] = rows.map { row in
            if e.kinds[row] == .zone { return (row, Self.footprint(model, row)) }
            let p = e.position[row]
            return (row, Box(x0: p.x, x1: p.x, y0: p.y, y1: p.y))
        }
        if let g = Self.gasBox(model) { items.append((Self.gasKey, g)) }
        var main = Set(items.map(\.key))
        for axis in 0..<2 {
            let kept = Self.mainGroup(items.filter { main.contains($0.key) }, axis: axis)
            main = main.intersection(kept)
        }
        placed = rows.filter { main.contains($0) }
        offSite = rows.filter { !main.contains($0) }
        var b: Box? = Self.gasBox(model)
        for row in placed {
            let f = Self.footprint(model, row)
            b = b?.union(f) ?? f
        }
        bounds = b
    }

    public static func hasSize(_ model: Model, _ row: Int) -> Bool {
        row < model.entities.hasSize.count && model.entities.hasSize[row]
    }

    /// The footprint of an entity: its size around its position, or the point itself.
    public static func footprint(_ model: Model, _ row: Int) -> Box {
        let p = model.entities.position[row], s = model.entities.size[row]
        let kind = model.entities.kinds[row]
        if kind == .opening || !(hasSize(model, row) || kind == .zone) { return Box(x0: p.x, x1: p.x, y0: p.y, y1: p.y) }
        return Box(x0: p.x - s.x / 2, x1: p.x + s.x / 2, y0: p.y - s.y / 2, y1: p.y + s.y / 2)
    }

    public static func gasBox(_ model: Model) -> Box? {
        guard let g = model.gas?.spec else { return nil }
        return Box(x0: g.originX, x1: g.originX + Double(g.nx) * g.cellSize, y0: g.originY, y1: g.originY + Double(g.ny) * g.cellSize)
    }

    /// Keys of the main cluster along one axis: intervals that touch form groups; starting from
    /// the group with the gas grid (else the most members), neighbouring groups join while the
    /// gap to them is at most max(8 m, the span so far).
    static func mainGroup(_ items: [(key: Int, box: Box)], axis: Int) -> Set<Int> {
        guard !items.isEmpty else { return [] }
        let sorted = items.sorted { ($0.box.lo(axis), $0.box.hi(axis), $0.key) < ($1.box.lo(axis), $1.box.hi(axis), $1.key) }
        var groups: [(lo: Double, hi: Double, keys: [Int])] = []
        for it in sorted {
            if let last = groups.last, it.box.lo(axis) <= last.hi {
                groups[groups.count - 1].hi = max(last.hi, it.box.hi(axis))
                groups[groups.count - 1].keys.append(it.key)
            } else {
                groups.append((it.box.lo(axis), it.box.hi(axis), [it.key]))
            }
        }
        var start = groups.firstIndex { $0.keys.contains(gasKey) } ?? 0
        if !groups[start].keys.contains(gasKey) {
            for (i, g) in groups.enumerated() where g.keys.count > groups[start].keys.count { start = i }
        }
        var li = start, ri = start
        var lo = groups[start].lo, hi = groups[start].hi
        while true {
            let limit = max(8, hi - lo)
            let leftGap = li > 0 ? lo - groups[li - 1].hi : .infinity
            let rightGap = ri + 1 < groups.count ? groups[ri + 1].lo - hi : .infinity
            if leftGap <= rightGap && leftGap <= limit {
                li -= 1; lo = groups[li].lo
            } else if rightGap <= limit {
                ri += 1; hi = max(hi, groups[ri].hi)
            } else {
                break
            }
        }
        return Set(groups[li...ri].flatMap(\.keys))
    }
}
