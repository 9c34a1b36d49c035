import XCTest
@testable import HazLabRender

final class MeshTests: XCTestCase {
    /// Built-in meshes: inside the unit cube, and every triangle's winding agrees with its
    /// normals (the shader flips normals of back faces, so a disagreement would light it dark).
    func testBuiltInMeshesFitTheUnitCubeAndWindOutward() {
        for kind in MeshKind.allCases {
            let m = MeshData.make(kind)
            XCTAssertGreaterThan(m.indices.count, 0)
            for v in 0..<m.vertexCount {
                let p = V3(m.vertices[v * 6], m.vertices[v * 6 + 1], m.vertices[v * 6 + 2])
                if kind == .tube { XCTAssertTrue(p.z >= -1e-5 && p.z <= 1 + 1e-5) } else { XCTAssertLessThanOrEqual(max(Swift.abs(p.x), Swift.abs(p.y), Swift.abs(p.z)), 0.5 + 1e-5, "\(kind)") }
            }
            var disagree = 0
            for t in stride(from: 0, to: m.indices.count, by: 3) {
                func p(_ k: Int) -> V3 { let i = Int(m.indices[t + k]) * 6; return V3(m.vertices[i], m.vertices[i + 1], m.vertices[i + 2]) }
                func n(_ k: Int) -> V3 { let i = Int(m.indices[t + k]) * 6 + 3; return V3(m.vertices[i], m.vertices[i + 1], m.vertices[i + 2]) }
                let face = cross(p(1) - p(0), p(2) - p(0))
                if length(face) < 1e-9 { continue }
                if dot(face, n(0) + n(1) + n(2)) < 0 { disagree += 1 }
            }
            XCTAssertEqual(disagree, 0, "\(kind): triangles wound against their normals")
        }
    }

    func testOBJParsesPolygonsAndNegativeIndicesIntoTheUnitCube() throws {
        let text = """
        # a unit quad, y-up, and a triangle with normals
        v 0 0 0
        v 2 0 0
        v 2 4 0
        v 0 4 0
        vn 0 0 1
        f 1 2 3 4
        f -4//1 -3//1 -2//1
        """
        let m = try OBJMesh.parse(text, path: "t.obj")
        XCTAssertEqual(m.indices.count, 9)
        var lo = V3(repeating: 9), hi = V3(repeating: -9)
        for v in 0..<m.vertexCount { let p = V3(m.vertices[v * 6], m.vertices[v * 6 + 1], m.vertices[v * 6 + 2]); lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p) }
        XCTAssertEqual(lo.x, -0.5, accuracy: 1e-6); XCTAssertEqual(hi.x, 0.5, accuracy: 1e-6)
        // OBJ's y (height) becomes z.
        XCTAssertEqual(lo.z, -0.5, accuracy: 1e-6); XCTAssertEqual(hi.z, 0.5, accuracy: 1e-6)
    }

    func testBadOBJNamesTheFileAndLine() {
        for (text, line) in [("v 0 0 0\nv 1 0\n", 2), ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n", 4), ("v 0 0 0\nf 1 1\n", 2), ("v 0 0 0\nf x y z\n", 2)] {
            XCTAssertThrowsError(try OBJMesh.parse(text, path: "m.obj")) { e in
                XCTAssertTrue("\(e)".hasPrefix("m.obj:\(line): "), "\(e)")
            }
        }
        XCTAssertThrowsError(try OBJMesh.parse("v 0 0 0\n", path: "m.obj")) { XCTAssertTrue("\($0)".contains("no faces")) }
    }

    func testTheBundledAssetsLoad() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Assets/meshes")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".obj") }
        XCTAssertGreaterThanOrEqual(files.count, 2)
        for f in files { XCTAssertGreaterThan(try OBJMesh.load(path: dir.appendingPathComponent(f).path).indices.count, 100, f) }
    }
}
