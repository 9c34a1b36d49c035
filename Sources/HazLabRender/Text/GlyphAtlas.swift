// A single-channel glyph atlas filled lazily by FreeType (CPU side; the GL code uploads `pixels`).
import CFreeType

/// Rasterises glyphs of one font at one pixel size into an 8-bit coverage atlas.
///
/// - Layout: `pixels` is `width * height` bytes, row 0 first (upload as GL_R8 with
///   GL_UNPACK_ALIGNMENT 1, sample `.r`); a glyph's `v0` is its top row.
/// - Packing: shelves, left to right, 1 px of padding around every glyph; glyphs are added in
///   request order, so the same request sequence always gives the same bytes.
/// - Full atlas: everything is cleared, printable ASCII is re-added, then the new glyph; glyphs
///   fetched before that are stale (compare `generation`). `revision` bumps on every pixel change.
/// - Not thread-safe: use one instance from one thread (the render thread).
public final class GlyphAtlas {
    /// Placement and metrics of one glyph, in pixels; y grows down, `bearingY` is baseline-to-top.
    public struct Glyph: Sendable, Equatable {
        public var u0: Float, v0: Float, u1: Float, v1: Float
        public var width: Int, height: Int
        public var bearingX: Int, bearingY: Int
        public var advance: Int
    }

    public private(set) var pixels: [UInt8]
    public let width: Int, height: Int
    /// Bumped whenever `pixels` change: re-upload when it differs from what was uploaded.
    public private(set) var revision = 0
    /// Bumped whenever the atlas is cleared because it was full.
    public private(set) var generation = 0
    public let pixelSize: Int
    public let ascender: Int, descender: Int, lineHeight: Int

    private let library: FT_Library
    private let face: FT_Face
    private var cache: [Unicode.Scalar: Glyph] = [:]
    private var notdef: Glyph?
    private var penX = 1, penY = 1, shelfHeight = 0
    private var populating = false, overflowed = false

    public init(font: FontFile, pixelSize: Int, atlasSize: Int = 1024) throws {
        guard (4...512).contains(pixelSize) else { throw TextError.invalidSize("pixel size \(pixelSize) not in 4...512") }
        guard (16...8192).contains(atlasSize) else { throw TextError.invalidSize("atlas size \(atlasSize) not in 16...8192") }
        var lib: FT_Library?
        var err = FT_Init_FreeType(&lib)
        guard err == 0, let lib else { throw TextError.fontLoadFailed(path: font.path, code: err) }
        var f: FT_Face?
        err = FT_New_Face(lib, font.path, FT_Long(font.index), &f)
        guard err == 0, let f else { FT_Done_FreeType(lib); throw TextError.fontLoadFailed(path: font.path, code: err) }
        err = FT_Set_Pixel_Sizes(f, 0, FT_UInt(pixelSize))
        guard err == 0 else { FT_Done_Face(f); FT_Done_FreeType(lib); throw TextError.fontLoadFailed(path: font.path, code: err) }
        library = lib
        face = f
        let metrics = f.pointee.size.pointee.metrics
        ascender = Int(metrics.ascender >> 6)
        descender = Int(metrics.descender >> 6)
        lineHeight = Int(metrics.height >> 6)
        self.pixelSize = pixelSize
        width = atlasSize
        height = atlasSize
        pixels = [UInt8](repeating: 0, count: atlasSize * atlasSize)
        populateASCII()
        if overflowed { throw TextError.invalidSize("\(atlasSize)² atlas cannot hold ASCII at \(pixelSize) px") }
    }

    deinit {
        FT_Done_Face(face)
        FT_Done_FreeType(library)
    }

    /// The glyph for `scalar`, rasterising it on first use. Control characters get an empty,
    /// zero-advance glyph; characters the face lacks get its .notdef (or a drawn box).
    public func glyph(for scalar: Unicode.Scalar) -> Glyph {
        if let g = cache[scalar] { return g }
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
            return Glyph(u0: 0, v0: 0, u1: 0, v1: 0, width: 0, height: 0, bearingX: 0, bearingY: 0, advance: 0)
        }
        let index = FT_Get_Char_Index(face, FT_ULong(scalar.value))
        let g: Glyph
        if index != 0, let raster = render(glyphIndex: index) {
            g = store(raster)
        } else {
            g = missingGlyph()
        }
        cache[scalar] = g
        return g
    }

    // MARK: - Rasterising

    private struct Raster {
        var width: Int, height: Int, left: Int, top: Int, advance: Int
        var bytes: [UInt8]
    }

    /// Loads and renders one glyph as 8-bit coverage; nil if FreeType fails or the format is odd.
    private func render(glyphIndex: FT_UInt) -> Raster? {
        // Prefer outlines (anti-aliased); retry allowing embedded bitmaps for bitmap-only faces.
        var err = FT_Load_Glyph(face, glyphIndex, Int32(FT_LOAD_RENDER | FT_LOAD_NO_BITMAP))
        if err != 0 { err = FT_Load_Glyph(face, glyphIndex, Int32(FT_LOAD_RENDER)) }
        guard err == 0, let slot = face.pointee.glyph else { return nil }
        let bm = slot.pointee.bitmap
        let w = Int(bm.width), h = Int(bm.rows), pitch = Int(bm.pitch)
        var bytes = [UInt8](repeating: 0, count: w * h)
        if w > 0 && h > 0 {
            let mono = bm.pixel_mode == UInt8(FT_PIXEL_MODE_MONO.rawValue)
            guard let buf = bm.buffer, mono || bm.pixel_mode == UInt8(FT_PIXEL_MODE_GRAY.rawValue) else { return nil }
            for r in 0..<h {
                let row = buf + (pitch >= 0 ? r * pitch : (h - 1 - r) * -pitch)  // negative pitch: bottom-up
                for c in 0..<w {
                    bytes[r * w + c] = mono ? ((row[c >> 3] >> UInt8(7 - (c & 7))) & 1) * 255 : row[c]
                }
            }
        }
        return Raster(width: w, height: h, left: Int(slot.pointee.bitmap_left), top: Int(slot.pointee.bitmap_top),
                      advance: Int(slot.pointee.advance.x >> 6), bytes: bytes)
    }

    /// The face's .notdef if it draws something, else a hollow box; one atlas copy for all misses.
    private func missingGlyph() -> Glyph {
        if let notdef { return notdef }
        var raster = render(glyphIndex: 0)
        if raster == nil || raster!.width == 0 || raster!.height == 0 {
            let w = max(3, pixelSize / 2), h = max(3, ascender * 3 / 4)
            var bytes = [UInt8](repeating: 0, count: w * h)
            for y in 0..<h { for x in 0..<w where y == 0 || x == 0 || y == h - 1 || x == w - 1 { bytes[y * w + x] = 255 } }
            raster = Raster(width: w, height: h, left: 1, top: h, advance: w + 2, bytes: bytes)
        }
        let g = store(raster!)
        notdef = g
        return g
    }

    // MARK: - Packing

    private func populateASCII() {
        populating = true
        for v in UInt32(0x20)...0x7E { _ = glyph(for: Unicode.Scalar(v)!) }
        populating = false
    }

    /// Copies a raster into the atlas (clearing it first if full) and returns its glyph.
    private func store(_ r: Raster) -> Glyph {
        var g = Glyph(u0: 0, v0: 0, u1: 0, v1: 0, width: 0, height: 0,
                      bearingX: r.left, bearingY: r.top, advance: r.advance)
        guard r.width > 0 && r.height > 0 else { return g }
        var spot = allocate(r.width, r.height)
        if spot == nil && !populating {
            clear()
            spot = allocate(r.width, r.height)
        }
        // Still no room (glyph larger than the atlas): keep the advance, draw nothing.
        guard let (x, y) = spot else { overflowed = true; return g }
        for row in 0..<r.height {
            pixels.replaceSubrange((y + row) * width + x ..< (y + row) * width + x + r.width,
                                   with: r.bytes[row * r.width ..< (row + 1) * r.width])
        }
        revision += 1
        g.u0 = Float(x) / Float(width); g.u1 = Float(x + r.width) / Float(width)
        g.v0 = Float(y) / Float(height); g.v1 = Float(y + r.height) / Float(height)
        g.width = r.width; g.height = r.height
        return g
    }

    /// Top-left corner for a w×h glyph on the current or a new shelf; nil when the atlas is full.
    private func allocate(_ w: Int, _ h: Int) -> (Int, Int)? {
        if penX + w + 1 > width { penX = 1; penY += shelfHeight + 1; shelfHeight = 0 }
        guard penX + w + 1 <= width, penY + h + 1 <= height else { return nil }
        defer { penX += w + 1; shelfHeight = max(shelfHeight, h) }
        return (penX, penY)
    }

    /// Full-atlas policy: wipe, forget every glyph, re-add printable ASCII.
    private func clear() {
        for i in pixels.indices { pixels[i] = 0 }
        cache.removeAll(keepingCapacity: true)
        notdef = nil
        penX = 1; penY = 1; shelfHeight = 0
        generation += 1
        revision += 1
        populateASCII()
    }
}
