// Single-line layout, measuring, wrapping and truncation on top of a GlyphAtlas (no kerning).

/// One textured quad in screen pixels (origin top-left, y down) with its atlas uv rect (v0 = top).
public struct GlyphQuad: Sendable, Equatable {
    public var x0: Float, y0: Float, x1: Float, y1: Float
    public var u0: Float, v0: Float, u1: Float, v1: Float
}

extension GlyphAtlas {
    /// Quads for one line starting at pen `x` on `baseline`. Bitmap-less glyphs (space) only advance;
    /// '\n' is not special. Pass whole-pixel x/baseline for crisp text.
    public func layout(_ text: String, x: Float, baseline: Float) -> [GlyphQuad] {
        var glyphs: [Glyph] = []
        for _ in 0..<2 {  // if the atlas was cleared mid-string, earlier uvs are stale: fetch again
            let before = generation
            glyphs = text.unicodeScalars.map { glyph(for: $0) }
            if generation == before { break }
        }
        var pen = x
        var quads: [GlyphQuad] = []
        quads.reserveCapacity(glyphs.count)
        for g in glyphs {
            if g.width > 0 && g.height > 0 {
                let x0 = pen + Float(g.bearingX), y0 = baseline - Float(g.bearingY)
                quads.append(GlyphQuad(x0: x0, y0: y0, x1: x0 + Float(g.width), y1: y0 + Float(g.height),
                                       u0: g.u0, v0: g.v0, u1: g.u1, v1: g.v1))
            }
            pen += Float(g.advance)
        }
        return quads
    }

    /// Advance width of `text` in whole pixels (sum of advances).
    public func measure(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + glyph(for: $1).advance }
    }

    /// Lines no wider than `maxWidth` (unless one character alone is wider). Breaks at spaces
    /// (dropped at the break) and on either side of CJK characters; a Latin word is split only when
    /// it cannot fit on a line of its own. '\n' forces a break. "" gives [""].
    public func wrap(_ text: String, maxWidth: Int) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { wrapLine(String($0), maxWidth) }
    }

    /// `text` if it fits, else its longest prefix that fits together with a trailing "…"
    /// ("" if even "…" does not fit).
    public func truncate(_ text: String, maxWidth: Int) -> String {
        if measure(text) <= maxWidth { return text }
        let ellipsis = "…", ellipsisWidth = measure(ellipsis)
        guard ellipsisWidth <= maxWidth else { return "" }
        var out = "", w = 0
        for ch in text {
            let cw = measure(String(ch))
            if w + cw + ellipsisWidth > maxWidth { break }
            out.append(ch)
            w += cw
        }
        while out.last == " " { out.removeLast() }
        return out + ellipsis
    }

    // MARK: - Wrapping internals

    private func wrapLine(_ text: String, _ maxWidth: Int) -> [String] {
        var lines: [String] = []
        var line = "", lineWidth = 0
        var gap = "", gapWidth = 0  // spaces between `line` and the next word; dropped at a break
        for token in TextBreaker.tokens(text) {
            let w = measure(token.text)
            if token.isSpace { gap += token.text; gapWidth += w; continue }
            if lineWidth + gapWidth + w <= maxWidth {
                line += gap + token.text
                lineWidth += gapWidth + w
            } else if w <= maxWidth {
                if !line.isEmpty { lines.append(line) }
                line = token.text
                lineWidth = w
            } else {  // wider than a whole line: split between characters
                if !line.isEmpty { lines.append(line) }
                line = ""; lineWidth = 0
                for ch in token.text {
                    let cw = measure(String(ch))
                    if lineWidth + cw > maxWidth && !line.isEmpty { lines.append(line); line = ""; lineWidth = 0 }
                    line.append(ch)
                    lineWidth += cw
                }
            }
            gap = ""; gapWidth = 0
        }
        if lineWidth + gapWidth <= maxWidth { line += gap }  // trailing spaces kept if they fit
        lines.append(line)
        return lines
    }
}

/// Splits a line into unbreakable tokens: runs of spaces, Latin words, single CJK characters.
enum TextBreaker {
    struct Token: Equatable {
        var text: String
        var isSpace: Bool
        var open: Bool  // a following Latin character joins this token
    }

    /// Punctuation that must not start a line; it sticks to the token before it.
    static let noStart: Set<Character> = Set("、。，．：；？！）」』】〕〉》～ー々,.;:!?)]}%…")

    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x2E80...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFFEF,
             0x20000...0x3FFFF: return true
        default: return false
        }
    }

    static func tokens(_ text: String) -> [Token] {
        var out: [Token] = []
        for ch in text {
            let space = ch == " "
            let cjk = ch.unicodeScalars.first.map(isCJK) ?? false
            if let last = out.last, space == last.isSpace,
               space || (last.open && !cjk) || noStart.contains(ch) {
                out[out.count - 1].text.append(ch)
                if cjk { out[out.count - 1].open = false }
            } else {
                out.append(Token(text: String(ch), isSpace: space, open: !space && !cjk))
            }
        }
        return out
    }
}
