import Foundation
import HazLabCore
import HazLabRender
import HazLabScenario
import HazLabWorkstation
import XCTest

enum Fixture {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every bundled scenario folder.
    static var scenarioNames: [String] {
        let dir = repoRoot.appendingPathComponent("Scenarios")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted().filter {
            FileManager.default.fileExists(atPath: dir.appendingPathComponent("\($0)/scenario.yaml").path)
        }
    }

    static func scenarioPath(_ name: String) -> String { repoRoot.appendingPathComponent("Scenarios/\(name)/scenario.yaml").path }
    static func runPath(_ name: String, _ run: String) -> String { repoRoot.appendingPathComponent("Scenarios/\(name)/runs/\(run).jsonl").path }

    static func model(_ name: String) throws -> Model {
        let r = ScenarioCompiler.compile(path: scenarioPath(name))
        guard let m = r.model else { throw XCTSkip("\(name) does not compile: \(r.errors)") }
        return m
    }

    nonisolated(unsafe) static var fontsCache: FontSet?
    static func fonts() throws -> FontSet {
        if let f = fontsCache { return f }
        let f = try FontSet()
        fontsCache = f
        return f
    }
}

/// One EGL context and renderer for a test class (the context must outlive what it made).
final class OffscreenRig {
    let context: OffscreenContext
    let renderer: Renderer
    init() throws {
        do { context = try OffscreenContext() } catch { throw XCTSkip("no EGL surfaceless display: \(error)") }
        renderer = try Renderer(fonts: try Fixture.fonts())
    }

    func render(_ ws: Workstation, samples: Int = 4) throws -> Image {
        try render(ws, frame: ws.sceneFrame(), overlay: ws.overlay(), samples: samples)
    }

    func render(_ ws: Workstation, frame: SceneFrame, overlay: Overlay = Overlay(), samples: Int = 4) throws -> Image {
        let target = try RenderTarget(width: ws.width, height: ws.height, samples: samples)
        target.bind()
        renderer.render(frame, camera: ws.camera, overlay: overlay, width: ws.width, height: ws.height)
        return target.readPixels()
    }
}
