import Foundation
import HazLabCore

/// `hazards`: the conditions that end or mark an attempt as unsafe.
extension Compilation {
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
}
