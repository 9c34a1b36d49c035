import Foundation
import HazLabCore

/// One thing to draw: a unit mesh, where, in what colour and pattern.
public struct Draw: Sendable, Equatable {
    public var mesh: MeshKind
    public var transform: Mat4
    public var color: V4
    public var pattern: Palette.Pattern = .plain
    /// 0 = lit by the lamps only; 1 = glows at full colour (lamps, fire, flashing alarms).
    public var emissive: Float = 0
    /// Entity row this belongs to, or -1.
    public var entity: Int32 = -1
    /// An OBJ mesh of the scene (`Scene.assets`) drawn instead of `mesh`, or -1.
    public var asset: Int32 = -1
    public var translucent: Bool { color.w < 0.999 }
}

/// The gas field as a floor heatmap: per column the highest hazard index over its height and
/// species (0.25 TWA / 10 %LEL, 0.5 STEL / 20 %LEL / 19.5 % O₂, 1 IDLH / 50 %LEL / 16 % O₂, 2+).
public struct GasHeatmap: Sendable {
    public var nx: Int, ny: Int
    public var origin: V3, cellSize: Float
    public var values: [Float]
}

/// A visible effect of an accident.
public struct Effect: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case fire, explosion, arcFlash, smoke }
    public var kind: Kind
    public var at: V3
}

/// What the 3D pass draws for one frame.
public struct SceneFrame: Sendable {
    public var draws: [Draw] = []
    public var gas: GasHeatmap? = nil
    public var effects: [Effect] = []
    /// The scene's OBJ meshes (`Draw.asset` indexes them).
    public var assets: [MeshData] = []
    /// Identifies the scene the assets belong to (the renderer uploads them once per scene).
    public var assetsKey: UUID? = nil
    /// Nothing to draw but the overlay (the workstation's login screen).
    public init() {}
}

/// The scene of a scenario: built once from the model's layout, then asked each frame for the
/// draw list of a `State`. It only reads the state.
public final class Scene: @unchecked Sendable {
    public let model: Model
    public let layout: Layout3D
    /// Wall height of the room.
    public let wallHeight: Float
    /// Walls of the gas rooms (centre, size), cut at `partitionHeight` so every room stays in view.
    public let partitions: [(centre: V3, size: V3)]
    /// Height at which room walls are cut, m (a cutaway plan).
    public static let partitionHeight: Float = 1.2
    private let pipePaths: [[V3]]   // per line
    private let lineFlowScale: [Double]
    /// OBJ meshes named by entities, the asset index of each entity (-1 = built-in shape),
    /// and one line per mesh that could not be used (the built-in shape is drawn instead).
    public let assets: [MeshData]
    public let assetOfEntity: [Int32]
    public let assetWarnings: [String]
    private let assetsKey = UUID()

    /// `assetFolders`: where `mesh:` paths are looked up, in order (the scenario's folder,
    /// then Assets/meshes).
    public init(model: Model, assetFolders: [String] = []) {
        self.model = model
        var assets: [MeshData] = [], byPath: [String: Int32] = [:], warnings: [String] = []
        var of = [Int32](repeating: -1, count: model.entities.count)
        for row in 0..<model.entities.count where row < model.entities.mesh.count && !model.entities.mesh[row].isEmpty {
            let rel = model.entities.mesh[row]
            guard let path = assetFolders.map({ ($0 as NSString).appendingPathComponent(rel) }).first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                warnings.append("\(model.entities.ids[row]).mesh: \(rel) not found in \(assetFolders.joined(separator: ", "))")
                continue
            }
            if let k = byPath[path] { of[row] = k; continue }
            do {
                assets.append(try OBJMesh.load(path: path))
                byPath[path] = Int32(assets.count - 1)
                of[row] = Int32(assets.count - 1)
            } catch {
                warnings.append("\(model.entities.ids[row]).mesh: \(error)")
            }
        }
        self.assets = assets
        assetOfEntity = of
        assetWarnings = warnings
        let layout = Layout3D(model: model)
        self.layout = layout
        wallHeight = max(3, min(layout.room.hi.z, 6))
        partitions = Self.partitions(model)
        var paths: [[V3]] = []
        var scale: [Double] = []
        for l in 0..<model.lines.count {
            var nodes: [V3] = []
            func port(_ row: Int32, side: Float) {
                guard row >= 0, let p = layout.placements[Int(row)] else { return }
                let h = min(0.4, p.size.z / 2)
                nodes.append(V3(p.base.x + side * p.size.x / 2, p.base.y, p.base.z + h))
            }
            func mid(_ row: Int32) {
                guard row >= 0, let p = layout.placements[Int(row)] else { return }
                nodes.append(V3(p.base.x, p.base.y, p.base.z + Self.valveAxisHeight(p)))
            }
            port(model.lines.fromTank[l], side: 1)
            let pump = model.lines.pump[l]
            if pump >= 0 { mid(model.motors.entity[Int(pump)]) }
            for k in Int(model.lines.valveStart[l])..<Int(model.lines.valveStart[l + 1]) {
                mid(model.valves.entity[Int(model.lines.valves[k])])
            }
            port(model.lines.toTank[l], side: -1)
            if model.lines.fromTank[l] < 0, let first = nodes.first { nodes.insert(first - V3(1.5, 0, 0), at: 0) }
            if model.lines.toTank[l] < 0, let last = nodes.last { nodes.append(last + V3(1.5, 0, 0)) }
            paths.append(nodes)
            scale.append(max(model.lines.ratedFlow[l], 1e-9))
        }
        pipePaths = paths
        lineFlowScale = scale
    }

    static func valveAxisHeight(_ p: Layout3D.Placement) -> Float { min(0.5, p.size.z / 2) }

    /// The point a label, a tooltip or a test aims at: the centre of the entity's box.
    public func anchor(_ row: Int) -> V3? {
        guard let p = layout.placements[row] else { return nil }
        switch model.entities.kinds[row] {
        case .alarm, .sensor, .detector, .contact: return head(row, p).centre
        default: return p.centre
        }
    }

    /// Devices on a pole (alarms, sensors, detectors, phones): the head fills the entity's box
    /// when the scenario sizes it (wall-mounted), else it sits on a pole in the default box.
    func head(_ row: Int, _ p: Layout3D.Placement) -> (centre: V3, size: V3, pole: Bool) {
        if SiteLayout.hasSize(model, row) { return (p.centre, p.size, false) }
        let h = min(0.3, p.size.z * 0.2)
        let w: Float = model.entities.kinds[row] == .alarm ? 0.26 : 0.22
        return (p.base + V3(0, 0, p.size.z - h / 2), V3(w, model.entities.kinds[row] == .alarm ? w : 0.14, h), true)
    }

    /// Entity under a ray: the nearest hit box; zone floors only when nothing else is hit.
    public func pick(origin: V3, dir: V3) -> Int? {
        var best: (Float, Int)? = nil, floor: (Float, Int)? = nil
        for (row, p) in layout.placements.enumerated() {
            guard let p else { continue }
            if model.entities.kinds[row] == .zone {
                var b = p.box; b.hi.z = 0.02
                if let t = b.hit(origin: origin, dir: dir) {
                    let area = p.size.x * p.size.y
                    // The smallest zone under the cursor wins (operating positions inside rooms).
                    if floor == nil || area < floor!.0 { floor = (area, row) }
                    _ = t
                }
                continue
            }
            if let t = p.box.hit(origin: origin, dir: dir), best == nil || t < best!.0 { best = (t, row) }
        }
        return best?.1 ?? floor?.1
    }

    /// The smallest zone whose footprint holds (x, y), or nil.
    public func zone(atX x: Float, y: Float) -> Int? {
        var best: (Float, Int)? = nil
        for (row, p) in layout.placements.enumerated() where model.entities.kinds[row] == .zone {
            guard let p else { continue }
            let b = p.box
            if x >= b.lo.x && x <= b.hi.x && y >= b.lo.y && y <= b.hi.y {
                let area = p.size.x * p.size.y
                if best == nil || area < best!.0 { best = (area, row) }
            }
        }
        return best?.1
    }

    /// A field of an entity by its expression name (`level`, `live`, …), or nil.
    public func field(_ name: String, row: Int, in state: State) -> Double? {
        let kind = model.entities.kinds[row]
        guard let spec = FieldCatalog.fields(of: kind, lockable: model.entities.lockable[row]).first(where: { $0.name == name }) else { return nil }
        let index = spec.byEntity ? Int32(row) : model.entities.local[row]
        return state.read(FieldRef(spec.kind, index))
    }

    /// How a gas detector's reading should look: 0 normal, 1 warning, 2 danger, on the species'
    /// own limits (`GasDisplay.readingLevel`): toxic TWA / STEL, flammable 20 / 50 %LEL; oxygen
    /// outside 19.5–23.5 %vol is danger.
    public func detectorLevel(row: Int, value v: Double) -> Int {
        guard let net = model.gas, let k = net.detectorEntities.firstIndex(of: Int32(row)) else { return 0 }
        switch net.detectors[k].target {
        case .oxygen:
            return v < 0.195 || v > 0.235 ? 2 : 0
        case .species(let sp):
            let g = net.spec.species[sp]
            // A %LEL channel is judged on %LEL even for a gas with toxic limits.
            if net.detectorReading[k] == .lelFraction { return GasDisplay.level(GasSpecies.band(v, [0, 0.10, 0.20, 0.50, 1.0])) }
            return GasDisplay.readingLevel(g, fraction: v)
        }
    }

    /// A gas detector's reading in its own unit (%LEL, ppm or %vol), or nil for another entity;
    /// past the instrument's range it reads `>100 %LEL OVER` as a real one does.
    public func detectorText(row: Int, value v: Double) -> String? {
        guard let net = model.gas, let k = net.detectorEntities.firstIndex(of: Int32(row)) else { return nil }
        if case .oxygen = net.detectors[k].target { return GasDisplay.capped(v * 100, range: 30, unit: "%") }   // O₂ meters read %vol, 0–30
        switch net.detectors[k].unit {
        case .percentLEL: return GasDisplay.capped(v * 100, range: 100, unit: "%LEL")
        case .ppm:
            guard case .species(let sp) = net.detectors[k].target else { return Self.short(v * 1e6) + " ppm" }
            return GasDisplay.capped(v * 1e6, range: GasDisplay.portableRangePPM(net.spec.species[sp]), unit: "ppm")
        case .percentVolume: return GasDisplay.capped(v * 100, range: 100, unit: "%")
        }
    }

    /// A reading with as many decimals as its size deserves: 152, 20.9, 1.07, 0.004.
    public static func short(_ x: Double) -> String {
        if !x.isFinite { return "—" }
        let a = abs(x)
        return String(format: "%.\(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3)f", x)
    }

    /// Electrical state of a bus, supply or switch (for colour and pattern).
    public func electrical(row: Int, in state: State) -> Palette.Electrical? {
        let i = Int(model.entities.local[row])
        switch model.entities.kinds[row] {
        case .bus: return Palette.Electrical(live: state.busLive[i] != 0, earthed: state.busEarthed[i] != 0)
        case .supply: return state.supplyLive[i] != 0 ? .energized : .isolated
        default: return nil
        }
    }

    // MARK: - The frame

    /// The draw list for `state`. `eye` hides the walls between the camera and the room (a
    /// doll's-house cut) when it is outside; `time` (seconds of sim time) animates fans and flashing.
    /// `accidents`: the core's accident events so far (fire, explosion, arc flash at an entity).
    public func frame(state: State, eye: V3, hover: Int? = nil, showGas: Bool = false, accidents: [Event] = []) -> SceneFrame {
        var f = SceneFrame()
        f.assets = assets
        f.assetsKey = assetsKey
        let t = Float(state.seconds)
        room(&f, eye: eye)
        for (row, p) in layout.placements.enumerated() {
            guard let p else { continue }
            entity(&f, row: row, p: p, state: state, time: t)
            if model.entities.lockable[row] { lockAndTag(&f, row: row, p: p, state: state) }
            if hover == row {
                var box = grow(p.box, 0.06)
                if model.entities.kinds[row] == .zone { box.hi.z = p.base.z + 0.04 }   // a zone: its floor only
                f.draws.append(Draw(mesh: .box, transform: boxTransform(box), color: V4(Palette.highlight.x, Palette.highlight.y, Palette.highlight.z, 0.28), emissive: 0.6, entity: Int32(row)))
            }
        }
        pipes(&f, state: state)
        if showGas { f.gas = heatmap(state) }
        effects(&f, state: state, time: t, accidents: accidents)
        return f
    }

    func grow(_ b: AABB, _ d: Float) -> AABB { AABB(lo: b.lo - V3(repeating: d), hi: b.hi + V3(repeating: d)) }
    func boxTransform(_ b: AABB) -> Mat4 { Mat4.translation(b.centre) * Mat4.scale(b.hi - b.lo) }
    func at(_ c: V3, _ s: V3) -> Mat4 { Mat4.translation(c) * Mat4.scale(s) }

    static func partitions(_ model: Model) -> [(centre: V3, size: V3)] {
        guard let spec = model.gas?.spec else { return [] }
        let h = spec.cellSize, th = 0.12
        return spec.wallRuns().map { r in
            let z0 = spec.originZ, top = min(Double(partitionHeight), Double(r.height) * h)
            let along0 = Double(r.from) * h, along1 = Double(r.to) * h
            if r.axis == 0 {
                let x = spec.originX + Double(r.plane) * h
                return (V3(Float(x), Float(spec.originY + (along0 + along1) / 2), Float(z0 + top / 2)),
                        V3(Float(th), Float(along1 - along0), Float(top)))
            }
            let y = spec.originY + Double(r.plane) * h
            return (V3(Float(spec.originX + (along0 + along1) / 2), Float(y), Float(z0 + top / 2)),
                    V3(Float(along1 - along0), Float(th), Float(top)))
        }
    }

    private func room(_ f: inout SceneFrame, eye: V3) {
        let r = layout.room
        let size = r.hi - r.lo
        f.draws.append(Draw(mesh: .box, transform: at(V3(r.centre.x, r.centre.y, -0.05), V3(size.x, size.y, 0.1)), color: Palette.floor))
        let h = wallHeight, th: Float = 0.12
        let walls: [(V3, V3, V3)] = [   // centre, size, outward normal
            (V3(r.centre.x, r.lo.y - th / 2, h / 2), V3(size.x + 2 * th, th, h), V3(0, -1, 0)),
            (V3(r.centre.x, r.hi.y + th / 2, h / 2), V3(size.x + 2 * th, th, h), V3(0, 1, 0)),
            (V3(r.lo.x - th / 2, r.centre.y, h / 2), V3(th, size.y, h), V3(-1, 0, 0)),
            (V3(r.hi.x + th / 2, r.centre.y, h / 2), V3(th, size.y, h), V3(1, 0, 0)),
        ]
        for (c, s, n) in walls where dot(n, eye - c) <= 0 {
            f.draws.append(Draw(mesh: .box, transform: at(c, s), color: Palette.wall))
        }
        for w in partitions { f.draws.append(Draw(mesh: .box, transform: at(w.centre, w.size), color: Palette.wall)) }
        var k = 0
        for (row, p) in layout.placements.enumerated() where model.entities.kinds[row] == .zone {
            guard let p else { continue }
            let c = Palette.zones[k % Palette.zones.count]
            let z = 0.004 + 0.002 * Float(k % 8)
            f.draws.append(Draw(mesh: .box, transform: at(V3(p.base.x, p.base.y, p.base.z + z), V3(p.size.x, p.size.y, 0.004)), color: c, entity: Int32(row)))
            k += 1
        }
    }

    private func entity(_ f: inout SceneFrame, row: Int, p: Layout3D.Placement, state s: State, time t: Float) {
        if assetOfEntity[row] >= 0 {
            var color = Palette.steel, pattern = Palette.Pattern.plain
            if let st = electrical(row: row, in: s) { color = st.color; pattern = st.pattern }
            f.draws.append(Draw(mesh: .box, transform: at(p.centre, p.size), color: color, pattern: pattern, entity: Int32(row), asset: assetOfEntity[row]))
            return
        }
        switch model.entities.kinds[row] {
        case .zone, .timer, .link:
            return
        case .tank, .reactor, .valve, .motor:
            processEquipment(&f, row: row, p: p, state: s, time: t)
        case .switchgear, .bus, .supply, .load, .indicator, .energy:
            electricalEquipment(&f, row: row, p: p, state: s, time: t)
        case .sensor, .detector, .alarm, .ppe, .contact, .opening, .leak, .hotwork:
            fieldDevice(&f, row: row, p: p, state: s, time: t)
        case .compressor:
            compressor(&f, row: row, p: p, state: s)
        }
    }

    /// One draw of entity `e` (its shape, colour, pattern and glow).
    func add(_ f: inout SceneFrame, _ e: Int32, _ mesh: MeshKind, _ m: Mat4, _ c: V4, _ pattern: Palette.Pattern = .plain, glow: Float = 0) {
        f.draws.append(Draw(mesh: mesh, transform: m, color: c, pattern: pattern, emissive: glow, entity: e))
    }

    /// Tanks (with their level), reactors (coloured by temperature), valves (handwheel and flag), pumps and fans.
    private func processEquipment(_ f: inout SceneFrame, row: Int, p: Layout3D.Placement, state s: State, time t: Float) {
        let e = Int32(row), i = Int(model.entities.local[row])
        let b = p.base, sz = p.size
        switch model.entities.kinds[row] {
        case .tank:
            let fill = Float(max(0, min(1, s.tankFill[i])))
            if fill > 0.001 {
                add(&f, e, .cylinder, at(b + V3(0, 0, sz.z * fill / 2), V3(sz.x * 0.96, sz.y * 0.96, sz.z * fill)), Palette.liquid)
            }
            add(&f, e, .cylinder, at(p.centre, sz), V4(Palette.steel.x, Palette.steel.y, Palette.steel.z, 0.35))
            add(&f, e, .torus, at(b + V3(0, 0, sz.z), V3(sz.x * 1.2, sz.y * 1.2, 0.3)), Palette.darkSteel)
            if s.tankOverflowing[i] != 0 {
                add(&f, e, .cylinder, at(b + V3(0, 0, 0.01), V3(sz.x * 2.2, sz.y * 2.2, 0.02)), Palette.liquid)
            }
        case .reactor:
            let temp = Float(s.reactors[i].temperature)
            let hot = max(0, min(1, (temp - 293) / 120))
            add(&f, e, .cylinder, at(b + V3(0, 0, sz.z * 0.45), V3(sz.x, sz.y, sz.z * 0.9)), Palette.steel)
            add(&f, e, .sphere, at(b + V3(0, 0, sz.z * 0.9), V3(sz.x, sz.y, sz.z * 0.25)), Palette.steel)
            add(&f, e, .cylinder, at(b + V3(0, 0, sz.z * 0.35), V3(sz.x * 1.06, sz.y * 1.06, sz.z * 0.4)), V4(0.2 + 0.8 * hot, 0.35 - 0.2 * hot, 0.8 - 0.7 * hot, 1))
            add(&f, e, .box, at(b + V3(0, 0, sz.z * 1.05), V3(0.35, 0.35, 0.3)), Palette.darkSteel)
        case .valve:
            let axis = Self.valveAxisHeight(p)
            let c = b + V3(0, 0, axis)
            let pos = Float(s.valvePosition[i])
            add(&f, e, .box, at(c, V3(0.32, 0.22, 0.22)), s.valveStuck[i] != 0 ? Palette.tripped : Palette.darkSteel)
            add(&f, e, .cylinder, at(c + V3(0, 0, 0.2), V3(0.04, 0.04, 0.2)), Palette.steel)
            // The handwheel turns 270° from closed to open; its spoke shows the angle.
            let turn = Mat4.rotation(pos * 1.5 * .pi, V3(0, 0, 1))
            add(&f, e, .torus, Mat4.translation(c + V3(0, 0, 0.3)) * turn * Mat4.scale(V3(0.36, 0.36, 0.18)), Palette.handwheel)
            add(&f, e, .box, Mat4.translation(c + V3(0, 0, 0.3)) * turn * Mat4.scale(V3(0.3, 0.035, 0.035)), Palette.handwheel)
            // Position flag: along the pipe when open, across it when closed.
            let flag = Mat4.rotation((1 - pos) * .pi / 2, V3(0, 0, 1))
            add(&f, e, .box, Mat4.translation(c + V3(0, 0, 0.13)) * flag * Mat4.scale(V3(0.28, 0.05, 0.03)), pos > 0.5 ? Palette.running : Palette.stopped)
        case .motor:
            let running = s.motorRunning[i] != 0, trip = s.motorTripped[i] != 0
            let lamp = trip ? Palette.tripped : running ? Palette.running : Palette.stopped
            if model.motors.role[i] == .fan {
                let c = p.centre
                add(&f, e, .torus, at(c, V3(sz.x, sz.x, sz.y)) * Mat4.rotation(.pi / 2, V3(1, 0, 0)), Palette.darkSteel)
                add(&f, e, .cylinder, at(c, V3(0.16, 0.22, 0.16)) * Mat4.rotation(.pi / 2, V3(1, 0, 0)), Palette.darkSteel)
                let spin = running ? t * 12 : 0
                for k in 0..<3 {
                    let a = spin + Float(k) * 2 * .pi / 3
                    add(&f, e, .box, Mat4.translation(c) * Mat4.rotation(a, V3(0, 1, 0)) * Mat4.scale(V3(sz.x * 0.7, 0.02, 0.12)), Palette.steel)
                }
                add(&f, e, .sphere, at(c + V3(0, 0, sz.z / 2 + 0.1), V3(0.12, 0.12, 0.12)), lamp, glow: running || trip ? 1 : 0)
            } else {
                add(&f, e, .box, at(b + V3(0, 0, 0.08), V3(sz.x, sz.y, 0.16)), Palette.darkSteel)
                let hz = 0.16 + (sz.z - 0.16) / 2
                add(&f, e, .cylinder, at(b + V3(-sz.x * 0.2, 0, hz), V3(sz.x * 0.55, sz.y * 0.8, sz.z - 0.2)) * Mat4.rotation(.pi / 2, V3(0, 1, 0)) , V4(0.20, 0.45, 0.70, 1))
                add(&f, e, .cylinder, at(b + V3(sz.x * 0.3, 0, hz), V3(sz.x * 0.3, sz.y * 0.9, sz.z - 0.2)), Palette.steel)
                add(&f, e, .sphere, at(b + V3(0, 0, sz.z + 0.08), V3(0.14, 0.14, 0.14)), lamp, glow: running || trip ? 1 : 0)
            }
        default:
            break
        }
    }

    /// Switchgear (position indicator), buses, supplies, loads, indicator lamps and energy-isolation points.
    private func electricalEquipment(_ f: inout SceneFrame, row: Int, p: Layout3D.Placement, state s: State, time t: Float) {
        let e = Int32(row), i = Int(model.entities.local[row])
        let b = p.base, sz = p.size
        switch model.entities.kinds[row] {
        case .switchgear:
            let closed = s.switchClosed[i] != 0
            let role = model.switches.role[i]
            add(&f, e, .box, at(p.centre, sz), Palette.cabinet)
            // Position indicator: red and horizontal when closed (合), green and slanted when
            // open (分); an earthing switch closed shows the earthed colour and pattern.
            let state: Palette.Electrical = closed ? (role == .earthing ? .earthed : .energized) : .isolated
            let front = b + V3(0, -sz.y / 2 - 0.03, sz.z * 0.7)
            let tilt = Mat4.rotation(closed ? 0 : .pi / 4, V3(0, 1, 0))
            add(&f, e, .box, Mat4.translation(front) * tilt * Mat4.scale(V3(min(0.5, sz.x * 0.7), 0.05, 0.12)), state.color, state.pattern, glow: 0.35)
            if s.switchTripped[i] != 0 {
                add(&f, e, .sphere, at(front + V3(0, 0, 0.25), V3(0.1, 0.1, 0.1)), Palette.tripped, glow: 1)
            }
        case .bus, .supply:
            let st = electrical(row: row, in: s) ?? .isolated
            add(&f, e, .box, at(p.centre, sz), st.color, st.pattern, glow: 0.15)
        case .load:
            add(&f, e, .box, at(p.centre, sz), s.loadSupplied[i] != 0 ? Palette.running : Palette.cabinet)
        case .indicator:
            let lit = s.indicatorLit[i] != 0
            add(&f, e, .sphere, at(p.centre, V3(repeating: max(0.12, min(sz.x, 0.2)))), lit ? Palette.energized : Palette.alarmOff, lit ? .stripes : .plain, glow: lit ? 1 : 0)
        case .energy:
            let isolated = s.isolation?.isIsolated(i) ?? false
            let st: Palette.Electrical = isolated ? .isolated : .energized
            add(&f, e, .box, at(p.centre, sz), Palette.cabinet)
            add(&f, e, .box, at(b + V3(0, -sz.y / 2 - 0.02, sz.z * 0.75), V3(sz.x * 0.6, 0.04, sz.z * 0.2)), st.color, st.pattern, glow: 0.3)
        default:
            break
        }
    }

    /// Sensors, detectors, alarms, PPE, contacts, doors and windows, leaks and hot work.
    private func fieldDevice(_ f: inout SceneFrame, row: Int, p: Layout3D.Placement, state s: State, time t: Float) {
        let e = Int32(row), i = Int(model.entities.local[row])
        let b = p.base, sz = p.size
        switch model.entities.kinds[row] {
        case .sensor, .detector:
            let hd = head(row, p)
            if hd.pole { add(&f, e, .cylinder, at(b + V3(0, 0, sz.z / 2), V3(0.05, 0.05, sz.z)), Palette.darkSteel) }
            var color = Palette.steel
            if model.entities.kinds[row] == .detector {
                let level = detectorLevel(row: row, value: s.detectorValue[i])
                color = level == 2 ? Palette.alarmOn : level == 1 ? Palette.tripped : Palette.running
            } else if s.sensorFailure[i] != 0 {
                color = Palette.tripped
            }
            add(&f, e, .box, at(hd.centre, hd.size), color, glow: 0.3)
        case .alarm:
            let active = s.alarmActive[i] != 0, acked = s.alarmAcknowledged[i] != 0
            // Unacknowledged alarms flash at 2 Hz of sim time; acknowledged ones stay lit.
            let on = active && (acked || Int(t * 4) % 2 == 0)
            let hd = head(row, p)
            if hd.pole { add(&f, e, .cylinder, at(b + V3(0, 0, sz.z / 2), V3(0.05, 0.05, sz.z)), Palette.darkSteel) }
            add(&f, e, .cylinder, at(hd.centre, hd.size), on ? Palette.alarmOn : Palette.alarmOff, glow: on ? 1 : 0)
        case .ppe:
            let worn = s.ppeWorn[i] != 0
            add(&f, e, .box, at(b + V3(0, 0.12, -0.2), V3(sz.x + 0.1, 0.04, 0.9)), Palette.darkSteel)
            if !worn { add(&f, e, .box, at(p.centre, sz), Palette.ppe) }
        case .contact:
            let hd = head(row, p)
            if hd.pole { add(&f, e, .cylinder, at(b + V3(0, 0, sz.z / 2), V3(0.06, 0.06, sz.z)), Palette.steel) }
            add(&f, e, .box, at(hd.centre, hd.size), Palette.darkSteel)
        case .opening:
            let open = s.openingOpen[i] != 0
            let hinge = b + V3(-sz.x / 2, 0, 0)
            let swing = Mat4.rotation(open ? -1.35 : 0, V3(0, 0, 1))
            add(&f, e, .box, Mat4.translation(hinge) * swing * Mat4.translation(V3(sz.x / 2, 0, sz.z / 2)) * Mat4.scale(V3(sz.x, max(0.05, sz.y), sz.z)), V4(0.55, 0.42, 0.30, 1))
        case .leak:
            let rate = s.leakRate[i]
            add(&f, e, .torus, at(p.centre, V3(0.3, 0.3, 0.15)), Palette.darkSteel)
            if rate > 0 {
                let pulse = 0.8 + 0.2 * Float(Int(t * 5) % 2)
                add(&f, e, .cone, at(p.centre + V3(0, 0, 0.45), V3(0.5 * pulse, 0.5 * pulse, 0.8)), V4(0.75, 0.85, 0.55, 0.35))
            }
        case .hotwork:
            let active = s.hotworkActive[i] != 0
            add(&f, e, .box, at(b + V3(0, 0, 0.3), V3(sz.x, sz.y, 0.6)), V4(0.2, 0.3, 0.6, 1))
            if active { add(&f, e, .sphere, at(b + V3(sz.x / 2, 0, 0.8), V3(repeating: 0.15 + 0.05 * Float(Int(t * 8) % 2))), V4(1, 0.9, 0.5, 1), glow: 1) }
        default:
            break
        }
    }

    private func lockAndTag(_ f: inout SceneFrame, row: Int, p: Layout3D.Placement, state s: State) {
        let e = Int32(row)
        let front = p.base + V3(p.size.x * 0.3, -p.size.y / 2 - 0.06, min(p.size.z, 1.2) * 0.8)
        if s.lockOwner[row] != 0 {
            f.draws.append(Draw(mesh: .box, transform: at(front, V3(0.12, 0.05, 0.12)), color: Palette.lock, entity: e))
            f.draws.append(Draw(mesh: .torus, transform: at(front + V3(0, 0, 0.09), V3(0.12, 0.12, 0.05)) * Mat4.rotation(.pi / 2, V3(1, 0, 0)), color: Palette.lock, entity: e))
        }
        if s.tagged[row] != 0 {
            f.draws.append(Draw(mesh: .box, transform: at(front + V3(-0.2, 0, -0.15), V3(0.14, 0.02, 0.22)), color: Palette.tag, emissive: 0.3, entity: e))
        }
    }

    private func pipes(_ f: inout SceneFrame, state s: State) {
        for (l, path) in pipePaths.enumerated() where path.count >= 2 {
            let q = s.lineFlow[l] / lineFlowScale[l]
            let c = abs(q) > 0.001 ? Palette.pipeFlow : Palette.pipeIdle
            for k in 0..<(path.count - 1) {
                f.draws.append(Draw(mesh: .tube, transform: Mat4.along(from: path[k], to: path[k + 1], radius: 0.06), color: c, emissive: abs(q) > 0.001 ? 0.2 : 0))
            }
        }
    }

    /// The gas field's columns: per column the worst over height and over species of each
    /// species' hazard index on its own bands (`GasSpecies.hazardIndex`: toxic TWA / STEL / IDLH,
    /// flammable 10 / 20 / 50 %LEL) and of oxygen deficiency (20.2 / 19.5 / 16 %vol).
    public func heatmap(_ s: State) -> GasHeatmap? {
        guard let g = s.gas, let spec = model.gas?.spec else { return nil }
        var values = [Float](repeating: 0, count: g.nx * g.ny)
        for j in 0..<g.ny {
            for i in 0..<g.nx {
                var m = 0.0
                for k in 0..<g.nz {
                    var others = 0.0
                    for (sp, species) in spec.species.enumerated() {
                        let c = g.value(i, j, k, species: sp)
                        others += c
                        m = max(m, species.hazardIndex(fraction: c))
                    }
                    m = max(m, GasSpecies.oxygenHazardIndex(fraction: GasSpecies.airOxygenFraction * max(0, 1 - others)))
                }
                values[j * g.nx + i] = Float(m)
            }
        }
        return GasHeatmap(nx: g.nx, ny: g.ny, origin: V3(Float(spec.originX), Float(spec.originY), Float(spec.originZ)),
                          cellSize: Float(spec.cellSize), values: values)
    }

    static func effectKind(_ c: Consequence) -> Effect.Kind? {
        switch c {
        case .fire: return .fire
        case .explosion: return .explosion
        case .arcFlash, .electricShock: return .arcFlash
        default: return nil
        }
    }

    private func effects(_ f: inout SceneFrame, state s: State, time t: Float, accidents: [Event]) {
        var sites: [(Effect.Kind, V3)] = []
        for h in 0..<model.hazards.count where s.hazardActive[h] != 0 {
            if let kind = Self.effectKind(model.hazards.consequence[h]) { sites.append((kind, effectSite(kind, state: s))) }
        }
        // Accidents stay visible for 20 s of sim time (an ended attempt keeps showing them).
        for e in accidents where e.kind == .accident && (s.ended || s.tick - e.tick < Int64(20 / s.secondsPerTick)) {
            guard let c = Consequence(rawValue: UInt8(truncatingIfNeeded: e.code)), let kind = Self.effectKind(c) else { continue }
            let at = e.subject >= 0 && Int(e.subject) < layout.placements.count ? layout.placements[Int(e.subject)]?.base : nil
            sites.append((kind, at ?? effectSite(kind, state: s)))
        }
        for (kind, site) in sites {
            f.effects.append(Effect(kind: kind, at: site))
            switch kind {
            case .fire, .explosion:
                let flicker = 1 + 0.15 * Float(Int(t * 10) % 3)
                let r: Float = kind == .explosion ? 3 : 0.9
                if kind == .explosion {
                    f.draws.append(Draw(mesh: .sphere, transform: at(site + V3(0, 0, r * 0.5), V3(repeating: r * 1.6 * flicker)), color: V4(1, 0.75, 0.2, 0.75), emissive: 1))
                }
                f.draws.append(Draw(mesh: .cone, transform: at(site + V3(0, 0, r * 0.6 * flicker), V3(r, r, 1.2 * r * flicker)), color: Palette.fire, emissive: 1))
                f.draws.append(Draw(mesh: .sphere, transform: at(site + V3(0, 0, 2.2 * r), V3(repeating: 1.8 * r)), color: Palette.smoke))
                f.effects.append(Effect(kind: .smoke, at: site + V3(0, 0, 2.2 * r)))
            case .arcFlash:
                f.draws.append(Draw(mesh: .sphere, transform: at(site + V3(0, 0, 1.4), V3(repeating: 1.2)), color: V4(0.85, 0.9, 1, 0.8), emissive: 1))
            case .smoke:
                break
            }
        }
    }

    /// Where an accident shows: a leak or hot work for fire and explosion, the trainee's zone
    /// for arc flash and shock, else the room's centre.
    func effectSite(_ kind: Effect.Kind, state s: State) -> V3 {
        if kind == .arcFlash {
            let z = Int(s.traineeZone)
            if z >= 0, let p = layout.placements[z] { return p.base }
        } else {
            for (row, p) in layout.placements.enumerated() where model.entities.kinds[row] == .leak || model.entities.kinds[row] == .hotwork {
                if let p { return p.base }
            }
        }
        return V3(layout.room.centre.x, layout.room.centre.y, 0)
    }
}
