import ArgumentParser
import Foundation
import HazLabCore
import HazLabRecords
import HazLabRender
import HazLabRunner
import HazLabScenario
import HazLabScoring
import HazLabWorkstation

@main
struct Viewer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hazlab-viewer",
        abstract: "The HazLab student workstation: a 3D view of a scenario (GLFW + OpenGL 3.3 core).",
        discussion: """
        Opens a window on SCENARIO (a folder holding scenario.yaml, or the file). Every
        action is journaled as it happens (fsync'd, hash-chained); when the attempt ends
        it is graded locally with the batch grader and, with --store, recorded and queued
        for the data centre.

        On a lab server (Docs/viewer.md): --server URL --key FILE [--ca PEM] [--journals DIR]
        shows a login screen, then the student's tasks; the server assigns attempt, seed and
        mode, and every journal line is streamed to it as it is written. --sync uploads the
        journals written offline.

        Headless: --offscreen --screenshot PNG --at SECONDS [--replay JOURNAL] renders one
        frame with EGL (no X server needed).

        Keys: WASD move · Q/E turn · right-drag look · Tab walk/overview · click an entity
        for its actions (1–9 pick one) · H hint (practice) · K acknowledge alarms · G gas
        heatmap · P PPE panel · L 中文/English · Space pause · + speed · F10 submit.

        Examples:
          hazlab-viewer --server http://127.0.0.1:8080 --workstation ws-demo --key Tools/demo-keys/ws-demo.key
          hazlab-viewer --sync --server https://lab.school:8443 --ca lab-ca.pem --key ws-01.key --journals journals
          hazlab-viewer Scenarios/tank-filling --mode practice --student s001 --journal s001.jsonl
          hazlab-viewer Scenarios/switchgear-maintenance --offscreen --screenshot bay.png --at 30 \\
              --replay Scenarios/switchgear-maintenance/runs/perfect.jsonl --size 1280x720
        """)

    @Argument(help: "Scenario folder or file (not with --server or --sync).") var scenario: String?
    @Option(help: ArgumentHelp("Lab server (hazlab serve): log in, take the server's assignments, stream the journal.", valueName: "URL")) var server: String?
    @Option(help: ArgumentHelp("With an https --server: trust this CA certificate only.", valueName: "PEM")) var ca: String?
    @Option(help: ArgumentHelp("With --server: where journals are written (and --sync reads them).", valueName: "DIR")) var journals = "journals"
    @Option(help: ArgumentHelp("With --server: scenario folders for offline practice.", valueName: "DIR")) var scenarios = "Scenarios"
    @Flag(help: "Upload the finished journals in --journals that the server does not have yet, then exit.") var sync = false
    @Option(help: "teaching, practice or exam (default: practice; a replayed journal's own mode).") var mode: String?
    @Option(help: "Student id written in the journal.") var student = "student"
    @Option(help: "Workstation id written in the journal.") var workstation = ProcessInfo.processInfo.hostName
    @Option(help: ArgumentHelp("Journal to write (default: journals/SCENARIO-STUDENT-TIME.jsonl).", valueName: "FILE")) var journal: String?
    @Option(help: ArgumentHelp("Workstation signing key (hazlab keys generate).", valueName: "FILE")) var key: String?
    @Option(help: ArgumentHelp("Results store for the local result and the export outbox.", valueName: "FILE")) var store: String?
    @Option(help: "Seed (default: the scenario's).") var seed: UInt64?
    @Option(help: ArgumentHelp("Exam plan (hazlab exam plan): the student's seed, exam mode by default.", valueName: "FILE")) var plan: String?
    @Option(help: "zh or en.") var lang = "zh"
    @Option(help: "Window or image size, WxH.") var size = "1280x720"
    @Option(help: "overview or walk.") var camera = "overview"
    @Flag(help: "Show the gas heatmap.") var showGas = false
    @Flag(help: "Render headless with EGL (no window, no X server).") var offscreen = false
    @Flag(help: "With --server --offscreen --script: play the script at wall-clock speed (60 frames a second), as a student would (demos, live tests).") var realtime = false
    @Option(help: ArgumentHelp("PNG to write (with --offscreen; in a window, of the last of --frames).", valueName: "PNG")) var screenshot: String?
    @Option(help: ArgumentHelp("Sim time of the screenshot.", valueName: "SECONDS")) var at: Double = 0
    @Option(help: ArgumentHelp("Journal to replay up to --at.", valueName: "JOURNAL")) var replay: String?
    @Option(help: ArgumentHelp("Entity to hover (tooltip in screenshots).", valueName: "ID")) var hover: String?
    @Option(help: ArgumentHelp("Start with the overview camera close to this entity.", valueName: "ID")) var focus: String?
    @Option(help: ArgumentHelp("Window: close after this many frames (tests).", valueName: "N")) var frames: Int?
    @Option(help: ArgumentHelp("Play scripted input (Docs/viewer.md), 1/60 s per frame; the viewer closes when it ends.", valueName: "FILE")) var script: String?
    /// Set from --plan in `run`.
    var planSeed: UInt64?

    @Option(help: "Multisample count (0 = off; default 4, or 0 on a software renderer such as llvmpipe).") var samples: Int?

    func validate() throws {
        if server != nil || sync {
            if scenario != nil { throw ValidationError("with --server the server assigns the scenario: leave out SCENARIO") }
            if server == nil { throw ValidationError("--sync needs --server URL") }
            if key == nil { throw ValidationError("--server needs --key FILE (the workstation's signing key)") }
            if replay != nil || plan != nil || seed != nil || store != nil || journal != nil || mode != nil {
                throw ValidationError("with --server the server gives attempt, seed and mode: no --replay, --plan, --seed, --store, --journal or --mode")
            }
            if offscreen && script == nil && !sync { throw ValidationError("--server --offscreen needs --script FILE") }
            if realtime && !(offscreen && script != nil) { throw ValidationError("--realtime needs --offscreen --script FILE") }
            if lang != "zh" && lang != "en" { throw ValidationError("--lang must be zh or en") }
            if parsedSize == nil { throw ValidationError("--size must be WxH, e.g. 1280x720") }
            return
        }
        if ca != nil { throw ValidationError("--ca goes with --server") }
        if scenario == nil { throw ValidationError("missing SCENARIO (or --server URL)") }
        if offscreen && screenshot == nil { throw ValidationError("--offscreen needs --screenshot PNG") }
        if !offscreen && screenshot != nil && frames == nil && script == nil { throw ValidationError("--screenshot in a window needs --frames N or --script") }
        if script != nil && replay != nil { throw ValidationError("--script and --replay do not go together") }
        if plan != nil && (seed != nil || replay != nil) { throw ValidationError("--plan gives the seed: not with --seed or --replay") }
        if let m = mode, TrainingMode(rawValue: m) == nil { throw ValidationError("--mode must be teaching, practice or exam") }
        if lang != "zh" && lang != "en" { throw ValidationError("--lang must be zh or en") }
        if parsedSize == nil { throw ValidationError("--size must be WxH, e.g. 1280x720") }
        if camera != "overview" && camera != "walk" { throw ValidationError("--camera must be overview or walk") }
    }

    var parsedSize: (Int, Int)? {
        let p = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard p.count == 2, (16...8192).contains(p[0]), (16...8192).contains(p[1]) else { return nil }
        return (p[0], p[1])
    }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data(("hazlab-viewer: error: " + TerminalText.escape(message) + "\n").utf8))
        return ExitCode(1)
    }

    mutating func run() throws {
        if sync { try runSync(); return }
        if server != nil { try runLab(); return }
        let path = ScenarioLocator.resolveScenario(scenario!)
        guard let bytes = FileManager.default.contents(atPath: path).map({ [UInt8]($0) }) else { throw fail("\(path): cannot read the scenario") }
        let compiled = ScenarioCompiler.compile(bytes: bytes, path: path)
        guard let model = compiled.model else {
            for d in compiled.errors { FileHandle.standardError.write(Data("\(d)\n".utf8)) }
            throw fail("\(path): the scenario does not compile")
        }
        var replayJournal: Journal?
        if let r = replay {
            do { replayJournal = try Journal.read(path: r) } catch { throw fail("\(error)") }
            if replayJournal!.header.scenario != model.id { throw fail("\(r): the journal is for scenario \(replayJournal!.header.scenario), not \(model.id)") }
        }
        if let p = plan {
            // The exam plan decides the seed: the grader checks it against the same plan.
            guard let data = FileManager.default.contents(atPath: p) else { throw fail("\(p): cannot read the exam plan") }
            let examPlan: ExamPlan
            do { examPlan = try ExamPlan.read(bytes: [UInt8](data)) } catch { throw fail("\(p): \(error)") }
            guard examPlan.scenario == model.id, examPlan.scenarioSHA256 == model.sourceSHA256 else {
                throw fail("\(p): the plan is for scenario \(examPlan.scenario) (\(examPlan.scenarioSHA256.prefix(12))…), not this \(model.id) (\(model.sourceSHA256.prefix(12))…)")
            }
            guard let s = examPlan.seed(for: student) else { throw fail("\(p): student \(student) is not in the plan of exam \(examPlan.exam)") }
            planSeed = s
        }
        let m = TrainingMode(rawValue: mode ?? replayJournal?.header.mode ?? (plan != nil ? "exam" : "practice")) ?? .practice
        let (w, h) = parsedSize!
        let fonts: FontSet
        do { fonts = try FontSet() } catch { throw fail("\(error)") }
        if offscreen {
            try renderOffscreen(model: model, mode: m, fonts: fonts, replay: replayJournal, scenarioPath: path, scenarioBytes: bytes, width: w, height: h)
        } else {
            try runWindow(model: model, mode: m, fonts: fonts, replay: replayJournal, scenarioPath: path, scenarioBytes: bytes, width: w, height: h)
        }
    }

    var assetFolders: [String] { AssetFolders.forScenario(at: ScenarioLocator.resolveScenario(scenario ?? "")) }

    func warnAssets(_ ws: Workstation) {
        for w in ws.scene.assetWarnings { FileHandle.standardError.write(Data("hazlab-viewer: warning: \(w) (drawing the built-in shape)\n".utf8)) }
    }

    func setUp(_ ws: Workstation) {
        ws.language = lang == "en" ? .en : .zh
        ws.showGas = showGas
        if camera == "walk" { try? ws.perform(.toggleCamera) }
    }

    /// The seed of a new attempt: --seed, else the exam plan's for the student; nil = the scenario's.
    var attemptSeed: UInt64? { seed ?? planSeed }

    func loadScript() throws -> ScriptPlayer? {
        guard let path = script else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(path): cannot read the script") }
        do { return ScriptPlayer(script: try InputScript.parse(String(decoding: data, as: UTF8.self), path: path), path: path) } catch { throw fail("\(error)") }
    }

    /// At the end of an attempt: grade the journal locally (the batch grader), store and queue it.
    func gradeAtEnd(model: Model, scenarioPath: String, scenarioBytes: [UInt8]) -> (Workstation) -> Void {
        let store = self.store, workstation = self.workstation
        return { ws in
            guard let path = ws.session.journalPath else { return }
            do {
                let r = try LocalGrading.grade(journal: path, model: model, scenarioPath: scenarioPath, scenarioBytes: scenarioBytes,
                                               store: store, actor: "workstation:\(workstation)")
                let live = ws.state.hash.hex16
                print("graded: \(path) — state hash \(r.stateHash)\(r.stateHash == live ? "" : " (the live run gave \(live)!)")"
                      + (store.map { ", stored in \($0), \(r.queued) statement(s) queued" } ?? ""))
            } catch {
                FileHandle.standardError.write(Data("hazlab-viewer: \(error)\n".utf8))
            }
        }
    }

    func renderOffscreen(model: Model, mode: TrainingMode, fonts: FontSet, replay: Journal?, scenarioPath: String,
                         scenarioBytes: [UInt8], width: Int, height: Int) throws {
        let player = try loadScript()
        var writer: JournalWriter?, signer: (any JournalSigner)?
        if player != nil {
            do { (writer, signer) = try openJournal(model: model, mode: mode) } catch { throw fail("\(error)") }
        }
        let session = Session(model: model, mode: mode, seed: attemptSeed ?? replay?.header.seed, writer: writer, signer: signer, replay: replay)
        let ws = Workstation(session: session, fonts: fonts, width: width, height: height, assetFolders: assetFolders)
        warnAssets(ws)
        setUp(ws)
        if let player {
            // A scripted attempt without a window: journaled and graded like one on screen.
            if let w = writer { print("journal: \(w.path)") }
            ws.onEnd = gradeAtEnd(model: model, scenarioPath: scenarioPath, scenarioBytes: scenarioBytes)
            do { while !player.finished { try player.frame(ws) } } catch { throw fail("\(error)") }
        } else {
            try ws.fastForward(toTick: model.ticks(seconds: at))
        }
        if let id = focus {
            guard let row = model.entityIndex[id], ws.lookAt(Int(row)) else { throw fail("--focus: no placed entity \(id)") }
        }
        if let id = hover {
            guard let row = model.entityIndex[id] else { throw fail("--hover: no entity \(id)") }
            if let a = ws.scene.anchor(Int(row)), let p = ws.camera.project(a, width: Float(width), height: Float(height)) {
                try ws.handle(.mouseMove(x: p.x, y: p.y))
            }
        }
        do {
            let context = try OffscreenContext()
            let image = try withExtendedLifetime(context) { () throws -> Image in
                let target = try RenderTarget(width: width, height: height,
                                              samples: samples ?? (Renderer.isSoftware(renderer: context.renderer) ? 0 : 4))
                let renderer = try Renderer(fonts: fonts)
                target.bind()
                renderer.render(ws.sceneFrame(), camera: ws.camera, overlay: ws.overlay(), width: width, height: height)
                return target.readPixels()
            }
            try PNG.write(image, to: screenshot!)
        } catch let e as RenderError {
            throw fail(e.message)
        }
        print("\(screenshot!): \(width)x\(height), \(model.id) at \(HUDClock.text(session.state.seconds))\(session.ended ? " (ended: \(session.state.endReason.name))" : "")")
    }
}

enum HUDClock {
    static func text(_ s: Double) -> String { String(format: "%.1f s", s) }
}
