import Foundation
import XCTest
@testable import HazLabRender

final class TextTests: XCTestCase {
    private func atlas(_ px: Int = 24, size: Int = 1024) throws -> GlyphAtlas {
        try GlyphAtlas(font: FontLocator.cjkFont(), pixelSize: px, atlasSize: size)
    }

    /// The glyph's bytes, cut out of the atlas through its uv rect.
    private func bitmap(_ a: GlyphAtlas, _ g: GlyphAtlas.Glyph) -> [UInt8] {
        let x0 = Int((g.u0 * Float(a.width)).rounded()), y0 = Int((g.v0 * Float(a.height)).rounded())
        let x1 = Int((g.u1 * Float(a.width)).rounded()), y1 = Int((g.v1 * Float(a.height)).rounded())
        XCTAssertEqual(x1 - x0, g.width)
        XCTAssertEqual(y1 - y0, g.height)
        var out: [UInt8] = []
        for y in y0..<y1 { out += a.pixels[y * a.width + x0 ..< y * a.width + x1] }
        return out
    }

    private func strongPixels(_ a: GlyphAtlas, _ g: GlyphAtlas.Glyph) -> Int {
        bitmap(a, g).filter { $0 > 128 }.count
    }

    func testLocatedFontRendersChinese() throws {
        let a = try atlas()
        for ch in ["中", "文"] as [Unicode.Scalar] {
            let g = a.glyph(for: ch)
            XCTAssertGreaterThan(g.width, 0)
            XCTAssertGreaterThan(g.height, 0)
            XCTAssertGreaterThan(strongPixels(a, g), 20, "no coverage for \(ch)")
        }
        XCTAssertNotEqual(bitmap(a, a.glyph(for: "中")), bitmap(a, a.glyph(for: "文")))
        XCTAssertGreaterThan(a.ascender, 0)
        XCTAssertLessThanOrEqual(a.descender, 0)
        XCTAssertGreaterThanOrEqual(a.lineHeight, a.ascender)
    }

    func testKnownPathFallbackWithoutFontconfig() throws {
        let f = try FontLocator.locate(override: nil, useFontconfig: false)
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.path))
        XCTAssertNoThrow(try GlyphAtlas(font: f, pixelSize: 16))
    }

    func testASCIIPrepopulatedAndDistinct() throws {
        let a = try atlas()
        let rev = a.revision
        let ga = a.glyph(for: "A"), gb = a.glyph(for: "B")
        XCTAssertEqual(a.revision, rev, "ASCII must already be in the atlas")
        XCTAssertGreaterThan(strongPixels(a, ga), 0)
        XCTAssertNotEqual(bitmap(a, ga), bitmap(a, gb))
        let space = a.glyph(for: " ")
        XCTAssertEqual(space.width, 0)
        XCTAssertEqual(space.height, 0)
        XCTAssertGreaterThan(space.advance, 0)
        _ = a.glyph(for: "中")
        XCTAssertGreaterThan(a.revision, rev, "a new glyph changes the pixels")
    }

    func testMissingGlyphDoesNotCrash() throws {
        let a = try atlas()
        let m1 = a.glyph(for: "\u{10FFFD}"), m2 = a.glyph(for: "\u{10FFFC}")
        XCTAssertGreaterThan(m1.advance, 0)
        XCTAssertEqual(m1, m2, "all missing characters share one .notdef/box glyph")
        XCTAssertEqual(a.glyph(for: "\n").advance, 0)
        XCTAssertEqual(a.layout("a\u{10FFFD}b", x: 0, baseline: 20).count, m1.width > 0 ? 3 : 2)
    }

    func testMeasure() throws {
        let a = try atlas()
        XCTAssertEqual(a.measure("中文"), 2 * a.glyph(for: "中").advance)
        XCTAssertGreaterThan(a.measure("中文"), a.measure("ab"))
        XCTAssertEqual(a.measure(""), 0)
    }

    func testLayoutMonotonicWithinAtlas() throws {
        let a = try atlas()
        let text = "HazLab 中文 test 温度"
        let quads = a.layout(text, x: 10, baseline: 30)
        XCTAssertEqual(quads.count, text.unicodeScalars.filter { $0 != " " }.count)
        for (i, q) in quads.enumerated() {
            if i > 0 { XCTAssertGreaterThan(q.x0, quads[i - 1].x0) }
            XCTAssertLessThan(q.x0, q.x1)
            XCTAssertLessThan(q.y0, q.y1)
            XCTAssertLessThanOrEqual(q.y0, 30)  // tops above the baseline (y down)
            for v in [q.u0, q.v0, q.u1, q.v1] { XCTAssertTrue((0...1).contains(v)) }
            XCTAssertLessThan(q.u0, q.u1)
            XCTAssertLessThan(q.v0, q.v1)
        }
        XCTAssertLessThanOrEqual(quads.last!.x1, 10 + Float(a.measure(text)) + 2)
    }

    func testWrapMixedText() throws {
        let a = try atlas(16)
        let text = "Ventilation fan 通风机 failure: 请检查 the exhaust duct 和 排风管道 before restarting reactor R-101 温度控制系统 immediately"
        for maxWidth in [60, 120, 200, 333] {
            let lines = a.wrap(text, maxWidth: maxWidth)
            XCTAssertGreaterThan(lines.count, 1)
            for line in lines { XCTAssertLessThanOrEqual(a.measure(line), maxWidth, "\(line)") }
            // The lines are the input in order; only spaces at the breaks are missing.
            var rest = Substring(text)
            for (i, line) in lines.enumerated() {
                if i > 0 { rest = rest.drop { $0 == " " } }
                XCTAssertTrue(rest.hasPrefix(line), "'\(line)' vs '\(rest)'")
                rest = rest.dropFirst(line.count)
            }
            XCTAssertTrue(rest.allSatisfy { $0 == " " })
            // Latin words that fit are never split.
            for word in ["Ventilation", "restarting", "immediately"] where a.measure(word) <= maxWidth {
                XCTAssertTrue(lines.contains { $0.contains(word) }, "\(word) split at \(maxWidth)")
            }
        }
        XCTAssertEqual(a.wrap("", maxWidth: 100), [""])
        XCTAssertEqual(a.wrap("ab\ncd", maxWidth: 1000), ["ab", "cd"])
        XCTAssertEqual(a.wrap("中文", maxWidth: 1), ["中", "文"], "a lone too-wide character still gets a line")
        XCTAssertEqual(TextBreaker.tokens("温度。ok").map(\.text), ["温", "度。", "ok"])
    }

    func testTruncate() throws {
        let a = try atlas(16)
        let text = "反应器温度过高 reactor temperature high"
        let t = a.truncate(text, maxWidth: 100)
        XCTAssertLessThanOrEqual(a.measure(t), 100)
        XCTAssertTrue(t.hasSuffix("…"))
        XCTAssertTrue(text.hasPrefix(t.dropLast()))
        XCTAssertEqual(a.truncate("ok", maxWidth: 100), "ok")
        XCTAssertEqual(a.truncate(text, maxWidth: 0), "")
    }

    func testSameRequestsGiveIdenticalPixels() throws {
        let strings = ["压力 1.2 MPa", "温度过高！", "Valve V-12 closed", "中文字符测试"]
        let a = try atlas(20), b = try atlas(20)
        for s in strings { _ = a.layout(s, x: 0, baseline: 20); _ = b.layout(s, x: 5, baseline: 40) }
        XCTAssertEqual(a.revision, b.revision)
        XCTAssertTrue(a.pixels == b.pixels)
        XCTAssertEqual(a.pixels.count, a.width * a.height)
    }

    func testThreeThousandCJKCharacters() throws {
        let a = try atlas()
        var last: GlyphAtlas.Glyph?
        for v in UInt32(0x4E00)..<0x4E00 + 3000 { last = a.glyph(for: Unicode.Scalar(v)!) }
        XCTAssertGreaterThan(a.generation, 0, "a 1024² atlas at 24 px must have been cleared")
        let g = try XCTUnwrap(last)
        XCTAssertGreaterThan(g.width, 0)
        XCTAssertGreaterThan(strongPixels(a, g), 10)
        XCTAssertEqual(a.glyph(for: Unicode.Scalar(0x4E00 + 2999)!), g, "still cached after the last clear")
        XCTAssertGreaterThan(strongPixels(a, a.glyph(for: "A")), 0, "ASCII re-added after clearing")
    }

    func testLayoutAcrossAClearHasFreshUVs() throws {
        let a = try atlas(16, size: 256)
        _ = a.layout(String((0..<120).map { Character(Unicode.Scalar(0x4E00 + $0)!) }), x: 0, baseline: 16)
        let gen = a.generation
        let text = String((120..<200).map { Character(Unicode.Scalar(0x4E00 + $0)!) })
        let quads = a.layout(text, x: 0, baseline: 16)
        XCTAssertGreaterThan(a.generation, gen, "the test must force a clear mid-string")
        XCTAssertEqual(quads.count, 80)
        for (q, s) in zip(quads, text.unicodeScalars) {
            let g = a.glyph(for: s)
            XCTAssertEqual([q.u0, q.v0, q.u1, q.v1], [g.u0, g.v0, g.u1, g.v1])
            XCTAssertGreaterThan(strongPixels(a, g), 5)
        }
    }

    func testTooSmallAtlasThrows() throws {
        XCTAssertThrowsError(try atlas(48, size: 64))
        XCTAssertThrowsError(try atlas(0))
    }

    func testOverrideAndErrors() throws {
        let missing = "/nonexistent/hazlab-font.ttf"
        XCTAssertThrowsError(try FontLocator.locate(override: missing)) {
            XCTAssertTrue(String(describing: $0).contains(missing))
        }
        XCTAssertThrowsError(try FontLocator.locate(override: nil, useFontconfig: false,
                                                    fallbacks: [FontFile(path: "/nonexistent.ttc")])) {
            XCTAssertTrue(String(describing: $0).contains("fonts-wqy-microhei"))
        }
        let real = try FontLocator.locate(override: nil)
        XCTAssertEqual(try FontLocator.locate(override: real.path), FontFile(path: real.path, index: 0))
        XCTAssertThrowsError(try GlyphAtlas(font: FontFile(path: #filePath), pixelSize: 16))
    }

    func testEnvironmentOverride() throws {
        let saved = getenv("HAZLAB_FONT").map { String(cString: $0) }
        defer { if let saved { setenv("HAZLAB_FONT", saved, 1) } else { unsetenv("HAZLAB_FONT") } }
        setenv("HAZLAB_FONT", "/nonexistent/env-font.otf", 1)
        XCTAssertThrowsError(try FontLocator.cjkFont()) {
            XCTAssertTrue(String(describing: $0).contains("/nonexistent/env-font.otf"))
        }
    }
}
