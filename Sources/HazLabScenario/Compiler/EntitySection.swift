import Foundation
import HazLabCore

private typealias Dimension = HazLabCore.Dimension

/// `persons` and `entities`: the people of the scenario, every entity's id, kind and row, and the
/// settings of tanks, valves, switches, motors, sensors, alarms and timers.
extension Compilation {
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

    static func kind(of type: String) -> EntityKind? { KindDescriptor.kind(ofType: type) }

    /// Pass A over the declared entities: ids, kinds, positions, sizes, meshes and names (what
    /// expressions do not depend on), and the rows of zones, PPE and contacts.
    mutating func readEntityTable() -> (EntityTable, [LocalizedText], zones: [Int32], ppe: [Int32], contacts: [Int32]) {
        var entities = EntityTable()
        var names: [LocalizedText] = []
        var zones: [Int32] = [], ppe: [Int32] = [], contacts: [Int32] = []
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
        return (entities, names, zones, ppe, contacts)
    }

    /// Each entity's `zone`, and the tanks, valves, switches and motors with their settings; a
    /// motor set running on an open supply switch is an error.
    mutating func readEquipment(_ entities: inout EntityTable) -> (TankTable, ValveTable, SwitchTable, MotorTable) {
        var tanks = TankTable(), valves = ValveTable(), switches = SwitchTable(), motors = MotorTable()
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
        return (tanks, valves, switches, motors)
    }

    /// Sensors, in order; a sensor may measure another sensor declared before it.
    mutating func readSensors() -> SensorTable {
        var sensors = SensorTable()
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
        return sensors
    }

    /// Alarms (condition, priority, message: the entity's name when none) and timers.
    mutating func readAlarmsAndTimers(names: [LocalizedText]) -> (AlarmTable, TimerTable, [LocalizedText]) {
        var alarms = AlarmTable(), timers = TimerTable()
        var alarmMessages: [LocalizedText] = []
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
        return (alarms, timers, alarmMessages)
    }
}
