import HazLabCore

/// The gas exposure model in words, for the instructor sheet and the accident rows of a report
/// (the same figures as `Docs/exposure.md`, read from the scenario's species table).
enum ExposureText {
    private static func T(_ zh: String, _ en: String) -> LocalizedText { LocalizedText(zh: zh, en: en) }
    static func ppm(_ x: Double) -> String { Fmt.number(x, maxDigits: 1) }

    /// An exposure accident: which gas, which rule and measure, where.
    /// "NH3: 15-min dose 531 ppm·min > 525 (STEL 35 ppm × 15 min); inhaled 212 ppm — at Boiler room (boiler_room), x 3 y 2 z 1.6 m"
    static func accident(_ a: ExposureAccident, model: Model, zone: String, _ lang: ReportLanguage) -> String {
        let en = lang == .en
        var what: String
        switch a.rule {
        case .stelDose:
            let stel = a.species >= 0 ? model.gas?.spec.species[a.species].stelPPM ?? 0 : 0
            what = en ? "\(a.gas): 15-min dose \(ppm(a.doseppmMinutes)) ppm·min > \(ppm(stel * 15)) (STEL \(ppm(stel)) ppm × 15 min)"
                      : "\(a.gas)：15 分钟剂量 \(ppm(a.doseppmMinutes)) ppm·min > \(ppm(stel * 15))（STEL \(ppm(stel)) ppm × 15 min）"
            what += en ? "; inhaled \(ppm(a.inhaled)) ppm" : "；吸入 \(ppm(a.inhaled)) ppm"
        case .idlh(let s):
            let idlh = a.species >= 0 ? model.gas?.spec.species[a.species].idlhPPM ?? 0 : 0
            what = en ? "\(a.gas): \(Fmt.number(s, maxDigits: 0)) s above IDLH \(ppm(idlh)) ppm; inhaled \(ppm(a.inhaled)) ppm, dose \(ppm(a.doseppmMinutes)) ppm·min"
                      : "\(a.gas)：累计 \(Fmt.number(s, maxDigits: 0)) s 高于 IDLH \(ppm(idlh)) ppm；吸入 \(ppm(a.inhaled)) ppm，剂量 \(ppm(a.doseppmMinutes)) ppm·min"
        case .lowOxygen(let s):
            what = en ? "O2 below 16 %vol for \(Fmt.number(s, maxDigits: 0)) s; inhaled \(Fmt.number(a.inhaled, maxDigits: 1)) %vol"
                      : "氧含量低于 16 %vol 累计 \(Fmt.number(s, maxDigits: 0)) s；吸入 \(Fmt.number(a.inhaled, maxDigits: 1)) %vol"
        }
        let p = a.position
        let at = "x \(Fmt.coord(p.x)) y \(Fmt.coord(p.y)) z \(Fmt.coord(p.z)) m"
        let place = zone.isEmpty ? at : "\(zone), \(at)"
        return what + (en ? " — at " : " — 位置：") + place
    }

    static let title = T("气体暴露规则", "Gas exposure rules")
    static let limitsTitle = T("各气体限值（读趋势图用）", "Gas limits (for reading the trends)")
    static let note = T(
        "按学员吸入的浓度（佩戴呼吸器时为 0）逐时刻判定：15 分钟剂量超过 STEL×15 min 即受伤；累计 60 s 高于 IDLH 即失去行动能力（受伤，训练结束），累计 300 s 死亡；氧含量低于 16 %vol 累计 60 s 失去行动能力，240 s 死亡。检测仪（固定式与便携式）显示的是所在点的空气，与防护用品无关。来源与说明见 Docs/exposure.md。",
        "Judged every tick on what the trainee inhales (0 with breathing apparatus): a 15-minute dose above STEL × 15 min injures; 60 s in all above IDLH incapacitates (injury, the attempt ends) and 300 s kills; oxygen below 16 %vol for 60 s in all incapacitates and for 240 s kills. Detectors (fixed and handheld) read the air at their point, whatever PPE is worn. Sources and reasons: Docs/exposure.md.")
    static let headers = [T("气体", "Gas"), T("爆炸极限 %vol", "LEL–UEL %vol"), T("TWA ppm", "TWA ppm"), T("STEL/C ppm", "STEL/C ppm"),
                          T("IDLH ppm", "IDLH ppm"), T("15 分钟剂量 ppm·min", "15-min dose ppm·min"), T("显示分级（预警 · 警告 · 危险）", "Display bands (low · warning · danger)")]
    static let oxygenRow = T("O₂：低于 19.5 %vol 不得进入（GB 30871），低于 16 %vol 计时", "O₂: below 19.5 %vol no entry (GB 30871, OSHA 1910.146); below 16 %vol the clock runs")
    static let standard = T("甲烷爆炸极限采用", "Methane limits from")

    /// One row per species of the grid.
    static func rows(_ spec: GasGridSpec) -> [[String]] {
        func pct(_ x: Double?) -> String { x.map { Fmt.number($0 * 100, maxDigits: 1) } ?? "—" }
        func num(_ x: Double?) -> String { x.map { ppm($0) } ?? "—" }
        return spec.species.map { g in
            let limits = g.lel == nil ? "—" : "\(pct(g.lel))–\(pct(g.uel))"
            let dose = g.stelPPM.map { ppm($0 * 15) } ?? "—"
            let bands = GasDisplay.bands(g)
            return [g.name, limits, num(g.twaPPM), num(g.stelPPM), num(g.idlhPPM), dose,
                    bands.hasPrefix(g.name + ": ") ? String(bands.dropFirst(g.name.count + 2)) : bands]
        }
    }
}
