import Foundation
import HazLabCore
import HazLabRender
import HazLabRunner
import HazLabScoring

enum UIStrings {
    static func reject(_ code: String) -> LocalizedText {
        switch code {
        case "not-in-zone": return LocalizedText(zh: "不在操作位置", en: "not at the operating position")
        case "locked", "locked-by-other": return LocalizedText(zh: "已上锁", en: "locked out")
        case "no-effect": return LocalizedText(zh: "无变化", en: "no effect")
        case "no-power": return LocalizedText(zh: "无电源", en: "no power")
        case "tripped": return LocalizedText(zh: "已跳闸，需复位", en: "tripped; reset first")
        case "interlock-blocked": return LocalizedText(zh: "五防闭锁", en: "blocked by the interlock")
        case "unsupported-verb": return LocalizedText(zh: "不支持该操作", en: "not possible here")
        default: return LocalizedText(zh: code, en: code)
        }
    }
    static func consequence(_ c: Consequence?) -> LocalizedText {
        switch c {
        case .explosion?: return LocalizedText(zh: "爆炸", en: "explosion")
        case .fire?: return LocalizedText(zh: "火灾", en: "fire")
        case .arcFlash?: return LocalizedText(zh: "电弧灼伤", en: "arc flash")
        case .electricShock?: return LocalizedText(zh: "触电", en: "electric shock")
        case .fatality?: return LocalizedText(zh: "死亡", en: "fatality")
        case .injury?: return LocalizedText(zh: "受伤", en: "injury")
        default: return LocalizedText(zh: "事故", en: "accident")
        }
    }
    static let paused = LocalizedText(zh: "已暂停", en: "Paused")
    // Instructor commands (Docs/viewer.md, "Instructor commands").
    static let frozen = LocalizedText(zh: "教师已暂停", en: "Paused by the instructor")
    static func incident(_ reason: String, exam: Bool) -> LocalizedText {
        exam ? LocalizedText(zh: "考试暂停：\(reason)", en: "Exam paused: \(reason)")
             : LocalizedText(zh: "暂停：\(reason)", en: "Paused: \(reason)")
    }
    static let resumed = LocalizedText(zh: "继续", en: "Carry on")
    static func instructorMessage(_ t: String) -> LocalizedText { LocalizedText(zh: "教师：\(t)", en: "Instructor: \(t)") }
    static func instructorHint(_ t: String) -> LocalizedText { LocalizedText(zh: "教师提示：\(t)", en: "Instructor's hint: \(t)") }
    static let examEnded = LocalizedText(zh: "考试结束，已自动交卷", en: "The exam has ended; your attempt was submitted")
    static let submit = LocalizedText(zh: "交卷", en: "Submit")
    static let confirmSubmit = LocalizedText(zh: "再点一次确认交卷", en: "Click again to submit")
    static let procedure = LocalizedText(zh: "操作步骤", en: "Procedure")
    static let alarms = LocalizedText(zh: "报警", en: "Alarms")
    static let ack = LocalizedText(zh: "确认 (K)", en: "Ack (K)")
    static let hint = LocalizedText(zh: "提示", en: "Hint")
    static let askHint = LocalizedText(zh: "按 H 获取提示（扣分）", en: "Press H for a hint (costs points)")
    static let instruments = LocalizedText(zh: "仪表", en: "Instruments")
    static let handheld = LocalizedText(zh: "便携式气体检测仪（呼吸带空气）", en: "Handheld detector (air at the face)")
    static let gasLegend = LocalizedText(zh: "气体热图：各气体按自身限值", en: "Gas heatmap: each gas's own limits")
    static let gasLow = LocalizedText(zh: "低", en: "low")
    static let gasWarn = LocalizedText(zh: "预警", en: "warning")
    static let gasDanger = LocalizedText(zh: "危险", en: "danger")
    static let gasLethal = LocalizedText(zh: "≥2×", en: "≥2×")
    static let ppe = LocalizedText(zh: "个人防护用品 (P)", en: "PPE (P)")
    static let worn = LocalizedText(zh: "已穿戴", en: "worn")
    static let notWorn = LocalizedText(zh: "未穿戴", en: "not worn")
    static let ok = LocalizedText(zh: "确定", en: "OK")
    static let result = LocalizedText(zh: "考核结果", en: "Result")
    static let practiceResult = LocalizedText(zh: "练习结果", en: "Practice result")
    static let teachingResult = LocalizedText(zh: "教学结果", en: "Teaching result")
    /// The result's heading: 考核结果 is the exam's; practice and teaching say what they are.
    static func result(for mode: TrainingMode) -> LocalizedText {
        switch mode {
        case .practice: return practiceResult
        case .teaching: return teachingResult
        case .exam: return result
        }
    }
    /// An exam on a lab server at its end: handed in, the result is the instructor's; the line
    /// under the panel (`endNote`) says whether the server holds the whole journal yet.
    static let examWithheld = LocalizedText(zh: "已交卷，成绩待教师发布", en: "Handed in; your instructor will publish the result")
    static let ended = LocalizedText(zh: "本次操作已结束", en: "The attempt is over")
    static let examHidden = LocalizedText(zh: "成绩将由教师发布", en: "Your instructor will publish the result")
    static let passed = LocalizedText(zh: "合格", en: "Passed")
    static let failed = LocalizedText(zh: "不合格", en: "Failed")
    static let keys = LocalizedText(zh: "Tab 视角 · WASD 移动 · 右键拖动 转向 · G 气体 · L 语言",
                                    en: "Tab view · WASD move · right-drag look · G gas · L language")
    static func endReason(_ r: EndReason) -> LocalizedText {
        switch r {
        case .submitted: return LocalizedText(zh: "已交卷", en: "Submitted")
        case .timeLimit: return LocalizedText(zh: "时间到", en: "Time is up")
        case .hazard: return LocalizedText(zh: "发生危险，操作终止", en: "Stopped by a hazard")
        case .accident: return LocalizedText(zh: "发生事故，操作终止", en: "Stopped by an accident")
        case .running: return LocalizedText(zh: "进行中", en: "Running")
        }
    }
}

enum HUDFormat {
    static func number(_ x: Double) -> String { Scene.short(x) }
    /// Scores: whole numbers without decimals, else one decimal.
    static func score(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }
    static func clock(_ s: Double) -> String {
        let t = max(0, Int(s))
        return String(format: "%02d:%02d", t / 60, t % 60)
    }
    /// A reading in the unit a student expects for its dimension.
    static func reading(_ v: Double, _ d: HazLabCore.Dimension) -> String {
        switch d {
        case .temperature: return number(v - 273.15) + " °C"
        case .pressure: return number(v / 1000) + " kPa"
        case .length: return number(v) + " m"
        case .volume: return number(v) + " m³"
        case .volumeFlow: return number(v * 3600) + " m³/h"
        case .lelFraction: return number(v * 100) + " %LEL"
        case .voltage: return number(v / 1000) + " kV"
        case .current: return number(v) + " A"
        case .power: return abs(v) >= 1e6 ? number(v / 1e6) + " MW" : number(v / 1000) + " kW"
        case .energy: return number(v / 1000) + " kJ"
        case .mass: return number(v) + " kg"
        case .massFlow: return number(v) + " kg/s"
        case .time: return number(v) + " s"
        case .velocity: return number(v) + " m/s"
        case .frequency: return number(v) + " Hz"
        case .area: return number(v) + " m²"
        case .none: return number(v)   // a switch state or a count: no unit to show
        default:
            // Any other SI combination: name its base units rather than show a bare number.
            return number(v) + " " + d.description
        }
    }

    /// The handheld (personal) detector: the air at the breathing zone, before PPE, in the unit a
    /// four-gas monitor shows for the species, saturating at the sensor's range like a real one.
    static func handheld(_ sp: GasSpecies, fraction c: Double) -> (text: String, level: Int) {
        let level = GasDisplay.readingLevel(sp, fraction: c)
        if let lel = sp.lel, sp.stelPPM == nil || c / lel > 0.01 {
            return (GasDisplay.capped(c / lel * 100, range: 100, unit: "%LEL"), level)
        }
        return (GasDisplay.capped(c * 1e6, range: GasDisplay.portableRangePPM(sp), unit: "ppm"), level)
    }
}

extension Workstation {
    static let panel = V4(0.07, 0.09, 0.12, 0.78)
    static let white = V4(1, 1, 1, 1), dim = V4(0.72, 0.76, 0.82, 1)
    static let green = V4(0.35, 0.85, 0.45, 1), amber = V4(1, 0.72, 0.2, 1), red = V4(1, 0.3, 0.25, 1)
    static let button = V4(0.20, 0.36, 0.62, 0.95)

    func layoutHUD() { _ = overlay() }

    /// The HUD over the scene; also records where its buttons are, for the input layer.
    public func overlay() -> Overlay {
        var o = Overlay()
        regions.removeAll(keepingCapacity: true)
        let W = Float(width), H = Float(height)
        let s = state
        zoneSigns(&o, s, W: W, H: H)
        topBar(&o, s, W: W)
        var y: Float = 56
        if session.mode != .exam { procedurePanel(&o, W: W, H: H, y: &y) }
        ticketPanel(&o, y: &y)
        alarmPanel(&o, s, W: W, H: H)
        instrumentPanels(&o, s, W: W)
        ppePanel(&o, s, W: W)
        messageLines(&o, W: W, H: H)
        tooltipAndMenus(&o, W: W, H: H)
        if let b = connectionBadge {
            let label = text(b.text)
            let w = fonts.width(label, .small) + 16
            o.rect(W - w - 10, H - 32, w, 22, b.severity == 0 ? V4(0.1, 0.35, 0.2, 0.85) : b.severity == 1 ? V4(0.55, 0.4, 0.05, 0.9) : V4(0.6, 0.15, 0.15, 0.9))
            o.text(label, W - w - 2, H - 16, .small, Self.white)
        }
        if session.ended { endPanel(&o) }
        return o
    }

    /// A HUD button: drawn, and its region recorded for the input layer. Returns its width.
    @discardableResult
    func hudButton(_ o: inout Overlay, _ label: String, _ x: Float, _ y: Float, _ a: UIAction, color: V4 = Workstation.button) -> Float {
        let w = fonts.width(label, .normal) + 20
        o.rect(x, y, w, 28, color)
        o.text(label, x + 10, y + 20, .normal, Self.white)
        regions.append((x, y, w, 28, a))
        return w
    }

    /// Zone signs on the floor plan, and a crosshair when walking.
    func zoneSigns(_ o: inout Overlay, _ s: State, W: Float, H: Float) {
        let m = model
        for (row, p) in scene.layout.placements.enumerated() where m.entities.kinds[row] == .zone {
            guard let p, let q = camera.project(p.base + V3(0, 0, 0.05), width: W, height: H), q.x > 0, q.x < W, q.y > 50, q.y < H - 20 else { continue }
            if camera.mode == .walk && length(p.base - camera.position) > 15 { continue }
            // Small zones (operating positions) are named on hover only, unless the trainee is there.
            if p.size.x * p.size.y < 4 && Int32(row) != s.traineeZone && hover != row { continue }
            let label = fonts.atlas(.small).truncate(name(row), maxWidth: 220)
            let w = fonts.width(label, .small) + 12
            let here = Int32(row) == s.traineeZone
            o.rect(q.x - w / 2, q.y - 14, w, 20, here ? V4(0.1, 0.35, 0.2, 0.8) : V4(0.05, 0.07, 0.1, 0.6))
            o.text(label, q.x - w / 2 + 6, q.y + 1, .small, here ? Self.green : Self.white)
        }
        if camera.mode == .walk {
            o.rect(W / 2 - 8, H / 2 - 1, 16, 2, V4(1, 1, 1, 0.8))
            o.rect(W / 2 - 1, H / 2 - 8, 2, 16, V4(1, 1, 1, 0.8))
        }
    }

    /// Top bar: title, mode, clock, buttons; the instructor's hold banner under it.
    func topBar(_ o: inout Overlay, _ s: State, W: Float) {
        let m = model
        o.rect(0, 0, W, 44, Self.panel)
        let title = fonts.atlas(.large).truncate(text(m.text.title), maxWidth: Int(max(120, W - 560)))
        o.text(title, 14, 30, .large, Self.white)
        var x = 24 + fonts.width(title, .large)
        let modeText = text(session.mode.title)
        o.rect(x, 9, fonts.width(modeText, .normal) + 16, 26, session.mode == .exam ? V4(0.6, 0.15, 0.15, 1) : V4(0.15, 0.45, 0.25, 1))
        o.text(modeText, x + 8, 28, .normal, Self.white)
        x += fonts.width(modeText, .normal) + 30
        let limit = m.seconds(ticks: m.timeLimitTicks)
        var clock = "\(HUDFormat.clock(s.seconds)) / \(HUDFormat.clock(limit))"
        if session.speed != 1 { clock += "  ×\(Int(session.speed))" }
        if session.paused { clock += "  " + text(UIStrings.paused) }
        o.text(clock, x, 29, .large, s.seconds > limit * 0.9 ? Self.amber : Self.white)
        // The instructor holds the clock: a banner under the top bar says why (the student cannot unpause it).
        if let banner = heldBanner {
            let t = fonts.atlas(.large).truncate(text(banner), maxWidth: Int(max(120, W - 80))), bw = fonts.width(t, .large) + 40
            o.rect((W - bw) / 2, 52, bw, 40, V4(0.6, 0.15, 0.15, 0.92))
            o.text(t, (W - bw) / 2 + 20, 80, .large, Self.white)
        }
        var bx = W - 14
        let subLabel = text(submitArmed ? UIStrings.confirmSubmit : UIStrings.submit)
        bx -= fonts.width(subLabel, .normal) + 20
        if !session.ended { hudButton(&o, subLabel, bx, 8, .submit, color: submitArmed ? V4(0.75, 0.2, 0.15, 1) : Self.button) }
        let lang = language == .zh ? "EN" : "中文"
        bx -= fonts.width(lang, .normal) + 30
        hudButton(&o, lang, bx, 8, .toggleLanguage)
    }

    /// Procedure checklist (teaching and practice) with hints; moves `y` below it.
    func procedurePanel(_ o: inout Overlay, W: Float, H: Float, y: inout Float) {
        let m = model
        let result = session.score
        let pw: Float = min(360, W * 0.3)
        let cur = currentStep(in: result.steps)
        var lines: [(String, V4, Overlay.TextSize)] = []
        for (k, st) in result.steps.enumerated() {
            let mark = st.completed ? "✓" : (k == cur ? "▶" : "○")
            let color = st.completed ? Self.green : (k == cur ? Self.white : Self.dim)
            for (j, l) in fonts.atlas(.small).wrap("\(mark) \(k + 1). \(text(st.title))", maxWidth: Int(pw - 20)).enumerated() {
                lines.append(((j == 0 ? "" : "    ") + l, color, .small))
            }
            if k == cur {
                let hint = m.procedure[k].hint
                let shown = session.mode == .teaching || st.hintUsed
                if shown && !text(hint).isEmpty {
                    for l in fonts.atlas(.small).wrap(text(UIStrings.hint) + "：" + text(hint), maxWidth: Int(pw - 30)) { lines.append(("    " + l, Self.amber, .small)) }
                } else if session.mode == .practice {
                    lines.append(("    " + text(UIStrings.askHint), Self.dim, .small))
                }
            }
        }
        let lh = fonts.lineHeight(.small) + 2
        let maxLines = Int((H * 0.62 - 40) / lh)
        let shownLines = Array(lines.prefix(max(1, maxLines)))
        o.rect(10, y, pw, 34 + Float(shownLines.count) * lh, Self.panel)
        o.text(text(UIStrings.procedure), 20, y + 24, .normal, Self.white)
        var ly = y + 34 + lh - 4
        for (l, c, sz) in shownLines { o.text(l, 20, ly, sz, c); ly += lh }
        y += 44 + Float(shownLines.count) * lh
    }

    /// Alarm list with acknowledge.
    func alarmPanel(_ o: inout Overlay, _ s: State, W: Float, H: Float) {
        let m = model
        let active = (0..<m.alarms.count).filter { s.alarmActive[$0] != 0 }
        guard !active.isEmpty else { return }
        let aw: Float = min(360, W * 0.3)
        let ay = H - 70 - Float(active.count) * 24 - 40
        o.rect(10, ay, aw, 40 + Float(active.count) * 24, Self.panel)
        o.text(text(UIStrings.alarms), 20, ay + 24, .normal, Self.red)
        hudButton(&o, text(UIStrings.ack), 10 + aw - fonts.width(text(UIStrings.ack), .normal) - 30, ay + 6, .acknowledgeAll)
        for (k, a) in active.enumerated() {
            let row = Int(m.alarms.entity[a])
            let acked = s.alarmAcknowledged[a] != 0
            let flash = acked || Int(s.seconds * 4) % 2 == 0
            let c = acked ? Self.amber : (flash ? Self.red : Self.white)
            o.rect(18, ay + 42 + Float(k) * 24, 10, 10, c)
            o.text(fonts.atlas(.small).truncate(name(row), maxWidth: Int(aw - 50)), 36, ay + 52 + Float(k) * 24, .small, c)
        }
    }

    /// Instruments down the right: gauges with mini trends, the handheld gas detector, the heatmap legend.
    func instrumentPanels(_ o: inout Overlay, _ s: State, W: Float) {
        let gw: Float = 250
        var gy: Float = 56
        let gx = W - gw - 10
        if !gaugeRows.isEmpty {
            gaugePanel(&o, gx: gx, gy: gy, gw: gw)
            gy += 40 + Float(gaugeRows.count) * 64
        }
        guard let spec = model.gas?.spec else { return }
        o.rect(gx, gy, gw, 34 + Float(spec.species.count + 1) * 22, Self.panel)
        o.text(text(UIStrings.handheld), gx + 10, gy + 22, .small, Self.white)
        for (k, sp) in spec.species.enumerated() {
            // The air, not what the mask lets through: a detector does not know about PPE.
            let r = HUDFormat.handheld(sp, fraction: s.traineeAir[k])
            o.text("\(sp.name)  \(r.text)", gx + 14, gy + 46 + Float(k) * 22, .normal, r.level >= 2 ? Self.red : r.level == 1 ? Self.amber : Self.green)
        }
        let o2 = s.traineeAirOxygen
        let o2Level = GasDisplay.level(GasSpecies.oxygenHazardIndex(fraction: o2))
        o.text("O₂  " + GasDisplay.capped(o2 * 100, range: 30, unit: "%"), gx + 14, gy + 46 + Float(spec.species.count) * 22, .normal,
               o2 < 0.195 || o2 > 0.235 ? Self.red : o2Level == 1 ? Self.amber : Self.green)
        if showGas { gasLegend(&o, spec, gx: gx, ly: gy + 44 + Float(spec.species.count + 1) * 22, gw: gw) }
    }

    /// The gauges: name, reading (in the detector's colour) and the last 120 samples.
    func gaugePanel(_ o: inout Overlay, gx: Float, gy: Float, gw: Float) {
        let m = model
        o.rect(gx, gy, gw, 30 + Float(gaugeRows.count) * 64, Self.panel)
        o.text(text(UIStrings.instruments), gx + 10, gy + 22, .normal, Self.white)
        for (k, row) in gaugeRows.enumerated() {
            let top = gy + 30 + Float(k) * 64
            let i = Int(m.entities.local[row])
            let dim: HazLabCore.Dimension
            switch m.entities.kinds[row] {
            case .sensor: dim = m.sensors.dimension[i]
            case .detector: dim = .lelFraction
            case .compressor: dim = .pressure
            default: dim = .temperature
            }
            o.text(fonts.atlas(.small).truncate(name(row), maxWidth: Int(gw - 20)), gx + 10, top + 14, .small, Self.dim)
            let value = gaugeValue(row)
            let level = m.entities.kinds[row] == .detector ? scene.detectorLevel(row: row, value: value) : 0
            o.text(scene.detectorText(row: row, value: value) ?? HUDFormat.reading(value, dim), gx + 10, top + 36, .normal,
                   level == 2 ? Self.red : level == 1 ? Self.amber : Self.white)
            let tr = trends[k]
            let px = gx + 120, pw2 = gw - 130, py = top + 20, ph: Float = 36
            o.rect(px, py, pw2, ph, V4(0, 0, 0, 0.35))
            if tr.count >= 2, let lo = tr.min(), let hi = tr.max() {
                let span = max(hi - lo, 1e-6)
                let pts = tr.enumerated().map { SIMD2(px + pw2 * Float($0.offset) / 119, py + ph - 2 - (ph - 4) * ($0.element - lo) / span) }
                o.line(pts, 1.5, Self.green)
            }
        }
    }

    /// Heatmap legend, under the handheld: the colour scale and what it means for each gas.
    func gasLegend(_ o: inout Overlay, _ spec: GasGridSpec, gx: Float, ly: Float, gw: Float) {
        let lh = Float(spec.species.count + 1) * 18 + 74
        o.rect(gx, ly, gw, lh, Self.panel)
        o.text(text(UIStrings.gasLegend), gx + 10, ly + 20, .small, Self.white)
        let swatches: [(V4, LocalizedText)] = [(V4(0.1, 0.8, 0.2, 1), UIStrings.gasLow), (V4(1, 0.9, 0.1, 1), UIStrings.gasWarn),
                                               (V4(0.95, 0.05, 0.05, 1), UIStrings.gasDanger), (V4(0.45, 0, 0.45, 1), UIStrings.gasLethal)]
        let sw = (gw - 20) / Float(swatches.count)
        for (k, (c, label)) in swatches.enumerated() {
            let x = gx + 10 + sw * Float(k)
            o.rect(x, ly + 28, sw - 4, 10, c)
            o.text(fonts.atlas(.small).truncate(text(label), maxWidth: Int(sw - 4)), x, ly + 54, .small, Self.dim)
        }
        for (k, sp) in spec.species.enumerated() {
            o.text(fonts.atlas(.small).truncate(GasDisplay.bandsShort(sp), maxWidth: Int(gw - 20)), gx + 10, ly + 76 + Float(k) * 18, .small, Self.white)
        }
        o.text(fonts.atlas(.small).truncate(GasDisplay.oxygenBandsShort, maxWidth: Int(gw - 20)), gx + 10, ly + 76 + Float(spec.species.count) * 18, .small, Self.white)
    }

    /// PPE panel: one wear/remove button per item.
    func ppePanel(_ o: inout Overlay, _ s: State, W: Float) {
        let m = model
        guard showPPE && !m.ppeEntities.isEmpty else { return }
        let pw: Float = 300, px = (W - pw) / 2, py: Float = 80
        o.rect(px, py, pw, 40 + Float(m.ppeEntities.count) * 34, Self.panel)
        o.text(text(UIStrings.ppe), px + 12, py + 26, .normal, Self.white)
        for (k, e) in m.ppeEntities.enumerated() {
            let row = Int(e), worn = s.ppeWorn[Int(m.entities.local[row])] != 0
            let label = "\(worn ? "■" : "□") \(name(row)) — \(text(worn ? UIStrings.worn : UIStrings.notWorn))"
            hudButton(&o, label, px + 10, py + 38 + Float(k) * 34, .verb(worn ? .remove : .wear, row), color: worn ? V4(0.15, 0.45, 0.25, 0.95) : Self.button)
        }
    }

    /// Messages at the bottom, newest lowest, and the key help line.
    func messageLines(_ o: inout Overlay, W: Float, H: Float) {
        for (k, msg) in messages.enumerated() {
            let c = msg.severity == 2 ? Self.red : msg.severity == 1 ? Self.amber : Self.white
            // An instructor's message may be long: one line, cut to the screen.
            let t = fonts.atlas(.normal).truncate(text(msg.text), maxWidth: Int(max(120, W - 64)))
            let w = fonts.width(t, .normal) + 24
            let my = H - 40 - Float(messages.count - 1 - k) * 30
            o.rect((W - w) / 2, my - 22, w, 28, Self.panel)
            o.text(t, (W - w) / 2 + 12, my, .normal, c)
        }
        o.text(text(UIStrings.keys), 14, H - 10, .small, Self.dim)
    }

    /// The hover tooltip (not over the end-of-attempt report), the context menu and the slider.
    func tooltipAndMenus(_ o: inout Overlay, W: Float, H: Float) {
        let m = model
        if let row = hover, menu == nil, !session.ended {
            var lines = [name(row)]
            let other = language == .zh ? m.text.entityNames[row].en : m.text.entityNames[row].zh
            if !other.isEmpty && other != lines[0] { lines.append(other) }
            lines.append(stateLine(row))
            let w = (lines.map { fonts.width($0, .small) }.max() ?? 0) + 20
            let tx = min(cursor.x + 16, W - w - 4), ty = min(cursor.y + 16, H - Float(lines.count) * 20 - 14)
            o.rect(tx, ty, w, Float(lines.count) * 20 + 10, V4(0.02, 0.02, 0.05, 0.88))
            for (k, l) in lines.enumerated() { o.text(l, tx + 10, ty + 20 + Float(k) * 20, .small, k == 0 ? Self.white : Self.dim) }
        }
        if let mn = menu {
            let items = mn.verbs.enumerated().map { "\($0.offset + 1)  " + text(VerbMenu.title($0.element, kind: model.entities.kinds[mn.row])) }
            let w = max(160, (items.map { fonts.width($0, .normal) }.max() ?? 0) + 24)
            let mx = min(mn.x, W - w - 4), my = min(mn.y, H - Float(items.count) * 30 - 40)
            o.rect(mx, my, w, 34 + Float(items.count) * 30, V4(0.05, 0.06, 0.09, 0.94))
            o.text(fonts.atlas(.small).truncate(name(mn.row), maxWidth: Int(w - 16)), mx + 8, my + 20, .small, Self.amber)
            for (k, v) in mn.verbs.enumerated() {
                let iy = my + 28 + Float(k) * 30
                o.rect(mx + 4, iy, w - 8, 28, V4(0.16, 0.22, 0.32, 1))
                o.text(items[k], mx + 12, iy + 20, .normal, Self.white)
                regions.append((mx + 4, iy, w - 8, 28, v == .set ? .openSlider(mn.row) : .verb(v, mn.row)))
            }
        }
        if let sl = slider {
            let sw: Float = 360, sx = (W - sw) / 2, sy = H / 2 - 60
            o.rect(sx, sy, sw, 110, V4(0.05, 0.06, 0.09, 0.94))
            o.text("\(name(sl.row))  \(Int((sl.value * 100).rounded())) %", sx + 12, sy + 26, .normal, Self.white)
            o.rect(sx + 20, sy + 44, sw - 40, 14, V4(0.3, 0.3, 0.35, 1))
            o.rect(sx + 20, sy + 44, (sw - 40) * sl.value, 14, Self.green)
            regions.append((sx + 20, sy + 40, sw - 40, 22, .slider(sl.value)))
            hudButton(&o, text(UIStrings.ok), sx + sw - 90, sy + 72, .commitSlider)
        }
    }

    func stateLine(_ row: Int) -> String {
        let kind = model.entities.kinds[row]
        if kind == .leak, let net = model.gas { return leakLine(net, Int(model.entities.local[row])) }
        let fields = FieldCatalog.fields(of: kind, lockable: model.entities.lockable[row]).filter { !$0.byEntity || $0.name == "locked" || $0.name == "tagged" }
        var parts: [String] = []
        for f in fields.prefix(4) {
            guard let v = scene.field(f.name, row: row, in: state) else { continue }
            if case .bool? = f.type {
                if v != 0 { parts.append(f.name) }
            } else if case let .number(d)? = f.type {
                parts.append("\(f.name) " + HUDFormat.reading(v, d))
            } else {
                parts.append("\(f.name) " + HUDFormat.number(v))
            }
        }
        if let e = scene.electrical(row: row, in: state) {
            let t: LocalizedText
            switch e {
            case .energized: t = LocalizedText(zh: "(!) 带电", en: "(!) energized")
            case .isolated: t = LocalizedText(zh: "(-) 停电", en: "(-) isolated")
            case .earthed: t = LocalizedText(zh: "(E) 已接地", en: "(E) earthed")
            case .faulted: t = LocalizedText(zh: "(!E) 带电接地", en: "(!E) live and earthed")
            }
            parts.insert(text(t), at: 0)
        }
        return parts.isEmpty ? model.entities.ids[row] : parts.joined(separator: " · ")
    }

    /// A leak as it is now: the release after its upstream valve, or why it has stopped.
    func leakLine(_ net: GasNet, _ l: Int) -> String {
        let set = state.leakRate[l]
        let v = Int(net.leakValve[l])
        let opening = v >= 0 ? state.valvePosition[v] : 1
        let now = set * opening
        if now > 0 {
            let rate = text(LocalizedText(zh: "泄漏 ", en: "releasing ")) + HUDFormat.reading(now, .volumeFlow)
            return opening < 1 && v >= 0 ? rate + " · " + text(LocalizedText(zh: "上游阀开度 ", en: "upstream valve ")) + HUDFormat.number(opening * 100) + " %" : rate
        }
        if set > 0, v >= 0, let row = model.valves.entity.indices.contains(v) ? Int(model.valves.entity[v]) : nil {
            return text(LocalizedText(zh: "已停止 — 阀门 ", en: "stopped — valve ")) + model.entities.ids[row] + text(LocalizedText(zh: " 已关闭", en: " closed"))
        }
        return text(LocalizedText(zh: "无泄漏", en: "not releasing"))
    }

    func endPanel(_ o: inout Overlay) {
        let W = Float(width), H = Float(height)
        let r = session.score
        // Exam results are shown only after the student submits.
        let hidden = withholdResult || (session.mode == .exam && state.endReason != .submitted)
        let headline = text(UIStrings.ended) + " — " + text(UIStrings.endReason(state.endReason))
        let pw: Float = min(max(560, fonts.width(headline, .large) + 40), W - 40)
        let ph: Float = hidden ? 100 : min(130 + Float(r.steps.count + min(5, r.deductions.count)) * 20, H - 120)
        let px = (W - pw) / 2, py = hidden ? H - ph - 150 : (H - ph) / 2
        o.rect(px, py, pw, ph, V4(0.04, 0.05, 0.08, hidden ? 0.8 : 0.9))
        o.text(headline, px + 16, py + 34, .large, Self.white)
        // The line under the panel: on a lab server, whether the server holds the whole journal.
        if let n = endNote {
            o.rect(px, py + ph, pw, 32, V4(0.08, 0.1, 0.16, 0.95))
            o.text(fonts.atlas(.small).truncate(text(n), maxWidth: Int(pw - 32)), px + 16, py + ph + 21, .small, Self.white)
        }
        if hidden {
            o.text(text(withholdResult ? UIStrings.examWithheld : UIStrings.examHidden), px + 16, py + 74, .normal, Self.dim)
            return
        }
        let verdict = r.passed ? UIStrings.passed : UIStrings.failed
        o.text("\(text(UIStrings.result(for: session.mode)))\(language == .zh ? "：" : ": ")\(HUDFormat.score(r.total)) / \(HUDFormat.score(r.max))  \(text(verdict))", px + 16, py + 76, .large, r.passed ? Self.green : Self.red)
        var y = py + 110
        for st in r.steps {
            guard y < py + ph - 20 else { break }
            let line = "\(st.completed ? "✓" : "×") \(st.seq). \(text(st.title))"
            o.text(fonts.atlas(.small).truncate(line, maxWidth: Int(pw - 110)), px + 20, y, .small, st.completed ? Self.white : Self.amber)
            o.text("\(HUDFormat.score(st.score))/\(HUDFormat.score(st.maxScore))", px + pw - 80, y, .small, Self.dim)
            y += 20
        }
        for d in r.deductions.prefix(5) {
            guard y < py + ph - 10 else { break }
            o.text(fonts.atlas(.small).truncate("− \(HUDFormat.score(d.points))  \(text(ScoreJSON.title(of: d, model)))", maxWidth: Int(pw - 40)), px + 20, y, .small, Self.red)
            y += 20
        }
    }
}

// MARK: - Operating ticket (操作票)

extension UIStrings {
    static let ticket = LocalizedText(zh: "倒闸操作票", en: "Operating ticket")
    /// The message for an operation the five-prevention rule 1 stopped because it is not the
    /// ticket's next item.
    static func ticketBlocked(next: LocalizedText?) -> LocalizedText {
        let zh = next.map { "（下一项：\($0.zh)）" } ?? "（操作票已执行完毕）"
        let en = next.map { " (next: \($0.en.isEmpty ? $0.zh : $0.en))" } ?? " (the ticket is complete)"
        return LocalizedText(zh: "五防闭锁：不是操作票的下一项" + zh, en: "Interlock: not the next item of the operating ticket" + en)
    }
}

extension Workstation {
    /// The ticket's next item, as written on the ticket; nil when it is complete or absent.
    func ticketNextTitle() -> LocalizedText? {
        guard let t = model.electrical?.ticket, let p = state.ticket, !p.complete else { return nil }
        let k = Int(p.next)
        return LocalizedText(zh: "\(k + 1). " + t.steps[k].title.zh, en: "\(k + 1). " + t.steps[k].title.en)
    }

    /// The operating ticket around its next item: two done before it, then the next ones. Shown
    /// in every mode — the operator carries the ticket (and the 五防 key shows its next item).
    func ticketPanel(_ o: inout Overlay, y: inout Float) {
        guard let t = model.electrical?.ticket, let p = state.ticket else { return }
        let W = Float(width), H = Float(height)
        let pw: Float = min(360, W * 0.3)
        let lh = fonts.lineHeight(.small) + 2
        // Up to 7 items, kept clear of the alarm list at the bottom left; at least the next one.
        let room = Int((H - 150 - y - 44) / lh)
        let count = max(1, min(7, room))
        let next = Int(p.next)
        let first = max(0, min(next - min(2, count - 1), t.steps.count - count)), last = min(t.steps.count, first + count)
        var lines: [(String, V4)] = []
        for k in first..<last {
            let st = p.status[k]
            let mark = st == TicketState.done ? "✓" : st == TicketState.outOfOrder ? "!" : (k == next ? "▶" : "○")
            let color = st == TicketState.done ? Self.green : st == TicketState.outOfOrder ? Self.amber : (k == next ? Self.white : Self.dim)
            lines.append((fonts.atlas(.small).truncate("\(mark) \(k + 1). \(text(t.steps[k].title))", maxWidth: Int(pw - 20)), color))
        }
        o.rect(10, y, pw, 34 + Float(lines.count) * lh, Self.panel)
        let head = "\(text(UIStrings.ticket)) \(t.id)  \(p.completed)/\(t.steps.count)"
        o.text(fonts.atlas(.normal).truncate(head, maxWidth: Int(pw - 20)), 20, y + 24, .normal, p.complete ? Self.green : Self.white)
        var ly = y + 34 + lh - 4
        for (l, c) in lines { o.text(l, 20, ly, .small, c); ly += lh }
        y += 44 + Float(lines.count) * lh
    }
}
