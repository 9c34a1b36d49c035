import Foundation

/// First-person walking (eye at 1.65 m, kept inside the room) or an orbit around the room.
/// World axes: x east, y north, z up. Yaw 0 looks north; pitch > 0 looks up.
public struct Camera: Sendable, Equatable {
    public enum Mode: Sendable, Equatable { case walk, orbit }
    public var mode: Mode = .orbit
    /// Walking: the eye. Orbit: derived from target, yaw, pitch and distance.
    public var position = V3(0, 0, 1.65)
    public var yaw: Float = 0
    public var pitch: Float = 0
    public var target = V3(0, 0, 0)
    public var distance: Float = 12
    public var fovY: Float = 60 * .pi / 180
    public static let eyeHeight: Float = 1.65

    public init() {}

    /// An overview of the whole room from the south-west, high enough to see over the walls.
    /// `focus` (the equipment) sets the framing when given; the room otherwise.
    public static func overview(of room: AABB, focus: AABB? = nil) -> Camera {
        var c = Camera()
        c.mode = .orbit
        let f = focus ?? room
        c.target = V3(f.centre.x, f.centre.y, 0.8)
        let span = max(f.hi.x - f.lo.x, f.hi.y - f.lo.y, 5)
        c.distance = span * 1.05 + 2
        c.yaw = -0.35
        c.pitch = -0.72
        c.position = V3(room.lo.x + 1, room.lo.y + 1, eyeHeight)
        return c
    }

    public var forward: V3 {
        V3(sin(yaw) * cos(pitch), cos(yaw) * cos(pitch), sin(pitch))
    }

    public var eye: V3 {
        mode == .walk ? position : target - forward * distance
    }

    public var view: Mat4 {
        Mat4.lookAt(eye: eye, target: eye + forward, up: V3(0, 0, 1))
    }

    public func projection(aspect: Float) -> Mat4 {
        Mat4.perspective(fovY: fovY, aspect: aspect, near: 0.05, far: 300)
    }

    /// Walks by (forward, right) metres on the floor, staying `margin` inside `room`.
    public mutating func walk(forward f: Float, right r: Float, room: AABB, margin: Float = 0.3) {
        let fw = V3(sin(yaw), cos(yaw), 0), rt = V3(cos(yaw), -sin(yaw), 0)
        var p = position + fw * f + rt * r
        p.x = min(max(p.x, room.lo.x + margin), room.hi.x - margin)
        p.y = min(max(p.y, room.lo.y + margin), room.hi.y - margin)
        p.z = Self.eyeHeight
        position = p
    }

    public mutating func look(dYaw: Float, dPitch: Float) {
        yaw += dYaw
        pitch = min(max(pitch + dPitch, -1.45), 1.45)
    }

    /// The ray through pixel (x, y) (origin top-left) of a width × height viewport.
    public func ray(x: Float, y: Float, width: Float, height: Float) -> (origin: V3, dir: V3) {
        let ndcX = 2 * x / width - 1, ndcY = 1 - 2 * y / height
        let t = tan(fovY / 2), aspect = width / height
        let f = forward, r = normalize(cross(f, V3(0, 0, 1))), u = cross(r, f)
        let d = normalize(f + r * (ndcX * t * aspect) + u * (ndcY * t))
        return (eye, d)
    }

    /// Pixel position (origin top-left) of a world point, or nil if it is behind the camera.
    public func project(_ p: V3, width: Float, height: Float) -> SIMD2<Float>? {
        let clip = (projection(aspect: width / height) * view).transform(V4(p.x, p.y, p.z, 1))
        guard clip.w > 1e-4 else { return nil }
        let nx = clip.x / clip.w, ny = clip.y / clip.w
        return SIMD2((nx + 1) / 2 * width, (1 - ny) / 2 * height)
    }
}
