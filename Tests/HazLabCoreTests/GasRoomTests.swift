import XCTest

import HazLabCore

/// Rooms in the gas grid (Sources/HazLabCore/Physics/Gas/GasGrid.swift): walls between rooms
/// carry no flux, an open internal door does, mass is conserved, and places outside the grid or
/// inside a wall read fresh air.
final class GasRoomTests: XCTestCase {
    /// 6 m × 2 m × 2 m in 0.5 m cells: room `west` (i 0..<6) and room `east` (i 6..<12) share
    /// the wall at x = 3 m (face plane 6), with a 1 m × 1.5 m door in it (j 1..<3, k 0..<3).
    /// Cells k = 3 of the east room's top layer are left solid to exercise walls inside rooms.
    func twoRooms(door open: Bool) -> (GasGridSpec, GasFlow) {
        var spec = GasGridSpec(cellSize: 0.5, nx: 12, ny: 4, nz: 4, species: [.methane], diffusivity: 0.05, cutoff: 0)
        spec.rooms = [GasRoom(name: "west", i0: 0, i1: 6, j0: 0, j1: 4, k0: 0, k1: 4),
                      GasRoom(name: "east", i0: 6, i1: 12, j0: 0, j1: 4, k0: 0, k1: 3)]
        spec.openings = [GasOpening(face: .xMin, a0: 1, a1: 3, b0: 0, b1: 3, plane: 6)]
        XCTAssertEqual(spec.validate(), [])
        var flow = GasFlow(spec: spec)
        flow.openingOpen[0] = open ? 1 : 0
        flow.setUniform(ux: 0.05, uy: 0, uz: 0)     // a draught pressing west → east on the wall
        return (spec, flow)
    }

    func total(_ f: GasField, _ spec: GasGridSpec, i: Range<Int>) -> Double {
        var t = 0.0
        for k in 0..<spec.nz { for j in 0..<spec.ny { for n in i { t += f.value(n, j, k, species: 0) } } }
        return t * spec.cellVolume
    }

    func testClosedWallPassesNoGas() {
        let (spec, flow) = twoRooms(door: false)
        var field = GasField(spec: spec)
        let leak = GasSource(cell: spec.index(2, 2, 1), species: 0, rate: 0.01)
        let plan = GasKernel.plan(spec: spec, flow: flow, dt: 1)
        for _ in 0..<120 { GasKernel.advance(spec, &field, plan: plan, sources: [leak]) }
        XCTAssertGreaterThan(field.value(5, 2, 1, species: 0), 1e-4, "gas reaches the west side of the wall")
        XCTAssertEqual(total(field, spec, i: 6..<12), 0, "not one molecule behind a closed wall")
        // Everything emitted is still in the west room (no openings to the outside).
        XCTAssertEqual(total(field, spec, i: 0..<6), field.emitted[0], accuracy: 1e-12 * field.emitted[0])
        XCTAssertEqual(field.vented[0], 0)
    }

    func testOpenDoorPassesGasAndConservesMass() {
        let (spec, flow) = twoRooms(door: true)
        var field = GasField(spec: spec)
        let leak = GasSource(cell: spec.index(2, 2, 1), species: 0, rate: 0.01)
        let plan = GasKernel.plan(spec: spec, flow: flow, dt: 1)
        for _ in 0..<120 { GasKernel.advance(spec, &field, plan: plan, sources: [leak]) }
        let east = total(field, spec, i: 6..<12)
        XCTAssertGreaterThan(east, 0.05 * field.emitted[0], "the open door lets gas into the east room")
        XCTAssertEqual(total(field, spec, i: 0..<12), field.emitted[0], accuracy: 1e-12 * field.emitted[0])
        // The solid layer above the east room (k = 3) never holds gas.
        for j in 0..<spec.ny { for i in 6..<12 { XCTAssertEqual(field.value(i, j, 3, species: 0), 0, "solid cell (\(i), \(j), 3)") } }
        XCTAssertGreaterThan(field.value(6, 1, 1, species: 0), 0, "gas enters through the door cells")
    }

    /// Only the door's cells connect the rooms: with the door open the flux through the wall
    /// outside the door's rectangle is zero, so the east cells beside it fill only by mixing
    /// inside the east room. A one-step check on the plan's face coefficients.
    func testPlanClosesWallFacesExceptTheDoor() {
        let (spec, flow) = twoRooms(door: true)
        let plan = GasKernel.plan(spec: spec, flow: flow, dt: 1)
        for k in 0..<4 { for j in 0..<4 {
            let f = flow.xFace(6, j, k)
            let inDoor = j >= 1 && j < 3 && k < 3
            XCTAssertEqual(plan.px[f] > 0, inDoor, "face (6, \(j), \(k))")
            XCTAssertEqual(plan.qx[f] > 0, inDoor, "face (6, \(j), \(k))")
        } }
        // The east room's ceiling (k = 3 is solid) is a wall; the west room's k = 2|3 face is not.
        XCTAssertEqual(plan.pz[flow.zFace(8, 1, 3)], 0)
        XCTAssertGreaterThan(plan.pz[flow.zFace(2, 1, 3)], 0)
        let shut = GasKernel.plan(spec: spec, flow: twoRooms(door: false).1, dt: 1)
        for k in 0..<4 { for j in 0..<4 { XCTAssertEqual(shut.px[flow.xFace(6, j, k)], 0); XCTAssertEqual(shut.qx[flow.xFace(6, j, k)], 0) } }
    }

    /// Fresh air outside: with rooms, a point beyond the grid or inside a solid cell reads 0,
    /// and a point next to the wall reads its own room only. Without rooms the old clamped
    /// sampling stands (a point beyond the grid reads the nearest cell).
    func testOutsideAndBehindAWallReadFreshAir() {
        let (spec, _) = twoRooms(door: false)
        var field = GasField(spec: spec)
        for k in 0..<4 { for j in 0..<4 { for i in 0..<6 { field.set(i, j, k, species: 0, to: 0.02) } } }
        func read(_ s: GasGridSpec, _ x: Double, _ y: Double, _ z: Double) -> Double {
            GasSampler.fraction(spec: s, field: field, x: x, y: y, z: z, species: 0)
        }
        XCTAssertEqual(read(spec, 1.5, 1, 1), 0.02, accuracy: 1e-15, "inside the west room")
        XCTAssertEqual(read(spec, 2.9, 1, 1), 0.02, accuracy: 1e-15, "west of the wall: west air only")
        XCTAssertEqual(read(spec, 3.1, 1, 1), 0, "east of the wall: the clean east room, nothing interpolated through the wall")
        XCTAssertEqual(read(spec, 4.5, 1, 1.8), 0, "a solid cell (the east room is 1.5 m high)")
        XCTAssertEqual(read(spec, -2, 1, 1), 0, "outside the grid: fresh air")
        XCTAssertEqual(read(spec, 1, 1, 9), 0, "above the grid: fresh air")
        var plain = spec
        plain.rooms = []
        XCTAssertEqual(read(plain, -2, 1, 1), 0.02, accuracy: 1e-15, "without rooms: nearest cell, as before")
        XCTAssertGreaterThan(read(plain, 3.1, 1, 1), 0, "without rooms the reading mixes across x = 3 m")
    }

    /// A grid with one room filling it is the grid without rooms, bit for bit.
    func testOneRoomFillingTheGridIsTheOldGrid() {
        var spec = GasGridSpec(cellSize: 0.5, nx: 10, ny: 6, nz: 4, species: [.methane], diffusivity: 0.05)
        spec.openings = [GasOpening(face: .xMax, a0: 1, a1: 4, b0: 0, b1: 3)]
        var roomed = spec
        roomed.rooms = [GasRoom(name: "all", i0: 0, i1: 10, j0: 0, j1: 6, k0: 0, k1: 4)]
        var flow = GasFlow(spec: spec)
        flow.setUniform(ux: 0.1, uy: 0.02, uz: 0)
        var a = GasField(spec: spec), b = GasField(spec: roomed)
        let leak = GasSource(cell: spec.index(3, 3, 1), species: 0, rate: 0.005)
        let pa = GasKernel.plan(spec: spec, flow: flow, dt: 1), pb = GasKernel.plan(spec: roomed, flow: flow, dt: 1)
        for _ in 0..<60 {
            GasKernel.advance(spec, &a, plan: pa, sources: [leak])
            GasKernel.advance(roomed, &b, plan: pb, sources: [leak])
        }
        XCTAssertEqual(Array(a.c), Array(b.c))
        XCTAssertEqual(a.vented, b.vented)
        for (x, y, z) in [(1.3, 2.2, 0.9), (4.9, 0.1, 1.95), (0.1, 2.9, 0.2)] {
            XCTAssertEqual(GasSampler.fraction(spec: spec, field: a, x: x, y: y, z: z, species: 0),
                           GasSampler.fraction(spec: roomed, field: b, x: x, y: y, z: z, species: 0))
        }
    }

    func testRoomValidation() {
        var spec = GasGridSpec(cellSize: 0.5, nx: 4, ny: 4, nz: 4, species: [.methane], diffusivity: 0.05)
        spec.rooms = [GasRoom(name: "a", i0: 0, i1: 3, j0: 0, j1: 4, k0: 0, k1: 4),
                      GasRoom(name: "b", i0: 2, i1: 4, j0: 0, j1: 4, k0: 0, k1: 4)]
        XCTAssertEqual(spec.validate(), ["gas grid: rooms 'a' and 'b' overlap"])
        spec.rooms = [GasRoom(name: "c", i0: 0, i1: 5, j0: 0, j1: 4, k0: 0, k1: 4)]
        XCTAssertEqual(spec.validate(), ["gas grid: room 'c' is empty or outside the grid"])
        spec.rooms = []
        spec.openings = [GasOpening(face: .yMin, a0: 0, a1: 1, b0: 0, b1: 1, plane: 4)]
        XCTAssertEqual(spec.validate(), ["gas grid: internal opening 0 is not between two cells"])
        XCTAssertEqual(spec.room(1, 1, 1), 0, "a grid without rooms is one room")
    }

    /// The plan walls the viewer and the instructor sheet draw: the shared wall at x-plane 6
    /// has a gap where the door stands (j 1..<3), the rooms' outer walls are whole, and a grid
    /// without rooms has none (its walls are the grid's box).
    func testWallRunsLeaveAGapAtTheDoor() {
        let (spec, _) = twoRooms(door: true)
        let runs = spec.wallRuns()
        let shared = runs.filter { $0.axis == 0 && $0.plane == 6 }.map { [$0.from, $0.to] }
        XCTAssertEqual(shared, [[0, 1], [3, 4]], "the wall between the rooms, with the door's gap")
        XCTAssertEqual(shared.first.map { _ in runs.first { $0.axis == 0 && $0.plane == 6 }!.height }, 3,
                       "a wall is as high as the lower of the two rooms")
        XCTAssertEqual(runs.filter { $0.axis == 0 && $0.plane == 0 }.map { [$0.from, $0.to] }, [[0, 4]], "west outer wall")
        XCTAssertEqual(runs.filter { $0.axis == 1 && $0.plane == 0 }.map { [$0.from, $0.to] }, [[0, 6], [6, 12]],
                       "south wall, split where the room height changes")
        let plain = GasGridSpec(cellSize: 0.5, nx: 4, ny: 4, nz: 2, species: [.methane], diffusivity: 0.05)
        XCTAssertEqual(plain.wallRuns(), [])
    }
}
