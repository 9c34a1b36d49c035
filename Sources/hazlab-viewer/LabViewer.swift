import CGL
import CGLFW
import Foundation
import HazLabCore
import HazLabLab
import HazLabLabClient
import HazLabRecords
import HazLabRender
import HazLabScenario
import HazLabScoring
import HazLabWorkstation

/// Characters from GLFW's character callback (C callbacks cannot capture; one window per process).
nonisolated(unsafe) var typedCharacters = ""

/// `hazlab-viewer --server URL`: the workstation on a lab server (Docs/viewer.md). The GL/main
/// thread draws `LabFront` and the attempt; HTTP calls run on background threads and post their
/// results to `mailbox`, which the main thread drains once per frame; each attempt's journal is
/// streamed by a `LabLiveStream` thread of its own.
final class LabRun: @unchecked Sendable {
    let front: LabFront
    let client: LabWorkstationClient
    let key: WorkstationKey
    let journalsDir: String
    let scenariosDir: String
    let width: Int, height: Int
    var login: LabLogin?
    var tasks: [LabTask] = []
    var offlineStudent = ""
    var offlineScenarios: [String] = []
    /// The attempt on screen and its stream (nil offline).
    var stream: LabLiveStream?
    var attemptMode: LabMode = .practice
    var offlineAttempt = false
    /// Streams of finished attempts still delivering their last lines (waited for at exit).
    var pending: [LabLiveStream] = []
    private let lock = NSLock()
    private var mailbox: [() -> Void] = []
    private var busyThreads = 0

    init(front: LabFront, client: LabWorkstationClient, key: WorkstationKey, journalsDir: String, scenariosDir: String, width: Int, height: Int) {
        self.front = front; self.client = client; self.key = key; self.journalsDir = journalsDir; self.scenariosDir = scenariosDir
        self.width = width; self.height = height
        front.footer = "\(key.keyId) · \(client.endpoint.description)"
        front.onLogin = { [unowned self] s, p in self.signIn(s, p) }
        front.onChoose = { [unowned self] i in self.choose(i) }
        front.onLogout = { [unowned self] in self.logout() }
        front.onOffline = { [unowned self] in self.goOffline() }
        front.onFrame = { [unowned self] in self.frame() }
        front.onLeaveResult = { [unowned self] in self.leaveResult() }
    }

    /// One line on stdout; server answers, names and file names in it are outside text, escaped.
    static func say(_ s: String) { FileHandle.standardOutput.write(Data((TerminalText.escape(s) + "\n").utf8)) }

    /// Runs `work` on a background thread; its result closure runs on the main thread.
    func background(_ work: @escaping @Sendable () -> (() -> Void)) {
        lock.lock(); busyThreads += 1; lock.unlock()
        Thread.detachNewThread { [self] in
            let then = work()
            lock.lock(); mailbox.append(then); busyThreads -= 1; lock.unlock()
        }
    }

    var waiting: Bool { lock.lock(); defer { lock.unlock() }; return busyThreads > 0 || !mailbox.isEmpty }

    func frame() {
        lock.lock(); let m = mailbox; mailbox.removeAll(); lock.unlock()
        for f in m { f() }
        updateAttempt()
    }

    // MARK: sign-in

    static func message(for error: any Error) -> (LocalizedText, offline: Bool) {
        switch error as? LabClientError {
        case .refused(401, _)?: return (LabStrings.wrongPassword, false)
        case .refused(429, _)?: return (LabStrings.rateLimited, false)
        case .refused(403, let m)?:
            return (m.contains("only students") ? LabStrings.notStudent : LabStrings.unregistered, false)
        case .refused(let s, let m)?: return (LabStrings.refusal(status: s, reason: m), false)
        case .untrusted?: return (LabStrings.untrusted, false)
        case .unreachable?: return (LabStrings.unreachable, true)
        default: return (LocalizedText(zh: "出错：\(error)", en: "Error: \(error)"), false)
        }
    }

    func signIn(_ student: String, _ password: String) {
        let client = self.client
        background {
            do {
                let l = try client.login(student: student, password: password)
                return { [self] in
                    Self.say("signed in: \(l.student) (\(l.tasks.count) item(s))")
                    login = l; tasks = l.tasks; offlineStudent = ""
                    showTaskList()
                    autoSync()
                }
            } catch {
                let (m, offline) = Self.message(for: error)
                return { [self] in
                    Self.say("sign-in refused: \(m.zh) — \(error)")
                    offlineStudent = student
                    front.showLogin(message: m, offerOffline: offline)
                }
            }
        }
    }

    func showTaskList(_ m: LocalizedText? = nil) {
        let items = tasks.map { t -> LabFront.Item in
            let mode = t.mode == "exam" ? "考试 exam" : t.mode == "teaching" ? "教学 teaching" : "练习 practice"
            if let b = t.backtrack {
                return LabFront.Item(key: b, title: t.title, detail: "\(mode) · 从 tick \(t.fromTick ?? 0) 继续 (continue from tick \(t.fromTick ?? 0))",
                                     section: 0, enabled: true)
            }
            return LabFront.Item(key: t.task ?? t.scenario, title: t.title, detail: t.done ? "\(mode) · 已完成" : mode, section: t.task == nil ? 1 : 0,
                                 enabled: !(t.task != nil && t.done))
        }
        front.showTasks(name: login.map { "\($0.name) (\($0.student))" } ?? "", items: items, message: m)
    }

    func autoSync() {
        let client = self.client, dir = journalsDir
        background {
            var lines: [String] = []
            let r = LabSync.run(dir: dir, client: client) { lines.append($0) }
            return { [self] in
                for l in lines { Self.say("sync: \(l)") }
                if r.uploaded > 0, front.screen == .tasks {
                    front.setMessage(LocalizedText(zh: "已上传 \(r.uploaded) 份离线记录", en: "\(r.uploaded) offline journal(s) uploaded"), severity: 0)
                }
            }
        }
    }

    func logout() {
        if let l = login {
            let client = self.client
            Self.say("signed out: \(l.student)")
            background { client.logout(ticket: l.ticket); return {} }
        }
        login = nil; tasks = []
        front.showLogin(message: nil)
    }

    // MARK: offline

    func goOffline() {
        let dirs = ((try? FileManager.default.contentsOfDirectory(atPath: scenariosDir)) ?? []).sorted().filter {
            FileManager.default.fileExists(atPath: "\(scenariosDir)/\($0)/scenario.yaml")
        }
        offlineScenarios = dirs
        Self.say("offline: \(dirs.count) scenario(s) in \(scenariosDir)")
        front.showTasks(name: offlineStudent, items: dirs.map { LabFront.Item(key: $0, title: LabFront.scenarioTitle($0, in: scenariosDir), detail: "练习 practice", section: 1) },
                        message: LabStrings.unreachable, offline: true)
    }

    // MARK: attempts

    func choose(_ i: Int) {
        if front.screen == .offline {
            guard offlineScenarios.indices.contains(i) else { return }
            startOffline(offlineScenarios[i])
            return
        }
        guard let l = login, tasks.indices.contains(i) else { return }
        let t = tasks[i], client = self.client
        front.showBusy(LabStrings.starting)
        background {
            do {
                let (a, bytes, from) = try client.start(student: l.student, ticket: l.ticket, task: t)
                return { [self] in startAttempt(a, bytes, continuing: from) }
            } catch {
                let (m, _) = Self.message(for: error)
                return { [self] in
                    Self.say("assignment refused: \(m.zh) — \(error)")
                    if case .refused(401, _)? = error as? LabClientError {
                        // The ticket expired (or was revoked): sign in again.
                        login = nil; tasks = []
                        front.showLogin(message: LabStrings.signInAgain, severity: 1)
                    } else if case .refused(409, _)? = error as? LabClientError, t.task != nil {
                        // The list was out of date: a task that is not open now leaves it, an exam
                        // already taken is greyed out as done (the server only lists tasks at sign-in).
                        if m == LabStrings.taskNotOpen {
                            tasks.removeAll { $0.task == t.task }
                            Self.say("task list: \(t.task ?? "") removed (not open now)")
                        } else if m == LabStrings.examTaken {
                            for k in tasks.indices where tasks[k].task == t.task { tasks[k].done = true }
                            Self.say("task list: \(t.task ?? "") greyed out (exam already taken)")
                        }
                        showTaskList(m)
                    } else {
                        showTaskList(m)
                    }
                }
            }
        }
    }

    func stamp() -> (file: String, iso: String) {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC")
        let now = Date()
        f.dateFormat = "yyyyMMdd-HHmmss"
        let a = f.string(from: now)
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        return (a, f.string(from: now))
    }

    func startAttempt(_ a: LabAssignment, _ bytes: [UInt8], continuing from: LabContinuation? = nil) {
        let compiled = ScenarioCompiler.compile(bytes: bytes, path: "\(a.scenario)/scenario.yaml")
        guard let model = compiled.model else {
            showTaskList(LocalizedText(zh: "服务器下发的场景无法编译", en: "The server's scenario does not compile")); return
        }
        guard model.sourceSHA256 == a.scenarioSHA256 else {
            showTaskList(LocalizedText(zh: "场景校验失败", en: "The scenario's SHA-256 does not match")); return
        }
        let mode = TrainingMode(rawValue: a.mode.rawValue) ?? .practice
        var h = Journal.Header(scenario: model.id, scenarioSHA256: a.scenarioSHA256, seed: a.seed, mode: mode.rawValue,
                               student: a.student, workstation: key.keyId)
        h.attempt = a.attempt; h.started = stamp().iso; h.key = key.keyId
        if let from { h.from = from.from; h.fromTick = from.fromTick }
        let path = (journalsDir as NSString).appendingPathComponent("\(a.attempt).jsonl")
        let writer: JournalWriter
        do {
            try FileManager.default.createDirectory(atPath: journalsDir, withIntermediateDirectories: true)
            writer = try JournalWriter(path: path, header: h)
        } catch {
            showTaskList(LocalizedText(zh: "无法写入记录：\(error)", en: "Cannot write the journal: \(error)")); return
        }
        let s = LabLiveStream(journalPath: path, attempt: a.attempt, key: key, endpoint: client.endpoint)
        stream = s; attemptMode = a.mode; offlineAttempt = false
        s.start()
        Self.say("attempt: \(a.attempt) \(a.scenario) seed \(a.seed) \(a.mode.rawValue) — journal: \(path)")
        if let from { Self.say("backtrack: continuing \(from.from) at tick \(from.fromTick) (\(from.actions.count) action(s) copied)") }
        begin(model: model, mode: mode, seed: a.seed, writer: writer, continuing: from)
        front.workstation?.withholdResult = a.mode == .exam
    }

    func startOffline(_ scenario: String) {
        let file = "\(scenariosDir)/\(scenario)/scenario.yaml"
        guard let data = FileManager.default.contents(atPath: file) else { return }
        guard let model = ScenarioCompiler.compile(bytes: [UInt8](data), path: file).model else {
            front.setMessage(LocalizedText(zh: "场景无法编译：\(scenario)", en: "The scenario does not compile: \(scenario)"), severity: 2); return
        }
        let st = stamp()
        let student = offlineStudent.isEmpty ? "student" : offlineStudent
        var h = Journal.Header(scenario: model.id, scenarioSHA256: model.sourceSHA256, seed: model.defaultSeed, mode: TrainingMode.practice.rawValue,
                               student: student, workstation: key.keyId)
        h.attempt = "offline-\(key.keyId)-\(st.file)-\(UUID().uuidString.prefix(8).lowercased())"
        h.started = st.iso; h.key = key.keyId
        let path = (journalsDir as NSString).appendingPathComponent("\(h.attempt).jsonl")
        do {
            try FileManager.default.createDirectory(atPath: journalsDir, withIntermediateDirectories: true)
            let writer = try JournalWriter(path: path, header: h)
            stream = nil; attemptMode = .practice; offlineAttempt = true
            Self.say("offline attempt: \(h.attempt) — journal: \(path)")
            begin(model: model, mode: .practice, seed: model.defaultSeed, writer: writer, assets: AssetFolders.forScenario(at: file))
        } catch {
            front.setMessage(LocalizedText(zh: "无法写入记录：\(error)", en: "Cannot write the journal: \(error)"), severity: 2)
        }
    }

    func begin(model: Model, mode: TrainingMode, seed: UInt64, writer: JournalWriter, assets: [String]? = nil, continuing from: LabContinuation? = nil) {
        let session = Session(model: model, mode: mode, seed: seed, writer: writer, signer: key)
        if let from {
            // The parent's actions at their ticks, then straight to the moment (nothing drawn).
            do { try session.continueFrom(actions: from.actions, at: from.fromTick) } catch {
                showTaskList(LocalizedText(zh: "无法写入记录：\(error)", en: "Cannot write the journal: \(error)")); return
            }
        }
        let local = "\(scenariosDir)/\(model.id)/scenario.yaml"
        let ws = Workstation(session: session, fonts: front.fonts, width: front.width, height: front.height,
                             assetFolders: assets ?? (FileManager.default.fileExists(atPath: local) ? AssetFolders.forScenario(at: local) : []))
        front.begin(ws)
        if offlineAttempt { ws.connectionBadge = (LabStrings.offlineBadge, 1) }
    }

    /// Per frame during an attempt: the connection badge; at the end, the result screen once the
    /// stream has delivered the trailer (or cannot, for now).
    func updateAttempt() {
        guard let ws = front.workstation else { return }
        if let s = stream {
            // Instructor commands: each journaled once, at the session's current tick.
            for c in s.takeCommands() {
                guard let kind = InstructorCommand(rawValue: c.kind), kind.verb == c.verb else {
                    Self.say("ignored an instructor command the viewer does not know: \(c.kind) (command \(c.id))"); continue
                }
                if ws.session.commandsTaken.contains(c.id) {
                    Self.say("instructor command \(c.id) again (sent after a reconnect): already journaled"); continue
                }
                do {
                    let before = ws.session.commandsTaken.count
                    try ws.receive(command: kind, id: c.id, target: c.target, text: c.text, by: c.by)
                    if ws.session.commandsTaken.count > before {
                        Self.say("instructor command \(c.id): \(c.verb)\(c.target.isEmpty ? "" : " " + c.target) by \(c.by) at tick \(ws.session.state.tick)")
                    }
                } catch {
                    Self.say("instructor command \(c.id) not journaled: \(error)")
                }
            }
            let st = s.status
            switch st.connection {
            case .online, .done:
                ws.connectionBadge = st.unsynced == 0 ? (LabStrings.online, 0)
                    : (LocalizedText(zh: "在线 · \(st.unsynced) 行待确认", en: "Online · \(st.unsynced) line(s) to confirm"), 0)
            case .connecting, .reconnecting: ws.connectionBadge = (LabStrings.reconnectingN(st.unsynced), 1)
            case .refused: ws.connectionBadge = (LabStrings.offline(st.unsynced), 2)
            }
        }
        guard ws.session.finished, front.screen == .session else { return }
        if offlineAttempt {
            ws.endNote = LabStrings.offlineDone
            Self.say("attempt over (offline): \(ws.session.journalPath ?? "")")
            front.showResult()
            return
        }
        guard let s = stream else { return }
        s.nudge()
        let st = s.status
        switch st.connection {
        case .done:
            if let p = ws.session.journalPath { try? LabSyncLedger(dir: journalsDir).record(file: p, attempt: s.attempt) }
            ws.endNote = LabStrings.submitted
            Self.say("attempt submitted: \(s.attempt) (\(attemptMode.rawValue), \(s.connections) connection(s))\(attemptMode == .exam ? ", result withheld until the instructor publishes it" : "")")
            stream = nil
            front.showResult()
        case .refused:
            ws.endNote = LabStrings.refused
            Self.say("attempt refused by the server: \(s.attempt): \(st.problem ?? "")")
            stream = nil
            front.showResult()
        case .reconnecting:
            // The student is not kept waiting: the stream goes on in the background.
            ws.endNote = LabStrings.notSubmitted
            Self.say("attempt over, server unreachable: \(s.attempt) (\(st.unsynced) line(s) not synced yet)")
            pending.append(s); stream = nil
            front.showResult()
        case .online, .connecting:
            ws.endNote = LabStrings.submitting
        }
    }

    func leaveResult() {
        if let s = stream { pending.append(s); stream = nil }
        if offlineAttempt || login == nil {
            offlineAttempt = false
            goOffline()
        } else {
            showTaskList()
        }
    }

    /// At exit: every stream gets a bounded last chance to deliver what is written (a finished
    /// attempt its trailer), then stops; what is left is synced later (`--sync`, or at sign-in).
    func finish() {
        if let l = login {
            // The window closes on a signed-in student: the ticket ends with it.
            client.logout(ticket: l.ticket)
            Self.say("signed out: \(l.student) (the viewer closed)")
            login = nil
        }
        var all = pending
        if let s = stream { all.append(s); stream = nil }
        for s in all {
            let deadline = Date().addingTimeInterval(30)
            while !s.isFinished && Date() < deadline {
                let st = s.status
                if st.connection == .online && st.unsynced == 0 && !(front.workstation?.session.finished ?? true) { break }
                s.nudge()
                usleep(20_000)
            }
            s.stop(waitSeconds: 2)
            let st = s.status
            if st.connection == .done { try? LabSyncLedger(dir: journalsDir).record(file: s.journalPath, attempt: s.attempt) }
            // `--sync` uploads finished journals only: an attempt left unfinished stays in the local journal.
            let finished = FileManager.default.contents(atPath: s.journalPath).flatMap { try? Journal.parse(data: $0, path: s.journalPath) }?.trailer != nil
            Self.say("stream \(s.attempt): \(st.connection.rawValue), acked \(st.acked), \(s.connections) connection(s)"
                     + (st.unsynced == 0 ? "" : finished ? ", \(st.unsynced) line(s) not synced (hazlab-viewer --sync)"
                        : ", \(st.unsynced) line(s) not synced: the attempt was not finished; its lines stay in the local journal \(s.journalPath)"))
        }
    }
}

extension Viewer {
    func labClient() throws -> (LabWorkstationClient, WorkstationKey) {
        guard let k = key else { throw fail("--server needs --key FILE (the workstation's signing key)") }
        let wk: WorkstationKey
        do { wk = try WorkstationKey.load(path: k) } catch { throw fail("\(error)") }
        if workstation != ProcessInfo.processInfo.hostName && workstation != wk.keyId {
            throw fail("--workstation \(workstation): the key \(k) is workstation \(wk.keyId)'s")
        }
        let endpoint: LabEndpoint
        do { endpoint = try LabEndpoint(url: server!, caPEM: ca) } catch { throw fail("\(error)") }
        return (LabWorkstationClient(endpoint: endpoint, key: wk), wk)
    }

    /// `--sync`: uploads every finished journal in --journals not yet on the server.
    func runSync() throws {
        let (client, _) = try labClient()
        let dir = journals
        guard FileManager.default.fileExists(atPath: dir) else { throw fail("\(dir): no such journals folder") }
        let r = LabSync.run(dir: dir, client: client) { LabRun.say($0) }
        LabRun.say("sync: \(r.uploaded) uploaded, \(r.already) already on the server, \(r.unfinished) unfinished, \(r.failed.count) failed")
        if !r.failed.isEmpty { throw fail("\(r.failed.count) journal(s) not uploaded: \(r.failed.joined(separator: ", "))") }
    }

    func runLab() throws {
        let (client, wk) = try labClient()
        let (w, h) = parsedSize!
        let fonts: FontSet
        do { fonts = try FontSet() } catch { throw fail("\(error)") }
        let front = LabFront(fonts: fonts, width: w, height: h)
        front.language = lang == "en" ? .en : .zh
        let run = LabRun(front: front, client: client, key: wk, journalsDir: journals, scenariosDir: scenarios, width: w, height: h)
        let player = try loadScript()
        if offscreen {
            // Headless (tests, demos): the script is the student; frames are not drawn, except the last.
            guard let player else { throw fail("--server --offscreen needs --script FILE") }
            let clock = realtime ? ContinuousClock.now : nil
            var frames = 0
            do {
                while !player.finished {
                    try player.frame(front)
                    frames += 1
                    if let clock {
                        // --realtime: frame N is not played before N/60 s of wall time.
                        let ahead = clock + .milliseconds(frames * 1000 / 60) - ContinuousClock.now
                        if ahead > .zero { Thread.sleep(forTimeInterval: Double(ahead.components.attoseconds) / 1e18 + Double(ahead.components.seconds)) }
                    } else if player.waitingForScreen { usleep(2_000) }
                }
            } catch { run.finish(); throw fail("\(error)") }
            run.finish()
            if let shot = screenshot { try renderLabOffscreen(front, to: shot) }
            return
        }
        try runLabWindow(front, run: run, player: player)
        run.finish()
    }

    func renderLabOffscreen(_ front: LabFront, to shot: String) throws {
        do {
            let context = try OffscreenContext()
            let image = try withExtendedLifetime(context) { () throws -> Image in
                let target = try RenderTarget(width: front.width, height: front.height,
                                              samples: samples ?? (Renderer.isSoftware(renderer: context.renderer) ? 0 : 4))
                let renderer = try Renderer(fonts: front.fonts)
                target.bind()
                let (frame, camera) = labScene(front)
                renderer.render(frame, camera: camera, overlay: front.overlay(), width: front.width, height: front.height)
                return target.readPixels()
            }
            try PNG.write(image, to: shot)
            print("\(shot): \(front.width)x\(front.height), \(front.screen.rawValue)")
        } catch let e as RenderError { throw fail(e.message) }
    }

    func labScene(_ front: LabFront) -> (SceneFrame, Camera) {
        if let ws = front.workstation, front.screen == .session || front.screen == .result { return (ws.sceneFrame(), ws.camera) }
        return (SceneFrame(), Camera())
    }

    func runLabWindow(_ front: LabFront, run: LabRun, player: ScriptPlayer?) throws {
        guard glfwInit() == GLFW_TRUE else {
            throw fail("GLFW cannot start (no display?). Set DISPLAY, run under xvfb-run, or use --offscreen --script.")
        }
        defer { glfwTerminate() }
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3)
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3)
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE)
        glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE)
        glfwWindowHint(GLFW_SAMPLES, Int32(samples ?? 0))
        guard let window = glfwCreateWindow(Int32(front.width), Int32(front.height), "HazLab — 实训工作站", nil, nil) else {
            throw fail("GLFW cannot open an OpenGL 3.3 core window")
        }
        glfwMakeContextCurrent(window)
        defer { glfwDestroyWindow(window) }
        glfwSwapInterval(1)
        _ = glfwSetScrollCallback(window) { _, _, dy in scrollAccumulated += dy }
        _ = glfwSetCharCallback(window) { _, cp in
            if let u = Unicode.Scalar(cp) { typedCharacters.unicodeScalars.append(u) }
        }
        let renderer: Renderer
        do { renderer = try Renderer(fonts: front.fonts) } catch { throw fail("\(error)") }
        let keys = Self.keyMap + [(GLFW_KEY_BACKSPACE, Key.backspace), (GLFW_KEY_UP, .up), (GLFW_KEY_DOWN, .down), (GLFW_KEY_F2, .f2),
                                  (GLFW_KEY_KP_ENTER, .enter)]
        var input = WindowInput(keys: keys)
        var frame = 0
        while glfwWindowShouldClose(window) == 0 {
            glfwPollEvents()
            var fw: Int32 = 0, fh: Int32 = 0
            glfwGetFramebufferSize(window, &fw, &fh)
            if Int(fw) != front.width || Int(fh) != front.height { try front.handle(.resize(width: Int(fw), height: Int(fh))) }
            if let player {
                do { try player.frame(front) } catch { throw fail("\(error)") }
            } else {
                if !typedCharacters.isEmpty { let t = typedCharacters; typedCharacters = ""; try front.handle(.text(t)) }
                try input.poll(window, into: front)
            }
            let (sceneFrame, camera) = labScene(front)
            renderer.render(sceneFrame, camera: camera, overlay: front.overlay(), width: front.width, height: front.height)
            frame += 1
            let isLastFrame = frames.map { frame >= $0 } ?? (player?.finished ?? false)
            if isLastFrame, let shot = screenshot {
                try PNG.write(renderer.readBackBuffer(width: front.width, height: front.height), to: shot)
            }
            glfwSwapBuffers(window)
            if isLastFrame { break }
        }
        print("frames: \(frame)")
    }
}
