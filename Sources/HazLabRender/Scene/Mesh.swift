import Foundation

/// The procedural meshes every scene is drawn from. Each fits the unit cube [-0.5, 0.5]³
/// (so `translate · scale(size)` places it), except `tube`: radius 1 along z from 0 to 1.
public enum MeshKind: Int, CaseIterable, Sendable {
    case box, cylinder, tube, torus, cone, sphere, quad
}

/// Interleaved position (3) + normal (3) floats, and triangle indices.
public struct MeshData: Sendable {
    public var vertices: [Float] = []
    public var indices: [UInt32] = []
    public var vertexCount: Int { vertices.count / 6 }

    mutating func vertex(_ p: V3, _ n: V3) -> UInt32 {
        vertices += [p.x, p.y, p.z, n.x, n.y, n.z]
        return UInt32(vertexCount - 1)
    }
    mutating func quad(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) { indices += [a, b, c, a, c, d] }

    public static func make(_ kind: MeshKind, segments: Int = 24) -> MeshData {
        var m = MeshData()
        switch kind {
        case .box:
            let faces: [(V3, V3, V3)] = [  // normal, u, v
                (V3(1, 0, 0), V3(0, 1, 0), V3(0, 0, 1)), (V3(-1, 0, 0), V3(0, -1, 0), V3(0, 0, 1)),
                (V3(0, 1, 0), V3(-1, 0, 0), V3(0, 0, 1)), (V3(0, -1, 0), V3(1, 0, 0), V3(0, 0, 1)),
                (V3(0, 0, 1), V3(1, 0, 0), V3(0, 1, 0)), (V3(0, 0, -1), V3(-1, 0, 0), V3(0, 1, 0)),
            ]
            for (n, u, v) in faces {
                let c = n * 0.5
                let a = m.vertex(c - u * 0.5 - v * 0.5, n), b = m.vertex(c + u * 0.5 - v * 0.5, n)
                let d = m.vertex(c + u * 0.5 + v * 0.5, n), e = m.vertex(c - u * 0.5 + v * 0.5, n)
                m.quad(a, b, d, e)
            }
        case .quad:
            let n = V3(0, 0, 1)
            let a = m.vertex(V3(-0.5, -0.5, 0), n), b = m.vertex(V3(0.5, -0.5, 0), n)
            let c = m.vertex(V3(0.5, 0.5, 0), n), d = m.vertex(V3(-0.5, 0.5, 0), n)
            m.quad(a, b, c, d)
        case .cylinder, .tube, .cone:
            let r0: Float = kind == .tube ? 1 : 0.5, r1: Float = kind == .cone ? 0 : r0
            let z0: Float = kind == .tube ? 0 : -0.5, z1: Float = kind == .tube ? 1 : 0.5
            let slope = (r0 - r1) / (z1 - z0)
            for i in 0..<segments {
                let t0 = Float(i) / Float(segments) * 2 * .pi, t1 = Float(i + 1) / Float(segments) * 2 * .pi
                let n0 = normalize(V3(cos(t0), sin(t0), slope)), n1 = normalize(V3(cos(t1), sin(t1), slope))
                let a = m.vertex(V3(r0 * cos(t0), r0 * sin(t0), z0), n0), b = m.vertex(V3(r0 * cos(t1), r0 * sin(t1), z0), n1)
                let c = m.vertex(V3(r1 * cos(t1), r1 * sin(t1), z1), n1), d = m.vertex(V3(r1 * cos(t0), r1 * sin(t0), z1), n0)
                m.quad(a, b, c, d)
                if kind != .tube {
                    let bc = m.vertex(V3(0, 0, z0), V3(0, 0, -1))
                    let p = m.vertex(V3(r0 * cos(t1), r0 * sin(t1), z0), V3(0, 0, -1))
                    let q = m.vertex(V3(r0 * cos(t0), r0 * sin(t0), z0), V3(0, 0, -1))
                    m.indices += [bc, p, q]
                    if kind == .cylinder {
                        let tc = m.vertex(V3(0, 0, z1), V3(0, 0, 1))
                        let p2 = m.vertex(V3(r1 * cos(t0), r1 * sin(t0), z1), V3(0, 0, 1))
                        let q2 = m.vertex(V3(r1 * cos(t1), r1 * sin(t1), z1), V3(0, 0, 1))
                        m.indices += [tc, p2, q2]
                    }
                }
            }
        case .torus:
            let major: Float = 0.4, minor: Float = 0.1, rings = segments, sides = 8
            for i in 0...rings {
                let u = Float(i) / Float(rings) * 2 * .pi
                for j in 0...sides {
                    let v = Float(j) / Float(sides) * 2 * .pi
                    let n = V3(cos(v) * cos(u), cos(v) * sin(u), sin(v))
                    let p = V3((major + minor * cos(v)) * cos(u), (major + minor * cos(v)) * sin(u), minor * sin(v))
                    _ = m.vertex(p, n)
                }
            }
            for i in 0..<rings {
                for j in 0..<sides {
                    let a = UInt32(i * (sides + 1) + j), b = UInt32((i + 1) * (sides + 1) + j)
                    m.quad(a, b, b + 1, a + 1)
                }
            }
        case .sphere:
            let rings = max(4, segments / 2)
            for i in 0...rings {
                let phi = Float(i) / Float(rings) * .pi
                for j in 0...segments {
                    let th = Float(j) / Float(segments) * 2 * .pi
                    let n = V3(sin(phi) * cos(th), sin(phi) * sin(th), cos(phi))
                    _ = m.vertex(n * 0.5, n)
                }
            }
            for i in 0..<rings {
                for j in 0..<segments {
                    let a = UInt32(i * (segments + 1) + j), b = UInt32((i + 1) * (segments + 1) + j)
                    m.quad(a, b, b + 1, a + 1)
                }
            }
        }
        return m
    }
}
