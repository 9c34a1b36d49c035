import CGL
import Foundation

/// Draws a `SceneFrame` and an `Overlay` into the current framebuffer with the current GL
/// context (a GLFW window or an EGL offscreen target). One per context; not thread-safe.
public final class Renderer {
    private let lit: Program, heat: Program, hud: Program
    private var meshes: [(vao: GLuint, vbo: GLuint, ebo: GLuint, count: GLsizei)] = []
    private let fonts: FontSet
    private var atlasTextures: [GLuint] = []
    private var atlasRevisions: [Int] = []
    private var gasTexture: GLuint = 0
    private var hudVAO: GLuint = 0, hudVBO: GLuint = 0
    /// OBJ meshes of the scene last drawn (uploaded when the scene's asset list changes).
    private var assetMeshes: [(vao: GLuint, vbo: GLuint, ebo: GLuint, count: GLsizei)] = []
    private var assetKey: UUID?
    public var clearColor = V4(0.16, 0.18, 0.21, 1)
    /// Cull the back faces of opaque closed built-in meshes (their windings face out; tested).
    /// Off draws every face, as before (kept for the benchmark's comparison).
    public var cullBackFaces = true

    /// Software rasterisers (llvmpipe, softpipe) spend most of a frame on 4× MSAA's clear and
    /// resolve: the viewer asks for no multisampling there (BENCHMARKS.md).
    public static func isSoftware(renderer: String) -> Bool {
        let r = renderer.lowercased()
        return r.contains("llvmpipe") || r.contains("softpipe") || r.contains("swrast")
    }

    /// GL_RENDERER of the current context.
    public static var currentRenderer: String {
        guard let p = glGetString(GLenum(bitPattern: GL_RENDERER)) else { return "" }
        return String(cString: p)
    }
    /// Draw calls issued by the last `render` (3D and 2D batches).
    public private(set) var lastDrawCalls = 0

    public init(fonts: FontSet) throws {
        self.fonts = fonts
        lit = try Program(vertex: Shaders.litVertex, fragment: Shaders.litFragment, name: "lit")
        heat = try Program(vertex: Shaders.heatVertex, fragment: Shaders.heatFragment, name: "gas heatmap")
        hud = try Program(vertex: Shaders.hudVertex, fragment: Shaders.hudFragment, name: "HUD")
        for kind in MeshKind.allCases { meshes.append(upload(MeshData.make(kind))) }
        for _ in fonts.atlases {
            var t: GLuint = 0
            glGenTextures(1, &t)
            atlasTextures.append(t)
            atlasRevisions.append(-1)
        }
        glGenTextures(1, &gasTexture)
        glGenVertexArrays(1, &hudVAO)
        glGenBuffers(1, &hudVBO)
        glBindVertexArray(hudVAO)
        glBindBuffer(GLenum(bitPattern: GL_ARRAY_BUFFER), hudVBO)
        let stride = GLsizei(9 * MemoryLayout<Float>.size)
        let offsets = [(0, 2), (2, 2), (4, 4), (8, 1)]
        for (i, (off, n)) in offsets.enumerated() {
            glEnableVertexAttribArray(GLuint(i))
            glVertexAttribPointer(GLuint(i), GLint(n), GLenum(bitPattern: GL_FLOAT), GLboolean(0), stride, UnsafeRawPointer(bitPattern: off * 4))
        }
        glBindVertexArray(0)
        try GLCheck.error("creating the renderer")
    }

    deinit {
        for m in meshes + assetMeshes {
            var a = m.vao, b = m.vbo, c = m.ebo
            glDeleteVertexArrays(1, &a); glDeleteBuffers(1, &b); glDeleteBuffers(1, &c)
        }
        glDeleteTextures(GLsizei(atlasTextures.count), atlasTextures)
        glDeleteTextures(1, &gasTexture)
        glDeleteVertexArrays(1, &hudVAO); glDeleteBuffers(1, &hudVBO)
    }

    private func upload(_ d: MeshData) -> (GLuint, GLuint, GLuint, GLsizei) {
        var vao: GLuint = 0, vbo: GLuint = 0, ebo: GLuint = 0
        glGenVertexArrays(1, &vao); glGenBuffers(1, &vbo); glGenBuffers(1, &ebo)
        glBindVertexArray(vao)
        glBindBuffer(GLenum(bitPattern: GL_ARRAY_BUFFER), vbo)
        d.vertices.withUnsafeBytes { glBufferData(GLenum(bitPattern: GL_ARRAY_BUFFER), $0.count, $0.baseAddress, GLenum(bitPattern: GL_STATIC_DRAW)) }
        glBindBuffer(GLenum(bitPattern: GL_ELEMENT_ARRAY_BUFFER), ebo)
        d.indices.withUnsafeBytes { glBufferData(GLenum(bitPattern: GL_ELEMENT_ARRAY_BUFFER), $0.count, $0.baseAddress, GLenum(bitPattern: GL_STATIC_DRAW)) }
        let stride = GLsizei(6 * MemoryLayout<Float>.size)
        glEnableVertexAttribArray(0)
        glVertexAttribPointer(0, 3, GLenum(bitPattern: GL_FLOAT), GLboolean(0), stride, nil)
        glEnableVertexAttribArray(1)
        glVertexAttribPointer(1, 3, GLenum(bitPattern: GL_FLOAT), GLboolean(0), stride, UnsafeRawPointer(bitPattern: 12))
        glBindVertexArray(0)
        return (vao, vbo, ebo, GLsizei(d.indices.count))
    }

    /// Renders one frame into the bound framebuffer of `width` × `height` pixels.
    public func render(_ frame: SceneFrame, camera: Camera, overlay: Overlay, width: Int, height: Int) {
        lastDrawCalls = 0
        syncAssets(frame.assets, key: frame.assetsKey)
        glViewport(0, 0, GLsizei(width), GLsizei(height))
        glClearColor(clearColor.x, clearColor.y, clearColor.z, clearColor.w)
        glClear(GLbitfield(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT))
        glEnable(GLenum(bitPattern: GL_DEPTH_TEST))
        glDisable(GLenum(bitPattern: GL_CULL_FACE))
        let viewProj = camera.projection(aspect: Float(width) / Float(max(height, 1))) * camera.view
        let eye = camera.eye

        glUseProgram(lit.id)
        viewProj.m.withUnsafeBufferPointer { glUniformMatrix4fv(lit.location("uViewProj"), 1, GLboolean(0), $0.baseAddress) }
        glUniform3f(lit.location("uEye"), eye.x, eye.y, eye.z)
        glDisable(GLenum(bitPattern: GL_BLEND))
        glDepthMask(GLboolean(1))
        var translucent: [(Float, Int)] = []
        var culling = false
        for (i, d) in frame.draws.enumerated() {
            if d.translucent {
                let c = d.transform.point(V3(0, 0, 0))
                translucent.append((length(c - eye), i))
            } else {
                let closed = cullBackFaces && d.asset < 0 && d.mesh != .tube && d.mesh != .quad
                if closed != culling {
                    if closed { glEnable(GLenum(bitPattern: GL_CULL_FACE)) } else { glDisable(GLenum(bitPattern: GL_CULL_FACE)) }
                    culling = closed
                }
                draw(d)
            }
        }
        glDisable(GLenum(bitPattern: GL_CULL_FACE))
        glEnable(GLenum(bitPattern: GL_BLEND))
        glBlendFunc(GLenum(bitPattern: GL_SRC_ALPHA), GLenum(bitPattern: GL_ONE_MINUS_SRC_ALPHA))
        glDepthMask(GLboolean(0))
        if let g = frame.gas { drawHeatmap(g, viewProj: viewProj) }
        glUseProgram(lit.id)
        for (_, i) in translucent.sorted(by: { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }) { draw(frame.draws[i]) }
        glDepthMask(GLboolean(1))
        glDisable(GLenum(bitPattern: GL_DEPTH_TEST))
        drawOverlay(overlay, width: width, height: height)
        glEnable(GLenum(bitPattern: GL_DEPTH_TEST))
        glDisable(GLenum(bitPattern: GL_BLEND))
    }

    /// Reads the bound framebuffer's back buffer (a window's, before the swap) as a top-down image.
    public func readBackBuffer(width: Int, height: Int) -> Image {
        glReadBuffer(GLenum(bitPattern: GL_BACK))
        glPixelStorei(GLenum(bitPattern: GL_PACK_ALIGNMENT), 1)
        var raw = [UInt8](repeating: 0, count: width * height * 4)
        raw.withUnsafeMutableBytes {
            glReadPixels(0, 0, GLsizei(width), GLsizei(height), GLenum(bitPattern: GL_RGBA), GLenum(bitPattern: GL_UNSIGNED_BYTE), $0.baseAddress)
        }
        var rows = [UInt8](repeating: 0, count: raw.count)
        let stride = width * 4
        for y in 0..<height { rows[(height - 1 - y) * stride..<(height - y) * stride] = raw[y * stride..<(y + 1) * stride] }
        return Image(width: width, height: height, rgba: rows)
    }

    private func draw(_ d: Draw) {
        d.transform.m.withUnsafeBufferPointer { glUniformMatrix4fv(lit.location("uModel"), 1, GLboolean(0), $0.baseAddress) }
        d.transform.normalMatrix.withUnsafeBufferPointer { glUniformMatrix3fv(lit.location("uNormal"), 1, GLboolean(0), $0.baseAddress) }
        glUniform4f(lit.location("uColor"), d.color.x, d.color.y, d.color.z, d.color.w)
        glUniform1i(lit.location("uPattern"), d.pattern.rawValue)
        glUniform1f(lit.location("uEmissive"), d.emissive)
        let m = d.asset >= 0 && Int(d.asset) < assetMeshes.count ? assetMeshes[Int(d.asset)] : meshes[d.mesh.rawValue]
        glBindVertexArray(m.vao)
        glDrawElements(GLenum(bitPattern: GL_TRIANGLES), m.count, GLenum(bitPattern: GL_UNSIGNED_INT), nil)
        lastDrawCalls += 1
    }

    private func syncAssets(_ assets: [MeshData], key: UUID?) {
        guard key != assetKey else { return }
        for m in assetMeshes {
            var a = m.vao, b = m.vbo, c = m.ebo
            glDeleteVertexArrays(1, &a); glDeleteBuffers(1, &b); glDeleteBuffers(1, &c)
        }
        assetMeshes = assets.map { upload($0) }
        assetKey = key
    }

    private func drawHeatmap(_ g: GasHeatmap, viewProj: Mat4) {
        glUseProgram(heat.id)
        glActiveTexture(GLenum(bitPattern: GL_TEXTURE0))
        glBindTexture(GLenum(bitPattern: GL_TEXTURE_2D), gasTexture)
        g.values.withUnsafeBytes { Self.uploadRed($0, width: g.nx, height: g.ny, format: GL_R32F, type: GL_FLOAT, filter: GL_LINEAR) }
        let w = Float(g.nx) * g.cellSize, h = Float(g.ny) * g.cellSize
        let model = Mat4.translation(V3(g.origin.x + w / 2, g.origin.y + h / 2, 0.03)) * Mat4.scale(V3(w, h, 1))
        viewProj.m.withUnsafeBufferPointer { glUniformMatrix4fv(heat.location("uViewProj"), 1, GLboolean(0), $0.baseAddress) }
        model.m.withUnsafeBufferPointer { glUniformMatrix4fv(heat.location("uModel"), 1, GLboolean(0), $0.baseAddress) }
        glUniform1i(heat.location("uField"), 0)
        let m = meshes[MeshKind.quad.rawValue]
        glBindVertexArray(m.vao)
        glDrawElements(GLenum(bitPattern: GL_TRIANGLES), m.count, GLenum(bitPattern: GL_UNSIGNED_INT), nil)
        lastDrawCalls += 1
    }

    private func syncAtlas(_ k: Int) {
        let atlas = fonts.atlases[k]
        guard atlasRevisions[k] != atlas.revision else { return }
        glBindTexture(GLenum(bitPattern: GL_TEXTURE_2D), atlasTextures[k])
        atlas.pixels.withUnsafeBytes { Self.uploadRed($0, width: atlas.width, height: atlas.height, format: GL_R8, type: GL_UNSIGNED_BYTE, filter: GL_NEAREST) }
        atlasRevisions[k] = atlas.revision
    }

    /// Uploads a single-channel image to the bound 2D texture (rows tightly packed), clamped.
    private static func uploadRed(_ bytes: UnsafeRawBufferPointer, width: Int, height: Int, format: Int32, type: Int32, filter: Int32) {
        let t = GLenum(bitPattern: GL_TEXTURE_2D)
        glPixelStorei(GLenum(bitPattern: GL_UNPACK_ALIGNMENT), 1)
        glTexImage2D(t, 0, format, GLsizei(width), GLsizei(height), 0, GLenum(bitPattern: GL_RED), GLenum(bitPattern: type), bytes.baseAddress)
        glTexParameteri(t, GLenum(bitPattern: GL_TEXTURE_MIN_FILTER), filter)
        glTexParameteri(t, GLenum(bitPattern: GL_TEXTURE_MAG_FILTER), filter)
        glTexParameteri(t, GLenum(bitPattern: GL_TEXTURE_WRAP_S), GL_CLAMP_TO_EDGE)
        glTexParameteri(t, GLenum(bitPattern: GL_TEXTURE_WRAP_T), GL_CLAMP_TO_EDGE)
    }

    /// 2D pass: consecutive items share a batch until the text size (atlas texture) changes.
    private func drawOverlay(_ o: Overlay, width: Int, height: Int) {
        glUseProgram(hud.id)
        Mat4.ortho2D(width: Float(width), height: Float(height)).m.withUnsafeBufferPointer {
            glUniformMatrix4fv(hud.location("uOrtho"), 1, GLboolean(0), $0.baseAddress)
        }
        glUniform1i(hud.location("uAtlas"), 0)
        glActiveTexture(GLenum(bitPattern: GL_TEXTURE0))
        glBindVertexArray(hudVAO)
        glBindBuffer(GLenum(bitPattern: GL_ARRAY_BUFFER), hudVBO)
        var verts: [Float] = []
        var batchAtlas = -1
        func quad(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, _ u0: Float, _ v0: Float, _ u1: Float, _ v1: Float, _ c: V4, _ t: Float) {
            let corners: [(Float, Float, Float, Float)] = [(x0, y0, u0, v0), (x1, y0, u1, v0), (x1, y1, u1, v1),
                                                           (x0, y0, u0, v0), (x1, y1, u1, v1), (x0, y1, u0, v1)]
            for (x, y, u, v) in corners { verts += [x, y, u, v, c.x, c.y, c.z, c.w, t] }
        }
        func flush() {
            guard !verts.isEmpty else { return }
            if batchAtlas >= 0 { syncAtlas(batchAtlas); glBindTexture(GLenum(bitPattern: GL_TEXTURE_2D), atlasTextures[batchAtlas]) }
            verts.withUnsafeBytes { glBufferData(GLenum(bitPattern: GL_ARRAY_BUFFER), $0.count, $0.baseAddress, GLenum(bitPattern: GL_STREAM_DRAW)) }
            glDrawArrays(GLenum(bitPattern: GL_TRIANGLES), 0, GLsizei(verts.count / 9))
            lastDrawCalls += 1
            verts.removeAll(keepingCapacity: true)
        }
        for item in o.items {
            switch item {
            case let .rect(x, y, w, h, c):
                quad(x, y, x + w, y + h, 0, 0, 0, 0, c, 0)
            case let .line(pts, w, c):
                guard pts.count >= 2 else { continue }
                for k in 0..<(pts.count - 1) {
                    let a = pts[k], b = pts[k + 1]
                    let d = b - a, len = (d * d).sum().squareRoot()
                    guard len > 0 else { continue }
                    let n = SIMD2(-d.y, d.x) / len * (w / 2)
                    let p = [a + n, b + n, b - n, a + n, b - n, a - n]
                    for q in p { verts += [q.x, q.y, 0, 0, c.x, c.y, c.z, c.w, 0] }
                }
            case let .text(s, x, baseline, size, c):
                let k = size.rawValue
                if batchAtlas != k && batchAtlas >= 0 { flush() }
                batchAtlas = k
                for g in fonts.atlases[k].layout(s, x: x.rounded(), baseline: baseline.rounded()) {
                    quad(g.x0, g.y0, g.x1, g.y1, g.u0, g.v0, g.u1, g.v1, c, 1)
                }
            }
        }
        flush()
        glBindVertexArray(0)
    }
}
