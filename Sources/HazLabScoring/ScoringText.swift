import HazLabCore

/// The scoring rules in words (评分模型) and per-step remarks, in zh-CN and en.
struct ScoringText {
    let model: Model

    func seconds(_ ticks: Int64) -> String {
        let s = model.seconds(ticks: ticks)
        return Self.number(s) + " s"
    }

    /// Shortest plain form: integers without a fraction, otherwise at most two decimals.
    static func number(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        if r == r.rounded() && abs(r) < 1e15 { return String(Int64(r)) }
        return String(r)
    }

    func title(_ row: Int32) -> LocalizedText { model.procedure[Int(row)].title }

    func stepModel(_ step: ProcedureStep) -> LocalizedText {
        let pts = Self.number(step.maxScore)
        var zh = "完成得 \(pts) 分"
        var en = "\(pts) points when completed"
        if step.expectedTicks > 0 && step.late.shape != .none {
            let exp = seconds(step.expectedTicks)
            let floorPct = Self.number(step.late.floor * 100) + "%"
            if step.late.windowTicks > 0 {
                let win = seconds(step.late.windowTicks)
                switch step.late.shape {
                case .linear:
                    zh += "；应在 \(exp) 内完成，超时后 \(win) 内得分线性降至 \(floorPct)，再晚得 \(floorPct)"
                    en += "; expected within \(exp), then falling linearly to \(floorPct) over \(win), \(floorPct) after that"
                case .step:
                    zh += "；应在 \(exp) 内完成，宽限 \(win)，超出宽限得 \(floorPct)"
                    en += "; expected within \(exp) with \(win) grace, \(floorPct) after that"
                case .none: break
                }
            } else {
                zh += "；应在 \(exp) 内完成，超时得 \(floorPct)"
                en += "; expected within \(exp), \(floorPct) if later"
            }
        }
        if !step.after.isEmpty {
            zh += "；须在" + step.after.map { "「\(title($0).zh)」" }.joined(separator: "、") + "之后完成"
            en += "; only after " + step.after.map { "'\(title($0).text("en"))'" }.joined(separator: ", ")
        }
        if step.hintCost > 0 && !step.hint.zh.isEmpty {
            zh += "；使用提示扣 \(Self.number(step.hintCost)) 分"
            en += "; a hint costs \(Self.number(step.hintCost))"
        }
        return LocalizedText(zh: zh + "。", en: en + ".")
    }

    func stepRemarks(_ step: ProcedureStep, done: Bool, used: Int64, outOfOrder: Int, hint: Bool) -> LocalizedText {
        var zh: [String] = [], en: [String] = []
        if !done {
            zh.append("未完成"); en.append("not completed")
        } else if step.expectedTicks > 0 && used > step.expectedTicks {
            let late = seconds(used - step.expectedTicks)
            zh.append("超时 \(late)"); en.append("\(late) late")
        }
        if outOfOrder > 0 {
            let redone = done ? "，已重做" : ""
            zh.append("顺序错误 \(outOfOrder) 次\(redone)")
            en.append("done out of order \(outOfOrder)×" + (done ? ", then redone" : ""))
        }
        if hint { zh.append("使用了提示"); en.append("hint used") }
        return LocalizedText(zh: zh.joined(separator: "；"), en: en.joined(separator: "; "))
    }

    func qualityModel(_ w: QualityWindow) -> LocalizedText {
        let band = "\(Self.number(w.display(w.low)))–\(Self.number(w.display(w.high)))" + (w.unit.isEmpty ? "" : " \(w.unit)")
        let pts = Self.number(w.maxScore)
        var zhPhase = "", enPhase = ""
        if w.fromStep >= 0 { zhPhase += "自「\(title(w.fromStep).zh)」完成起"; enPhase += " from '\(title(w.fromStep).text("en"))'" }
        if w.toStep >= 0 { zhPhase += "至「\(title(w.toStep).zh)」完成止"; enPhase += " until '\(title(w.toStep).text("en"))'" }
        var zh = "\(zhPhase)保持在 \(band) 内，按在带内时间比例得 \(pts) 分"
        var en = "kept within \(band)\(enPhase): \(pts) points × fraction of time in band"
        if w.graceTicks > 0 { zh += "（前 \(seconds(w.graceTicks)) 不计）"; en += " (the first \(seconds(w.graceTicks)) not judged)" }
        if w.excursionCost > 0 {
            zh += "；每次超出扣 \(Self.number(w.excursionCost)) 分"
            en += "; each excursion costs \(Self.number(w.excursionCost))"
        }
        return LocalizedText(zh: zh + "。", en: en + ".")
    }
}
