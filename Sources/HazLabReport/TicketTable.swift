import HazLabCore

/// The operating ticket (倒闸操作票) as a table: on the instructor sheet as written, in an attempt
/// report with each step's outcome. Shared by both so they list the same items the same way.
extension Page {
    mutating func operatingTicket(_ model: Model, progress: TicketState?) {
        guard let ticket = model.electrical?.ticket else { return }
        let zh = lang == .zhCN
        h(2, zh ? "倒闸操作票" : "Operating ticket", id: "ticket")
        note((zh ? "编号 " : "No. ") + ticket.id + (zh ? " · 操作任务：" : " · Task: ") + lang.text(ticket.title))
        var rows: [Row] = []
        for (k, st) in ticket.steps.enumerated() {
            var cells: [Cell] = [.num(String(k + 1)), Cell(lang.text(st.title), "title"),
                                 Cell("\(st.operation.verb.rawValue) \(model.entities.ids[Int(st.entity)])", "code")]
            var cls = "ticket-step"
            if let p = progress {
                let status = p.status[k]
                let text: String
                switch status {
                case TicketState.done: text = zh ? "已执行" : "done"
                case TicketState.outOfOrder: text = zh ? "越项执行（偏离）" : "done out of order (deviation)"
                default: text = zh ? "未执行" : "not done"
                }
                cls += status == TicketState.done ? " done" : status == TicketState.outOfOrder ? " deviation" : " pending"
                cells.append(Cell(text))
                cells.append(.num(p.doneTick[k] >= 0 ? Fmt.seconds(model.seconds(ticks: p.doneTick[k])) : "—"))
            }
            rows.append(Row(cells, cls: cls, attrs: [("data-ticket-step", String(k + 1))]))
        }
        var headers = [zh ? "顺序" : "No.", zh ? "操作项目" : "Operation", zh ? "日志动作" : "Journal action"]
        var numeric: Set<Int> = [0]
        if progress != nil {
            headers += [zh ? "执行情况" : "Outcome", zh ? "时间" : "Time"]
            numeric.insert(4)
        }
        table(id: "ticket-steps", cls: "ticket", headers: headers, numeric: numeric, rows: rows)
        if let p = progress {
            note(zh ? "已执行 \(p.completed)/\(ticket.steps.count) 项；票外操作被五防闭锁拦下 \(p.blocked) 次；偏离操作票 \(p.deviations) 次。"
                    : "\(p.completed) of \(ticket.steps.count) items done; \(p.blocked) operation(s) off the ticket stopped by the rule 1 interlock; \(p.deviations) deviation(s) from the ticket.")
        } else {
            note(zh ? "五防第 1 条（防误分、误合断路器）按本票闭锁：只有下一项的设备可以分合；越项、走错间隔或票外的分合操作被拦下（解除该条闭锁时则照常执行并另记偏离操作票）。检查、验电、挂牌、上锁不受闭锁，但提前执行记为偏离（ticket-deviation）。保护跳闸后的试送（事故处理）不受本票约束。"
                    : "Five-prevention rule 1 follows this ticket: only the next item's device can be switched; an operation out of order, at the wrong bay or not on the ticket is blocked (with the rule disabled it goes through and is also a ticket deviation); either way it is a five-prevention violation. Checks, tests for voltage, signs and locks cannot be blocked, but done ahead of their turn they are a ticket deviation. Re-closing a breaker that protection tripped (emergency handling) is outside the ticket.")
        }
    }
}
