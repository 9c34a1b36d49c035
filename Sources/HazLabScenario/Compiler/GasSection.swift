import HazLabCore

/// Compiles the gas grid and everything that lives in it: doors and windows, fans, leaks,
/// detectors, ignition sources and what PPE protects against.
extension Compilation {
    /// What the gas grid's entities compile to, in declaration order.
    struct GasEntities {
        var openingEntities: [Int32] = [], openingOpen: [Bool] = []
        var leakEntities: [Int32] = [], leakSpecies: [Int] = [], leakCell: [Int] = [], leakRate: [Double] = [], leakValve: [Int32] = []
        var detectorEntities: [Int32] = [], detectors: [GasDetector] = [], readings: [GasNet.Reading] = [], factors: [Double] = []
        var hotwork: [Int32] = []
        /// By entity row: a switch or motor that is not explosion-proof.
        var sparks: [Bool]
        var fanRows: [Int32] = [], fanMode: [GasNet.FanMode] = [], fanFlow: [Double] = [], fanCell: [Int] = []
        var fanAxis: [Int] = [], fanSign: [Double] = []
    }

    mutating func readGas(_ top: MappingReader, motors: MotorTable, valves: ValveTable, ppe: [Int32]) -> (GasNet?, [[Int]]) {
        guard let node = top.node("gas") else {
            refuseGasEntitiesWithoutGrid()
            return (nil, [])
        }
        guard let r = reader(node, "gas", Format.gas) else { return (nil, []) }
        let origin = r.node("origin").flatMap { vector($0, "gas.origin", nonNegative: false) } ?? .zero
        guard let size = r.node("size").flatMap({ vector($0, "gas.size", nonNegative: true) }) else { return (nil, []) }
        let cell = positive(r.node("cellSize"), .length, "gas.cellSize", default: 0.5)
        var species = readGasSpecies(r)
        let D = nonNegative(r.node("diffusivity"), Dimension(length: 2, time: -1), "gas.diffusivity", default: 0.05)
        let every = max(1, ticks(positive(r.node("updateEvery"), .time, "gas.updateEvery", default: 1)))
        let wind = readWind(r)
        let fatal = positive(r.node("fatalRadius"), .length, "gas.fatalRadius", default: 5)
        let injury = positive(r.node("injuryRadius"), .length, "gas.injuryRadius", default: 12)
        let breathing = nonNegative(r.node("breathingHeight"), .length, "gas.breathingHeight", default: 1.5)
        guard case let (nx, ny, nz)? = gridCells(size, cell: cell, gases: species.count, at: r.node("cellSize")?.location ?? node.location) else {
            return (nil, [])
        }
        if species.isEmpty { return (nil, []) }
        usage.gasSpecies = species.map(\.name)
        species = readBuoyancy(r.node("buoyancy"), species)
        var spec = GasGridSpec(originX: origin.x, originY: origin.y, originZ: origin.z, cellSize: cell,
                               nx: nx, ny: ny, nz: nz, species: species, diffusivity: D)

        let roomBoxes = readRooms(r.node("rooms"), &spec)
        // Saying `room: outside` opts a grid without rooms into fresh air outside it: one room fills the grid.
        if spec.rooms.isEmpty && declared.contains(where: { $0.reader.node("room") != nil }) {
            spec.rooms = [GasRoom(name: "grid", i0: 0, i1: nx, j0: 0, j1: ny, k0: 0, k1: nz)]
        }
        let dtTick = 1.0 / Double(tickRate)
        let g = readGasEntities(&spec, boxes: roomBoxes, dtTick: dtTick)
        _ = motors; _ = valves
        checkRoomClaims(spec: spec, boxes: roomBoxes, sparks: g.sparks)
        for msg in spec.validate() { bag.error(node.location, msg) }
        if bag.hasErrors { return (nil, []) }
        // Bound the transport rate before planning (the planner traps past a million substeps):
        // Σ|wind| and the fastest fan jet over h, plus 6·D/h².
        let maxJet = zip(g.fanMode, g.fanFlow).filter { $0.0 == .supply }.map { $0.1 / (cell * cell) }.max() ?? 0
        let rate = (abs(wind.x) + abs(wind.y) + abs(wind.z) + maxJet) / cell + 6 * D / (cell * cell)
        let substepBound = Double(every) * dtTick * rate / spec.safety
        if !(substepBound <= 100_000) {
            bag.error(node.location, "gas transport is too fast for the grid: about \(Int(min(substepBound, 1e15))) substeps per update; lower the wind, fan airflow or diffusivity, or use larger cells or a shorter 'updateEvery'")
            return (nil, [])
        }
        let initial = readInitialAtmosphere(r.node("initial"), spec: spec)
        if bag.hasErrors { return (nil, []) }
        var net = GasNet(spec: spec, updateEveryTicks: every, wind: wind, openingEntities: g.openingEntities,
                         openingInitiallyOpen: g.openingOpen, fanMotorRows: g.fanRows, fanMode: g.fanMode, fanAirflow: g.fanFlow,
                         fanCell: g.fanCell, fanAxis: g.fanAxis, fanSign: g.fanSign, leakEntities: g.leakEntities,
                         leakSpecies: g.leakSpecies, leakCell: g.leakCell, leakInitialRate: g.leakRate, leakValve: g.leakValve,
                         detectorEntities: g.detectorEntities, detectors: g.detectors, detectorReading: g.readings,
                         detectorFactor: g.factors, sparks: g.sparks, hotworkEntities: g.hotwork, fatalRadius: fatal,
                         injuryRadius: injury, breathingHeight: breathing)
        net.initialAtmosphere = initial
        // The worst ventilation case must plan within the substep cap.
        let worst = net.plan(openingOpen: ContiguousArray(repeating: 1, count: g.openingEntities.count),
                             fanRunning: Array(repeating: true, count: g.fanRows.count), dt: Double(every) * dtTick)
        if worst.substeps > 2_000 {
            bag.warning(node.location, "the gas update needs \(worst.substeps) substeps with every door and fan open; larger cells or a shorter 'updateEvery' make it cheaper")
        }
        return (net, [])
    }

    /// Without a `gas` grid, gas entities and gas rooms are errors.
    mutating func refuseGasEntitiesWithoutGrid() {
        let gasKinds: [EntityKind] = [.opening, .leak, .detector, .hotwork]
        for d in declared where gasKinds.contains(d.kind) {
            bag.error(d.node.location, "'\(d.id)' is a \(d.type), but the scenario has no 'gas' grid")
        }
        for d in declared {
            if let rn = d.reader.node("room"), let name = rn.string(&bag, what: "\(d.id).room"), name != Self.outsideRoom {
                bag.error(rn.location, "'\(d.id).room' names gas room '\(name)', but the scenario has no 'gas' grid")
            }
        }
    }

    /// `gas.standard` and `gas.species` (each gas once).
    mutating func readGasSpecies(_ r: MappingReader) -> [GasSpecies] {
        var species: [GasSpecies] = []
        var standard = GasStandard.nfpa
        if let n = r.node("standard"), let name = n.string(&bag, what: "gas.standard") {
            if let s = GasStandard(rawValue: name) { standard = s }
            else { oneOfError(n, name, GasStandard.allCases.map(\.rawValue), "gas.standard") }
        }
        if let list = r.node("species").flatMap({ $0.sequence(&bag, what: "gas.species") }) {
            for item in list {
                guard let name = item.string(&bag, what: "gas.species") else { continue }
                if let g = GasSpecies.named(name, standard: standard) {
                    if species.contains(where: { $0.name == g.name }) { bag.error(item.location, "gas '\(name)' is listed twice") }
                    else { species.append(g) }
                } else {
                    oneOfError(item, name, GasSpecies.table.map(\.name), "gas.species")
                }
            }
        }
        return species
    }

    /// `gas.wind`: three velocities.
    mutating func readWind(_ r: MappingReader) -> Vec3 {
        var wind = Vec3.zero
        if let w = r.node("wind"), let list = w.sequence(&bag, what: "gas.wind") {
            if list.count != 3 { bag.error(w.location, "'gas.wind' needs three velocities, [x, y, z]") }
            else if let a = quantity(list[0], .velocity, "gas.wind"), let b = quantity(list[1], .velocity, "gas.wind"),
                    let c = quantity(list[2], .velocity, "gas.wind") { wind = Vec3(a, b, c) }
        }
        return wind
    }

    /// Cells per axis, or nil (an error at `at`) over the memory budget: the field, its workspace
    /// and the face coefficients, about 12 doubles a cell.
    mutating func gridCells(_ size: Vec3, cell: Double, gases: Int, at: SourceLocation) -> (Int, Int, Int)? {
        func count(_ extent: Double) -> Int {
            let c = (extent / cell).rounded(.toNearestOrAwayFromZero)
            return c.isFinite ? max(1, Int(min(c, 1e7))) : 10_000_000   // over budget either way
        }
        let nx = count(size.x), ny = count(size.y), nz = count(size.z)
        let budgetCells = 2_000_000
        let cells = Double(nx) * Double(ny) * Double(nz)
        if cells > Double(budgetCells) || cells * Double(max(1, gases)) > 8_000_000 {
            bag.error(at, "gas grid of \(nx)×\(ny)×\(nz) cells and \(gases) gases is over the memory budget (\(budgetCells) cells); use larger cells")
            return nil
        }
        return (nx, ny, nz)
    }

    /// The position of a gas entity, or nil (an error) when it has none, or it is outside the
    /// grid or inside a wall.
    mutating func locatedInGas(_ d: Declared, _ what: String, spec: GasGridSpec) -> Vec3? {
        let row = entityRow[d.id]!
        guard d.reader.node("position") != nil else {
            bag.error(d.node.location, "\(what) '\(d.id)' needs a 'position' inside the gas grid")
            return nil
        }
        let p = positionOf(Int(row))
        if spec.cellIndex(x: p.x, y: p.y, z: p.z) == nil {
            bag.error(d.reader.node("position")!.location,
                      "\(what) '\(d.id)' at (\(p.x), \(p.y), \(p.z)) m is outside the gas grid")
            return nil
        }
        if spec.room(x: p.x, y: p.y, z: p.z) < 0 {
            bag.error(d.reader.node("position")!.location,
                      "\(what) '\(d.id)' at \(RoomBox.point(p)) is in no gas room (inside a wall); move it into one of: \(spec.rooms.map(\.name).joined(separator: ", "))")
            return nil
        }
        return p
    }

    /// Doors and windows (into `spec.openings`), leaks, detectors, hot work, sparking equipment and fans.
    mutating func readGasEntities(_ spec: inout GasGridSpec, boxes: [RoomBox], dtTick: Double) -> GasEntities {
        var g = GasEntities(sparks: [Bool](repeating: false, count: declared.count))
        for (row, d) in declared.enumerated() {
            let dr = d.reader
            switch d.kind {
            case .opening:
                gasOpening(d, row, &spec, boxes: boxes, &g)
            case .leak:
                gasLeak(d, row, spec: spec, &g)
            case .detector:
                gasDetector(d, row, spec: spec, dtTick: dtTick, &g)
            case .hotwork:
                if locatedInGas(d, "hot work", spec: spec) != nil { g.hotwork.append(Int32(row)) }
            case .switchgear:
                g.sparks[row] = !(dr.node("explosionProof").flatMap { $0.bool(&bag, what: "\(d.id).explosionProof") } ?? false)
            case .motor:
                g.sparks[row] = !(dr.node("explosionProof").flatMap { $0.bool(&bag, what: "\(d.id).explosionProof") } ?? false)
                gasFan(d, row, spec: spec, &g)
            default:
                break
            }
        }
        return g
    }

    /// A door or window: on an outer wall (`face`) or between two gas rooms (`between`).
    mutating func gasOpening(_ d: Declared, _ row: Int, _ spec: inout GasGridSpec, boxes: [RoomBox], _ g: inout GasEntities) {
        let dr = d.reader
        if let bn = dr.node("between"), dr.node("face") == nil {
            guard let o = internalOpening(d, bn, spec: spec, boxes: boxes) else { return }
            spec.openings.append(o)
            g.openingEntities.append(Int32(row))
            g.openingOpen.append(dr.node("open").flatMap { $0.bool(&bag, what: "\(d.id).open") } ?? false)
            return
        }
        guard let fn = dr.node("face") else {
            bag.error(d.node.location, "\(d.type) '\(d.id)' needs 'face' (an outer wall, to fresh air) or 'between: [roomA, roomB]' (a wall between two gas rooms)")
            return
        }
        guard let f = fn.string(&bag, what: "\(d.id).face") else { return }
        guard let fi = Format.faces.firstIndex(of: f), let face = GasFace(rawValue: UInt8(fi)) else {
            oneOfError(fn, f, Format.faces, "\(d.id).face"); return
        }
        let p = positionOf(row), sz = entitySize(row)
        let (u0, u1, v0, v1): (Double, Double, Double, Double)
        switch face.axis {
        case 0: (u0, u1, v0, v1) = (p.y - sz.x / 2, p.y + sz.x / 2, p.z, p.z + sz.z)
        case 1: (u0, u1, v0, v1) = (p.x - sz.x / 2, p.x + sz.x / 2, p.z, p.z + sz.z)
        default: (u0, u1, v0, v1) = (p.x - sz.x / 2, p.x + sz.x / 2, p.y - sz.y / 2, p.y + sz.y / 2)
        }
        guard let o = spec.opening(face: face, u0: u0, u1: u1, v0: v0, v1: v1) else {
            bag.error(dr.node("position")?.location ?? d.node.location,
                      "\(d.type) '\(d.id)' does not cover any cell of the \(f) wall; check its position and size")
            return
        }
        if let bn = dr.node("between") { outerOpening(d, bn, o, spec: spec, boxes: boxes) }
        spec.openings.append(o)
        g.openingEntities.append(Int32(row))
        g.openingOpen.append(dr.node("open").flatMap { $0.bool(&bag, what: "\(d.id).open") } ?? false)
    }

    /// A leak of one of the grid's gases, optionally behind a valve.
    mutating func gasLeak(_ d: Declared, _ row: Int, spec: GasGridSpec, _ g: inout GasEntities) {
        let dr = d.reader
        guard let p = locatedInGas(d, "leak", spec: spec) else { return }
        let name = dr.node("species").flatMap { $0.string(&bag, what: "\(d.id).species") } ?? ""
        guard let sp = spec.species.firstIndex(where: { $0.name == name }) else {
            if let n = dr.node("species") { bag.error(n.location, "gas '\(name)' is not in 'gas.species'") }
            return
        }
        var valve: Int32 = -1
        if let v = dr.node("valve"), let e = entityRef(v, "\(d.id).valve", kinds: [.valve]) { valve = local[Int(e)] }
        g.leakEntities.append(Int32(row)); g.leakSpecies.append(sp)
        g.leakCell.append(spec.cellIndex(x: p.x, y: p.y, z: p.z)!)
        g.leakRate.append(nonNegative(dr.node("rate"), .volumeFlow, "\(d.id).rate", default: 0))
        g.leakValve.append(valve)
    }

    /// A fixed detector of oxygen or one of the grid's gases, in ppm or %LEL.
    mutating func gasDetector(_ d: Declared, _ row: Int, spec: GasGridSpec, dtTick: Double, _ g: inout GasEntities) {
        let dr = d.reader, species = spec.species
        guard let p = locatedInGas(d, "detector", spec: spec) else { return }
        let name = dr.node("species").flatMap { $0.string(&bag, what: "\(d.id).species") } ?? ""
        let t90 = nonNegative(dr.node("responseTime"), .time, "\(d.id).responseTime", default: 10)
        var reading = GasNet.Reading.volumeFraction
        let target: GasDetectorTarget
        if name == "O2" {
            target = .oxygen
        } else if let sp = species.firstIndex(where: { $0.name == name }) {
            target = .species(sp)
            let unitName = dr.node("unit").flatMap { $0.string(&bag, what: "\(d.id).unit") }
            let flammableDefault = species[sp].defaultUnit == .percentLEL
            if unitName == "%LEL" || (unitName == nil && flammableDefault) {
                if species[sp].lel == nil, let un = dr.node("unit") { bag.error(un.location, "\(name) has no LEL") }
                reading = .lelFraction
            }
        } else {
            if let n = dr.node("species") { bag.error(n.location, "gas '\(name)' is not in 'gas.species'") }
            return
        }
        let det = GasDetector(x: p.x, y: p.y, z: p.z, target: target, unit: reading == .lelFraction ? .percentLEL : .ppm, t90: t90)
        g.detectorEntities.append(Int32(row)); g.detectors.append(det); g.readings.append(reading)
        g.factors.append(det.responseFactor(dt: dtTick))
        usage.detectorDimensions.append(reading == .lelFraction ? .lelFraction : HazLabCore.Dimension.none)
    }

    /// A fan (a motor of type `fan` with `airflow`): extracting at its cell, or supplying in a direction.
    mutating func gasFan(_ d: Declared, _ row: Int, spec: GasGridSpec, _ g: inout GasEntities) {
        let dr = d.reader
        guard d.type == "fan", let an = dr.node("airflow") else { return }
        usage.entities[row] = true
        let flow = positive(an, .volumeFlow, "\(d.id).airflow", default: 0)
        guard let p = locatedInGas(d, "fan", spec: spec) else { return }
        let mode = dr.node("mode").flatMap { $0.string(&bag, what: "\(d.id).mode") } ?? "extract"
        var axis = 0, sign = 1.0
        if mode == "supply" {
            guard let dn = dr.required("direction", bag: &bag), let dir = dn.string(&bag, what: "\(d.id).direction"),
                  let k = Format.faces.firstIndex(of: dir) else { return }
            axis = k / 2; sign = k % 2 == 0 ? -1 : 1
        }
        g.fanRows.append(local[row]); g.fanMode.append(mode == "supply" ? .supply : .extract); g.fanFlow.append(flow)
        g.fanCell.append(spec.cellIndex(x: p.x, y: p.y, z: p.z)!); g.fanAxis.append(axis); g.fanSign.append(sign)
    }

    /// Component `a` (0 x, 1 y, 2 z) of a vector.
    func axisOf(_ v: Vec3, _ a: Int) -> Double { a == 0 ? v.x : a == 1 ? v.y : v.z }

    static let maxRooms = 64

    /// The reserved room name for fresh air beyond the grid.
    static let outsideRoom = "outside"

    /// A gas room in world coordinates (snapped to cell edges), for the placement checks.
    struct RoomBox {
        var id: String
        var lo: Vec3, hi: Vec3

        func text() -> String {
            let f = RoomBox.number
            return "[\(f(lo.x)), \(f(hi.x))] × [\(f(lo.y)), \(f(hi.y))] × [\(f(lo.z)), \(f(hi.z))] m"
        }

        /// Metres as written by an instructor: up to three decimals, no trailing zeros.
        static func number(_ v: Double) -> String {
            let r = (v * 1000).rounded() / 1000
            if r == r.rounded() && abs(r) < 1e15 { return String(Int(r)) }
            var t = String(r)
            if t.contains("."), !t.contains("e") { while t.hasSuffix("0") { t.removeLast() } }
            return t
        }

        static func point(_ p: Vec3) -> String { "(\(number(p.x)), \(number(p.y)), \(number(p.z))) m" }
    }

    /// `gas.rooms`: boxes on cell edges, inside the grid, not overlapping. Fills `spec.rooms`.
    mutating func readRooms(_ node: YNode?, _ spec: inout GasGridSpec) -> [RoomBox] {
        guard let node, let list = node.sequence(&bag, what: "gas.rooms") else { return [] }
        // Room lookups are linear in the number of rooms (in the sampler and the overlap check).
        if list.count > Self.maxRooms {
            bag.error(node.location, "'gas.rooms' lists \(list.count) rooms; at most \(Self.maxRooms)")
            return []
        }
        var boxes: [RoomBox] = []
        var seen: [String: SourceLocation] = [:]
        let h = spec.cellSize
        let origin = Vec3(spec.originX, spec.originY, spec.originZ), counts = [spec.nx, spec.ny, spec.nz]
        for item in list {
            guard let r = reader(item, "gas room", Format.gasRoom), let id = readId(r, "gas room", seen: &seen) else { continue }
            if id == Self.outsideRoom {
                bag.error(r.node("id")!.location, "'outside' is reserved for the fresh air beyond the grid; give the room another id")
                continue
            }
            guard let fromN = r.node("from"), let toN = r.node("to"),
                  let from = vector(fromN, "\(id).from", nonNegative: false), let to = vector(toN, "\(id).to", nonNegative: false)
            else { continue }
            var lo = [0, 0, 0], hi = [0, 0, 0], ok = true
            for a in 0..<3 {
                let f0 = (axisOf(from, a) - axisOf(origin, a)) / h, f1 = (axisOf(to, a) - axisOf(origin, a)) / h
                let c0 = f0.rounded(), c1 = f1.rounded()
                if abs(f0 - c0) > 1e-6 || abs(f1 - c1) > 1e-6 {
                    bag.error(abs(f0 - c0) > 1e-6 ? fromN.location : toN.location,
                              "room '\(id)': its walls must lie on cell edges (every \(RoomBox.number(h)) m from the grid origin)")
                    ok = false; break
                }
                if !(c0 >= 0 && c1 <= Double(counts[a]) && c0 < c1) {
                    bag.error(item.location, "room '\(id)' from \(RoomBox.point(from)) to \(RoomBox.point(to)) is empty or reaches outside the gas grid")
                    ok = false; break
                }
                lo[a] = Int(c0); hi[a] = Int(c1)
            }
            guard ok else { continue }
            let room = GasRoom(name: id, i0: lo[0], i1: hi[0], j0: lo[1], j1: hi[1], k0: lo[2], k1: hi[2])
            if let other = spec.rooms.first(where: { room.i0 < $0.i1 && $0.i0 < room.i1 && room.j0 < $0.j1 && $0.j0 < room.j1
                                                    && room.k0 < $0.k1 && $0.k0 < room.k1 }) {
                bag.error(item.location, "room '\(id)' overlaps room '\(other.name)'; rooms share walls but not space")
                continue
            }
            spec.rooms.append(room)
            func world(_ c: [Int]) -> Vec3 { Vec3(origin.x + Double(c[0]) * h, origin.y + Double(c[1]) * h, origin.z + Double(c[2]) * h) }
            boxes.append(RoomBox(id: id, lo: world(lo), hi: world(hi)))
        }
        return boxes
    }

    /// A door or window with `between: [roomA, roomB]`: the cells of the wall the two rooms
    /// share that the entity's width × height covers.
    mutating func internalOpening(_ d: Declared, _ bn: YNode, spec: GasGridSpec, boxes: [RoomBox]) -> GasOpening? {
        guard let pair = betweenRooms(d, bn, boxes: boxes) else { return nil }
        guard let a = pair.0, let b = pair.1 else {
            bag.error(bn.location, "\(d.type) '\(d.id)' to the outside needs 'face': the outer wall it is in")
            return nil
        }
        let ra = spec.rooms[a], rb = spec.rooms[b]
        let lo = [[ra.i0, ra.j0, ra.k0], [rb.i0, rb.j0, rb.k0]], hi = [[ra.i1, ra.j1, ra.k1], [rb.i1, rb.j1, rb.k1]]
        // The shared wall: touching along one axis, overlapping in the other two.
        var axis = -1, plane = 0
        for ax in 0..<3 {
            let others = (0..<3).filter { $0 != ax }
            let overlap = others.allSatisfy { max(lo[0][$0], lo[1][$0]) < min(hi[0][$0], hi[1][$0]) }
            if overlap && hi[0][ax] == lo[1][ax] { axis = ax; plane = hi[0][ax] }
            if overlap && hi[1][ax] == lo[0][ax] { axis = ax; plane = hi[1][ax] }
        }
        guard axis >= 0 else {
            bag.error(bn.location, "rooms '\(ra.name)' and '\(rb.name)' share no wall, so \(d.type) '\(d.id)' cannot join them")
            return nil
        }
        let row = entityRow[d.id]!
        let p = positionOf(Int(row)), sz = entitySize(Int(row))
        let h = spec.cellSize
        let wallAt = [spec.originX, spec.originY, spec.originZ][axis] + Double(plane) * h
        let posNode = d.reader.node("position") ?? d.node
        if d.reader.node("position") == nil || abs(axisOf(p, axis) - wallAt) > h {
            bag.error(posNode.location, "\(d.type) '\(d.id)' must be positioned in the wall between '\(ra.name)' and '\(rb.name)', at \(["x", "y", "z"][axis]) = \(RoomBox.number(wallAt)) m")
            return nil
        }
        let face = [GasFace.xMin, .yMin, .zMin][axis]
        let (u0, u1, v0, v1): (Double, Double, Double, Double)
        switch axis {
        case 0: (u0, u1, v0, v1) = (p.y - sz.x / 2, p.y + sz.x / 2, p.z, p.z + sz.z)
        case 1: (u0, u1, v0, v1) = (p.x - sz.x / 2, p.x + sz.x / 2, p.z, p.z + sz.z)
        default: (u0, u1, v0, v1) = (p.x - sz.x / 2, p.x + sz.x / 2, p.y - sz.y / 2, p.y + sz.y / 2)
        }
        // Clip to the stretch of wall the two rooms share.
        let tangential = (0..<3).filter { $0 != axis }
        let ta = tangential[0], tb = tangential[1]
        guard var o = spec.opening(face: face, u0: u0, u1: u1, v0: v0, v1: v1) else {
            bag.error(posNode.location, "\(d.type) '\(d.id)' does not cover any cell of the wall between '\(ra.name)' and '\(rb.name)'; check its position and size")
            return nil
        }
        o.a0 = max(o.a0, lo[0][ta], lo[1][ta]); o.a1 = min(o.a1, hi[0][ta], hi[1][ta])
        o.b0 = max(o.b0, lo[0][tb], lo[1][tb]); o.b1 = min(o.b1, hi[0][tb], hi[1][tb])
        guard o.a0 < o.a1, o.b0 < o.b1 else {
            bag.error(posNode.location, "\(d.type) '\(d.id)' does not cover any cell of the wall between '\(ra.name)' and '\(rb.name)'; check its position and size")
            return nil
        }
        o.plane = plane
        return o
    }

    /// A door or window on an outer `face` that also says `between: [room, outside]`: its
    /// inner side must be in that room.
    mutating func outerOpening(_ d: Declared, _ bn: YNode, _ o: GasOpening, spec: GasGridSpec, boxes: [RoomBox]) {
        guard let pair = betweenRooms(d, bn, boxes: boxes) else { return }
        guard pair.1 == nil, let a = pair.0 else {
            bag.error(bn.location, "\(d.type) '\(d.id)' is in an outer wall ('face'), so 'between' must be [room, outside]")
            return
        }
        var inRoom = true
        for b in o.b0..<o.b1 { for c in o.a0..<o.a1 {
            let (i, j, k): (Int, Int, Int)
            let n = [spec.nx, spec.ny, spec.nz][o.face.axis] - 1
            let side = o.face.isMax ? n : 0
            switch o.face.axis { case 0: (i, j, k) = (side, c, b); case 1: (i, j, k) = (c, side, b); default: (i, j, k) = (c, b, side) }
            if spec.room(i, j, k) != a { inRoom = false }
        } }
        if !inRoom {
            bag.error(d.reader.node("position")?.location ?? d.node.location,
                      "\(d.type) '\(d.id)' is not in an outer wall of room '\(spec.rooms[a].name)'; check its position, size and 'face'")
        }
    }

    /// `between: [a, b]` as room indices, `outside` as nil (only in the second place after
    /// sorting). Nil on an error.
    mutating func betweenRooms(_ d: Declared, _ bn: YNode, boxes: [RoomBox]) -> (Int?, Int?)? {
        let roomNames = boxes.map(\.id)
        guard let list = bn.sequence(&bag, what: "\(d.id).between") else { return nil }
        guard list.count == 2 else {
            bag.error(bn.location, "'\(d.id).between' names two spaces: [roomA, roomB] or [room, outside]")
            return nil
        }
        var idx: [Int?] = []
        for item in list {
            guard let name = item.string(&bag, what: "\(d.id).between") else { return nil }
            if name == Self.outsideRoom { idx.append(nil); continue }
            guard let n = roomNames.firstIndex(of: name) else {
                oneOfError(item, name, roomNames + [Self.outsideRoom], "\(d.id).between"); return nil
            }
            idx.append(n)
        }
        if idx[0] == idx[1] {
            bag.error(bn.location, "'\(d.id).between' names the same space twice")
            return nil
        }
        if idx[0] == nil { return (idx[1], nil) }
        return (idx[0], idx[1])
    }

    /// `room:` on entities: a zone's whole box lies in its room and overlaps no other room (or,
    /// `outside`, no room at all); any other entity's position lies in its room. Without
    /// `room:`, the places that read the gas — zones (the trainee breathes there) and ignition
    /// sources (`sparks`) — must not lie outside the grid, or in a wall, unannounced.
    mutating func checkRoomClaims(spec: GasGridSpec, boxes: [RoomBox], sparks: [Bool]) {
        let eps = 1e-6
        let roomNames = boxes.map(\.id)
        // Without rooms the whole grid is the one space an outside place must not overlap.
        let h = spec.cellSize
        let spaces = boxes.isEmpty
            ? [RoomBox(id: "the gas grid", lo: Vec3(spec.originX, spec.originY, spec.originZ),
                       hi: Vec3(spec.originX + Double(spec.nx) * h, spec.originY + Double(spec.ny) * h, spec.originZ + Double(spec.nz) * h))]
            : boxes
        func overlaps(_ a: (Vec3, Vec3), _ b: RoomBox) -> Bool {
            a.0.x < b.hi.x - eps && b.lo.x < a.1.x - eps && a.0.y < b.hi.y - eps && b.lo.y < a.1.y - eps
                && a.0.z < b.hi.z - eps && b.lo.z < a.1.z - eps
        }
        func within(_ a: (Vec3, Vec3), _ b: RoomBox) -> Bool {
            a.0.x >= b.lo.x - eps && a.1.x <= b.hi.x + eps && a.0.y >= b.lo.y - eps && a.1.y <= b.hi.y + eps
                && a.0.z >= b.lo.z - eps && a.1.z <= b.hi.z + eps
        }
        func boxText(_ a: (Vec3, Vec3)) -> String {
            RoomBox(id: "", lo: a.0, hi: a.1).text()
        }
        for (row, d) in declared.enumerated() {
            let positioned = d.reader.node("position") != nil
            let at = d.reader.node("position")?.location ?? d.node.location
            let p = positionOf(row), sz = entitySize(row)
            let box = d.kind == .zone ? (Vec3(p.x - sz.x / 2, p.y - sz.y / 2, p.z), Vec3(p.x + sz.x / 2, p.y + sz.y / 2, p.z + sz.z))
                                      : (p, p)
            guard let rn = d.reader.node("room") else {
                // An unannounced place beyond the grid: with rooms it is an error (say where it is);
                // without, the old behaviour stands (it reads the nearest cell), so only warn.
                let reads = d.kind == .zone || (row < sparks.count && sparks[row])
                let what = d.kind == .zone ? "zone '\(d.id)'" : "'\(d.id)' (an ignition source)"
                if reads && positioned && spec.cellIndex(x: p.x, y: p.y, z: p.z) == nil {
                    let msg = "\(what) at \(RoomBox.point(p)) is outside the gas grid; say 'room: outside' if it is in fresh air"
                    if boxes.isEmpty {
                        bag.warning(at, msg + " (until some entity says 'room:', a place outside a grid without rooms reads the grid's nearest cell)")
                    } else { bag.error(at, msg) }
                } else if reads && positioned && !boxes.isEmpty && spec.room(x: p.x, y: p.y, z: p.z) < 0 {
                    bag.error(at, "\(what) at \(RoomBox.point(p)) is in no gas room (inside a wall); give it 'room:' and move it into that room, or say 'room: outside'")
                }
                continue
            }
            guard let name = rn.string(&bag, what: "\(d.id).room") else { continue }
            if name != Self.outsideRoom && !roomNames.contains(name) {
                oneOfError(rn, name, roomNames + [Self.outsideRoom], "\(d.id).room"); continue
            }
            guard positioned else {
                bag.error(rn.location, "'\(d.id)' claims room '\(name)' but has no 'position' to check it by")
                continue
            }
            if name == Self.outsideRoom {
                if d.kind == .zone, let b = spaces.first(where: { overlaps(box, $0) }) {
                    bag.error(at, "zone '\(d.id)' is declared outside, but its box \(boxText(box)) overlaps \(boxes.isEmpty ? "the gas grid" : "gas room '\(b.id)'") (\(b.text()))")
                } else if d.kind != .zone, let b = spaces.first(where: { p.x > $0.lo.x + eps && p.x < $0.hi.x - eps && p.y > $0.lo.y + eps
                                                                       && p.y < $0.hi.y - eps && p.z > $0.lo.z + eps && p.z < $0.hi.z - eps }) {
                    bag.error(at, "'\(d.id)' is declared outside, but its position \(RoomBox.point(p)) is in \(boxes.isEmpty ? "the gas grid" : "gas room '\(b.id)'") (\(b.text()))")
                }
                continue
            }
            let claimed = boxes[roomNames.firstIndex(of: name)!]
            if d.kind == .zone {
                if !within(box, claimed) {
                    bag.error(at, "zone '\(d.id)' (\(boxText(box))) extends outside its room '\(name)' (\(claimed.text()))")
                }
                for b in boxes where b.id != name && overlaps(box, b) {
                    bag.error(at, "zone '\(d.id)' overlaps gas room '\(b.id)' (\(b.text())), which it does not claim")
                }
            } else if !within(box, claimed) {
                bag.error(at, "'\(d.id)' at \(RoomBox.point(p)) is outside its room '\(name)' (\(claimed.text()))")
            }
        }
    }

    /// `gas.buoyancy`: `on` (default: drift from molar mass at the default scale), `off`, or a
    /// velocity scale W (the drift of a gas whose density differs from air's by 100 %).
    mutating func readBuoyancy(_ node: YNode?, _ species: [GasSpecies]) -> [GasSpecies] {
        guard let node else { return species }
        guard case .scalar(let sc) = node.content, !sc.isNull else {
            bag.error(node.location, "expected 'on', 'off' or a velocity such as 0.5 m/s for 'gas.buoyancy', found \(node.kindName)")
            return species
        }
        switch sc.text {
        case "on", "true": return species
        case "off", "false": return species.map { $0.withDriftScale(0) }
        default:
            guard let w = quantity(node, .velocity, "gas.buoyancy") else { return species }
            if w < 0 || w > 10 {
                bag.error(node.location, "'gas.buoyancy' must be between 0 and 10 m/s (default \(GasSpecies.defaultDriftScale) m/s)")
                return species
            }
            return species.map { $0.withDriftScale(w) }
        }
    }

    /// `gas.initial`: a list of boxes (`from`, `to` corners in world coordinates) with the volume
    /// fraction of any of the grid's species (`H2S: 50 ppm`, `N2: 10 %vol`), or `O2: 17 %vol`,
    /// which sets N2 in each cell so that O2 = 20.9 % × (1 − Σ gases) comes out at the value
    /// given, counting the gases of this and earlier entries.
    mutating func readInitialAtmosphere(_ node: YNode?, spec: GasGridSpec) -> [GasInitialRegion] {
        guard let node, let list = node.sequence(&bag, what: "gas.initial") else { return [] }
        var regions: [GasInitialRegion] = []
        let names = spec.species.map(\.name)
        for (n, item) in list.enumerated() {
            let what = "gas.initial[\(n)]"
            guard let r = reader(item, what, Format.gasInitial) else { continue }
            guard let fromNode = r.node("from"), let toNode = r.node("to"),
                  let a = vector(fromNode, "\(what).from", nonNegative: false),
                  let b = vector(toNode, "\(what).to", nonNegative: false) else { continue }
            var cells: [Int] = []
            for k in 0..<spec.nz { for j in 0..<spec.ny { for i in 0..<spec.nx {
                let p = spec.cellCenter(i, j, k)
                if p.x >= min(a.x, b.x) && p.x <= max(a.x, b.x) && p.y >= min(a.y, b.y) && p.y <= max(a.y, b.y)
                    && p.z >= min(a.z, b.z) && p.z <= max(a.z, b.z) { cells.append(spec.index(i, j, k)) }
            } } }
            if cells.isEmpty {
                bag.error(item.location, "\(what) from (\(a.x), \(a.y), \(a.z)) to (\(b.x), \(b.y), \(b.z)) m contains no cell centre of the gas grid")
                continue
            }
            var sp: [Int] = [], fr: [Double] = []
            var total = 0.0
            var oxygen: (Double, YNode)? = nil
            let errorsBefore = bag.errors.count
            for pair in r.pairs where pair.key != "from" && pair.key != "to" {
                guard let x = quantity(pair.value, .none, "\(what).\(pair.key)") else { continue }
                if !(x >= 0 && x <= 1) {
                    bag.error(pair.value.location, "'\(what).\(pair.key)' must be between 0 and 100 %vol")
                    continue
                }
                if pair.key == "O2" { oxygen = (x, pair.value); continue }
                guard let s = names.firstIndex(of: pair.key) else {
                    bag.error(pair.keyLocation, "gas '\(pair.key)' is not in 'gas.species'")
                    continue
                }
                sp.append(s); fr.append(x); total += x
            }
            if bag.errors.count > errorsBefore { continue }
            if total > 1 + 1e-12 {
                bag.error(item.location, "the gases in \(what) add up to more than 100 %vol")
                continue
            }
            var region = GasInitialRegion(cells: cells, species: sp, fractions: fr)
            if let (o2, at) = oxygen {
                // Displacement: O2 = 0.209·(1 − Σ gases) ⇒ N2 = 1 − O2/0.209 − Σ other gases in the cell.
                let air = GasSpecies.airOxygenFraction
                guard let n2 = names.firstIndex(of: "N2") else {
                    bag.error(at.location, "'O2' below air needs N2 in 'gas.species': the model lowers O2 by adding the inert gas that displaces it")
                    continue
                }
                if sp.contains(n2) {
                    bag.error(at.location, "give either 'O2' or 'N2' in \(what), not both")
                    continue
                }
                if o2 > air {
                    bag.error(at.location, "'\(what).O2' above 20.9 %vol (oxygen enrichment) is not modelled")
                    continue
                }
                region.oxygen = o2; region.inertSpecies = n2
                // The other gases already in these cells (from this and earlier entries) must
                // leave room for the O2 asked for.
                let field = GasField(spec: spec, initial: regions + [region])
                var worst = 0.0
                for cell in cells {
                    var others = 0.0
                    for s in 0..<spec.speciesCount where s != n2 { others += field.value(cell: cell, species: s) }
                    worst = max(worst, others)
                }
                if 1 - o2 / air - worst < -1e-12 {
                    bag.error(at.location, "'\(what).O2' of \(o2 * 100) %vol is impossible here: the other gases alone displace O2 to \(air * (1 - worst) * 100) %vol")
                    continue
                }
            } else if sp.isEmpty {
                bag.error(item.location, "\(what) gives no gas: add a species of 'gas.species' (e.g. H2S: 50 ppm) or O2")
                continue
            }
            regions.append(region)
        }
        return regions
    }

    /// What each PPE item protects against: gases (by the grid's species), O2 deficiency,
    /// breathing air (all), arc flash and electric shock.
    mutating func readProtection(ppe: [Int32], species: [GasSpecies]) -> [[Int]] {
        var protects: [[Int]] = []
        for e in ppe {
            let d = declared[Int(e)]
            var list: [Int] = []
            if let pn = d.reader.node("protects"), let items = pn.sequence(&bag, what: "\(d.id).protects") {
                for item in items {
                    guard let name = item.string(&bag, what: "\(d.id).protects") else { continue }
                    if name == "all" { list.append(PPEProtection.all) }
                    else if name == "O2" { list.append(PPEProtection.oxygen) }
                    else if name == "arc-flash" { list.append(PPEProtection.arcFlash) }
                    else if name == "shock" { list.append(PPEProtection.shock) }
                    else if let sp = species.firstIndex(where: { $0.name == name }) { list.append(sp) }
                    else if GasSpecies.named(name) == nil { oneOfError(item, name, GasSpecies.table.map(\.name) + ["O2", "all", "arc-flash", "shock"], "\(d.id).protects") }
                }
            }
            protects.append(list)
        }
        return protects
    }
}
