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

    // MARK: - the pass

    /// The scenario's top-level settings (`id` … `modes`).
    struct Header {
        var id = "", version = 1, title = LocalizedText.empty, description = LocalizedText.empty, discipline = "general"
        var timeLimit = 600.0, seed: UInt64 = 1, modes = Format.modes
    }

    mutating func run(_ root: YNode) -> Model? {
        guard let top = reader(root, "scenario", Format.top) else { return nil }
        let h = readHeader(top, root)

        usage.hasTicket = top.node("ticket") != nil
        readPersons(top.node("persons"))
        declareEntities(top.node("entities"))
        usage.entities = Array(repeating: false, count: declared.count)
        readVariables(top.node("variables"))
        var personZones = [Int32](repeating: -1, count: persons.count)
        for (p, zn) in personZoneNodes.enumerated() where zn != nil {
            if let z = entityRef(zn, "\(persons[p]).zone", kinds: [.zone]) { personZones[p] = z }
        }

        // Pass A: everything that expressions do not depend on, so sensor dimensions are known first.
        let (entityTable, names, zones, ppe, contacts) = readEntityTable()
        var entities = entityTable
        let (tanks, valves, switches, motors) = readEquipment(&entities)
        let compressors = readCompressors()

        let (gas, _) = readGas(top, motors: motors, valves: valves, ppe: ppe)
        let ppeProtects = readProtection(ppe: ppe, species: gas?.spec.species ?? [])
        let reactors = readReactors()

        let sensors = readSensors()
        // Sensor dimensions are known now: type-check every variable once, used or not.
        if session == nil { session = ExprCompilerSession(env: environment()) }
        session!.checkAllVariables(bag: &bag)
        let (alarms, timers, alarmMessages) = readAlarmsAndTimers(names: names)

        var electrical = readElectrical(top, switches: switches, zoneEntities: zones)
        if let ticket = readTicket(top, electrical: electrical) { electrical?.setTicket(ticket) { local[Int($0)] } }
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
        var text = ScenarioText(title: h.title, description: h.description, discipline: h.discipline, modes: h.modes,
                                entityNames: names, hazardMessages: hazardMessages, alarmMessages: alarmMessages,
                                faultDescriptions: faultText, personNames: personNames)
        text.sources = sources
        let initialZone: Int32 = zones.first ?? -1
        return Model(id: h.id, version: h.version, sourceSHA256: sha256, tickRate: tickRate,
                     timeLimitTicks: max(1, ticks(h.timeLimit)), defaultSeed: h.seed, persons: persons,
                     initialZone: initialZone, entities: entities, tanks: tanks, valves: valves,
                     switches: switches, motors: motors, lines: lines, sensors: sensors, alarms: alarms,
                     timers: timers, faults: faults, hazards: hazards, zoneEntities: zones, ppeEntities: ppe,
                     contactEntities: contacts, memorySlots: stateSlots, initialMemory: stateMemory,
                     personZones: personZones, gas: gas, fluid: fluid, reactors: reactors, compressors: compressors, ppeProtects: ppeProtects, electrical: electrical, isolation: isolation, accidents: accidents,
                     procedure: procedure, rubric: rubric, text: text)
    }

    /// `id`, `version`, `title`, `description`, `discipline`, `tickRate` (into `tickRate`),
    /// `timeLimit` (bounded by the ticks an attempt may last), `seed`, `modes`.
    mutating func readHeader(_ top: MappingReader, _ root: YNode) -> Header {
        var h = Header()
        h.id = top.node("id").flatMap { $0.string(&bag, what: "id") } ?? ""
        if let n = top.node("id"), !h.id.isEmpty, !Self.isIdentifier(h.id) {
            bag.error(n.location, "scenario id '\(h.id)' must start with a letter or digit and contain only ASCII letters, digits, '-' and '_'")
        }
        h.version = top.node("version").flatMap { $0.int(&bag, what: "version") } ?? 1
        h.title = localized(top.node("title"), "title")
        h.description = localized(top.node("description"), "description")
        if let n = top.node("discipline"), let d = n.string(&bag, what: "discipline") {
            if Format.disciplines.contains(d) { h.discipline = d } else { oneOfError(n, d, Format.disciplines, "discipline") }
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
        h.timeLimit = timeLimit
        if let n = top.node("seed"), let s = n.int(&bag, what: "seed") {
            if s < 0 { bag.error(n.location, "'seed' must not be negative") } else { h.seed = UInt64(s) }
        }
        if let n = top.node("modes"), let list = n.sequence(&bag, what: "modes") {
            h.modes = []
            for item in list {
                guard let m = item.string(&bag, what: "modes") else { continue }
                if Format.modes.contains(m) { h.modes.append(m) } else { oneOfError(item, m, Format.modes, "modes") }
            }
        }
        return h
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
