import Foundation

public typealias V3 = SIMD3<Float>
public typealias V4 = SIMD4<Float>

@inlinable public func dot(_ a: V3, _ b: V3) -> Float { (a * b).sum() }
@inlinable public func cross(_ a: V3, _ b: V3) -> V3 {
    V3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
@inlinable public func length(_ a: V3) -> Float { dot(a, a).squareRoot() }
@inlinable public func normalize(_ a: V3) -> V3 { let l = length(a); return l > 0 ? a / l : a }

/// A 4×4 matrix, column-major like GL (`m[col * 4 + row]`).
public struct Mat4: Sendable, Equatable {
    public var m: [Float]
    public init(_ m: [Float]) { self.m = m }
    public static let identity = Mat4([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])

    public subscript(row: Int, col: Int) -> Float {
        get { m[col * 4 + row] }
        set { m[col * 4 + row] = newValue }
    }

    public static func * (a: Mat4, b: Mat4) -> Mat4 {
        var r = [Float](repeating: 0, count: 16)
        for c in 0..<4 {
            for row in 0..<4 {
                var s: Float = 0
                for k in 0..<4 { s += a.m[k * 4 + row] * b.m[c * 4 + k] }
                r[c * 4 + row] = s
            }
        }
        return Mat4(r)
    }

    public func transform(_ p: V4) -> V4 {
        V4((0..<4).map { row in m[row] * p.x + m[4 + row] * p.y + m[8 + row] * p.z + m[12 + row] * p.w })
    }
    public func point(_ p: V3) -> V3 { let q = transform(V4(p.x, p.y, p.z, 1)); return V3(q.x, q.y, q.z) }
    public func direction(_ d: V3) -> V3 { let q = transform(V4(d.x, d.y, d.z, 0)); return V3(q.x, q.y, q.z) }

    public static func translation(_ t: V3) -> Mat4 {
        Mat4([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, t.x, t.y, t.z, 1])
    }
    public static func scale(_ s: V3) -> Mat4 {
        Mat4([s.x, 0, 0, 0, 0, s.y, 0, 0, 0, 0, s.z, 0, 0, 0, 0, 1])
    }
    /// Rotation by `angle` radians about a unit axis.
    public static func rotation(_ angle: Float, _ axis: V3) -> Mat4 {
        let a = normalize(axis), c = cos(angle), s = sin(angle), t = 1 - c
        return Mat4([t * a.x * a.x + c, t * a.x * a.y + s * a.z, t * a.x * a.z - s * a.y, 0,
                     t * a.x * a.y - s * a.z, t * a.y * a.y + c, t * a.y * a.z + s * a.x, 0,
                     t * a.x * a.z + s * a.y, t * a.y * a.z - s * a.x, t * a.z * a.z + c, 0,
                     0, 0, 0, 1])
    }
    /// A frame whose z axis points along `dir` (for tubes between two points).
    public static func along(from a: V3, to b: V3, radius: Float) -> Mat4 {
        let d = b - a, len = length(d)
        let z = len > 0 ? d / len : V3(0, 0, 1)
        let helper: V3 = abs(z.z) < 0.9 ? V3(0, 0, 1) : V3(1, 0, 0)
        let x = normalize(cross(helper, z)), y = cross(z, x)
        return Mat4([x.x * radius, x.y * radius, x.z * radius, 0,
                     y.x * radius, y.y * radius, y.z * radius, 0,
                     z.x * len, z.y * len, z.z * len, 0,
                     a.x, a.y, a.z, 1])
    }
    public static func perspective(fovY: Float, aspect: Float, near: Float, far: Float) -> Mat4 {
        let f = 1 / tan(fovY / 2)
        return Mat4([f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) / (near - far), -1,
                     0, 0, 2 * far * near / (near - far), 0])
    }
    public static func lookAt(eye: V3, target: V3, up: V3) -> Mat4 {
        let f = normalize(target - eye), s = normalize(cross(f, up)), u = cross(s, f)
        return Mat4([s.x, u.x, -f.x, 0, s.y, u.y, -f.y, 0, s.z, u.z, -f.z, 0,
                     -dot(s, eye), -dot(u, eye), dot(f, eye), 1])
    }
    /// Pixel-space orthographic projection, origin top-left, y down.
    public static func ortho2D(width: Float, height: Float) -> Mat4 {
        Mat4([2 / width, 0, 0, 0, 0, -2 / height, 0, 0, 0, 0, -1, 0, -1, 1, 0, 1])
    }
    /// The normal matrix's 3×3 (upper-left, column-major), for uniform or non-uniform scales.
    public var normalMatrix: [Float] {
        let a = m
        let c00 = a[5] * a[10] - a[9] * a[6], c01 = a[9] * a[2] - a[1] * a[10], c02 = a[1] * a[6] - a[5] * a[2]
        let c10 = a[8] * a[6] - a[4] * a[10], c11 = a[0] * a[10] - a[8] * a[2], c12 = a[4] * a[2] - a[0] * a[6]
        let c20 = a[4] * a[9] - a[8] * a[5], c21 = a[8] * a[1] - a[0] * a[9], c22 = a[0] * a[5] - a[4] * a[1]
        // Cofactor matrix = inverse-transpose × det; the scale is irrelevant after normalisation.
        let det = a[0] * c00 + a[4] * c01 + a[8] * c02
        let sgn: Float = det < 0 ? -1 : 1
        return [c00 * sgn, c01 * sgn, c02 * sgn, c10 * sgn, c11 * sgn, c12 * sgn, c20 * sgn, c21 * sgn, c22 * sgn]
    }
}

/// An axis-aligned box in world space (picking, culling, fitting the camera).
public struct AABB: Sendable, Equatable {
    public var lo: V3, hi: V3
    public init(lo: V3, hi: V3) { self.lo = lo; self.hi = hi }
    public var centre: V3 { (lo + hi) / 2 }
    public func union(_ o: AABB) -> AABB { AABB(lo: pointwiseMin(lo, o.lo), hi: pointwiseMax(hi, o.hi)) }
    /// Distance along the ray to the first hit, or nil (slab test).
    public func hit(origin: V3, dir: V3) -> Float? {
        var t0: Float = 0, t1 = Float.greatestFiniteMagnitude
        for i in 0..<3 {
            if abs(dir[i]) < 1e-9 {
                if origin[i] < lo[i] || origin[i] > hi[i] { return nil }
                continue
            }
            var a = (lo[i] - origin[i]) / dir[i], b = (hi[i] - origin[i]) / dir[i]
            if a > b { swap(&a, &b) }
            t0 = max(t0, a); t1 = min(t1, b)
            if t0 > t1 { return nil }
        }
        return t0
    }
    /// The box around the unit cube [-0.5, 0.5]³ transformed by `m`.
    public static func of(unitCube m: Mat4) -> AABB {
        var lo = V3(repeating: .greatestFiniteMagnitude), hi = V3(repeating: -.greatestFiniteMagnitude)
        for x: Float in [-0.5, 0.5] { for y: Float in [-0.5, 0.5] { for z: Float in [-0.5, 0.5] {
            let p = m.point(V3(x, y, z)); lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p)
        } } }
        return AABB(lo: lo, hi: hi)
    }
}
