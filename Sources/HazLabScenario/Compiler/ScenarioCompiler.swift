import Crypto
import Foundation
import HazLabCore

private typealias Dimension = HazLabCore.Dimension

/// The result of compiling one scenario file: a model when there were no errors, and
/// every diagnostic (errors and warnings) found in one pass.
public struct CompileResult: Sendable {
    public var model: Model?
    public var diagnostics: [Diagnostic]
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
}

public enum ScenarioCompiler {
    /// Scenario ids double as folder names: ASCII letters and digits, then also '-' and '_'.
    public static func isValidId(_ s: String) -> Bool { Compilation.isIdentifier(s) }

    /// Compiles `Scenarios/<id>/scenario.yaml` (or any path).
    public static func compile(path: String) -> CompileResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            let loc = SourceLocation(file: path, line: 1, column: 1)
            return CompileResult(model: nil, diagnostics: [.error(loc, "cannot read scenario file")])
        }
        return compile(bytes: [UInt8](data), path: path)
    }

    public static func compile(bytes: [UInt8], path: String) -> CompileResult {
        let (root, yamlDiagnostics) = SafeYAML.parse(bytes: bytes, path: path)
        guard let root, !yamlDiagnostics.contains(where: { $0.severity == .error }) else {
            return CompileResult(model: nil, diagnostics: yamlDiagnostics)
        }
        var c = Compilation(path: path, sha256: SHA256.hex(bytes))
        c.bag.append(contentsOf: yamlDiagnostics)
        let model = c.run(root)
        let diagnostics = c.bag.sorted
        return CompileResult(model: c.bag.hasErrors ? nil : model, diagnostics: diagnostics)
    }
}

/// Reference-type records shared with the expression environment's closure.
final class Usage {
    var entities: [Bool] = []
    var sensorDimensions: [HazLabCore.Dimension?] = []
    var detectorDimensions: [HazLabCore.Dimension] = []
    var gasSpecies: [String] = []
    /// The scenario has a `ticket`, so `ticket.next` and the like resolve.
    var hasTicket = false
}

struct Declared {
    var id: String
    var type: String
    var kind: EntityKind
    var node: YNode
    var reader: MappingReader
}

struct Compilation {
    let path: String
    let sha256: String
    var bag = DiagnosticBag()

    var declared: [Declared] = []
    var entityRow: [String: Int32] = [:]
    var local: [Int32] = []
    var usage = Usage()
    var persons: [String] = ["trainee"]
    var personNames: [LocalizedText] = [LocalizedText(zh: "学员", en: "Trainee")]
    var variables: [String: VariableSource] = [:]
    var session: ExprCompilerSession?
    /// `zone` of each person (row 0, the trainee, moves and has none), resolved after entities.
    var personZoneNodes: [YNode?] = [nil]
    /// Layout of every entity row, filled in before the physics sections read it.
    var positions: [Vec3] = []
    var sizes: [Vec3] = []
    func positionOf(_ row: Int) -> Vec3 { positions[row] }
    func entitySize(_ row: Int) -> Vec3 { sizes[row] }
    var memorySlots = 0
    var initialMemory = ContiguousArray<Double>()
    var tickRate: Int32 = 10
    /// Expressions as written, for `ScenarioText.sources` (documents only; never compiled from here).
    var sources: [String: String] = [:]

    init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }

    // MARK: - helpers

    mutating func reader(_ node: YNode, _ what: String, _ keys: [KeySpec]) -> MappingReader? {
        guard let r = MappingReader(node, what: what, bag: &bag) else { return nil }
        r.checkKeys(allowed: keys.map(\.name), bag: &bag)
        for k in keys where k.required { _ = r.required(k.name, bag: &bag) }
        return r
    }

    mutating func localized(_ node: YNode?, _ what: String) -> LocalizedText {
        guard let node else { return .empty }
        if case .scalar = node.content {
            let s = node.string(&bag, what: what) ?? ""
            return LocalizedText(zh: s, en: s)
        }
        guard let r = reader(node, what, Format.localized) else { return .empty }
        let zh = r.node("zh").flatMap { $0.string(&bag, what: "\(what).zh") } ?? ""
        let en = r.node("en").flatMap { $0.string(&bag, what: "\(what).en") } ?? ""
        return LocalizedText(zh: zh, en: en)
    }

    /// A quantity such as `5 s` or `3.2 m`; a bare number is taken in SI units.
    mutating func quantity(_ node: YNode, _ dimension: HazLabCore.Dimension, _ what: String) -> Double? {
        guard case .scalar(let scalar) = node.content, !scalar.isNull else {
            bag.error(node.location, "expected a \(dimension) quantity for '\(what)', found \(node.kindName)")
            return nil
        }
        switch Units.quantity(scalar.text, expecting: dimension) {
        case .success(let v):
            guard v.isFinite else {
                bag.error(node.location, "'\(what)' must be finite")
                return nil
            }
            return v
        case .failure(let e):
            bag.error(node.location, "\(e.message) for '\(what)'")
            return nil
        }
    }

    mutating func nonNegative(_ node: YNode?, _ dimension: HazLabCore.Dimension, _ what: String, default d: Double) -> Double {
        guard let node, let v = quantity(node, dimension, what) else { return d }
        if v < 0 { bag.error(node.location, "'\(what)' must not be negative"); return d }
        return v
    }

    mutating func positive(_ node: YNode?, _ dimension: HazLabCore.Dimension, _ what: String, default d: Double) -> Double {
        guard let node, let v = quantity(node, dimension, what) else { return d }
        if v <= 0 { bag.error(node.location, "'\(what)' must be positive"); return d }
        return v
    }

    /// `[x, y, z]` lengths.
    /// A relative path to an `.obj` file, inside the scenario's folder or Assets/meshes.
    mutating func meshPath(_ node: YNode?, _ what: String) -> String {
        guard let node, let text = node.string(&bag, what: what) else { return "" }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if text.isEmpty || text.hasPrefix("/") || parts.contains("..") || parts.contains("") || !text.lowercased().hasSuffix(".obj") {
            bag.error(node.location, "'\(what)' must be a relative path to an .obj file without '..', e.g. meshes/pump.obj")
            return ""
        }
        return text
    }

    mutating func vector(_ node: YNode, _ what: String, nonNegative: Bool) -> Vec3? {
        guard let list = node.sequence(&bag, what: what) else { return nil }
        guard list.count == 3 else {
            bag.error(node.location, "'\(what)' needs three lengths, [x, y, z]")
            return nil
        }
        var v: [Double] = []
        for item in list {
            guard let q = quantity(item, .length, what) else { return nil }
            if nonNegative && q < 0 { bag.error(item.location, "'\(what)' must not be negative"); return nil }
            v.append(q)
        }
        return Vec3(v[0], v[1], v[2])
    }

    /// Seconds to ticks, saturating (times beyond a week are rejected where they are read).
    func ticks(_ seconds: Double) -> Int64 {
        let t = (seconds * Double(tickRate)).rounded(.toNearestOrAwayFromZero)
        guard t.isFinite else { return t < 0 ? -Int64(1) << 52 : Int64(1) << 52 }
        return Int64(max(-4.5e15, min(4.5e15, t)))
    }

    /// Where an expression's first character is, for mapping parser offsets to the file.
    func expressionStart(_ node: YNode) -> SourceLocation {
        guard case .scalar(let s) = node.content else { return node.location }
        return s.location(ofOffset: 0)
    }

    func environment() -> ExprEnvironment {
        let rows = entityRow
        let kinds = declared.map(\.kind)
        let locals = local
        let used = usage
        let ids = declared.map(\.id)
        return ExprEnvironment(resolveField: { entity, field in
            if entity == "trainee" && rows[entity] == nil {
                let specs = FieldCatalog.trainee
                for (k, g) in used.gasSpecies.enumerated() {
                    for f in FieldCatalog.traineeGas(g) where f.name == field {
                        return .found(FieldRef(f.kind, Int32(k)), f.type)
                    }
                }
                guard let spec = specs.first(where: { $0.name == field }) else {
                    let names = specs.map(\.name) + used.gasSpecies.flatMap { FieldCatalog.traineeGas($0).map(\.name) }
                    return .unknownField(entityKind: "trainee", available: names, suggestion: Suggest.closest(to: field, among: names))
                }
                return .found(FieldRef(spec.kind, 0), spec.type ?? .number(.none))
            }
            if entity == "ticket" && rows[entity] == nil && used.hasTicket {
                guard let spec = FieldCatalog.ticket.first(where: { $0.name == field }) else {
                    let names = FieldCatalog.ticket.map(\.name)
                    return .unknownField(entityKind: "ticket", available: names, suggestion: Suggest.closest(to: field, among: names))
                }
                return .found(FieldRef(spec.kind, 0), spec.type ?? .number(.none))
            }
            guard let row = rows[entity] else {
                return .unknownEntity(suggestion: Suggest.closest(to: entity, among: ids))
            }
            let kind = kinds[Int(row)]
            used.entities[Int(row)] = true
            let specs = FieldCatalog.fields(of: kind, lockable: FieldCatalog.isLockable(kind))
            guard let spec = specs.first(where: { $0.name == field }) else {
                let names = specs.map(\.name)
                return .unknownField(entityKind: kind.name, available: names, suggestion: Suggest.closest(to: field, among: names))
            }
            let index = spec.byEntity ? row : locals[Int(row)]
            let type: ValueType
            if let t = spec.type {
                type = t
            } else if kind == .detector {
                let k = Int(locals[Int(row)])
                type = .number(k < used.detectorDimensions.count ? used.detectorDimensions[k] : .none)
            } else if let d = used.sensorDimensions[Int(locals[Int(row)])] {
                type = .number(d)
            } else {
                type = .number(.none)
            }
            return .found(FieldRef(spec.kind, index), type)
        }, variables: variables)
    }

    /// Keeps an expression's text as written under `key` (see `ScenarioText.sources`).
    mutating func keepSource(_ key: String, _ node: YNode?) {
        guard let node, case .scalar(let s) = node.content, !s.isNull else { return }
        sources[key] = s.text
    }

    /// Compiles an expression node and assigns its temporal memory in the state.
    mutating func expression(_ node: YNode, boolean: Bool, _ what: String) -> Program? {
        guard case .scalar(let scalar) = node.content, !scalar.isNull else {
            bag.error(node.location, "expected an expression for '\(what)', found \(node.kindName)")
            return nil
        }
        if session == nil { session = ExprCompilerSession(env: environment()) }
        return session!.compile(scalar.text, at: expressionStart(node), expecting: boolean ? .bool : nil, bag: &bag)
    }

    mutating func allocateMemory(_ p: Program) -> Int32 {
        let base = memorySlots
        memorySlots += p.memorySlots
        initialMemory.append(contentsOf: p.initialMemory())
        return Int32(base)
    }

    /// Resolves an entity id and checks its kind.
    mutating func entityRef(_ node: YNode?, _ what: String, kinds: [EntityKind]) -> Int32? {
        guard let node, let id = node.string(&bag, what: what) else { return nil }
        guard let row = entityRow[id] else {
            var msg = "unknown entity '\(id)' in '\(what)'"
            if let s = Suggest.closest(to: id, among: declared.map(\.id)) { msg += "; did you mean '\(s)'?" }
            bag.error(node.location, msg)
            return nil
        }
        let kind = declared[Int(row)].kind
        if !kinds.isEmpty && !kinds.contains(kind) {
            let want = kinds.map(\.name).joined(separator: " or ")
            bag.error(node.location, "'\(id)' is a \(declared[Int(row)].type), expected a \(want) for '\(what)'")
            return nil
        }
        usage.entities[Int(row)] = true
        return row
    }

    // MARK: - the pass

    mutating func run(_ root: YNode) -> Model? {
        guard let top = reader(root, "scenario", Format.top) else { return nil }
        let id = top.node("id").flatMap { $0.string(&bag, what: "id") } ?? ""
        if let n = top.node("id"), !id.isEmpty, !Self.isIdentifier(id) {
            bag.error(n.location, "scenario id '\(id)' must start with a letter or digit and contain only ASCII letters, digits, '-' and '_'")
        }
        let version = top.node("version").flatMap { $0.int(&bag, what: "version") } ?? 1
        let title = localized(top.node("title"), "title")
        let description = localized(top.node("description"), "description")
        var discipline = "general"
        if let n = top.node("discipline"), let d = n.string(&bag, what: "discipline") {
            if Format.disciplines.contains(d) { discipline = d } else { oneOfError(n, d, Format.disciplines, "discipline") }
        }
        if let n = top.node("tickRate"), let r = n.int(&bag, what: "tickRate") {
            if r < 1 || r > 1000 { bag.error(n.location, "'tickRate' must be between 1 and 1000 Hz") } else { tickRate = Int32(r) }
        }
        var timeLimit = positive(top.node("timeLimit"), .time, "timeLimit", default: 600)
        if timeLimit > 86_400, let n = top.node("timeLimit") {
            bag.error(n.location, "'timeLimit' must be at most 24 h")
            timeLimit = 600
        }
        // Every replay may run to the time limit: bound its cost (Docs/scenarios.md, "Limits").
        let maxTicks = ScenarioLimits.maxTicksPerAttempt
        if ticks(timeLimit) > maxTicks {
            let at = top.node("timeLimit")?.location ?? top.node("tickRate")?.location ?? root.location
            let rate = top.node("tickRate").map { " (tickRate at \($0.location.line):\($0.location.column))" } ?? " (the default)"
            bag.error(at, "an attempt may last \(ticks(timeLimit)) ticks (timeLimit \(timeLimit == timeLimit.rounded() ? String(Int64(timeLimit)) : String(timeLimit)) s × tickRate \(tickRate) Hz\(rate)), "
                      + "over the limit of \(maxTicks) ticks per attempt; lower tickRate or timeLimit, or raise the limit with "
                      + "\(ScenarioLimits.maxTicksVariable)=N for every hazlab command that reads this scenario")
            timeLimit = 600
        }
        var seed: UInt64 = 1
        if let n = top.node("seed"), let s = n.int(&bag, what: "seed") {
            if s < 0 { bag.error(n.location, "'seed' must not be negative") } else { seed = UInt64(s) }
        }
        var modes = Format.modes
        if let n = top.node("modes"), let list = n.sequence(&bag, what: "modes") {
            modes = []
            for item in list {
                guard let m = item.string(&bag, what: "modes") else { continue }
                if Format.modes.contains(m) { modes.append(m) } else { oneOfError(item, m, Format.modes, "modes") }
            }
        }

        usage.hasTicket = top.node("ticket") != nil
        readPersons(top.node("persons"))
        declareEntities(top.node("entities"))
        usage.entities = Array(repeating: false, count: declared.count)
        readVariables(top.node("variables"))
        var personZones = [Int32](repeating: -1, count: persons.count)
        for (p, zn) in personZoneNodes.enumerated() where zn != nil {
            if let z = entityRef(zn, "\(persons[p]).zone", kinds: [.zone]) { personZones[p] = z }
        }

        var entities = EntityTable()
        var names: [LocalizedText] = []
        var zones: [Int32] = [], ppe: [Int32] = [], contacts: [Int32] = []
        var tanks = TankTable(), valves = ValveTable(), switches = SwitchTable(), motors = MotorTable()
        var sensors = SensorTable(), alarms = AlarmTable(), timers = TimerTable()
        var alarmMessages: [LocalizedText] = []

        // Pass A: everything that expressions do not depend on, so sensor dimensions are known first.
        for (row, d) in declared.enumerated() {
            entities.ids.append(d.id)
            entities.kinds.append(d.kind)
            entities.local.append(local[row])
            entities.lockable.append(FieldCatalog.isLockable(d.kind))
            entities.zone.append(-1)
            let position = d.reader.node("position").flatMap { vector($0, "\(d.id).position", nonNegative: false) }
            let size = d.reader.node("size").flatMap { vector($0, "\(d.id).size", nonNegative: true) }
            entities.position.append(position ?? .zero)
            entities.size.append(size ?? Vec3(1, 1, 1))
            positions.append(position ?? .zero)
            sizes.append(size ?? Vec3(1, 1, 1))
            entities.hasPosition.append(position != nil)
            entities.hasSize.append(size != nil)
            entities.mesh.append(meshPath(d.reader.node("mesh"), "\(d.id).mesh"))
            names.append(localized(d.reader.node("name"), "\(d.id).name"))
            switch d.kind {
            case .zone: zones.append(Int32(row))
            case .ppe: ppe.append(Int32(row))
            case .contact: contacts.append(Int32(row))
            default: break
            }
        }
        for (row, d) in declared.enumerated() {
            if let z = d.reader.node("zone"), let zr = entityRef(z, "\(d.id).zone", kinds: [.zone]) {
                entities.zone[row] = zr
            }
            let r = d.reader
            switch d.kind {
            case .tank:
                let area = positive(r.node("area"), .area, "\(d.id).area", default: 1)
                let height = positive(r.node("height"), .length, "\(d.id).height", default: 1)
                let level = nonNegative(r.node("level"), .length, "\(d.id).level", default: 0)
                if let n = r.node("level"), level > height { bag.error(n.location, "initial level of '\(d.id)' is above its height") }
                tanks.entity.append(Int32(row)); tanks.area.append(area); tanks.height.append(height)
                tanks.initialLevel.append(min(level, height))
            case .valve:
                let stroke = nonNegative(r.node("strokeTime"), .time, "\(d.id).strokeTime", default: 0)
                var position = 0.0
                if let n = r.node("opening"), let p = n.double(&bag, what: "\(d.id).opening") {
                    if p < 0 || p > 1 { bag.error(n.location, "'\(d.id).opening' must be between 0 and 1") } else { position = p }
                }
                valves.entity.append(Int32(row)); valves.strokeTicks.append(Int32(clamping: ticks(stroke)))
                valves.initialPosition.append(position)
            case .switchgear:
                var role: SwitchRole = SwitchRole.allCases.first { $0.name == d.type } ?? .plain
                if let n = r.node("role"), let s = n.string(&bag, what: "\(d.id).role") {
                    if let x = SwitchRole.allCases.first(where: { $0.name == s }) { role = x }
                    else { oneOfError(n, s, SwitchRole.allCases.map(\.name), "\(d.id).role") }
                }
                let closed = r.node("closed").flatMap { $0.bool(&bag, what: "\(d.id).closed") } ?? false
                let op = nonNegative(r.node("operateTime"), .time, "\(d.id).operateTime", default: 0)
                switches.entity.append(Int32(row)); switches.role.append(role)
                switches.operateTicks.append(Int32(clamping: ticks(op))); switches.initialClosed.append(closed)
            case .motor:
                motors.entity.append(Int32(row)); motors.role.append(d.type == "fan" ? .fan : .pump)
                motors.initialRunning.append(r.node("running").flatMap { $0.bool(&bag, what: "\(d.id).running") } ?? false)
                var power: Int32 = -1
                if let p = r.node("power"), let pr = entityRef(p, "\(d.id).power", kinds: [.switchgear]) { power = local[Int(pr)] }
                motors.powerSwitch.append(power)
            default: break
            }
        }
        for m in 0..<motors.count where motors.initialRunning[m] && motors.powerSwitch[m] >= 0
            && !switches.initialClosed[Int(motors.powerSwitch[m])] {
            let d = declared[Int(motors.entity[m])]
            bag.error(d.reader.node("running")?.location ?? d.node.location, "'\(d.id)' cannot start running: its supply switch is open")
        }

        let (gas, _) = readGas(top, motors: motors, valves: valves, ppe: ppe)
        let ppeProtects = readProtection(ppe: ppe, species: gas?.spec.species ?? [])
        let reactors = readReactors()

        // Sensors, in order; a sensor may measure another sensor declared before it.
        var historyStart: Int32 = 0
        for (row, d) in declared.enumerated() where d.kind == .sensor {
            let r = d.reader
            var dim: Dimension = .none
            var program = Program.constant(0, type: .number(.none))
            if let n = r.node("measures"), let p = expression(n, boolean: false, "\(d.id).measures") {
                program = p
                if case .number(let dd) = p.resultType { dim = dd } else { dim = .none }
            }
            usage.sensorDimensions[Int(local[row])] = dim
            let noise = r.node("noise").flatMap { quantity($0, dim, "\(d.id).noise") } ?? 0
            if let n = r.node("noise"), noise < 0 { bag.error(n.location, "'\(d.id).noise' must not be negative") }
            var delay = nonNegative(r.node("delay"), .time, "\(d.id).delay", default: 0)
            if delay > 600, let n = r.node("delay") {
                bag.error(n.location, "'\(d.id).delay' must be at most 10 min (the sensor keeps one reading per tick of delay)")
                delay = 0
            }
            var lo = 0.0, hi = 0.0
            if let n = r.node("range"), let list = n.sequence(&bag, what: "\(d.id).range") {
                if list.count != 2 {
                    bag.error(n.location, "'\(d.id).range' needs two values, [low, high]")
                } else if let a = quantity(list[0], dim, "\(d.id).range"), let b = quantity(list[1], dim, "\(d.id).range") {
                    if a >= b { bag.error(n.location, "'\(d.id).range' low must be below high") } else { lo = a; hi = b }
                }
            }
            let delayTicks = Int32(clamping: ticks(delay))
            sensors.entity.append(Int32(row)); sensors.measures.append(program); sensors.dimension.append(dim)
            sensors.noise.append(max(0, noise)); sensors.delayTicks.append(delayTicks)
            sensors.rangeLow.append(lo); sensors.rangeHigh.append(hi)
            sensors.memoryBase.append(allocateMemory(program))
            sensors.historyStart.append(historyStart)
            historyStart += delayTicks + 1
        }
        // Sensor dimensions are known now: type-check every variable once, used or not.
        if session == nil { session = ExprCompilerSession(env: environment()) }
        session!.checkAllVariables(bag: &bag)

        for (row, d) in declared.enumerated() {
            let r = d.reader
            switch d.kind {
            case .alarm:
                let p = r.node("when").flatMap { expression($0, boolean: true, "\(d.id).when") } ?? Program.constant(0, type: .bool)
                var priority = AlarmPriority.medium
                if let n = r.node("priority"), let s = n.string(&bag, what: "\(d.id).priority") {
                    if let x = AlarmPriority.allCases.first(where: { $0.name == s }) { priority = x }
                    else { oneOfError(n, s, AlarmPriority.allCases.map(\.name), "\(d.id).priority") }
                }
                alarms.entity.append(Int32(row)); alarms.condition.append(p); alarms.priority.append(priority)
                alarms.memoryBase.append(allocateMemory(p))
                var message = localized(r.node("message"), "\(d.id).message")
                if message.zh.isEmpty && message.en.isEmpty { message = names[row] }
                alarmMessages.append(message)
            case .timer:
                let duration = positive(r.node("duration"), .time, "\(d.id).duration", default: 1)
                var start: Program? = nil
                if let n = r.node("startWhen") { start = expression(n, boolean: true, "\(d.id).startWhen") }
                timers.entity.append(Int32(row)); timers.durationTicks.append(max(1, ticks(duration)))
                timers.startWhen.append(start)
                timers.memoryBase.append(start.map { allocateMemory($0) } ?? Int32(memorySlots))
            default: break
            }
        }

        var electrical = readElectrical(top, switches: switches, zoneEntities: zones)
        if let ticket = readTicket(top, electrical: electrical) { electrical?.ticket = ticket }
        let isolation = readIsolation()
        var accidents = readAccidentPolicy(top)
        let (lines, fluid) = readLines(top.node("lines"), tanks: tanks)
        let (faults, faultText) = readFaults(top.node("faults"))
        var (hazards, hazardMessages) = readHazards(top.node("hazards"))
        let stateSlots = memorySlots
        let stateMemory = initialMemory
        memorySlots = 0
        initialMemory = []
        let defaults = rubricDefaults(top.node("rubric"))
        let procedure = readProcedure(top.node("procedure"), defaults: defaults)
        var rubric = readRubric(top.node("rubric"), hazards: hazards, procedure: procedure, defaults: defaults)
        rubric.trends = readTrends(top.node("report"))
        rubric.memorySlots = memorySlots
        rubric.initialMemory = initialMemory
        applyVetoEnd(rubric, hazards: &hazards, accidents: &accidents)
        warnUnused()

        if bag.hasErrors { return nil }
        var text = ScenarioText(title: title, description: description, discipline: discipline, modes: modes,
                                entityNames: names, hazardMessages: hazardMessages, alarmMessages: alarmMessages,
                                faultDescriptions: faultText, personNames: personNames)
        text.sources = sources
        let initialZone: Int32 = zones.first ?? -1
        return Model(id: id, version: version, sourceSHA256: sha256, tickRate: tickRate,
                     timeLimitTicks: max(1, ticks(timeLimit)), defaultSeed: seed, persons: persons,
                     initialZone: initialZone, entities: entities, tanks: tanks, valves: valves,
                     switches: switches, motors: motors, lines: lines, sensors: sensors, alarms: alarms,
                     timers: timers, faults: faults, hazards: hazards, zoneEntities: zones, ppeEntities: ppe,
                     contactEntities: contacts, memorySlots: stateSlots, initialMemory: stateMemory,
                     personZones: personZones, gas: gas, fluid: fluid, reactors: reactors, ppeProtects: ppeProtects, electrical: electrical, isolation: isolation, accidents: accidents,
                     procedure: procedure, rubric: rubric, text: text)
    }

    /// Scenario ids double as folder names: ASCII letters and digits, then also '-' and '_'.
    static func isIdentifier(_ s: String) -> Bool {
        let u = Array(s.utf8)
        func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        guard let f = u.first, alnum(f) else { return false }
        return u.allSatisfy { alnum($0) || $0 == 45 || $0 == 95 }
    }

    mutating func oneOfError(_ node: YNode, _ value: String, _ allowed: [String], _ what: String) {
        var msg = "unknown value '\(value)' for '\(what)'; expected one of: \(allowed.joined(separator: ", "))"
        if let s = Suggest.closest(to: value, among: allowed) { msg = "unknown value '\(value)' for '\(what)'; did you mean '\(s)'?" }
        bag.error(node.location, msg)
    }

    /// Reads an `id` and reports duplicates against `seen` (which maps ids to first locations).
    mutating func readId(_ r: MappingReader, _ what: String, seen: inout [String: SourceLocation], expressionSafe: Bool = true) -> String? {
        guard let n = r.node("id"), let id = n.string(&bag, what: "\(what) id") else { return nil }
        let valid = expressionSafe ? ExpressionCompilerNames.isValidName(id) : Self.isIdentifier(id)
        if !valid {
            bag.error(n.location, "invalid id '\(id)': use letters, digits and '_', starting with a letter")
            return nil
        }
        if let first = seen[id] {
            bag.error(n.location, "duplicate id '\(id)'; first declared at \(first.line):\(first.column)")
            return nil
        }
        seen[id] = n.location
        return id
    }

    mutating func readPersons(_ node: YNode?) {
        guard let node, let list = node.sequence(&bag, what: "persons") else { return }
        var seen: [String: SourceLocation] = ["trainee": node.location]
        for item in list {
            guard let r = reader(item, "person", Format.person), let id = readId(r, "person", seen: &seen) else { continue }
            persons.append(id)
            personNames.append(localized(r.node("name"), "\(id).name"))
            personZoneNodes.append(r.node("zone"))
        }
    }

    mutating func declareEntities(_ node: YNode?) {
        guard let node, let list = node.sequence(&bag, what: "entities") else { return }
        var seen: [String: SourceLocation] = [:]
        var counts = [Int32](repeating: 0, count: EntityKind.allCases.count)
        for item in list {
            guard let r0 = MappingReader(item, what: "entity", bag: &bag) else { continue }
            let typeNode = r0.required("type", bag: &bag)
            let type = typeNode.flatMap { $0.string(&bag, what: "type") }
            guard let type, let typeNode else {
                _ = r0.required("id", bag: &bag)
                continue
            }
            guard let kind = Self.kind(of: type) else {
                oneOfError(typeNode, type, Format.entityTypes, "type")
                continue
            }
            let keys = Format.entityCommon + Format.entityKeys(type)
            r0.checkKeys(allowed: keys.map(\.name), bag: &bag)
            for k in keys where k.required { _ = r0.required(k.name, bag: &bag) }
            guard let id = readId(r0, "entity", seen: &seen) else { continue }
            entityRow[id] = Int32(declared.count)
            local.append(counts[Int(kind.rawValue)])
            counts[Int(kind.rawValue)] += 1
            declared.append(Declared(id: id, type: type, kind: kind, node: item, reader: r0))
        }
        usage.sensorDimensions = Array(repeating: nil, count: Int(counts[Int(EntityKind.sensor.rawValue)]))
    }

    static func kind(of type: String) -> EntityKind? {
        switch type {
        case "tank": return .tank
        case "valve": return .valve
        case "switch", "breaker", "disconnector", "earthing": return .switchgear
        case "pump", "fan": return .motor
        case "sensor": return .sensor
        case "alarm": return .alarm
        case "timer": return .timer
        case "ppe": return .ppe
        case "zone": return .zone
        case "contact": return .contact
        case "bus": return .bus
        case "supply": return .supply
        case "load": return .load
        case "indicator": return .indicator
        case "link": return .link
        case "energy": return .energy
        case "door", "window": return .opening
        case "leak": return .leak
        case "detector": return .detector
        case "hotwork": return .hotwork
        case "reactor": return .reactor
        default: return nil
        }
    }

    mutating func readVariables(_ node: YNode?) {
        guard let node else { return }
        guard case .mapping(let pairs) = node.content else {
            bag.error(node.location, "expected a mapping for 'variables', found \(node.kindName)")
            return
        }
        for pair in pairs {
            if !ExpressionCompilerNames.isValidName(pair.key) {
                bag.error(pair.keyLocation, "invalid variable name '\(pair.key)'")
                continue
            }
            if entityRow[pair.key] != nil {
                bag.error(pair.keyLocation, "variable '\(pair.key)' has the same name as an entity")
                continue
            }
            guard case .scalar(let s) = pair.value.content, !s.isNull else {
                bag.error(pair.value.location, "expected an expression for variable '\(pair.key)', found \(pair.value.kindName)")
                continue
            }
            variables[pair.key] = VariableSource(text: s.text, location: expressionStart(pair.value))
            sources["variable.\(pair.key)"] = s.text
        }
    }

    /// Lines become links of the fluid network; tanks are its vessels. A line end without a
    /// tank is a boundary: a supply at `supplyPressure` (gauge) or a drain at atmosphere.
    mutating func readLines(_ node: YNode?, tanks: TankTable) -> (LineTable, FluidPlant?) {
        var lines = LineTable()
        let rho = 1000.0, g = 9.80665, atm = 101_325.0
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
                // Resistance: Cv, Kv, an orifice, or a rated flow at a rated pressure drop.
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
                let conductance = k ?? 1e-5
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

    mutating func readFaults(_ node: YNode?) -> (FaultTable, [LocalizedText]) {
        var faults = FaultTable()
        var text: [LocalizedText] = []
        guard let node, let list = node.sequence(&bag, what: "faults") else { return (faults, text) }
        var seen: [String: SourceLocation] = [:]
        for item in list {
            guard let r = reader(item, "fault", Format.fault), let id = readId(r, "fault", seen: &seen) else { continue }
            let triggers = ["at", "window", "when"].filter { r.node($0) != nil }
            var trigger: FaultTrigger = .atTick(1)
            if triggers.count != 1 {
                bag.error(item.location, "fault '\(id)' needs exactly one of 'at', 'window' or 'when'")
            } else if let n = r.node("at") {
                trigger = .atTick(ticks(nonNegative(n, .time, "\(id).at", default: 0)))
            } else if let n = r.node("window"), let w = n.sequence(&bag, what: "\(id).window") {
                if w.count != 2 {
                    bag.error(n.location, "'\(id).window' needs two times, [from, to]")
                } else if let a = quantity(w[0], .time, "\(id).window"), let b = quantity(w[1], .time, "\(id).window") {
                    if a < 0 || b < a { bag.error(n.location, "'\(id).window' must satisfy 0 <= from <= to") }
                    else { trigger = .window(ticks(a), ticks(b)) }
                }
            } else if let n = r.node("when"), let p = expression(n, boolean: true, "\(id).when") {
                trigger = .when(p)
                keepSource("fault.\(id).when", n)
            }
            var effects: [FaultEffect] = []
            if let e = r.node("effects"), let es = e.sequence(&bag, what: "\(id).effects") {
                if es.isEmpty { bag.error(e.location, "fault '\(id)' has no effects") }
                for en in es { if let fx = readEffect(en, id) { effects.append(fx) } }
            }
            faults.ids.append(id); faults.trigger.append(trigger); faults.effects.append(effects)
            faults.instructor.append(r.node("instructor").flatMap { $0.bool(&bag, what: "\(id).instructor") } ?? false)
            if case .when(let p) = trigger { faults.memoryBase.append(allocateMemory(p)) } else { faults.memoryBase.append(Int32(memorySlots)) }
            text.append(localized(r.node("description"), "\(id).description"))
        }
        return (faults, text)
    }

    mutating func readEffect(_ node: YNode, _ fault: String) -> FaultEffect? {
        guard let r = reader(node, "fault effect", Format.effect) else { return nil }
        let verbs = ["trip", "stick", "fail", "leak", "ignite", "act"].filter { r.node($0) != nil }
        guard verbs.count == 1 else {
            bag.error(node.location, "an effect of '\(fault)' needs exactly one of 'trip', 'stick', 'fail', 'leak', 'ignite' or 'act'")
            return nil
        }
        switch verbs[0] {
        case "trip":
            guard let e = entityRef(r.node("trip"), "\(fault).trip", kinds: [.motor, .switchgear]) else { return nil }
            return declared[Int(e)].kind == .motor ? .tripMotor(local[Int(e)]) : .tripSwitch(local[Int(e)])
        case "stick":
            guard let e = entityRef(r.node("stick"), "\(fault).stick", kinds: [.valve]) else { return nil }
            return .stickValve(local[Int(e)])
        case "fail":
            guard let e = entityRef(r.node("fail"), "\(fault).fail", kinds: [.sensor]) else { return nil }
            var mode = SensorFailure.stuck
            if let n = r.node("mode"), let s = n.string(&bag, what: "\(fault).mode") {
                if let m = SensorFailure.allCases.first(where: { $0.name == s && $0 != .none }) { mode = m }
                else { oneOfError(n, s, Format.sensorFailures, "\(fault).mode") }
            }
            return .failSensor(local[Int(e)], mode)
        case "leak":
            guard let e = entityRef(r.node("leak"), "\(fault).leak", kinds: [.tank, .leak]) else { return nil }
            guard let rn = r.required("rate", bag: &bag) else { return nil }
            let rate = nonNegative(rn, .volumeFlow, "\(fault).rate", default: 0)
            if declared[Int(e)].kind == .leak { return .gasLeak(leak: local[Int(e)], rate: rate) }
            return .leak(tank: local[Int(e)], rate: rate)
        case "ignite":
            guard let e = entityRef(r.node("ignite"), "\(fault).ignite", kinds: []) else { return nil }
            if r.node("ignite") != nil && declared[Int(e)].reader.node("position") == nil {
                bag.error(r.node("ignite")!.location, "'\(declared[Int(e)].id)' needs a 'position' to be an ignition source")
            }
            return .ignite(entity: e)
        default:
            guard let vn = r.node("act"), let vs = vn.string(&bag, what: "\(fault).act") else { return nil }
            guard let verb = Verb(rawValue: vs) else {
                oneOfError(vn, vs, Verb.traineeCases.map(\.rawValue), "\(fault).act")
                return nil
            }
            guard verb.isTraineeVerb else {
                oneOfError(vn, vs, Verb.traineeCases.map(\.rawValue), "\(fault).act")
                return nil
            }
            guard let tn = r.required("target", bag: &bag), let target = entityRef(tn, "\(fault).target", kinds: []) else { return nil }
            var person: Int32 = 0
            if let bn = r.node("by"), let who = bn.string(&bag, what: "\(fault).by") {
                if let p = persons.firstIndex(of: who) { person = Int32(p) } else {
                    var msg = "unknown person '\(who)' in '\(fault).by'"
                    if let s = Suggest.closest(to: who, among: persons) { msg += "; did you mean '\(s)'?" }
                    bag.error(bn.location, msg)
                    return nil
                }
            }
            let value = r.node("value").flatMap { $0.double(&bag, what: "\(fault).value") }
            return .act(Input(verb: verb, entity: target, number: value ?? 0, hasNumber: value != nil, person: person, ordinal: -1))
        }
    }

    mutating func readHazards(_ node: YNode?) -> (HazardTable, [LocalizedText]) {
        var hazards = HazardTable()
        var messages: [LocalizedText] = []
        guard let node, let list = node.sequence(&bag, what: "hazards") else { return (hazards, messages) }
        var seen: [String: SourceLocation] = [:]
        for item in list {
            guard let r = reader(item, "hazard", Format.hazard), let id = readId(r, "hazard", seen: &seen) else { continue }
            let p = r.node("when").flatMap { expression($0, boolean: true, "\(id).when") } ?? Program.constant(0, type: .bool)
            keepSource("hazard.\(id).when", r.node("when"))
            var consequence = Consequence.alarm
            if let n = r.node("consequence"), let s = n.string(&bag, what: "\(id).consequence") {
                if let c = Consequence.allCases.first(where: { $0.name == s }) { consequence = c }
                else { oneOfError(n, s, Format.consequences, "\(id).consequence") }
            }
            let ends = r.node("endsScenario").flatMap { $0.bool(&bag, what: "\(id).endsScenario") } ?? false
            hazards.ids.append(id); hazards.condition.append(p); hazards.consequence.append(consequence)
            hazards.endsScenario.append(ends); hazards.memoryBase.append(allocateMemory(p))
            messages.append(localized(r.node("message"), "\(id).message"))
        }
        return (hazards, messages)
    }

    /// Prerequisite cycles are errors; steps that depend on a cycle are unreachable (warning).
    mutating func checkStepCycles(_ steps: [ProcedureStep], _ nodes: [YNode]) {
        var state = [UInt8](repeating: 0, count: steps.count)   // 0 new, 1 on stack, 2 done
        var inCycle = [Bool](repeating: false, count: steps.count)
        var reported = Set<Int>()
        func visit(_ s: Int, _ stack: inout [Int], _ bag: inout DiagnosticBag) {
            state[s] = 1
            stack.append(s)
            for a in steps[s].after.map(Int.init) {
                if state[a] == 1 {
                    let cycle = Array(stack[stack.firstIndex(of: a)!...])
                    for c in cycle { inCycle[c] = true }
                    if reported.insert(cycle.min()!).inserted {
                        let names = (cycle + [a]).map { steps[$0].id }.joined(separator: " -> ")
                        bag.error(nodes[a].location, "cyclic definition: steps wait for each other: \(names)")
                    }
                } else if state[a] == 0 {
                    visit(a, &stack, &bag)
                }
            }
            stack.removeLast()
            state[s] = 2
        }
        for s in steps.indices where state[s] == 0 {
            var stack: [Int] = []
            visit(s, &stack, &bag)
        }
        // Anything that waits (transitively) on a cycle can never start.
        var unreachable = inCycle
        var changed = true
        while changed {
            changed = false
            for s in steps.indices where !unreachable[s] && steps[s].after.contains(where: { unreachable[Int($0)] }) {
                unreachable[s] = true
                changed = true
            }
        }
        for s in steps.indices where unreachable[s] && !inCycle[s] {
            bag.warning(nodes[s].location, "step '\(steps[s].id)' is unreachable: it waits on a cycle of steps")
        }
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }

    mutating func warnUnused() {
        for (row, d) in declared.enumerated() where !usage.entities[row] {
            // Trainee-facing items are used through actions, not expressions.
            switch d.kind {
            case .zone, .contact, .alarm, .supply, .load, .link, .indicator, .bus, .energy, .opening, .hotwork, .detector, .leak, .reactor: continue
            default: break
            }
            bag.warning(d.node.location, "entity '\(d.id)' is never used by any condition, line, fault or step")
        }
    }
}
