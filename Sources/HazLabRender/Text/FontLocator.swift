// Finding a font that can draw Chinese: HAZLAB_FONT override, then fontconfig, then known paths.
import Foundation
import CFreeType

/// A font file and the face index inside it (.ttc collections hold several faces).
public struct FontFile: Sendable, Equatable {
    public var path: String
    public var index: Int32
    public init(path: String, index: Int32 = 0) {
        self.path = path
        self.index = index
    }
}

/// Errors of the text layer; `description` is a one-line message fit for the user.
public enum TextError: Error, Equatable, CustomStringConvertible {
    case overrideMissing(path: String)
    case noCJKFont
    case fontLoadFailed(path: String, code: Int32)
    case invalidSize(String)

    public var description: String {
        switch self {
        case .overrideMissing(let path):
            return "HAZLAB_FONT points to '\(path)', which does not exist or is not readable"
        case .noCJKFont:
            return "no font with Chinese glyphs found; install one, e.g. `apt-get install fonts-wqy-microhei`, or set HAZLAB_FONT to a .ttf/.ttc/.otf path"
        case .fontLoadFailed(let path, let code):
            return "FreeType could not open '\(path)' (error \(code))"
        case .invalidSize(let why):
            return "glyph atlas: \(why)"
        }
    }
}

public enum FontLocator {
    /// Checked in order when fontconfig finds nothing suitable.
    static let knownFonts: [FontFile] = [
        FontFile(path: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", index: 0),
        FontFile(path: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", index: 2),  // 2 = SC
        FontFile(path: "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", index: 2),
        FontFile(path: "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", index: 0),
    ]

    /// The font to use for UI text: `HAZLAB_FONT` (a path, face 0) if set, else the best CJK match.
    public static func cjkFont() throws -> FontFile {
        let env = getenv("HAZLAB_FONT").map { String(cString: $0) }
        return try locate(override: env)
    }

    /// Testable core of `cjkFont()`. An override that does not exist is an error, not a fallback.
    static func locate(override: String?, useFontconfig: Bool = true,
                       fallbacks: [FontFile] = knownFonts) throws -> FontFile {
        if let path = override, !path.isEmpty {
            guard FileManager.default.isReadableFile(atPath: path) else { throw TextError.overrideMissing(path: path) }
            return FontFile(path: path, index: 0)
        }
        if useFontconfig, let found = fontconfigMatch() { return found }
        if let found = fallbacks.first(where: { FileManager.default.isReadableFile(atPath: $0.path) }) { return found }
        throw TextError.noCJKFont
    }

    /// fontconfig's best "sans-serif:lang=zh-cn" match, only if it really covers 中 and 文.
    static func fontconfigMatch() -> FontFile? {
        guard let config = FcInitLoadConfigAndFonts() else { return nil }
        defer { FcConfigDestroy(config) }
        let name: [FcChar8] = Array("sans-serif:lang=zh-cn".utf8) + [0]
        guard let pattern = FcNameParse(name) else { return nil }
        defer { FcPatternDestroy(pattern) }
        guard FcConfigSubstitute(config, pattern, FcMatchPattern) != 0 else { return nil }
        FcDefaultSubstitute(pattern)
        var result = FcResultNoMatch
        guard let match = FcFontMatch(config, pattern, &result) else { return nil }
        defer { FcPatternDestroy(match) }
        guard result == FcResultMatch else { return nil }

        // Strings and the charset belong to `match`: copy/use them before it is destroyed.
        var file: UnsafeMutablePointer<FcChar8>?
        guard FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch, let file else { return nil }
        var index: Int32 = 0
        if FcPatternGetInteger(match, FC_INDEX, 0, &index) != FcResultMatch { index = 0 }
        var charset: OpaquePointer?
        guard FcPatternGetCharSet(match, FC_CHARSET, 0, &charset) == FcResultMatch, let charset,
              FcCharSetHasChar(charset, 0x4E2D) != 0, FcCharSetHasChar(charset, 0x6587) != 0 else { return nil }
        let path = String(cString: file)
        return FileManager.default.isReadableFile(atPath: path) ? FontFile(path: path, index: index) : nil
    }
}
