import CGL
import CGLFW
import Foundation
import HazLabCore
import HazLabRecords
import HazLabRender
import HazLabScoring
import HazLabWorkstation

/// Scroll offsets from GLFW's callback (C callbacks cannot capture; one window per process).
nonisolated(unsafe) var scrollAccumulated: Double = 0

/// The window's keys, mouse buttons, wheel and clock since the last frame, turned into the same
/// input events a script plays (the attempt's window and the lab screens share it).
struct WindowInput {
    let keys: [(Int32, Key)]
    private var down = Set<Int32>()
    private var buttons = [false, false]
    private var last = glfwGetTime()

    init(keys: [(Int32, Key)]) { self.keys = keys }

    mutating func poll(_ window: OpaquePointer, into host: some ScriptHost) throws {
        for (code, k) in keys {
            let pressed = glfwGetKey(window, code) == GLFW_PRESS
            if pressed != down.contains(code) {
                if pressed { down.insert(code) } else { down.remove(code) }
                try host.handle(.key(k, down: pressed))
            }
        }
        var cx = 0.0, cy = 0.0
        glfwGetCursorPos(window, &cx, &cy)
        try host.handle(.mouseMove(x: Float(cx), y: Float(cy)))
        for (i, b) in [MouseButton.left, .right].enumerated() {
            let pressed = glfwGetMouseButton(window, Int32(b.rawValue)) == GLFW_PRESS
            if pressed != buttons[i] {
                buttons[i] = pressed
                try host.handle(pressed ? .mouseDown(b, x: Float(cx), y: Float(cy)) : .mouseUp(b, x: Float(cx), y: Float(cy)))
            }
        }
        if scrollAccumulated != 0 { try host.handle(.scroll(Float(scrollAccumulated))); scrollAccumulated = 0 }
        let now = glfwGetTime()
        try host.handle(.elapse(now - last))
        last = now
    }
}

extension Viewer {
    static let keyMap: [(Int32, Key)] = [
        (GLFW_KEY_W, .w), (GLFW_KEY_A, .a), (GLFW_KEY_S, .s), (GLFW_KEY_D, .d), (GLFW_KEY_Q, .q), (GLFW_KEY_E, .e),
        (GLFW_KEY_TAB, .tab), (GLFW_KEY_SPACE, .space), (GLFW_KEY_ESCAPE, .escape), (GLFW_KEY_ENTER, .enter),
        (GLFW_KEY_G, .g), (GLFW_KEY_H, .h), (GLFW_KEY_K, .k), (GLFW_KEY_L, .l), (GLFW_KEY_P, .p), (GLFW_KEY_C, .c),
        (GLFW_KEY_EQUAL, .plus), (GLFW_KEY_KP_ADD, .plus), (GLFW_KEY_MINUS, .minus), (GLFW_KEY_F10, .f10),
        (GLFW_KEY_1, .one), (GLFW_KEY_2, .two), (GLFW_KEY_3, .three), (GLFW_KEY_4, .four), (GLFW_KEY_5, .five),
        (GLFW_KEY_6, .six), (GLFW_KEY_7, .seven), (GLFW_KEY_8, .eight), (GLFW_KEY_9, .nine),
    ]

    func openJournal(model: Model, mode: TrainingMode) throws -> (JournalWriter, (any JournalSigner)?) {
        let now = Date()
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        let stamp = f.string(from: now)
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        let path = journal ?? "journals/\(model.id)-\(student)-\(stamp).jsonl"
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var header = Journal.Header(scenario: model.id, scenarioSHA256: model.sourceSHA256, seed: attemptSeed ?? model.defaultSeed,
                                    mode: mode.rawValue, student: student, workstation: workstation)
        header.attempt = "\(workstation)-\(stamp)-\(UUID().uuidString.prefix(8).lowercased())"
        header.started = f.string(from: now)
        var signer: (any JournalSigner)?
        if let k = key {
            let wk = try WorkstationKey.load(path: k)
            header.key = wk.keyId
            signer = wk
        }
        return (try JournalWriter(path: path, header: header), signer)
    }

    func runWindow(model: Model, mode: TrainingMode, fonts: FontSet, replay: Journal?, scenarioPath: String,
                   scenarioBytes: [UInt8], width: Int, height: Int) throws {
        guard glfwInit() == GLFW_TRUE else {
            throw fail("GLFW cannot start (no display?). Set DISPLAY, run under xvfb-run, or use --offscreen.")
        }
        defer { glfwTerminate() }
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3)
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3)
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE)
        glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE)
        let title = "HazLab — \(model.text.title.text(lang))"
        func open(_ n: Int) -> OpaquePointer? {
            glfwWindowHint(GLFW_SAMPLES, Int32(n))
            guard let w = glfwCreateWindow(Int32(width), Int32(height), title, nil, nil) else { return nil }
            glfwMakeContextCurrent(w)
            return w
        }
        guard var window = open(samples ?? 4) else { throw fail("GLFW cannot open an OpenGL 3.3 core window") }
        if samples == nil && Renderer.isSoftware(renderer: Renderer.currentRenderer) {
            // 4× MSAA costs a software rasteriser most of its frame; reopen without it.
            glfwDestroyWindow(window)
            guard let w = open(0) else { throw fail("GLFW cannot open an OpenGL 3.3 core window") }
            window = w
        }
        defer { glfwDestroyWindow(window) }
        glfwSwapInterval(1)
        if (samples ?? 4) > 0 { glEnable(GLenum(bitPattern: GL_MULTISAMPLE)) }
        _ = glfwSetScrollCallback(window) { _, _, dy in scrollAccumulated += dy }

        let writer: JournalWriter?, signer: (any JournalSigner)?
        if replay == nil {
            do { (writer, signer) = try openJournal(model: model, mode: mode) } catch { throw fail("\(error)") }
        } else {
            writer = nil; signer = nil
        }
        let session = Session(model: model, mode: mode, seed: attemptSeed ?? replay?.header.seed, writer: writer, signer: signer, replay: replay)
        let ws = Workstation(session: session, fonts: fonts, width: width, height: height, assetFolders: assetFolders)
        warnAssets(ws)
        setUp(ws)
        let renderer: Renderer
        do { renderer = try Renderer(fonts: fonts) } catch { throw fail("\(error)") }
        if let w = writer { print("journal: \(w.path)") }
        ws.onEnd = gradeAtEnd(model: model, scenarioPath: scenarioPath, scenarioBytes: scenarioBytes)
        let player = try loadScript()

        var input = WindowInput(keys: Self.keyMap)
        var frame = 0
        while glfwWindowShouldClose(window) == 0 {
            glfwPollEvents()
            var fw: Int32 = 0, fh: Int32 = 0
            glfwGetFramebufferSize(window, &fw, &fh)
            if Int(fw) != ws.width || Int(fh) != ws.height { try ws.handle(.resize(width: Int(fw), height: Int(fh))) }
            if let player {
                // Scripted: the student's hands are the script, and time is 1/60 s per frame.
                do { try player.frame(ws) } catch { throw fail("\(error)") }
            } else {
                try input.poll(window, into: ws)
            }
            renderer.render(ws.sceneFrame(), camera: ws.camera, overlay: ws.overlay(), width: ws.width, height: ws.height)
            frame += 1
            let isLastFrame = frames.map { frame >= $0 } ?? (player?.finished ?? false)
            if isLastFrame, let shot = screenshot {
                // The window's own pixels (the window test reads them back).
                try PNG.write(renderer.readBackBuffer(width: ws.width, height: ws.height), to: shot)
            }
            glfwSwapBuffers(window)
            if isLastFrame { break }
        }
        if let w = writer, !session.finished {
            print("closed before the end: \(w.path) holds \(w.actionCount) action(s) and no trailer (hazlab journal recover)")
        }
        print("frames: \(frame)")
    }
}
