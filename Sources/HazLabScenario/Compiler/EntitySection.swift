import Foundation
import HazLabCore

/// `persons` and `entities`: the people of the scenario and every entity's id, kind and row.
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
}
