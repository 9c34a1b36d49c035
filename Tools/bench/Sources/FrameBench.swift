import CGL
import Foundation
import HazLabCore
import HazLabRecords
import HazLabRender
import HazLabRunner
import HazLabScenario
import HazLabScoring
import HazLabWorkstation

// hazlab-bench --frames: the viewer's frame time, headless (EGL), per bundled scenario.
//
// For each scenario folder (one holding scenario.yaml) the perfect run is replayed to its
// middle (30 s without a trailer) in --mode (default practice: the fullest HUD), then a
// Workstation renders into an offscreen target with 4× MSAA and without, side by side: blocks
// of 10 frames go round every scenario × sample count so all see the same machine load.
// One frame = what the window loop draws:
//   cpu     ws.sceneFrame() + ws.overlay()                (the CPU-side frame build)
//   submit  renderer.render(...)                          (our GL calls + Mesa's command building)
//   draw    glFinish() after it                           (llvmpipe rasterising the frame)
//   resolve blit to a single-sampled FBO + glFinish()      (the window's swap resolves/copies the same way)
// The simulation is not stepped (it costs ~2 µs per tick, see the replay benchmarks).
// --profile adds, per sample count, the same frame with its opaque draws sorted front to back,
// without the HUD, the HUD alone, and only the clear + resolve, to show which pass the GL time
// goes to; and per scenario, single-sampled, the fragments written (GL_SAMPLES_PASSED) and
// rasterised (fragment shader invocations) per pixel, and the triangles.
// Results: BENCHMARKS.md, "Viewer frame time"; chart: Tools/bench/frames_svg.py.

/// Timings of one frame, seconds.
struct FrameTiming {
    var cpu: Double
    var submit: Double
    var draw: Double
    var resolve: Double
    var finish: Double { draw + resolve }
    var total: Double { cpu + submit + draw + resolve }
}

/// What a timed frame draws (--profile measures the parts).
enum FrameVariant: String, CaseIterable {
    case full
    /// The full frame with the opaque draws reordered: equipment front to back, then the room
    /// (zone pads, floor, walls) last, to see whether early depth rejection pays on llvmpipe.
    case sorted
    case noHUD = "no-hud", hudOnly = "hud-only", clear
    /// The full frame with every face drawn (back-face culling off, as before it was added).
    case noCull = "no-cull"
}

/// Opaque draws reordered for early depth rejection (see `FrameVariant.sorted`); the picture
/// is the same (depth-tested opaque geometry), translucent draws keep their order.
func frontToBack(_ draws: [Draw], eye: V3, model: Model) -> [Draw] {
    var near: [(Float, Int)] = [], room: [Int] = [], translucent: [Int] = []
    for (i, d) in draws.enumerated() {
        if d.translucent { translucent.append(i); continue }
        if d.entity < 0 || model.entities.kinds[Int(d.entity)] == .zone { room.append(i); continue }
        let c = d.transform.point(V3(0, 0, 0)) - eye
        near.append(((c * c).sum(), i))
    }
    near.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
    return (near.map(\.1) + room.reversed() + translucent).map { draws[$0] }
}

/// What one `render` of a scene without the HUD costs the rasteriser (single-sampled target).
struct PassCounts {
    /// Samples that passed the depth test, per pixel (GL_SAMPLES_PASSED): pixels written.
    var writtenPerPixel: Double
    /// Fragment shader invocations per pixel (ARB_pipeline_statistics_query), if available.
    var shadedPerPixel: Double?
    /// Triangles submitted, if available.
    var triangles: Int?
}

func passCounts(_ renderer: Renderer, _ scene: SceneFrame, camera: Camera, width: Int, height: Int) -> PassCounts {
    var extensions = Set<String>()
    var n: GLint = 0
    glGetIntegerv(GLenum(GL_NUM_EXTENSIONS), &n)
    for i in 0..<max(0, Int(n)) {
        if let e = glGetStringi(GLenum(GL_EXTENSIONS), GLuint(i)) { extensions.insert(String(cString: e)) }
    }
    let stats = extensions.contains("GL_ARB_pipeline_statistics_query")
    let targets = [GL_SAMPLES_PASSED] + (stats ? [GL_FRAGMENT_SHADER_INVOCATIONS_ARB, GL_PRIMITIVES_SUBMITTED_ARB] : [])
    var queries = [GLuint](repeating: 0, count: targets.count)
    glGenQueries(GLsizei(queries.count), &queries)
    for (q, t) in zip(queries, targets) { glBeginQuery(GLenum(t), q) }
    renderer.render(scene, camera: camera, overlay: Overlay(), width: width, height: height)
    for t in targets { glEndQuery(GLenum(t)) }
    let values: [UInt64] = queries.map { q in
        var v: GLuint64 = 0
        glGetQueryObjectui64v(q, GLenum(GL_QUERY_RESULT), &v)
        return v
    }
    glDeleteQueries(GLsizei(queries.count), queries)
    let pixels = Double(width * height)
    return PassCounts(writtenPerPixel: Double(values[0]) / pixels,
                      shadedPerPixel: stats ? Double(values[1]) / pixels : nil,
                      triangles: stats ? Int(values[2]) : nil)
}

/// Summary of one scenario × one sample count.
struct FrameStats {
    var scenario: String
    var samples: Int
    var variant: FrameVariant
    var frames: Int
    var meanMs: Double, medianMs: Double, p95Ms: Double
    var cpuMs: Double, submitMs: Double, drawMs: Double, resolveMs: Double
    var drawCalls: Int
    var cpuUtil: Double      // process CPU seconds / wall seconds over the timed frames (≤ cores)
    var simSeconds: Double
    var mode: String
    /// --profile, single-sampled full frames: depth-passed samples per pixel (drawn order, sorted).
    var overdraw: (drawn: PassCounts, sorted: PassCounts, pixelsDiffering: Int)?
    var fps: Double { 1000 / meanMs }
    var finishMs: Double { drawMs + resolveMs }
    var glMs: Double { submitMs + finishMs }

    init(scenario: String, samples: Int, variant: FrameVariant, timings: [FrameTiming], drawCalls: Int, cpuUtil: Double, simSeconds: Double, mode: String) {
        self.scenario = scenario; self.samples = samples; self.variant = variant; frames = timings.count
        let totals = timings.map { $0.total * 1000 }.sorted()
        func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }
        meanMs = mean(totals)
        medianMs = totals.isEmpty ? 0 : totals.count % 2 == 1 ? totals[totals.count / 2]
            : (totals[totals.count / 2 - 1] + totals[totals.count / 2]) / 2
        p95Ms = totals.isEmpty ? 0 : totals[max(0, Int((0.95 * Double(totals.count)).rounded(.up)) - 1)]
        cpuMs = mean(timings.map { $0.cpu * 1000 })
        submitMs = mean(timings.map { $0.submit * 1000 })
        drawMs = mean(timings.map { $0.draw * 1000 })
        resolveMs = mean(timings.map { $0.resolve * 1000 })
        self.drawCalls = drawCalls; self.cpuUtil = cpuUtil; self.simSeconds = simSeconds; self.mode = mode
    }
}

/// A single-sampled colour FBO to resolve into, as the window's swap does with its back buffer.
final class ResolveTarget {
    let width: Int, height: Int
    private var fbo: GLuint = 0, colour: GLuint = 0
    init(width: Int, height: Int) {
        self.width = width; self.height = height
        glGenRenderbuffers(1, &colour)
        glBindRenderbuffer(GLenum(GL_RENDERBUFFER), colour)
        glRenderbufferStorage(GLenum(GL_RENDERBUFFER), GLenum(GL_RGBA8), GLsizei(width), GLsizei(height))
        glBindRenderbuffer(GLenum(GL_RENDERBUFFER), 0)
        glGenFramebuffers(1, &fbo)
        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), fbo)
        glFramebufferRenderbuffer(GLenum(GL_FRAMEBUFFER), GLenum(GL_COLOR_ATTACHMENT0), GLenum(GL_RENDERBUFFER), colour)
        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), 0)
    }
    deinit {
        glDeleteFramebuffers(1, &fbo)
        glDeleteRenderbuffers(1, &colour)
    }
    /// Blits `source` (an FBO id) into this target, then rebinds `source` for drawing.
    func resolve(from source: GLuint) {
        let w = GLint(width), h = GLint(height)
        glBindFramebuffer(GLenum(GL_READ_FRAMEBUFFER), source)
        glBindFramebuffer(GLenum(GL_DRAW_FRAMEBUFFER), fbo)
        glBlitFramebuffer(0, 0, w, h, 0, 0, w, h, GLbitfield(GL_COLOR_BUFFER_BIT), GLenum(GL_NEAREST))
        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), source)
    }
}

func frameBench(scenarios: String, only: String?, size: String, count: Int, warmup: Int, mode: String, profile: Bool, out: String?) {
    func die(_ message: String) -> Never {
        FileHandle.standardError.write("hazlab-bench: error: \(message)\n".data(using: .utf8)!)
        exit(1)
    }
    let dims = size.lowercased().split(separator: "x").compactMap { Int($0) }
    guard dims.count == 2, (16...8192).contains(dims[0]), (16...8192).contains(dims[1]) else { die("--size must be WxH, e.g. 1280x720") }
    guard count > 0, warmup >= 0 else { die("--count must be positive and --warmup not negative") }
    guard let trainingMode = TrainingMode(rawValue: mode) else { die("--mode must be teaching, practice or exam") }
    let (width, height) = (dims[0], dims[1])

    let folders: [String]
    if let one = only {
        folders = [one]
    } else {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: scenarios)) ?? []).sorted()
        folders = names.map { (scenarios as NSString).appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("scenario.yaml")) }
    }
    guard !folders.isEmpty else { die("no scenario folders (with scenario.yaml) in \(scenarios)") }

    let context: OffscreenContext, fonts: FontSet
    do {
        context = try OffscreenContext()
        fonts = try FontSet()
    } catch { die("\(error)") }
    print("frames renderer \"\(context.renderer)\" gl \"\(context.version)\"")
    print("frames size \(width)x\(height) count \(count) warmup \(warmup) mode \(mode) "
          + "LP_NUM_THREADS \(ProcessInfo.processInfo.environment["LP_NUM_THREADS"] ?? "default") cores \(ProcessInfo.processInfo.activeProcessorCount)")
    fflush(nil)  // the header before the progress line on stderr

    var results: [FrameStats] = []
    withExtendedLifetime(context) {
        // Every scenario's workstation, replayed to the middle of its perfect run.
        var stations: [(id: String, ws: Workstation)] = []
        for folder in folders {
            let file = ScenarioLocator.resolveScenario(folder)
            let compiled = ScenarioCompiler.compile(path: file)
            guard let model = compiled.model else {
                for d in compiled.errors { FileHandle.standardError.write((d.description + "\n").data(using: .utf8)!) }
                die("\(file): the scenario does not compile")
            }
            let runPath = (folder as NSString).appendingPathComponent("runs/perfect.jsonl")
            let journal = try? Journal.read(path: runPath)
            if let j = journal, j.header.scenario != model.id { die("\(runPath) is for \(j.header.scenario), not \(model.id)") }
            let stopTick = journal?.trailer.map { $0.endTick / 2 } ?? model.ticks(seconds: 30)
            let session = Session(model: model, mode: trainingMode, seed: journal?.header.seed, replay: journal)
            // The viewer's OBJ meshes: the scenario's folder, $HAZLAB_ASSETS, the repository's Assets/meshes.
            let ws = Workstation(session: session, fonts: fonts, width: width, height: height,
                                 assetFolders: AssetFolders.forScenario(at: file))
            for w in ws.scene.assetWarnings { FileHandle.standardError.write("hazlab-bench: warning: \(model.id): \(w)\n".data(using: .utf8)!) }
            do { try ws.fastForward(toTick: stopTick) } catch { die("\(model.id): replay failed: \(error)") }
            stations.append((model.id, ws))
        }

        // One renderer (it holds no scenario state) and one target per sample count, shared.
        let sampleCounts = [4, 0]
        var targets: [RenderTarget] = [], fbos: [GLuint] = []
        let renderer: Renderer
        do {
            for s in sampleCounts {
                let t = try RenderTarget(width: width, height: height, samples: s)
                t.bind()
                var id: GLint = 0
                glGetIntegerv(GLenum(GL_DRAW_FRAMEBUFFER_BINDING), &id)
                targets.append(t); fbos.append(GLuint(id))
            }
            renderer = try Renderer(fonts: fonts)
        } catch { die("\(error)") }
        let resolve = ResolveTarget(width: width, height: height)

        let variants: [FrameVariant] = profile ? FrameVariant.allCases : [.full, .noCull]
        var configs: [(station: Int, target: Int, variant: FrameVariant)] = []
        for s in stations.indices { for v in variants { for k in sampleCounts.indices { configs.append((s, k, v)) } } }
        var timings = Array(repeating: [FrameTiming](), count: configs.count)
        var draws = Array(repeating: 0, count: configs.count)
        var cpuTime = Array(repeating: 0.0, count: configs.count)
        var wallTime = Array(repeating: 0.0, count: configs.count)
        func frame(_ c: Int) -> FrameTiming {
            let (s, k, variant) = configs[c]
            let ws = stations[s].ws
            let t0 = wallSeconds()
            var scene = ws.sceneFrame()
            var overlay = ws.overlay()
            if variant == .sorted { scene.draws = frontToBack(scene.draws, eye: ws.camera.eye, model: ws.model) }
            let t1 = wallSeconds()
            if variant == .hudOnly || variant == .clear { scene.draws = []; scene.gas = nil; scene.effects = [] }
            if variant == .noHUD || variant == .clear { overlay = Overlay() }
            renderer.cullBackFaces = variant != .noCull
            renderer.render(scene, camera: ws.camera, overlay: overlay, width: width, height: height)
            let t2 = wallSeconds()
            glFinish()
            let t3 = wallSeconds()
            resolve.resolve(from: fbos[k])
            glFinish()
            let t4 = wallSeconds()
            draws[c] = renderer.lastDrawCalls
            return FrameTiming(cpu: t1 - t0, submit: t2 - t1, draw: t3 - t2, resolve: t4 - t3)
        }
        for c in configs.indices {
            targets[configs[c].target].bind()
            for _ in 0..<warmup { _ = frame(c) }
        }
        // Round-robin blocks of 10 frames over every scenario × configuration, so all of them
        // see the same machine conditions (this VM shares its 2 cores).
        let block = 10
        while timings.contains(where: { $0.count < count }) {
            for c in configs.indices where timings[c].count < count {
                targets[configs[c].target].bind()
                let n = min(block, count - timings[c].count)
                let c0 = cpuSeconds(), w0 = wallSeconds()
                for _ in 0..<n { timings[c].append(frame(c)) }
                cpuTime[c] += cpuSeconds() - c0; wallTime[c] += wallSeconds() - w0
            }
            let done = timings.map(\.count).reduce(0, +), all = count * configs.count
            FileHandle.standardError.write("frames: \(done)/\(all)\r".data(using: .utf8)!)
        }
        FileHandle.standardError.write("\n".data(using: .utf8)!)
        var overdraw: [(PassCounts, PassCounts, Int)] = []
        if profile, let single = sampleCounts.firstIndex(of: 0) {
            targets[single].bind()
            for st in stations {
                let scene = st.ws.sceneFrame()
                var sorted = scene
                sorted.draws = frontToBack(scene.draws, eye: st.ws.camera.eye, model: st.ws.model)
                let drawn = passCounts(renderer, scene, camera: st.ws.camera, width: width, height: height)
                let a = targets[single].readPixels()
                let reordered = passCounts(renderer, sorted, camera: st.ws.camera, width: width, height: height)
                let b = targets[single].readPixels()
                var differ = 0
                for i in stride(from: 0, to: a.rgba.count, by: 4) where a.rgba[i ..< i + 4] != b.rgba[i ..< i + 4] { differ += 1 }
                overdraw.append((drawn, reordered, differ))
            }
        }
        let glError = glGetError()
        if glError != GLenum(GL_NO_ERROR) { die("GL error \(GLCheck.name(glError))") }
        for c in configs.indices {
            let (s, k, v) = configs[c]
            results.append(FrameStats(scenario: stations[s].id, samples: targets[k].samples, variant: v,
                                      timings: timings[c], drawCalls: draws[c], cpuUtil: cpuTime[c] / wallTime[c],
                                      simSeconds: stations[s].ws.state.seconds, mode: mode))
            if v == .full, targets[k].samples == 0, s < overdraw.count { results[results.count - 1].overdraw = overdraw[s] }
        }
        withExtendedLifetime((targets, renderer, resolve)) {}
    }
    context.close()

    printFrameTable(results.filter { $0.variant == .full })
    printCullingTable(results)
    if profile { printProfileTable(results) }
    if let out {
        var csv = "scenario,mode,sim_s,variant,samples,frames,mean_ms,median_ms,p95_ms,fps,draw_calls,cpu_build_ms,gl_ms,"
            + "gl_submit_ms,gl_draw_ms,gl_resolve_ms,cpu_util,written_per_pixel,shaded_per_pixel,written_per_pixel_sorted,"
            + "shaded_per_pixel_sorted,triangles\n"
        for r in results {
            csv += [r.scenario, r.mode, String(format: "%.1f", r.simSeconds), r.variant.rawValue, "\(r.samples)", "\(r.frames)",
                    f3(r.meanMs), f3(r.medianMs), f3(r.p95Ms), String(format: "%.1f", r.fps), "\(r.drawCalls)",
                    f3(r.cpuMs), f3(r.glMs), f3(r.submitMs), f3(r.drawMs), f3(r.resolveMs),
                    String(format: "%.2f", r.cpuUtil), r.overdraw.map { f3($0.drawn.writtenPerPixel) } ?? "",
                    r.overdraw.flatMap { $0.drawn.shadedPerPixel.map(f3) } ?? "", r.overdraw.map { f3($0.sorted.writtenPerPixel) } ?? "",
                    r.overdraw.flatMap { $0.sorted.shadedPerPixel.map(f3) } ?? "",
                    r.overdraw.flatMap { $0.drawn.triangles.map(String.init) } ?? ""].joined(separator: ",") + "\n"
        }
        do { try csv.write(toFile: out, atomically: true, encoding: .utf8) } catch { die("cannot write \(out): \(error)") }
        print("frames csv \(out)")
    }
}

private func f3(_ x: Double) -> String { String(format: "%.3f", x) }
private func f2(_ x: Double) -> String { String(format: "%.2f", x) }

/// Markdown table: one row per scenario × sample count, then the MSAA/no-MSAA ratios.
func printFrameTable(_ results: [FrameStats]) {
    let target = 1000.0 / 60
    print("| scenario | MSAA | mean ms | median ms | p95 ms | fps | draw calls | CPU build ms | GL ms (submit + raster + resolve) | CPU use | ≤ 16.7 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results {
        let msaa = r.samples > 0 ? "\(r.samples)×" : "off"
        print("| \(r.scenario) | \(msaa) | \(f2(r.meanMs)) | \(f2(r.medianMs)) | \(f2(r.p95Ms)) | \(String(format: "%.1f", r.fps)) | \(r.drawCalls) "
              + "| \(f2(r.cpuMs)) | \(f2(r.glMs)) (\(f2(r.submitMs)) + \(f2(r.drawMs)) + \(f2(r.resolveMs))) | \(f2(r.cpuUtil)) | \(r.p95Ms <= target ? "yes" : r.medianMs <= target ? "median only" : "no") |")
    }
    print("")
    print("| scenario | median MSAA / no MSAA | GL MSAA / no MSAA |")
    print("|---|---|---|")
    var byScenario: [String: [FrameStats]] = [:], order: [String] = []
    for r in results {
        if byScenario[r.scenario] == nil { order.append(r.scenario) }
        byScenario[r.scenario, default: []].append(r)
    }
    for s in order {
        guard let on = byScenario[s]?.first(where: { $0.samples > 0 }), let off = byScenario[s]?.first(where: { $0.samples == 0 }) else { continue }
        print("| \(s) | \(f2(on.medianMs / off.medianMs)) | \(f2(on.glMs / off.glMs)) |")
    }
}

/// Back-face culling on against off, side by side in the same run (median frame ms).
func printCullingTable(_ results: [FrameStats]) {
    print("")
    print("| scenario | MSAA | culling on: median ms | off: median ms | on / off |")
    print("|---|---|---|---|---|")
    for r in results where r.variant == .full {
        guard let off = results.first(where: { $0.scenario == r.scenario && $0.samples == r.samples && $0.variant == .noCull }) else { continue }
        print("| \(r.scenario) | \(r.samples > 0 ? "\(r.samples)×" : "off") | \(f2(r.medianMs)) | \(f2(off.medianMs)) | \(f2(r.medianMs / off.medianMs)) |")
    }
}

/// --profile: median GL time (submit + raster + resolve) of each part of the frame.
func printProfileTable(_ results: [FrameStats]) {
    print("")
    print("| scenario | MSAA | full frame GL ms | sorted draws | without HUD | HUD only | clear + resolve only | per pixel: written / shaded (drawn → sorted) | triangles | pixels that differ when sorted |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    var seen = Set<String>()
    for r in results where r.variant == .full {
        let key = "\(r.scenario)/\(r.samples)"
        guard seen.insert(key).inserted else { continue }
        func gl(_ v: FrameVariant) -> String {
            guard let x = results.first(where: { $0.scenario == r.scenario && $0.samples == r.samples && $0.variant == v }) else { return "–" }
            return "\(f2(x.glMs)) (raster \(f2(x.drawMs)), resolve \(f2(x.resolveMs)))"
        }
        func pp(_ c: PassCounts) -> String { "\(f2(c.writtenPerPixel)) / \(c.shadedPerPixel.map(f2) ?? "?")" }
        let od = r.overdraw.map { "\(pp($0.drawn)) → \(pp($0.sorted)) | \($0.drawn.triangles.map(String.init) ?? "?") | \($0.pixelsDiffering)" } ?? " | | "
        print("| \(r.scenario) | \(r.samples > 0 ? "\(r.samples)×" : "off") | \(gl(.full)) | \(gl(.sorted)) | \(gl(.noHUD)) | \(gl(.hudOnly)) | \(gl(.clear)) | \(od) |")
    }
}
