/// The 2D layer over the scene, in pixels (origin top-left): panels, text, lines. Built by
/// the workstation's HUD each frame and drawn in order by the renderer.
public struct Overlay: Sendable {
    public enum TextSize: Int, Sendable, CaseIterable { case small = 0, normal, large }
    public enum Item: Sendable {
        case rect(x: Float, y: Float, w: Float, h: Float, color: V4)
        case text(String, x: Float, baseline: Float, size: TextSize, color: V4)
        /// A polyline `width` pixels wide (trend plots).
        case line([SIMD2<Float>], width: Float, color: V4)
    }
    public var items: [Item] = []
    public init() {}

    public mutating func rect(_ x: Float, _ y: Float, _ w: Float, _ h: Float, _ c: V4) { items.append(.rect(x: x, y: y, w: w, h: h, color: c)) }
    public mutating func text(_ s: String, _ x: Float, _ baseline: Float, _ size: TextSize = .normal, _ c: V4 = V4(1, 1, 1, 1)) {
        items.append(.text(s, x: x, baseline: baseline, size: size, color: c))
    }
    public mutating func line(_ pts: [SIMD2<Float>], _ width: Float, _ c: V4) { items.append(.line(pts, width: width, color: c)) }
}

/// The three text sizes of the HUD, all from one CJK font. Shared by the HUD (to measure) and
/// the renderer (to draw). Not thread-safe.
public final class FontSet {
    public let atlases: [GlyphAtlas]
    public static let pixelSizes = [14, 18, 26]

    public init(font: FontFile, scale: Float = 1) throws {
        atlases = try Self.pixelSizes.map { try GlyphAtlas(font: font, pixelSize: Int(Float($0) * scale)) }
    }

    public convenience init(scale: Float = 1) throws { try self.init(font: try FontLocator.cjkFont(), scale: scale) }

    public func atlas(_ size: Overlay.TextSize) -> GlyphAtlas { atlases[size.rawValue] }
    public func width(_ s: String, _ size: Overlay.TextSize) -> Float { Float(atlas(size).measure(s)) }
    public func lineHeight(_ size: Overlay.TextSize) -> Float { Float(atlas(size).lineHeight) }
}
