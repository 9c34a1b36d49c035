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
}
