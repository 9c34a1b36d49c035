import Foundation

/// Wavefront OBJ meshes for entities whose scenario names one (`mesh: meshes/pump.obj`).
/// Reads `v`, `vn` and `f` (polygons are fanned into triangles; `v`, `v/vt`, `v//vn`,
/// `v/vt/vn` and negative indices); other statements are ignored. OBJ is y-up: (x, y, z)
/// becomes (x, -z, y) here (z-up). The mesh is scaled to fill the unit cube, so it fills the
/// entity's `size` box like the built-in shapes. Faces without normals get flat ones.
public enum OBJMesh {
    public static let maxBytes = 32 << 20

    public static func load(path: String) throws -> MeshData {
        guard let data = FileManager.default.contents(atPath: path) else { throw RenderError("\(path): cannot read the mesh") }
        guard data.count <= maxBytes else { throw RenderError("\(path): the mesh is over \(maxBytes >> 20) MiB") }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    public static func parse(_ text: String, path: String) throws -> MeshData {
        var positions: [V3] = [], normals: [V3] = []
        var tris: [(p: Int, n: Int)] = []
        var lineNo = 0
        func fail(_ msg: String) -> RenderError { RenderError("\(path):\(lineNo): \(msg)") }
        func index(_ s: Substring, count: Int, what: String) throws -> Int {
            guard let i = Int(s), i != 0 else { throw fail("bad \(what) index '\(s)'") }
            let k = i > 0 ? i - 1 : count + i
            guard k >= 0 && k < count else { throw fail("\(what) index \(i) out of range (\(count) defined)") }
            return k
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let head = f.first else { continue }
            switch head {
            case "v", "vn":
                guard f.count >= 4, let x = Float(f[1]), let y = Float(f[2]), let z = Float(f[3]), x.isFinite, y.isFinite, z.isFinite else {
                    throw fail("'\(head)' needs three numbers")
                }
                if head == "v" { positions.append(V3(x, -z, y)) } else { normals.append(normalize(V3(x, -z, y))) }
            case "f":
                guard f.count >= 4 else { throw fail("a face needs at least three vertices") }
                var corners: [(Int, Int)] = []
                for c in f.dropFirst() {
                    let parts = c.split(separator: "/", omittingEmptySubsequences: false)
                    let p = try index(parts[0], count: positions.count, what: "vertex")
                    let n = parts.count >= 3 && !parts[2].isEmpty ? try index(parts[2], count: normals.count, what: "normal") : -1
                    corners.append((p, n))
                }
                for k in 1..<(corners.count - 1) { tris += [corners[0], corners[k], corners[k + 1]].map { (p: $0.0, n: $0.1) } }
            default:
                continue
            }
        }
        guard !tris.isEmpty else { throw RenderError("\(path): no faces") }
        var lo = V3(repeating: .greatestFiniteMagnitude), hi = V3(repeating: -.greatestFiniteMagnitude)
        for p in positions { lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p) }
        let centre = (lo + hi) / 2, ext = pointwiseMax(hi - lo, V3(repeating: 1e-6))
        var m = MeshData()
        for t in stride(from: 0, to: tris.count, by: 3) {
            let ps = (0..<3).map { (positions[tris[t + $0].p] - centre) / ext }
            let flat = normalize(cross(ps[1] - ps[0], ps[2] - ps[0]))
            for k in 0..<3 {
                let n = tris[t + k].n >= 0 ? normalize(normals[tris[t + k].n] / ext) : flat
                m.indices.append(m.vertex(ps[k], n))
            }
        }
        return m
    }
}

/// Where `mesh:` paths are looked up for a scenario: its own folder, `$HAZLAB_ASSETS`, then the
/// nearest `Assets/meshes` above it (the repository's).
public enum AssetFolders {
    public static func forScenario(at scenarioPath: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var dir = (scenarioPath as NSString).deletingLastPathComponent
        if dir.isEmpty { dir = "." }
        var folders = [dir]
        if let e = environment["HAZLAB_ASSETS"], !e.isEmpty { folders.append(e) }
        var up = URL(fileURLWithPath: dir).standardizedFileURL
        for _ in 0..<6 {
            let c = up.appendingPathComponent("Assets/meshes").path
            if FileManager.default.fileExists(atPath: c) { folders.append(c); break }
            up.deleteLastPathComponent()
        }
        return folders
    }
}
