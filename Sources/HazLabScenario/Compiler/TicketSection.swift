import HazLabCore

/// Compiles the operating ticket (倒闸操作票): `ticket: {id, title, steps: [...]}`, each step one
/// operation on one entity (`- open: QF1`, `- check: QF1` with `position: open`, `- verify: E_line`).
extension Compilation {
    mutating func readTicket(_ top: MappingReader, electrical net: ElectricalNet?) -> OperatingTicket? {
        guard let node = top.node("ticket"), let r = reader(node, "ticket", Format.ticket) else { return nil }
        let id = r.node("id").flatMap { $0.string(&bag, what: "ticket.id") } ?? ""
        let title = localized(r.node("title"), "ticket.title")
        guard declared.contains(where: { $0.kind == .bus }) else {
            bag.error(node.location, "'ticket' needs an electrical network: the scenario declares no bus")
            return nil
        }
        // With errors elsewhere there is no network; the steps are still checked.
        guard let list = r.node("steps").flatMap({ $0.sequence(&bag, what: "ticket.steps") }) else { return nil }
        if list.isEmpty, let n = r.node("steps") { bag.error(n.location, "'ticket.steps' is empty: a ticket lists at least one operation") }
        var steps: [TicketStep] = []
        var stepNodes: [(node: YNode, number: Int)] = []
        for (k, item) in list.enumerated() {
            let what = "ticket step \(k + 1)"
            guard let sr = reader(item, what, Format.ticketStep) else { continue }
            let ops = TicketOperation.allCases.filter { sr.node($0.name) != nil }
            guard ops.count == 1, let op = ops.first, let target = sr.node(op.name) else {
                bag.error(item.location, "\(what) needs exactly one operation: one of \(Format.ticketOperations.joined(separator: ", "))")
                continue
            }
            let kinds: [EntityKind]
            switch op {
            case .open, .close, .check: kinds = [.switchgear]
            case .verify: kinds = [.energy]
            case .tag, .untag, .lock, .unlock: kinds = EntityKind.allCases.filter { FieldCatalog.isLockable($0) }
            }
            guard let e = entityRef(target, "ticket.steps.\(op.name)", kinds: kinds) else { continue }
            if op.isSwitching || op == .check, !inNetwork(declared[Int(e)]) {
                bag.error(target.location, "'\(declared[Int(e)].id)' is not part of the electrical network (it has no from/to or bus), so the ticket cannot '\(op.name)' it")
                continue
            }
            var closed = false
            if let pn = sr.node("position") {
                if op != .check {
                    bag.error(pn.location, "'position' belongs to a 'check' step, not to '\(op.name)'")
                } else if let p = pn.string(&bag, what: "\(what).position") {
                    if p == "open" || p == "closed" { closed = p == "closed" } else { oneOfError(pn, p, ["open", "closed"], "\(what).position") }
                }
            } else if op == .check {
                bag.error(item.location, "\(what): 'check' needs 'position: open' or 'position: closed'")
            }
            var stepTitle = localized(sr.node("title"), "\(what).title")
            if stepTitle.zh.isEmpty && stepTitle.en.isEmpty { stepTitle = Self.ticketTitle(op, declared[Int(e)], closed: closed) }
            let step = TicketStep(op, entity: e, closed: closed, title: stepTitle)
            if let j = steps.firstIndex(where: { $0.operation == step.operation && $0.entity == step.entity && $0.closed == step.closed }) {
                let at = stepNodes[j].node.location
                bag.error(item.location, "duplicated ticket step: step \(k + 1) repeats step \(stepNodes[j].number) (\(op.name) \(declared[Int(e)].id), at \(at.line):\(at.column))")
                continue
            }
            steps.append(step)
            stepNodes.append((item, k + 1))
        }
        return net == nil ? nil : OperatingTicket(id: id, title: title, steps: steps)
    }

    /// A switch entity is a branch of the network when it names its terminals.
    private func inNetwork(_ d: Declared) -> Bool {
        d.kind == .switchgear && (d.reader.node("from") != nil || d.reader.node("to") != nil || d.reader.node("bus") != nil)
    }

    /// The item as a ticket writes it, from the operation and the equipment number.
    static func ticketTitle(_ op: TicketOperation, _ d: Declared, closed: Bool) -> LocalizedText {
        let id = d.id
        switch op {
        case .open:
            return d.type == "breaker" ? LocalizedText(zh: "断开 \(id)", en: "Open \(id)") : LocalizedText(zh: "拉开 \(id)", en: "Open \(id)")
        case .close: return LocalizedText(zh: "合上 \(id)", en: "Close \(id)")
        case .check:
            return closed ? LocalizedText(zh: "检查 \(id) 确在合位", en: "Check \(id) is closed")
                          : LocalizedText(zh: "检查 \(id) 确在分位", en: "Check \(id) is open")
        case .verify: return LocalizedText(zh: "验明 \(id) 确无电压", en: "Test \(id) for voltage: dead")
        case .tag: return LocalizedText(zh: "在 \(id) 操作把手上悬挂“禁止合闸，有人工作！”标示牌", en: "Hang \"Do not close — men at work\" on \(id)")
        case .untag: return LocalizedText(zh: "取下 \(id) 上的标示牌", en: "Remove the sign from \(id)")
        case .lock: return LocalizedText(zh: "锁住 \(id) 操作把手", en: "Lock \(id)")
        case .unlock: return LocalizedText(zh: "打开 \(id) 的锁", en: "Unlock \(id)")
        }
    }
}
