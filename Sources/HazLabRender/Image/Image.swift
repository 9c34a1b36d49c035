// An 8-bit RGBA image, rows top to bottom.

/// Straight 8-bit RGBA pixels, row-major, row 0 at the top, no row padding.
public struct Image: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var rgba: [UInt8]  // width * height * 4 bytes

    public init(width: Int, height: Int, rgba: [UInt8]) {
        precondition(width >= 0 && height >= 0 && rgba.count == width * height * 4, "Image: rgba size mismatch")
        self.width = width
        self.height = height
        self.rgba = rgba
    }

    /// A width x height image filled with one colour.
    public init(width: Int, height: Int, fill: (r: UInt8, g: UInt8, b: UInt8, a: UInt8) = (0, 0, 0, 0)) {
        self.init(width: width, height: height,
                  rgba: [fill.r, fill.g, fill.b, fill.a].repeated(width * height))
    }

    /// The pixel at (x, y), origin top-left.
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "Image.pixel(\(x), \(y)) outside \(width)x\(height)")
        let i = (y * width + x) * 4
        return (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3])
    }
}

private extension Array {
    func repeated(_ n: Int) -> [Element] {
        var out: [Element] = []
        out.reserveCapacity(count * n)
        for _ in 0..<n { out.append(contentsOf: self) }
        return out
    }
}
