import Foundation
import HazLabCore
import HazLabRender
import HazLabScenario

/// The screens of a workstation on a lab server (`hazlab-viewer --server`), without a window and
/// without the network: the login screen (student id, masked password), the task list (tasks,
/// then free practice), the attempt (a `Workstation`), and its end. The viewer does the network
/// on other threads and reports back through `showLoginRefused`, `showTasks`, `begin` …; this
/// class only draws and turns keys and clicks into the callbacks below.
public final class LabFront: ScriptHost {
    public enum Screen: String, Sendable { case login, busy, tasks, session, result, offline }

    public struct Item: Sendable, Equatable {
        /// The task id, or the scenario id of free practice (a script's `choose`).
        public var key: String
        public var title: String
        public var detail: String
        /// 0: the instructor's tasks, 1: free practice.
        public var section: Int
        public var enabled: Bool
        public init(key: String, title: String, detail: String, section: Int, enabled: Bool = true) {
            self.key = key; self.title = title; self.detail = detail; self.section = section; self.enabled = enabled
        }
    }

    public let fonts: FontSet
    public var width: Int, height: Int
    public var language: Workstation.Language = .zh
    public private(set) var screen: Screen = .login
    public private(set) var studentField = ""
    public private(set) var passwordField = ""
    /// 0: the student id field, 1: the password field.
    public private(set) var focus = 0
    public private(set) var message: (text: LocalizedText, severity: Int)?
    /// The server could not be reached: F2 offers offline practice.
    public private(set) var offlineOffered = false
    public private(set) var studentName = ""
    public private(set) var items: [Item] = []
    public private(set) var selection = 0
    public private(set) var busyText = LabStrings.connecting
    /// The attempt on screen (session and result screens).
    public private(set) var workstation: Workstation?
    /// Shown in the footer: which workstation, which server.
    public var footer = ""

    /// The student pressed Enter on the login screen.
    public var onLogin: ((_ student: String, _ password: String) -> Void)?
    /// The student chose item N of `items`.
    public var onChoose: ((Int) -> Void)?
    public var onLogout: (() -> Void)?
    /// F2 after "server unreachable": offline practice.
    public var onOffline: (() -> Void)?
    /// Called on every frame (`elapse`) before anything else: the viewer applies network results here.
    public var onFrame: (() -> Void)?
    /// The result screen was left (Enter): back to the task list.
    public var onLeaveResult: (() -> Void)?

    var regions: [(x: Float, y: Float, w: Float, h: Float, index: Int)] = []

    public init(fonts: FontSet, width: Int = 1280, height: Int = 720) {
        self.fonts = fonts; self.width = width; self.height = height
    }

    public func text(_ t: LocalizedText) -> String { t.text(language.rawValue) }

    // MARK: - What the viewer tells it

    public func showBusy(_ t: LocalizedText) { screen = .busy; busyText = t }
    public func showLogin(message m: LocalizedText?, severity: Int = 2, offerOffline: Bool = false) {
        screen = .login; message = m.map { ($0, severity) }; offlineOffered = offerOffline
        passwordField = ""; focus = studentField.isEmpty ? 0 : 1
        workstation = nil
    }
    /// Signed in (or offline): the list to choose from.
    public func showTasks(name: String, items: [Item], message m: LocalizedText? = nil, offline: Bool = false) {
        studentName = name; self.items = items
        selection = items.firstIndex { $0.enabled } ?? 0
        message = m.map { ($0, 1) }
        screen = offline ? .offline : .tasks
        workstation = nil
        passwordField = ""
    }
    /// A scenario's title from its file in `dir` (zh, else en, else the folder name), as the
    /// server lists free practice online: the offline list shows the same titles.
    public static func scenarioTitle(_ name: String, in dir: String) -> String {
        let file = "\(dir)/\(name)/scenario.yaml"
        guard let data = FileManager.default.contents(atPath: file),
              let m = ScenarioCompiler.compile(bytes: [UInt8](data), path: file).model else { return name }
        return m.text.title.zh.isEmpty ? (m.text.title.en.isEmpty ? name : m.text.title.en) : m.text.title.zh
    }
    /// The attempt starts.
    public func begin(_ ws: Workstation) {
        ws.language = language
        workstation = ws; screen = .session; message = nil
    }
    /// The attempt is over and the stream has done what it could: Enter goes back to the list.
    public func showResult() { screen = .result }
    public func setMessage(_ m: LocalizedText?, severity: Int = 1) { message = m.map { ($0, severity) } }

    // MARK: - Input

    public var scriptWorkstation: Workstation? { screen == .session || screen == .result ? workstation : nil }
    public var scriptScreen: String { screen.rawValue }
    public var scriptStatus: String { screen.rawValue + (message.map { ": " + text($0.text) } ?? "") }

    /// A script's `choose KEY`: the list item whose task or scenario id is KEY, as if clicked.
    public func scriptChoose(_ key: String) throws {
        guard screen == .tasks || screen == .offline else { throw LabFrontError("'choose \(key)': not on the task list (\(screen.rawValue))") }
        if let done = items.first(where: { $0.key == key && !$0.enabled }) {
            throw LabFrontError("'choose \(key)': task '\(done.title)' is done (greyed out)")
        }
        guard let i = items.firstIndex(where: { $0.key == key && $0.enabled }) else {
            throw LabFrontError("'choose \(key)': no such item (\(items.map(\.key).joined(separator: ", ")))")
        }
        selection = i
        onChoose?(i)
    }

    public func handle(_ event: InputEvent) throws {
        if case .elapse = event { onFrame?() }
        if case let .resize(w, h) = event { width = max(1, w); height = max(1, h) }
        if let ws = workstation, screen == .session || screen == .result {
            if screen == .result, case .key(.enter, true) = event { onLeaveResult?(); return }
            if case .key(.l, true) = event { language = language == .zh ? .en : .zh }
            try ws.handle(event)
            return
        }
        switch screen {
        case .login: try loginInput(event)
        case .tasks, .offline: listInput(event)
        case .busy, .session, .result: break
        }
    }

    func loginInput(_ event: InputEvent) throws {
        switch event {
        case let .text(t):
            let clean = t.filter { !$0.isNewline && $0 != "\t" && !($0.unicodeScalars.first?.properties.generalCategory == .control) }
            if focus == 0 { if studentField.count + clean.count <= 64 { studentField += clean } }
            else if passwordField.count + clean.count <= 256 { passwordField += clean }
        case .key(.backspace, true):
            if focus == 0 { if !studentField.isEmpty { studentField.removeLast() } } else if !passwordField.isEmpty { passwordField.removeLast() }
        case .key(.tab, true), .key(.down, true), .key(.up, true):
            focus = 1 - focus
        case .key(.enter, true):
            if focus == 0 && passwordField.isEmpty { focus = 1; return }
            let id = studentField.trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty, !passwordField.isEmpty else { message = (LabStrings.fillBoth, 1); return }
            message = nil
            showBusy(LabStrings.signingIn)
            onLogin?(id, passwordField)
        case .key(.f2, true):
            if offlineOffered { onOffline?() }
        case .key(.escape, true):
            message = nil
        case let .mouseDown(.left, x, y):
            let (fx, fy, fw) = fieldBox()
            if x >= fx && x <= fx + fw {
                if y >= fy && y <= fy + 40 { focus = 0 } else if y >= fy + 80 && y <= fy + 120 { focus = 1 }
            }
        default: break
        }
    }

    func listInput(_ event: InputEvent) {
        let enabled = items.indices.filter { items[$0].enabled }
        switch event {
        case .key(.down, true):
            if let n = enabled.first(where: { $0 > selection }) { selection = n }
        case .key(.up, true):
            if let n = enabled.last(where: { $0 < selection }) { selection = n }
        case .key(.enter, true):
            if items.indices.contains(selection), items[selection].enabled { onChoose?(selection) }
        case .key(.escape, true):
            onLogout?()
        case .key(.l, true):
            language = language == .zh ? .en : .zh
        case let .mouseDown(.left, x, y):
            for r in regions where x >= r.x && x <= r.x + r.w && y >= r.y && y <= r.y + r.h && items[r.index].enabled {
                selection = r.index
                onChoose?(r.index)
                return
            }
        default: break
        }
    }

    // MARK: - Drawing

    static let bg = V4(0.07, 0.09, 0.13, 1), panel = V4(0.11, 0.14, 0.2, 1), field = V4(0.16, 0.2, 0.28, 1)
    static let focusColor = V4(0.25, 0.5, 0.85, 1), white = V4(1, 1, 1, 1), dim = V4(0.7, 0.74, 0.8, 1)
    static let red = V4(0.95, 0.4, 0.35, 1), amber = V4(0.95, 0.75, 0.3, 1), green = V4(0.45, 0.85, 0.5, 1)

    func fieldBox() -> (Float, Float, Float) {
        let W = Float(width), H = Float(height)
        let fw: Float = min(420, W - 80)
        return ((W - fw) / 2, max(150, H / 2 - 70), fw)
    }

    func messageColor(_ s: Int) -> V4 { s == 0 ? Self.green : s == 1 ? Self.amber : Self.red }

    /// The 2D screen (login, busy, task list); in a session, the workstation's own HUD.
    public func overlay() -> Overlay {
        if let ws = workstation, screen == .session || screen == .result { return ws.overlay() }
        var o = Overlay()
        regions.removeAll(keepingCapacity: true)
        let W = Float(width), H = Float(height)
        o.rect(0, 0, W, H, Self.bg)
        o.rect(0, 0, W, 56, Self.panel)
        o.text(text(LabStrings.title), 20, 38, .large, Self.white)
        let lang = text(LabStrings.languageHint)
        o.text(lang, W - fonts.width(lang, .small) - 20, 34, .small, Self.dim)
        if !footer.isEmpty { o.text(fonts.atlas(.small).truncate(footer, maxWidth: Int(W - 40)), 20, H - 16, .small, Self.dim) }
        switch screen {
        case .login, .busy: loginScreen(&o)
        case .tasks, .offline: taskScreen(&o)
        case .session, .result: break
        }
        return o
    }

    func loginScreen(_ o: inout Overlay) {
        let (fx, fy, fw) = fieldBox()
        let heading = text(LabStrings.loginHeading)
        o.text(heading, fx, fy - 46, .large, Self.white)
        let labels = [text(LabStrings.studentId), text(LabStrings.password)]
        let values = [studentField, String(repeating: "●", count: passwordField.count)]
        for k in 0..<2 {
            let y = fy + Float(k) * 80
            o.text(labels[k], fx, y + 10 - 14, .small, Self.dim)
            o.rect(fx - 2, y + 14 - 2, fw + 4, 40 + 4, focus == k && screen == .login ? Self.focusColor : Self.panel)
            o.rect(fx, y + 14, fw, 40, Self.field)
            let shown = fonts.atlas(.normal).truncate(values[k], maxWidth: Int(fw - 30))
            o.text(shown, fx + 12, y + 41, .normal, Self.white)
            if focus == k && screen == .login {
                o.rect(fx + 14 + fonts.width(shown, .normal), y + 22, 2, 24, Self.white)
            }
        }
        var y = fy + 190
        if screen == .busy {
            o.text(text(busyText), fx, y, .normal, Self.dim)
        } else {
            o.text(text(LabStrings.loginKeys), fx, y, .small, Self.dim)
        }
        y += 34
        if let m = message {
            o.text(fonts.atlas(.normal).truncate(text(m.text), maxWidth: Int(Float(width) - fx - 20)), fx, y, .normal, messageColor(m.severity))
            y += 30
        }
        if offlineOffered && screen == .login { o.text(text(LabStrings.offerOffline), fx, y, .normal, Self.amber) }
    }

    func taskScreen(_ o: inout Overlay) {
        let W = Float(width), H = Float(height)
        let x: Float = 60, w = W - 120
        var y: Float = 96
        let who = screen == .offline ? text(LabStrings.offlineHeading) : "\(text(LabStrings.tasksHeading)) — \(studentName)"
        o.text(fonts.atlas(.large).truncate(who, maxWidth: Int(w)), x, y, .large, Self.white)
        y += 16
        if let m = message {
            y += 26
            o.text(fonts.atlas(.normal).truncate(text(m.text), maxWidth: Int(w)), x, y, .normal, messageColor(m.severity))
        }
        var lastSection = -1
        // A long list scrolls so that the selection stays on screen.
        let rows = max(1, Int((H - 90 - y - 90) / 46))
        let first = max(0, min(selection - rows + 1, items.count - rows))
        for (k, it) in items.enumerated() where k >= first {
            guard y < H - 90 else { break }
            if it.section != lastSection {
                lastSection = it.section
                y += 38
                o.text(text(it.section == 0 ? LabStrings.tasksSection : LabStrings.practiceSection), x, y, .normal, Self.dim)
                y += 10
            }
            let selected = k == selection
            o.rect(x, y, w, 40, selected ? Self.focusColor : Self.panel)
            o.text(fonts.atlas(.normal).truncate(it.title, maxWidth: Int(w * 0.6)), x + 14, y + 27, .normal, it.enabled ? Self.white : Self.dim)
            let d = fonts.atlas(.small).truncate(it.detail, maxWidth: Int(w * 0.35))
            o.text(d, x + w - fonts.width(d, .small) - 14, y + 26, .small, it.enabled ? (selected ? Self.white : Self.dim) : Self.dim)
            regions.append((x, y, w, 40, k))
            y += 46
        }
        if items.isEmpty { y += 40; o.text(text(LabStrings.noTasks), x, y, .normal, Self.dim) }
        o.text(text(screen == .offline ? LabStrings.offlineKeys : LabStrings.listKeys), x, H - 44, .small, Self.dim)
    }
}

public struct LabFrontError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// The lab screens' words, zh-CN first.
public enum LabStrings {
    public static let title = LocalizedText(zh: "HazLab 实训工作站", en: "HazLab workstation")
    public static let languageHint = LocalizedText(zh: "L 切换 English（列表页）", en: "L: 中文 (on the list)")
    public static let loginHeading = LocalizedText(zh: "学生登录", en: "Student sign-in")
    public static let studentId = LocalizedText(zh: "学号", en: "Student id")
    public static let password = LocalizedText(zh: "密码", en: "Password")
    public static let loginKeys = LocalizedText(zh: "Tab 切换输入框 · Enter 登录", en: "Tab: next field · Enter: sign in")
    public static let connecting = LocalizedText(zh: "正在连接服务器…", en: "Connecting to the server…")
    public static let signingIn = LocalizedText(zh: "正在登录…", en: "Signing in…")
    public static let fillBoth = LocalizedText(zh: "请输入学号和密码", en: "Enter your student id and password")
    public static let wrongPassword = LocalizedText(zh: "账号或密码错误", en: "Wrong student id or password")
    public static let unreachable = LocalizedText(zh: "服务器无法连接", en: "The lab server cannot be reached")
    public static let untrusted = LocalizedText(zh: "服务器证书不受信任，已停止连接", en: "The server's certificate is not trusted; nothing was sent")
    public static let unregistered = LocalizedText(zh: "工作站未注册或已停用，请联系管理员", en: "This workstation is not registered (or its key was revoked); ask the administrator")
    public static let rateLimited = LocalizedText(zh: "尝试次数过多，请稍后再试", en: "Too many attempts; try again later")
    public static let notStudent = LocalizedText(zh: "只有学生账号可以在工作站登录", en: "Only student accounts sign in at a workstation")
    public static let offerOffline = LocalizedText(zh: "按 F2 离线练习（成绩不上传，之后自动同步记录）", en: "F2: practise offline (the journal is synced later)")
    public static let tasksHeading = LocalizedText(zh: "我的任务", en: "My tasks")
    public static let offlineHeading = LocalizedText(zh: "离线练习", en: "Offline practice")
    public static let tasksSection = LocalizedText(zh: "教师布置的任务", en: "Tasks from your instructor")
    public static let practiceSection = LocalizedText(zh: "自由练习", en: "Free practice")
    public static let noTasks = LocalizedText(zh: "暂无可做的任务", en: "Nothing to do yet")
    public static let listKeys = LocalizedText(zh: "↑↓ 选择 · Enter 开始 · Esc 注销 · L 语言", en: "↑↓ choose · Enter start · Esc sign out · L language")
    public static let offlineKeys = LocalizedText(zh: "↑↓ 选择 · Enter 开始 · Esc 返回登录", en: "↑↓ choose · Enter start · Esc back to sign-in")
    public static let signInAgain = LocalizedText(zh: "登录已过期，请重新登录", en: "Your sign-in has expired; sign in again")
    public static let starting = LocalizedText(zh: "正在领取任务…", en: "Getting the assignment…")
    public static let online = LocalizedText(zh: "在线", en: "Online")
    public static let reconnecting = LocalizedText(zh: "重连中", en: "Reconnecting")
    public static func offline(_ n: Int) -> LocalizedText { LocalizedText(zh: "离线 · \(n) 行未同步", en: "Offline · \(n) line(s) not synced") }
    public static func reconnectingN(_ n: Int) -> LocalizedText { LocalizedText(zh: "重连中 · \(n) 行未同步", en: "Reconnecting · \(n) line(s) not synced") }
    public static let taskNotOpen = LocalizedText(zh: "该任务当前未开放", en: "This task is not open now")
    public static let examTaken = LocalizedText(zh: "你已参加过本次考试，如需重考请联系老师", en: "You have already taken this exam; ask your instructor for a retake")
    /// A server refusal (HTTP status and the server's English reason) in the student's words:
    /// the reason itself names ids and is for the log, not the screen.
    public static func refusal(status: Int, reason: String) -> LocalizedText {
        if status == 409 && reason.contains("is not open") { return taskNotOpen }
        if status == 409 && (reason.contains("already has an attempt") || reason.contains("taken once")) { return examTaken }
        return LocalizedText(zh: "服务器拒绝了请求（\(status)），请联系老师", en: "The server refused (\(status)); ask your instructor")
    }
    public static let offlineBadge = LocalizedText(zh: "离线练习", en: "Offline practice")
    public static let refused = LocalizedText(zh: "服务器拒绝了本次记录（已保存在本机）", en: "The server refused this journal (it is kept on this computer)")
    public static let submitting = LocalizedText(zh: "正在提交…", en: "Submitting…")
    public static let submitted = LocalizedText(zh: "已提交到服务器 · Enter 返回任务列表", en: "Saved on the server · Enter: back to the list")
    public static let notSubmitted = LocalizedText(zh: "未能提交到服务器，记录已保存在本机，联网后自动同步 · Enter 返回", en: "Not on the server yet: kept here and synced later · Enter: back")
    public static let offlineDone = LocalizedText(zh: "离线练习已保存，联网后同步 · Enter 返回", en: "Saved offline; synced when the server is back · Enter: back")
}
