import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabRender
import HazLabRunner
import HazLabScenario
import HazLabTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Runs the `hazlab-viewer` executable built next to this test bundle (this target cannot
/// depend on an executable), in a separate process with a time limit (through the shared
/// launch helper of HazLabTestSupport).
enum ViewerProcess {
    typealias Output = TestProcess.Output

    static var repoRoot: URL { TestProcess.repoRoot }
    static func scenario(_ id: String) -> URL { repoRoot.appendingPathComponent("Scenarios/\(id)") }
    static func run(_ id: String, _ name: String) -> URL { scenario(id).appendingPathComponent("runs/\(name)") }

    /// CI must run every test: there a missing prerequisite fails instead of skipping.
    static var onCI: Bool { TestProcess.onCI }

    static func binary() throws -> String {
        if let path = TestProcess.builtProduct("hazlab-viewer") { return path }
        let message = "hazlab-viewer not found next to the test bundle; build it with `swift build --build-tests`"
        if onCI { XCTFail(message); throw ViewerTestError(message) }
        throw XCTSkip(message)
    }

    static func which(_ name: String) -> String? { TestProcess.which(name) }

    static func launch(_ executable: String, _ args: [String], in directory: URL, timeout: TimeInterval = 120) throws -> Output {
        try TestProcess.launch(executable, args, in: directory, timeout: timeout)
    }

    static func killTree(_ pid: Int32) { TestProcess.killTree(pid) }

    static func viewer(_ args: [String], in directory: URL, timeout: TimeInterval = 120) throws -> Output {
        try launch(try binary(), args, in: directory, timeout: timeout)
    }

    /// The offscreen screenshot command of the tests (tank-filling, perfect run, t = 20 s).
    static func screenshotArgs(_ png: URL, size: String = "640x360") -> [String] {
        [scenario("tank-filling").path, "--offscreen", "--screenshot", png.path, "--at", "20",
         "--replay", run("tank-filling", "perfect.jsonl").path, "--size", size]
    }
}

struct ViewerTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A temporary folder removed when the test ends.
typealias ViewerTempDir = TempDir
extension TempDir {
    convenience init() throws { try self.init(prefix: "hazlab-viewertests") }
}

final class ViewerProcessTests: XCTestCase {
    /// Skips (or fails on CI) when this machine has no headless GL; otherwise asserts success.
    private func requireSuccess(_ o: ViewerProcess.Output, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        if o.status != 0 && o.stderr.contains("no surfaceless Mesa display") && !ViewerProcess.onCI {
            throw XCTSkip("headless GL unavailable: \(o.stderr)")
        }
        XCTAssertFalse(o.timedOut, "\(what) timed out", file: file, line: line)
        XCTAssertEqual(o.reason, .exit, "\(what) was killed by a signal:\n\(o.all)", file: file, line: line)
        XCTAssertEqual(o.status, 0, "\(what) failed:\n\(o.all)", file: file, line: line)
    }

    // 1. A screenshot of the replayed demo at 20 s: the right size, and a real picture.
    func testOffscreenScreenshotIsAPicture() throws {
        let dir = try ViewerTempDir()
        let png = dir.file("shot.png")
        let o = try ViewerProcess.viewer(ViewerProcess.screenshotArgs(png), in: dir.url)
        try requireSuccess(o, "hazlab-viewer --offscreen")
        XCTAssertTrue(o.stdout.contains("640x360"), o.stdout)
        let image = try PNG.decode([UInt8](try Data(contentsOf: png)))
        XCTAssertEqual(image.width, 640)
        XCTAssertEqual(image.height, 360)

        var colours = Set<UInt32>()
        var sameAsCorner = 0
        let corner = image.pixel(x: 0, y: 0)
        let rgba = image.rgba
        for i in stride(from: 0, to: rgba.count, by: 4) {
            colours.insert(UInt32(rgba[i]) << 16 | UInt32(rgba[i + 1]) << 8 | UInt32(rgba[i + 2]))
            if rgba[i] == corner.r && rgba[i + 1] == corner.g && rgba[i + 2] == corner.b && rgba[i + 3] == corner.a { sameAsCorner += 1 }
        }
        let fraction = Double(sameAsCorner) / Double(image.width * image.height)
        XCTAssertGreaterThan(colours.count, 50, "too few distinct colours: the frame looks blank")
        XCTAssertLessThan(fraction, 0.9, "\(Int(fraction * 100)) % of the pixels equal the top-left one: the frame looks blank")

        // The top-left pixel is the HUD's title bar: check the 3D view too. The middle of the
        // picture (the tank and its pipes in the overview camera) is not one flat colour.
        var middle = [UInt32: Int]()
        for y in image.height / 3 ..< 2 * image.height / 3 {
            for x in image.width / 4 ..< 3 * image.width / 4 {
                let p = image.pixel(x: x, y: y)
                middle[UInt32(p.r) << 16 | UInt32(p.g) << 8 | UInt32(p.b), default: 0] += 1
            }
        }
        let area = (image.height / 3) * (image.width / 2)
        XCTAssertGreaterThan(middle.count, 20, "the 3D view in the middle of the frame looks empty")
        XCTAssertLessThan(Double(middle.values.max() ?? 0) / Double(area), 0.9, "the 3D view in the middle of the frame is one colour")
    }

    // 2. The same command twice gives the same bytes (llvmpipe is deterministic; PNG.encode is).
    func testOffscreenScreenshotIsDeterministic() throws {
        let dir = try ViewerTempDir()
        let a = dir.file("a.png"), b = dir.file("b.png")
        try requireSuccess(try ViewerProcess.viewer(ViewerProcess.screenshotArgs(a), in: dir.url), "first run")
        try requireSuccess(try ViewerProcess.viewer(ViewerProcess.screenshotArgs(b), in: dir.url), "second run")
        let da = try Data(contentsOf: a), db = try Data(contentsOf: b)
        XCTAssertGreaterThan(da.count, 1000)
        XCTAssertTrue(da == db, "two runs of the same screenshot differ (\(da.count) vs \(db.count) bytes)")
    }

    // 3. Bad input: one clear error line, a failing exit status, no PNG (not even a temp file).
    func testMissingScenarioIsAOneLineError() throws {
        let dir = try ViewerTempDir()
        let missing = dir.file("no-such-scenario").path
        let o = try ViewerProcess.viewer([missing, "--offscreen", "--screenshot", dir.file("out.png").path, "--at", "20"], in: dir.url)
        XCTAssertFalse(o.timedOut)
        XCTAssertNotEqual(o.status, 0)
        XCTAssertEqual(o.stderrLines.count, 1, "expected one error line:\n\(o.stderr)")
        XCTAssertTrue(o.stderr.hasPrefix("hazlab-viewer: error: "), o.stderr)
        XCTAssertTrue(o.stderr.contains(missing) && o.stderr.contains("cannot read the scenario"), o.stderr)
        XCTAssertEqual(dir.contents, [], "a failed run left files behind")
    }

    func testJournalOfAnotherScenarioIsRejected() throws {
        let dir = try ViewerTempDir()
        let journal = ViewerProcess.run("switchgear-maintenance", "perfect.jsonl").path
        let o = try ViewerProcess.viewer([ViewerProcess.scenario("tank-filling").path, "--offscreen", "--screenshot", dir.file("out.png").path,
                                          "--at", "20", "--replay", journal], in: dir.url)
        XCTAssertFalse(o.timedOut)
        XCTAssertNotEqual(o.status, 0)
        XCTAssertEqual(o.stderrLines.count, 1, "expected one error line:\n\(o.stderr)")
        XCTAssertTrue(o.stderr.hasPrefix("hazlab-viewer: error: "), o.stderr)
        XCTAssertTrue(o.stderr.contains("switchgear-maintenance") && o.stderr.contains("tank-filling"), o.stderr)
        XCTAssertEqual(dir.contents, [], "a failed run left files behind")
    }

    func testBadSizeIsAUsageError() throws {
        let dir = try ViewerTempDir()
        var args = ViewerProcess.screenshotArgs(dir.file("out.png"))
        args[args.count - 1] = "10x"
        let o = try ViewerProcess.viewer(args, in: dir.url)
        XCTAssertFalse(o.timedOut)
        XCTAssertEqual(o.status, 64, "a usage error exits with EX_USAGE (64):\n\(o.all)")
        // ArgumentParser prints the error line, then the usage; the error itself is one line.
        let errors = o.stderrLines.filter { $0.hasPrefix("Error:") }
        XCTAssertEqual(errors, ["Error: --size must be WxH, e.g. 1280x720"], o.stderr)
        XCTAssertEqual(o.stdout, "")
        XCTAssertEqual(dir.contents, [], "a usage error left files behind")
    }

    func testRealtimeWithoutAnOffscreenScriptIsAUsageError() throws {
        let dir = try ViewerTempDir()
        let o = try ViewerProcess.viewer(["--server", "http://127.0.0.1:9", "--key", dir.file("k.key").path, "--realtime"], in: dir.url)
        XCTAssertFalse(o.timedOut)
        XCTAssertEqual(o.status, 64, o.all)
        XCTAssertEqual(o.stderrLines.filter { $0.hasPrefix("Error:") }, ["Error: --realtime needs --offscreen --script FILE"], o.stderr)
    }

    // 4. The real window under Xvfb: 30 frames, then a journal with a format-2 header.
    func testWindowUnderXvfbRendersFramesAndJournals() throws {
        guard let xvfbRun = ViewerProcess.which("xvfb-run") else {
            let message = "xvfb-run is not installed: run Tools/setup.sh (it installs xvfb) to test the window"
            if ViewerProcess.onCI { XCTFail("CI is set but " + message); return }
            throw XCTSkip(message)
        }
        let dir = try ViewerTempDir()
        let journal = dir.file("J.jsonl")
        let o = try ViewerProcess.launch(xvfbRun, ["-a", "-s", "-screen 0 1280x720x24", try ViewerProcess.binary(),
                                                   ViewerProcess.scenario("tank-filling").path, "--frames", "30",
                                                   "--journal", journal.path, "--student", "t1",
                                                   "--screenshot", dir.file("window.png").path], in: dir.url, timeout: 120)
        XCTAssertFalse(o.timedOut, "the window did not close after 30 frames within 120 s (killed):\n\(o.all)")
        XCTAssertEqual(o.status, 0, "xvfb-run hazlab-viewer failed:\n\(o.all)")
        XCTAssertTrue(o.stdout.contains("frames: 30"), o.all)
        XCTAssertTrue(o.stdout.contains("journal: \(journal.path)"), o.all)

        let text = try String(contentsOf: journal, encoding: .utf8)
        let first = try XCTUnwrap(text.split(separator: "\n").first.map(String.init), "empty journal")
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any], first)
        XCTAssertEqual(header["type"] as? String, "header", first)
        XCTAssertEqual(header["format"] as? Int, 2, first)
        XCTAssertEqual(header["scenario"] as? String, "tank-filling", first)
        XCTAssertEqual(header["student"] as? String, "t1", first)
        XCTAssertEqual(header["mode"] as? String, "practice", first)
        XCTAssertFalse((header["attempt"] as? String ?? "").isEmpty, first)

        // The window's own back buffer, read back on the last frame: the 3D view is drawn
        // (many colours in the middle) and the Chinese title is in the HUD's top bar.
        let png = try PNG.decode(Array(try Data(contentsOf: dir.file("window.png"))))
        XCTAssertEqual(png.width, 1280); XCTAssertEqual(png.height, 720)
        var colours = Set<UInt32>(), bright = 0
        for y in stride(from: 200, to: 600, by: 3) { for x in stride(from: 400, to: 900, by: 3) {
            let p = png.pixel(x: x, y: y); colours.insert(UInt32(p.r) << 16 | UInt32(p.g) << 8 | UInt32(p.b))
        } }
        for y in 6..<40 { for x in 14..<200 { let p = png.pixel(x: x, y: y); if min(p.r, p.g, p.b) > 170 { bright += 1 } } }
        XCTAssertGreaterThan(colours.count, 50, "the window's 3D view is flat")
        XCTAssertGreaterThan(bright, 80, "no title text in the window's HUD")
    }
}

/// The window driven by a script: the real GLFW loop under Xvfb, then a real crash.
final class ScriptedWindowTests: XCTestCase {
    static let script = """
    # PPE, to the tank farm, open the inlet, start and stop the pump, submit
    click-entity helmet
    menu 1
    click-entity tank_farm
    menu 1
    wait 1
    click-entity XV101
    menu 1
    wait 2
    click-entity P101
    menu 1
    wait 3
    click-entity P101
    menu 2
    """

    func xvfb() throws -> String {
        if let x = ViewerProcess.which("xvfb-run") { return x }
        if ViewerProcess.onCI { XCTFail("xvfb-run is required on CI (Tools/setup.sh installs it)") }
        throw XCTSkip("xvfb-run not found; run Tools/setup.sh")
    }

    /// A scripted attempt in the real window ends, is graded, and its journal replays headless
    /// to the state hash the window's live run reached.
    func testAScriptedWindowSessionReplaysToTheSameState() throws {
        let x = try xvfb()
        let dir = try ViewerTempDir()
        let scriptURL = dir.file("s.script")
        try (Self.script + "\nsubmit\nwait 0.5\n").write(to: scriptURL, atomically: true, encoding: .utf8)
        let journal = dir.file("J.jsonl")
        let o = try ViewerProcess.launch(x, ["-a", "-s", "-screen 0 1280x720x24", try ViewerProcess.binary(),
                                             ViewerProcess.scenario("tank-filling").path, "--script", scriptURL.path,
                                             "--journal", journal.path, "--student", "t2"], in: dir.url, timeout: 240)
        XCTAssertEqual(o.status, 0, o.all)
        let graded = try XCTUnwrap(o.stdout.split(separator: "\n").first { $0.hasPrefix("graded: ") }, o.all)
        XCTAssertFalse(graded.contains("live run gave"), String(graded))
        let j = try Journal.read(path: journal.path)
        XCTAssertEqual(j.actions.map(\.verb), ["wear", "move-to", "open", "start", "stop", "submit"])
        let m = try XCTUnwrap(ScenarioCompiler.compile(path: ViewerProcess.scenario("tank-filling").appendingPathComponent("scenario.yaml").path).model)
        let replay = Runner.replay(m, journal: j)
        XCTAssertEqual(j.trailer?.stateHash, replay.stateHash.hex16)
        XCTAssertTrue(graded.contains(replay.stateHash.hex16), String(graded))
    }

    /// SIGKILL of the viewer mid-attempt: every action it journaled survives recovery.
    func testKillingTheViewerMidAttemptLosesNoRecordedAction() throws {
        let x = try xvfb()
        let dir = try ViewerTempDir()
        let scriptURL = dir.file("s.script")
        try (Self.script + "\nwait 600\n").write(to: scriptURL, atomically: true, encoding: .utf8)
        let journal = dir.file("K.jsonl")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: x)
        p.arguments = ["-a", "-s", "-screen 0 1280x720x24", try ViewerProcess.binary(), ViewerProcess.scenario("tank-filling").path,
                       "--script", scriptURL.path, "--journal", journal.path]
        p.currentDirectoryURL = dir.url
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice; p.standardInput = FileHandle.nullDevice
        try p.run()
        defer { ViewerProcess.killTree(p.processIdentifier); p.waitUntilExit() }
        // Wait until all five actions are acknowledged (journaled and synced), then kill -9.
        let deadline = Date().addingTimeInterval(120)
        func actions() -> Int { ((try? String(contentsOf: journal, encoding: .utf8)) ?? "").components(separatedBy: "\"type\":\"action\"").count - 1 }
        while actions() < 5 && Date() < deadline { usleep(100_000) }
        XCTAssertEqual(actions(), 5, "the scripted actions were not journaled in time")
        let viewer = try XCTUnwrap(Self.descendant(of: p.processIdentifier, named: "hazlab-viewer"))
        kill(viewer, SIGKILL)
        usleep(300_000)
        let report = try JournalRecovery.recover(path: journal.path)
        XCTAssertFalse(report.complete)
        XCTAssertEqual(report.actions, 5)
        let j = try Journal.read(path: journal.path)
        XCTAssertEqual(j.actions.map(\.verb), ["wear", "move-to", "open", "start", "stop"])
        XCTAssertNil(j.trailer)
    }

    static func descendant(of root: Int32, named name: String) -> Int32? {
        var parent: [Int32: Int32] = [:], comm: [Int32: String] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = text.firstIndex(of: "("), let close = text.range(of: ")", options: .backwards) else { continue }
            comm[pid] = String(text[text.index(after: open)..<close.lowerBound])
            let fields = text[close.upperBound...].split(separator: " ")
            if fields.count > 1, let pp = Int32(fields[1]) { parent[pid] = pp }
        }
        for (pid, c) in comm where name.hasPrefix(c) {
            var p = pid
            while let pp = parent[p], pp > 1 { if pp == root { return pid }; p = pp }
        }
        return nil
    }
}

/// An exam attempt started from the exam plan: the plan's seed for the student, exam mode.
final class ExamPlanViewerTests: XCTestCase {
    func testThePlanGivesTheSeedAndRefusesOthers() throws {
        let dir = try ViewerTempDir()
        let scenario = ViewerProcess.scenario("tank-filling")
        let m = try XCTUnwrap(ScenarioCompiler.compile(path: scenario.appendingPathComponent("scenario.yaml").path).model)
        let plan = try ExamPlan.make(exam: "E-2026-12", model: m, students: ["s7", "s8"])
        try plan.json().write(to: dir.file("plan.json"), atomically: true, encoding: .utf8)
        try "click-entity helmet\nmenu 1\nsubmit\nwait 0.2\n".write(to: dir.file("s.script"), atomically: true, encoding: .utf8)
        let journal = dir.file("s7.jsonl")
        let o = try ViewerProcess.viewer([scenario.path, "--offscreen", "--script", dir.file("s.script").path, "--plan", dir.file("plan.json").path,
                                          "--student", "s7", "--journal", journal.path, "--screenshot", dir.file("end.png").path], in: dir.url)
        if o.status != 0 && o.stderr.contains("no surfaceless Mesa display") && !ViewerProcess.onCI { throw XCTSkip(o.stderr) }
        XCTAssertEqual(o.status, 0, o.all)
        let j = try Journal.read(path: journal.path)
        XCTAssertEqual(j.header.seed, plan.seed(for: "s7"))
        XCTAssertNotEqual(j.header.seed, m.defaultSeed)
        XCTAssertEqual(j.header.mode, "exam")
        XCTAssertEqual(j.actions.map(\.verb), ["wear", "submit"])

        let stranger = try ViewerProcess.viewer([scenario.path, "--offscreen", "--screenshot", dir.file("x.png").path,
                                                 "--plan", dir.file("plan.json").path, "--student", "s9"], in: dir.url)
        XCTAssertEqual(stranger.status, 1)
        XCTAssertEqual(stranger.stderrLines, ["hazlab-viewer: error: \(dir.file("plan.json").path): student s9 is not in the plan of exam E-2026-12"])
        let other = try ViewerProcess.viewer([ViewerProcess.scenario("boiler-room-gas-leak").path, "--offscreen", "--screenshot", dir.file("x.png").path,
                                              "--plan", dir.file("plan.json").path, "--student", "s7"], in: dir.url)
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("the plan is for scenario tank-filling"), other.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("x.png").path))
    }
}
