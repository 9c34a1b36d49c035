// Minimal PNG codec: deterministic 8-bit RGBA encoder; decoder for 8-bit RGB/RGBA, non-interlaced.
import CZlib
#if canImport(Glibc)
import Glibc
private let sysWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let sysWrite = Darwin.write
#endif

public enum PNG {
    static let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

    /// 8-bit RGBA PNG. Each row's filter (None, Sub or Up) minimises the sum of |byte as Int8|;
    /// zlib level 6. Same image, same bytes.
    public static func encode(_ image: Image) -> [UInt8] { encode(image, filter: nil) }

    /// `filter` forces one filter type (0-4) for every row; nil picks per row. Internal, for tests.
    static func encode(_ image: Image, filter: UInt8?) -> [UInt8] {
        let stride = image.width * 4
        var raw: [UInt8] = []
        raw.reserveCapacity((stride + 1) * image.height)
        var prev = [UInt8](repeating: 0, count: stride)
        for y in 0..<image.height {
            let row = Array(image.rgba[y * stride ..< (y + 1) * stride])
            let candidates = (filter.map { [$0] } ?? [0, 1, 2]).map { ($0, applyFilter($0, row, prev, bpp: 4)) }
            let best = candidates.min { cost($0.1) < cost($1.1) }!  // min keeps the first of equals
            raw.append(best.0)
            raw.append(contentsOf: best.1)
            prev = row
        }
        return container(width: image.width, height: image.height, colorType: 6, filtered: raw)
    }

    /// Signature + IHDR + one IDAT (zlib level 6 of `filtered`) + IEND.
    static func container(width: Int, height: Int, colorType: UInt8, filtered: [UInt8]) -> [UInt8] {
        var ihdr = be32(width) + be32(height)
        ihdr += [8, colorType, 0, 0, 0]  // bit depth, colour type, compression, filter, interlace
        var out = signature
        out += chunk("IHDR", ihdr)
        out += chunk("IDAT", deflate(filtered))
        out += chunk("IEND", [])
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws -> Image {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw RenderError("PNG: bad signature") }
        var pos = 8, header: [UInt8]? = nil, idat: [UInt8] = [], ended = false
        while !ended {
            guard pos + 12 <= bytes.count else { throw RenderError("PNG: truncated chunk at offset \(pos)") }
            let length = Int(readBE32(bytes, pos))
            guard length <= bytes.count - pos - 12 else { throw RenderError("PNG: chunk length \(length) past end of data") }
            let typeBytes = Array(bytes[pos + 4 ..< pos + 8])
            let type = String(decoding: typeBytes, as: UTF8.self)
            let data = Array(bytes[pos + 8 ..< pos + 8 + length])
            guard crc(typeBytes + data) == readBE32(bytes, pos + 8 + length) else {
                throw RenderError("PNG: CRC mismatch in \(type) chunk at offset \(pos)")
            }
            pos += 12 + length
            if header == nil && type != "IHDR" { throw RenderError("PNG: first chunk is \(type), not IHDR") }
            switch type {
            case "IHDR": header = data
            case "IDAT": idat += data
            case "IEND": ended = true
            default:  // ancillary chunks (lower-case first letter) are safe to skip
                guard typeBytes[0] & 0x20 != 0 else { throw RenderError("PNG: unsupported critical chunk \(type)") }
            }
        }
        guard let h = header, h.count == 13 else { throw RenderError("PNG: IHDR must be 13 bytes") }
        let width = Int(readBE32(h, 0)), height = Int(readBE32(h, 4))
        guard h[8] == 8 else { throw RenderError("PNG: bit depth \(h[8]) unsupported (only 8)") }
        guard h[9] == 6 || h[9] == 2 else { throw RenderError("PNG: colour type \(h[9]) unsupported (only 2 RGB, 6 RGBA)") }
        guard h[10] == 0, h[11] == 0 else { throw RenderError("PNG: unknown compression/filter method") }
        guard h[12] == 0 else { throw RenderError("PNG: interlaced images unsupported") }
        guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16 else {
            throw RenderError("PNG: size \(width)x\(height) unsupported")
        }
        let bpp = h[9] == 6 ? 4 : 3, stride = width * bpp
        let raw = try inflate(idat, expected: (stride + 1) * height)
        var rgba = [UInt8](repeating: 255, count: width * height * 4)
        var prev = [UInt8](repeating: 0, count: stride)
        for y in 0..<height {
            let start = y * (stride + 1)
            let row = try unfilter(raw[start], Array(raw[start + 1 ... start + stride]), prev, bpp: bpp)
            for x in 0..<width {
                for c in 0..<bpp { rgba[(y * width + x) * 4 + c] = row[x * bpp + c] }
            }
            prev = row
        }
        return Image(width: width, height: height, rgba: rgba)
    }

    /// Writes atomically: temp file in the same directory, fsync, rename over `path`.
    public static func write(_ image: Image, to path: String) throws {
        let bytes = encode(image)
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw RenderError("PNG: cannot create \(tmp): \(errnoText())") }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { sysWrite(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let why = errnoText()
                close(fd); unlink(tmp)
                throw RenderError("PNG: write to \(tmp) failed: \(why)")
            }
            done += n
        }
        guard fsync(fd) == 0 else {
            let why = errnoText()
            close(fd); unlink(tmp)
            throw RenderError("PNG: fsync \(tmp) failed: \(why)")
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let why = errnoText()
            unlink(tmp)
            throw RenderError("PNG: rename to \(path) failed: \(why)")
        }
    }

    // MARK: filters

    static func applyFilter(_ type: UInt8, _ row: [UInt8], _ prev: [UInt8], bpp: Int) -> [UInt8] {
        var out = row
        for i in 0..<row.count {
            let a = i >= bpp ? row[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0
            out[i] = row[i] &- predict(type, a, b, c)
        }
        return out
    }

    static func unfilter(_ type: UInt8, _ row: [UInt8], _ prev: [UInt8], bpp: Int) throws -> [UInt8] {
        guard type <= 4 else { throw RenderError("PNG: bad filter type \(type)") }
        var out = row
        for i in 0..<row.count {
            let a = i >= bpp ? out[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0
            out[i] = row[i] &+ predict(type, a, b, c)
        }
        return out
    }

    /// Predictor for filter `type` from left (a), up (b), up-left (c).
    private static func predict(_ type: UInt8, _ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        switch type {
        case 1: return a
        case 2: return b
        case 3: return UInt8((Int(a) + Int(b)) / 2)
        case 4:
            let p = Int(a) + Int(b) - Int(c), pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
            return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
        default: return 0
        }
    }

    private static func cost(_ filtered: [UInt8]) -> Int { filtered.reduce(0) { $0 + abs(Int(Int8(bitPattern: $1))) } }

    // MARK: zlib, chunks

    private static func deflate(_ data: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let rc = compress2(&out, &size, data, uLong(data.count), 6)
        precondition(rc == Z_OK, "PNG: zlib compress2 failed (\(rc))")  // only on out-of-memory
        return Array(out[0..<Int(size)])
    }

    private static func inflate(_ data: [UInt8], expected: Int) throws -> [UInt8] {
        var size = uLong(expected)
        var out = [UInt8](repeating: 0, count: expected)
        let rc = uncompress(&out, &size, data, uLong(data.count))
        guard rc == Z_OK else {
            let why = rc == Z_BUF_ERROR ? "image data larger than expected or truncated" : "zlib error \(rc)"
            throw RenderError("PNG: cannot inflate IDAT: \(why)")
        }
        guard Int(size) == expected else {
            throw RenderError("PNG: IDAT holds \(size) bytes, expected \(expected)")
        }
        return out
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 { UInt32(crc32(0, bytes, uInt(bytes.count))) }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(crc(body)))
    }

    private static func be32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }

    private static func readBE32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
