import XCTest
import CGL
import Foundation
@testable import HazLabRender

final class OffscreenTests: XCTestCase {
    private var ctx: OffscreenContext?

    override func setUpWithError() throws {
        do {
            ctx = try OffscreenContext()
        } catch let e as RenderError where e.message.contains("no surfaceless Mesa display") {
            throw XCTSkip("headless GL unavailable: \(e)")
        }
    }

    override func tearDown() {
        ctx?.close()
        ctx = nil
    }

    // MARK: GL helpers (tiny 3.3 core pipeline: one triangle, one uniform colour)

    private func compile(_ type: Int32, _ src: String) throws -> GLuint {
        let s = glCreateShader(GLenum(type))
        src.withCString { p in
            var ptr: UnsafePointer<GLchar>? = p
            glShaderSource(s, 1, &ptr, nil)
        }
        glCompileShader(s)
        var ok: GLint = 0
        glGetShaderiv(s, GLenum(GL_COMPILE_STATUS), &ok)
        if ok == 0 {
            var log = [GLchar](repeating: 0, count: 1024)
            glGetShaderInfoLog(s, 1024, nil, &log)
            throw RenderError("shader: \(String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        return s
    }

    private func drawTriangle(_ target: RenderTarget, clear: (Float, Float, Float, Float),
                              _ verts: [Float], color: (Float, Float, Float, Float)) throws -> Image {
        let vs = try compile(GL_VERTEX_SHADER, """
            #version 330 core
            layout(location = 0) in vec2 p;
            void main() { gl_Position = vec4(p, 0.0, 1.0); }
            """)
        let fs = try compile(GL_FRAGMENT_SHADER, """
            #version 330 core
            uniform vec4 color;
            out vec4 o;
            void main() { o = color; }
            """)
        let prog = glCreateProgram()
        glAttachShader(prog, vs); glAttachShader(prog, fs); glLinkProgram(prog)
        var ok: GLint = 0
        glGetProgramiv(prog, GLenum(GL_LINK_STATUS), &ok)
        XCTAssertEqual(ok, 1, "link")
        var vao: GLuint = 0, vbo: GLuint = 0
        glGenVertexArrays(1, &vao); glBindVertexArray(vao)
        glGenBuffers(1, &vbo); glBindBuffer(GLenum(GL_ARRAY_BUFFER), vbo)
        glBufferData(GLenum(GL_ARRAY_BUFFER), verts.count * 4, verts, GLenum(GL_STATIC_DRAW))
        glVertexAttribPointer(0, 2, GLenum(GL_FLOAT), GLboolean(GL_FALSE), 8, nil)
        glEnableVertexAttribArray(0)
        target.bind()
        glClearColor(clear.0, clear.1, clear.2, clear.3)
        glClear(GLbitfield(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT))
        glUseProgram(prog)
        glUniform4f(glGetUniformLocation(prog, "color"), color.0, color.1, color.2, color.3)
        glDrawArrays(GLenum(GL_TRIANGLES), 0, GLsizei(verts.count / 2))
        try GLCheck.error("draw triangle")
        let img = target.readPixels()
        glDeleteBuffers(1, &vbo); glDeleteVertexArrays(1, &vao)
        glDeleteProgram(prog); glDeleteShader(vs); glDeleteShader(fs)
        try GLCheck.error("readback/cleanup")
        return img
    }

    private func assertPixel(_ img: Image, _ x: Int, _ y: Int, _ want: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let p = img.pixel(x: x, y: y)
        XCTAssertEqual([p.r, p.g, p.b, p.a], want, "pixel (\(x), \(y))", file: file, line: line)
    }

    // Covers exactly x in [-1, 0] (the left half) for all y in [-1, 1].
    private let leftHalf: [Float] = [0, -3, 0, 3, -3, 0]
    // Lower-right half below the diagonal (-1,-1)-(1,1): a 45° edge for MSAA.
    private let diagonal: [Float] = [-1, -1, 1, -1, 1, 1]

    // MARK: context

    func testContextIsCoreProfileOnLlvmpipe() throws {
        let c = try XCTUnwrap(ctx)
        XCTAssertTrue(c.isCoreProfile, "version \(c.version)")
        XCTAssertFalse(c.renderer.isEmpty)
        XCTAssertFalse(c.version.isEmpty)
        XCTAssertGreaterThanOrEqual(glInteger(GL_MAJOR_VERSION) * 10 + glInteger(GL_MINOR_VERSION), 33, c.version)
        print("OffscreenContext: \(c.renderer) | \(c.version) | GL_MAX_SAMPLES \(glInteger(GL_MAX_SAMPLES))")
        c.close(); c.close()  // idempotent
        let again = try OffscreenContext()  // display re-initialises after terminate
        XCTAssertTrue(again.isCoreProfile)
    }

    func testTwoContextsShareTheDisplaySafely() throws {
        let second = try OffscreenContext()  // now current; closing it must not terminate ctx's display
        second.close()
        try XCTUnwrap(ctx).makeCurrent()
        let t = try RenderTarget(width: 4, height: 4, samples: 0)
        t.bind()
        glClearColor(1, 0, 0, 1)
        glClear(GLbitfield(GL_COLOR_BUFFER_BIT))
        try GLCheck.error("clear after second context closed")
        assertPixel(t.readPixels(), 2, 2, [255, 0, 0, 255])
    }

    func testGLCheckNamesError() throws {
        glEnable(0xFFFF)
        XCTAssertThrowsError(try GLCheck.error("glEnable(bogus)")) {
            XCTAssertTrue("\($0)".contains("glEnable(bogus)") && "\($0)".contains("GL_INVALID_ENUM"), "\($0)")
        }
        XCTAssertNoThrow(try GLCheck.error("nothing pending"))
    }

    // MARK: render target

    func testClearReadsBackEverywhere() throws {
        for samples in [0, 4] {
            let t = try RenderTarget(width: 37, height: 21, samples: samples)  // odd sizes; non-square
            t.bind()
            glClearColor(0.2, 0.4, 0.6, 0.8)
            glClear(GLbitfield(GL_COLOR_BUFFER_BIT))
            let img = t.readPixels()
            XCTAssertEqual(img.rgba.count, 37 * 21 * 4)
            for (x, y) in [(0, 0), (36, 0), (0, 20), (36, 20), (18, 10)] { assertPixel(img, x, y, [51, 102, 153, 204]) }
            XCTAssertEqual(img, Image(width: 37, height: 21, fill: (51, 102, 153, 204)), "samples \(samples)")
        }
    }

    func testBadSizeThrows() {
        XCTAssertThrowsError(try RenderTarget(width: 0, height: 8)) { XCTAssertTrue("\($0)".contains("0x8")) }
    }

    func testTriangleLeftHalfAndOrientation() throws {
        let t = try RenderTarget(width: 64, height: 48, samples: 4)
        let img = try drawTriangle(t, clear: (0, 0, 1, 1), leftHalf, color: (1, 0, 0, 1))
        for (x, y) in [(8, 24), (0, 0), (31, 47), (20, 5)] { assertPixel(img, x, y, [255, 0, 0, 255]) }
        for (x, y) in [(56, 24), (32, 0), (63, 47)] { assertPixel(img, x, y, [0, 0, 255, 255]) }

        // A triangle in the top half of NDC must land in the Image's first rows.
        let top = try drawTriangle(t, clear: (0, 0, 0, 1), [-0.5, 0.5, 0.5, 0.5, 0, 0.9], color: (0, 1, 0, 1))
        assertPixel(top, 32, 8, [0, 255, 0, 255])
        assertPixel(top, 32, 40, [0, 0, 0, 255])
        let greenRows = (0..<48).filter { y in (0..<64).contains { top.pixel(x: $0, y: y).g > 0 } }
        XCTAssertFalse(greenRows.isEmpty)
        XCTAssertLessThan(greenRows.max() ?? 99, 24, "green rows \(greenRows)")
    }

    func testRenderingIsDeterministic() throws {
        let a = try drawTriangle(try RenderTarget(width: 50, height: 30), clear: (0.1, 0.2, 0.3, 1), diagonal, color: (0.9, 0.5, 0.1, 1))
        let b = try drawTriangle(try RenderTarget(width: 50, height: 30), clear: (0.1, 0.2, 0.3, 1), diagonal, color: (0.9, 0.5, 0.1, 1))
        XCTAssertEqual(a, b)
        XCTAssertEqual(PNG.encode(a), PNG.encode(b))
    }

    func testMSAAGivesIntermediateEdgeColours() throws {
        func partial(_ samples: Int) throws -> (Int, Int) {
            let t = try RenderTarget(width: 64, height: 64, samples: samples)
            let img = try drawTriangle(t, clear: (0, 0, 0, 1), diagonal, color: (1, 1, 1, 1))
            let n = stride(from: 0, to: img.rgba.count, by: 4).filter { img.rgba[$0] != 0 && img.rgba[$0] != 255 }.count
            return (n, t.samples)
        }
        let (single, s1) = try partial(1)
        let (multi, s4) = try partial(4)
        XCTAssertEqual(s1, 0)
        XCTAssertEqual(s4, 4, "GL_MAX_SAMPLES \(glInteger(GL_MAX_SAMPLES))")
        XCTAssertEqual(single, 0)
        XCTAssertGreaterThan(multi, 32, "a 64 px diagonal edge should blend")
    }

    // MARK: PNG

    private func sampleImage(_ w: Int, _ h: Int) -> Image {
        var state: UInt32 = 12345  // fixed LCG: noisy rows next to smooth gradients
        var rgba: [UInt8] = []
        for y in 0..<h {
            for x in 0..<w {
                state = state &* 1_103_515_245 &+ 12345
                let noise = UInt8(truncatingIfNeeded: state >> 16)
                rgba += y % 3 == 0 ? [noise, noise &+ 7, UInt8(x & 255), UInt8(y & 255)]
                                   : [UInt8(truncatingIfNeeded: x * 4), UInt8(truncatingIfNeeded: y * 9), 128, 255]
            }
        }
        return Image(width: w, height: h, rgba: rgba)
    }

    func testPNGRoundTripAllFilters() throws {
        let img = sampleImage(23, 17)
        let bytes = PNG.encode(img)
        XCTAssertEqual(Array(bytes[0..<8]), [137, 80, 78, 71, 13, 10, 26, 10])
        XCTAssertEqual(try PNG.decode(bytes), img)
        for f: UInt8 in 0...4 { XCTAssertEqual(try PNG.decode(PNG.encode(img, filter: f)), img, "filter \(f)") }
        XCTAssertEqual(try PNG.decode(PNG.encode(Image(width: 1, height: 1, fill: (1, 2, 3, 4)))).rgba, [1, 2, 3, 4])
    }

    func testPNGEncodeIsDeterministicAndCompresses() {
        let flat = Image(width: 200, height: 100, fill: (10, 20, 30, 255))
        XCTAssertEqual(PNG.encode(flat), PNG.encode(flat))
        XCTAssertLessThan(PNG.encode(flat).count, 400)
        XCTAssertEqual(PNG.encode(sampleImage(40, 9)), PNG.encode(sampleImage(40, 9)))
        XCTAssertNotEqual(PNG.encode(sampleImage(40, 9)), PNG.encode(sampleImage(40, 10)))
    }

    func testPNGDecodesRGB() throws {
        // 2x2 RGB, rows filtered with Paeth and Average.
        let rows: [[UInt8]] = [[255, 0, 0, 0, 255, 0], [0, 0, 255, 9, 8, 7]]
        let zero = [UInt8](repeating: 0, count: 6)
        let raw = [4] + PNG.applyFilter(4, rows[0], zero, bpp: 3) + [3] + PNG.applyFilter(3, rows[1], rows[0], bpp: 3)
        let img = try PNG.decode(PNG.container(width: 2, height: 2, colorType: 2, filtered: raw))
        XCTAssertEqual(img.rgba, [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 9, 8, 7, 255])
    }

    func testPNGRejectsCorruption() {
        let good = PNG.encode(sampleImage(8, 8))
        var badCRC = good
        badCRC[good.count - 20] ^= 0x40  // inside IDAT
        XCTAssertThrowsError(try PNG.decode(badCRC)) { XCTAssertTrue("\($0)".contains("CRC"), "\($0)") }
        XCTAssertThrowsError(try PNG.decode(Array(good.prefix(40)))) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
        var sig = good; sig[1] = 0
        XCTAssertThrowsError(try PNG.decode(sig))
        var interlaced = Array(good[0..<33])  // signature + IHDR, then re-CRC'd with interlace = 1
        interlaced[28] = 1
        let body = Array(interlaced[12..<29])
        let c = PNG.crc(body)
        interlaced[29...32] = [UInt8(c >> 24), UInt8(c >> 16 & 255), UInt8(c >> 8 & 255), UInt8(c & 255)]
        XCTAssertThrowsError(try PNG.decode(interlaced + good[33...])) { XCTAssertTrue("\($0)".contains("interlaced"), "\($0)") }
    }

    func testPNGWriteAndPythonDecode() throws {
        let img = sampleImage(7, 5)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-png-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.png").path
        try PNG.write(img, to: path)
        try PNG.write(img, to: path)  // overwrite in place
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.png"], "no temp left")
        XCTAssertEqual(try PNG.decode(Array(try Data(contentsOf: URL(fileURLWithPath: path)))), img)

        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("python3 not found; independent decode skipped")
        }
        let script = """
            import sys, zlib, struct
            d = open(sys.argv[1], 'rb').read(); assert d[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
            p, idat = 8, b''
            while True:
                n, t = struct.unpack('>I4s', d[p:p+8]); body = d[p+4:p+8+n]
                assert zlib.crc32(body) == struct.unpack('>I', d[p+8+n:p+12+n])[0], t
                if t == b'IHDR': w, h, depth, ct, _, _, il = struct.unpack('>IIBBBBB', body[4:])
                if t == b'IDAT': idat += body[4:]
                p += 12 + n
                if t == b'IEND': break
            assert (depth, ct, il) == (8, 6, 0)
            raw, s, prev, out = zlib.decompress(idat), w * 4, bytearray(w * 4), bytearray()
            for y in range(h):
                f, row = raw[y*(s+1)], bytearray(raw[y*(s+1)+1:(y+1)*(s+1)])
                for i in range(s):
                    a = row[i-4] if i >= 4 else 0; b = prev[i]; c = prev[i-4] if i >= 4 else 0
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    pr = [0, a, b, (a + b) // 2, a if pa <= pb and pa <= pc else (b if pb <= pc else c)][f]
                    row[i] = (row[i] + pr) & 255
                out += row; prev = row
            print(w, h, out.hex())
            """
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: python)
        proc.arguments = ["-c", script, path]
        let pipe = Pipe()
        proc.standardOutput = pipe
        try proc.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        proc.waitUntilExit()
        XCTAssertEqual(proc.terminationStatus, 0)
        let hex = img.rgba.map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "7 5 \(hex)")
    }
}
