import HazLabCore

extension Scene {
    /// A screw compressor package on its skid: the blue motor, the yellow coupling guard, the
    /// compressor body with its discharge stub, a gauge that turns orange near the cut-out, and
    /// the status lamp (green running, orange tripped).
    func compressor(_ f: inout SceneFrame, row: Int, p: Layout3D.Placement, state s: State) {
        let e = Int32(row), i = Int(model.entities.local[row])
        let b = p.base, sz = p.size
        let running = s.compressors.running[i] != 0, trip = s.compressors.tripped[i] != 0
        let lamp = trip ? Palette.tripped : running ? Palette.running : Palette.stopped
        let axis = 0.16 + (sz.z - 0.16) * 0.45
        let sideways = Mat4.rotation(.pi / 2, V3(0, 1, 0))
        add(&f, e, .box, at(b + V3(0, 0, 0.08), V3(sz.x, sz.y, 0.16)), Palette.darkSteel)
        add(&f, e, .cylinder, at(b + V3(-sz.x * 0.3, 0, axis), V3(sz.x * 0.35, sz.y * 0.6, sz.y * 0.6)) * sideways, V4(0.20, 0.45, 0.70, 1))
        add(&f, e, .box, at(b + V3(-sz.x * 0.06, 0, axis), V3(sz.x * 0.12, sz.y * 0.35, sz.y * 0.35)), Palette.ppe)
        add(&f, e, .cylinder, at(b + V3(sz.x * 0.25, 0, axis), V3(sz.x * 0.4, sz.y * 0.8, sz.y * 0.8)) * sideways, Palette.steel)
        add(&f, e, .cylinder, at(b + V3(sz.x * 0.32, 0, (axis + sz.z) / 2 + 0.05), V3(0.14, 0.14, sz.z - axis)), Palette.darkSteel)
        let limit = model.compressors.tripPressure[i]
        let near = limit > 0 && s.compressors.dischargePressure[i] >= 0.9 * limit
        add(&f, e, .sphere, at(b + V3(sz.x * 0.32, -0.12, sz.z * 0.8), V3(0.16, 0.06, 0.16)), near ? Palette.tripped : Palette.cabinet, glow: near ? 0.6 : 0)
        add(&f, e, .sphere, at(b + V3(-sz.x * 0.3, 0, sz.z + 0.08), V3(0.14, 0.14, 0.14)), lamp, glow: running || trip ? 1 : 0)
    }
}
