import HazLabCore

/// Keys the workstation understands (GLFW key codes are mapped to these by the window).
public enum Key: String, Sendable, CaseIterable {
    case w, a, s, d, q, e
    case tab, space, escape, enter
    case g, h, k, l, p, f, c
    case plus, minus, f10
    /// Login screen and task list (`--server`): editing and choosing.
    case backspace, up, down, f2
    case one = "1", two = "2", three = "3", four = "4", five = "5", six = "6", seven = "7", eight = "8", nine = "9"

    var digit: Int? {
        switch self {
        case .one: return 1
        case .two: return 2
        case .three: return 3
        case .four: return 4
        case .five: return 5
        case .six: return 6
        case .seven: return 7
        case .eight: return 8
        case .nine: return 9
        default: return nil
        }
    }
}

public enum MouseButton: Int, Sendable { case left = 0, right = 1 }

/// One input event, as a window delivers it or a test scripts it. Coordinates are pixels,
/// origin top-left.
public enum InputEvent: Sendable, Equatable {
    case key(Key, down: Bool)
    case mouseMove(x: Float, y: Float)
    case mouseDown(MouseButton, x: Float, y: Float)
    case mouseUp(MouseButton, x: Float, y: Float)
    case scroll(Float)
    case resize(width: Int, height: Int)
    /// Wall-clock time passing (seconds): walking, and the simulation's accumulator.
    case elapse(Double)
    /// Typed text (a window's character callback, a script's `type`): the login fields.
    case text(String)
}

/// The verbs offered in an entity's context menu, in menu order.
public enum VerbMenu {
    /// The kind's verbs (`EntityKind.verbs`, the core's table) as the state makes sense of them:
    /// the likely one first (open a closed breaker, close an open door), one of each pair that
    /// toggles (wear or take off, lock or unlock), and reset only after a trip.
    public static func verbs(for row: Int, model: Model, state: State) -> [Verb] {
        let e = model.entities
        let i = Int(e.local[row])
        let kind = e.kinds[row]
        var v = kind.verbs
        func first(_ verb: Verb) { if let k = v.firstIndex(of: verb) { v.remove(at: k); v.insert(verb, at: 0) } }
        switch kind {
        case .switchgear: if state.switchClosed[i] != 0 { first(.open) }
        case .ppe: v.removeAll { $0 == (state.ppeWorn[i] != 0 ? .wear : .remove) }
        case .opening: if state.openingOpen[i] != 0 { first(.close) }
        case .timer: v = []  // a timer is the scenario's clock, not something in the scene to click
        default: break
        }
        if let tripped = kind.descriptor.trippedField {
            if state.read(FieldRef(tripped, Int32(i))) == 0 { v.removeAll { $0 == .reset } } else { first(.reset) }
        }
        if e.lockable[row] {
            v += [state.lockOwner[row] != 0 ? .unlock : .lock, state.tagged[row] != 0 ? .untag : .tag]
        }
        return v
    }

    /// The menu's words for `verb` on an entity of `kind`: the kind's own (分闸, 合闸) where it has them.
    public static func title(_ v: Verb, kind: EntityKind) -> LocalizedText { kind.word(for: v) ?? title(v) }

    public static func title(_ v: Verb) -> LocalizedText {
        switch v {
        case .open: return LocalizedText(zh: "打开", en: "Open")
        case .close: return LocalizedText(zh: "关闭", en: "Close")
        case .set: return LocalizedText(zh: "设定开度…", en: "Set…")
        case .start: return LocalizedText(zh: "启动", en: "Start")
        case .stop: return LocalizedText(zh: "停止", en: "Stop")
        case .reset: return LocalizedText(zh: "复位", en: "Reset")
        case .lock: return LocalizedText(zh: "上锁", en: "Lock")
        case .unlock: return LocalizedText(zh: "解锁", en: "Unlock")
        case .tag: return LocalizedText(zh: "挂牌", en: "Tag")
        case .untag: return LocalizedText(zh: "摘牌", en: "Remove tag")
        case .wear: return LocalizedText(zh: "穿戴", en: "Wear")
        case .remove: return LocalizedText(zh: "脱下", en: "Take off")
        case .acknowledge: return LocalizedText(zh: "确认报警", en: "Acknowledge")
        case .moveTo: return LocalizedText(zh: "前往此处", en: "Go here")
        case .inspect: return LocalizedText(zh: "检查", en: "Inspect")
        case .measure: return LocalizedText(zh: "测量", en: "Measure")
        case .report: return LocalizedText(zh: "汇报", en: "Report")
        case .submit: return LocalizedText(zh: "交卷", en: "Submit")
        case .verify: return LocalizedText(zh: "验电/验证", en: "Verify")
        case .instructorFault: return LocalizedText(zh: "教师设置故障", en: "Instructor fault")
        case .instructorClear: return LocalizedText(zh: "教师排除故障", en: "Instructor clear")
        }
    }
}
