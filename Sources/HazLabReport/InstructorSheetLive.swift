import HazLabCore

/// What one piece of equipment is doing in a `State`: the teacher station's live plan and its
/// JSON (`/api/attempts/{a}/at`, the station page). `state` is a fixed English word (never
/// shown alone: the plan shows `label`, colour and outline together, so colour is never the only
/// cue); `value` is a number where one applies (valve opening 0–1, tank fill 0–1, sensor or
/// detector reading in SI, leak rate).
public struct EquipmentState: Sendable, Equatable {
    public var row: Int
    public var id: String
    public var kind: String
    public var state: String
    public var value: Double?

    public init(row: Int, id: String, kind: String, state: String, value: Double? = nil) {
        self.row = row; self.id = id; self.kind = kind; self.state = state; self.value = value
    }

    /// Okabe–Ito colours (colour-blind safe): on/open/running bluish green, off/closed grey,
    /// tripped/failed vermillion, alarm/leak orange, partly open sky blue.
    public var color: String {
        switch state {
        case "open", "running", "closed-circuit", "ok": return "#009E73"
        case "partly-open": return "#56B4E9"
        case "tripped", "failed", "stuck": return "#D55E00"
        case "active", "leaking", "overflowing": return "#E69F00"
        case "closed", "stopped", "open-circuit", "quiet", "idle": return "#999999"
        default: return "#0072B2"
        }
    }

    /// SVG attributes the live plan adds: `data-state`, `data-value`, and a dashed outline for
    /// the states that need attention (so they differ in shape as well as colour).
    var attributes: Markup.Attributes {
        var a: Markup.Attributes = [("data-state", state)]
        if let value { a.append(("data-value", Fmt.number(value, maxDigits: 4))) }
        if ["tripped", "failed", "stuck", "active", "leaking", "overflowing"].contains(state) {
            a += [("stroke-dasharray", "3 2"), ("stroke-width", "2.5")]
        }
        return a
    }

    /// The state in words (zh-CN or English), with its value where one applies.
    public func label(_ lang: ReportLanguage) -> String {
        let zh: [String: String] = ["open": "开", "closed": "关", "partly-open": "部分开启", "running": "运行", "stopped": "停止",
                                    "tripped": "跳闸", "failed": "故障", "stuck": "卡死", "active": "报警中", "quiet": "正常",
                                    "leaking": "泄漏中", "idle": "无泄漏", "closed-circuit": "合闸", "open-circuit": "分闸",
                                    "overflowing": "溢流", "ok": "正常", "reading": "读数"]
        var text = lang == .en ? state.replacingOccurrences(of: "-", with: " ") : (zh[state] ?? state)
        if let value {
            switch kind {
            case "valve", "tank": text += " \(Fmt.number(value * 100, maxDigits: 1))%"
            case "compressor": text += " \(Fmt.number(value / 1e6, maxDigits: 3)) MPa"
            default: text += " \(Fmt.number(value, maxDigits: 4))"
            }
        }
        return text
    }
}

/// The instructor sheet's to-scale plan, drawn from a live `State` (the teacher station's
/// station page and debrief): the same SVG as the printed sheet, with every valve, switch,
/// pump, tank, sensor, detector, alarm and leak coloured and labelled by its state.
public enum LivePlan {
    /// The equipment states of `state`, in entity order (entities with no state of their own are left out).
    public static func states(model: Model, state s: State) -> [EquipmentState] {
        let e = model.entities
        var out: [EquipmentState] = []
        func add(_ row: Int, _ st: String, _ v: Double? = nil) { out.append(EquipmentState(row: row, id: e.ids[row], kind: e.kinds[row].name, state: st, value: v)) }
        for row in 0..<e.count {
            let i = Int(e.local[row])
            switch e.kinds[row] {
            case .valve where i >= 0 && i < s.valvePosition.count:
                let p = s.valvePosition[i]
                add(row, s.valveStuck[i] != 0 ? "stuck" : p >= 0.999 ? "open" : p <= 0.001 ? "closed" : "partly-open", p)
            case .switchgear where i >= 0 && i < s.switchClosed.count:
                add(row, s.switchTripped[i] != 0 ? "tripped" : s.switchClosed[i] != 0 ? "closed-circuit" : "open-circuit")
            case .motor where i >= 0 && i < s.motorRunning.count:
                add(row, s.motorTripped[i] != 0 ? "tripped" : s.motorRunning[i] != 0 ? "running" : "stopped")
            case .compressor where i >= 0 && i < s.compressors.running.count:
                let c = s.compressors
                add(row, c.tripped[i] != 0 ? "tripped" : c.running[i] != 0 ? "running" : "stopped", c.dischargePressure[i])
            case .tank where i >= 0 && i < s.tankFill.count:
                add(row, s.tankOverflowing[i] != 0 ? "overflowing" : "ok", s.tankFill[i])
            case .sensor where i >= 0 && i < s.sensorValue.count:
                add(row, s.sensorFailure[i] != 0 ? "failed" : "reading", s.sensorValue[i])
            case .alarm where i >= 0 && i < s.alarmActive.count:
                add(row, s.alarmActive[i] != 0 ? "active" : "quiet")
            case .leak:
                if let l = model.gas?.leakEntities.firstIndex(of: Int32(row)), l < s.leakRate.count {
                    add(row, s.leakRate[l] > 0 ? "leaking" : "idle", s.leakRate[l])
                }
            case .detector:
                if let d = model.gas?.detectorEntities.firstIndex(of: Int32(row)), d < s.detectorValue.count {
                    add(row, "reading", s.detectorValue[d])
                }
            default: break
            }
        }
        return out
    }

    /// The plan SVG with the equipment states of `state`; nil when the scenario places nothing.
    public static func svg(model: Model, state: State, language lang: ReportLanguage = .zhCN) -> String? {
        var live: [Int: EquipmentState] = [:]
        for st in states(model: model, state: state) { live[st.row] = st }
        return PlanView(model: model, lang: lang, live: live).svg()
    }
}
