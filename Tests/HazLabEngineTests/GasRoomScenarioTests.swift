import XCTest
import HazLabCore
import HazLabRunner
import HazLabScenario

/// Gas rooms through scenario YAML: separate spaces, doors between them, fresh air outside.
final class GasRoomScenarioTests: XCTestCase {
    /// A plant room with an H2S leak and, along its south wall, a duty room where the trainee
    /// sits. `rooms` is spliced in: with it the duty room is a gas room of its own behind a
    /// closed door; without it the duty room lies beyond the grid.
    static func plant(rooms: Bool, dutyDoorOpen: Bool = false) -> String {
        var lines = [
            "gas:",
            "  origin: [0 m, \(rooms ? "-3 m" : "0 m"), 0 m]",
            "  size: [8 m, \(rooms ? "9 m" : "6 m"), 3 m]",
            "  cellSize: 0.5 m",
            "  species: [H2S]",
            "  diffusivity: 0.1 m2/s",
        ]
        if rooms {
            lines += ["  rooms:",
                      "    - {id: plant, from: [0 m, 0 m, 0 m], to: [8 m, 6 m, 3 m]}",
                      "    - {id: duty, from: [2 m, -3 m, 0 m], to: [6 m, 0 m, 3 m]}"]
        }
        lines += [
            "entities:",
            "  - {id: duty_room, type: zone, \(rooms ? "room: duty, " : "")position: [4 m, -1.5 m, 0 m], size: [4 m, 3 m, 3 m]}",
            "  - {id: plant_room, type: zone, \(rooms ? "room: plant, " : "")position: [4 m, 3 m, 0 m], size: [8 m, 6 m, 3 m]}",
            "  - {id: leak1, type: leak, species: H2S, rate: 2 m3/h, position: [4 m, 1 m, 1 m]}",
        ]
        if rooms {
            lines.append("  - {id: D9, type: door, between: [plant, duty], open: \(dutyDoorOpen), position: [4 m, 0 m, 0 m], size: [1 m, 0.1 m, 2 m]}")
        }
        lines += ["procedure:", "  - {id: wait, title: 等待, done: plant_room.occupied, score: 10}"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The defect: a duty room beside the gas grid breathed the nearest cell of the plant room,
    /// so a trainee who never left it was injured (H2S STEL dose) — the no-rooms control shows
    /// it. As a gas room of its own behind a closed door it stays clean.
    func testIdleTraineeInASeparateRoomIsNotExposed() throws {
        let old = try compileInline(Self.plant(rooms: false), timeLimit: "15 min")
        let o0 = Runner.replay(old, actions: [])
        XCTAssertGreaterThan(o0.finalState.traineeDose[0], 0, "control: without rooms the duty room reads the plant room's wall")

        let m = try compileInline(Self.plant(rooms: true), timeLimit: "15 min")
        let o = Runner.replay(m, actions: [])
        XCTAssertEqual(o.finalState.traineeZone, Int32(0))
        XCTAssertEqual(o.finalState.traineeDose[0], 0, "the duty room behind a closed door breathes no H2S")
        XCTAssertFalse(o.events.contains { $0.kind == .accident }, "no injury in the duty room")
        let net = try XCTUnwrap(m.gas), field = try XCTUnwrap(o.finalState.gas)
        let inPlant = GasSampler.fraction(spec: net.spec, field: field, x: 4, y: 0.3, z: 1.5, species: 0)
        XCTAssertGreaterThan(inPlant, 100e-6, "the plant side of the wall is full of H2S")
        XCTAssertEqual(GasSampler.fraction(spec: net.spec, field: field, x: 4, y: -0.3, z: 1.5, species: 0), 0)
    }

    /// An open door between the rooms lets the gas through: the duty room then is exposed.
    func testOpenDoorBetweenRoomsExposesTheDutyRoom() throws {
        let m = try compileInline(Self.plant(rooms: true, dutyDoorOpen: true), timeLimit: "15 min")
        let net = try XCTUnwrap(m.gas)
        let door = try XCTUnwrap(net.spec.openings.first)
        XCTAssertEqual(door.plane, 6, "the wall at y = 0 m is face plane 6 of a grid from y = -3 m")
        XCTAssertEqual(door.face.axis, 1)
        XCTAssertEqual([door.a0, door.a1, door.b0, door.b1], [7, 9, 0, 4])
        let o = Runner.replay(m, actions: [])
        XCTAssertGreaterThan(o.finalState.traineeDose[0], 0)
    }

    /// A trainee sent outside breathes fresh air; a grid without `gas.rooms` opts in by saying
    /// `room: outside`.
    func testOutsideZoneBreathesFreshAir() throws {
        let body = """
        gas: {size: [4 m, 4 m, 3 m], cellSize: 0.5 m, species: [H2S], diffusivity: 0.1 m2/s}
        entities:
          - {id: yard, type: zone, room: outside, position: [-1.5 m, 2 m, 0 m], size: [1 m, 2 m, 2 m]}
          - {id: shed, type: zone, position: [2 m, 2 m, 0 m], size: [1 m, 1 m, 2 m]}
          - {id: leak1, type: leak, species: H2S, rate: 1 m3/h, position: [0.25 m, 2 m, 1.5 m]}
        procedure:
          - {id: wait, title: 等待, done: shed.occupied, score: 10}
        """
        let m = try compileInline(body, timeLimit: "5 min")
        XCTAssertEqual(m.gas?.spec.rooms.count, 1, "one room fills the grid")
        let o = Runner.replay(m, actions: [])
        XCTAssertEqual(o.finalState.traineeDose[0], 0)
        let plain = try compileInline(body.replacingOccurrences(of: "room: outside, ", with: ""), timeLimit: "5 min")
        XCTAssertGreaterThan(Runner.replay(plain, actions: []).finalState.traineeDose[0], 0, "control: nearest cell without the opt-in")
    }

    /// Hostile input: thousands of one-cell rooms would make every room lookup slow; the
    /// compiler stops at 64 with a clear error instead.
    func testTooManyRoomsIsAnError() {
        var rooms = ""
        for i in 0..<65 { rooms += "    - {id: r\(i), from: [\(i) m, 0 m, 0 m], to: [\(i + 1) m, 1 m, 1 m]}\n" }
        let text = "id: many\ntitle: 多\ndiscipline: gas\ntimeLimit: 1 min\n"
            + "gas:\n  size: [80 m, 1 m, 1 m]\n  cellSize: 1 m\n  species: [CH4]\n  rooms:\n" + rooms
            + "entities:\n  - {id: z, type: zone}\nprocedure:\n  - {id: s, title: 步, done: z.occupied, score: 10}\n"
        let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "many.yaml")
        XCTAssertNil(r.model)
        XCTAssert(r.errors.contains { $0.location.line == 10 && $0.message == "'gas.rooms' lists 65 rooms; at most 64" },
                  r.errors.map(\.description).joined(separator: "\n"))
    }

    /// Without rooms a zone beyond the grid is only warned about (old scenarios keep compiling).
    func testUndeclaredZoneOutsideTheGridIsWarned() throws {
        let text = """
        id: warn
        title: 警告
        discipline: gas
        timeLimit: 1 min
        gas: {size: [4 m, 4 m, 3 m], cellSize: 0.5 m, species: [CH4]}
        entities:
          - {id: yard, type: zone, position: [-3 m, 2 m, 0 m]}
        procedure:
          - {id: s, title: 步, done: yard.occupied, score: 10}
        """
        let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "warn.yaml")
        XCTAssertNotNil(r.model)
        XCTAssert(r.diagnostics.contains { $0.severity == .warning && $0.location.line == 7
                    && $0.message.hasPrefix("zone 'yard' at (-3, 2, 0) m is outside the gas grid; say 'room: outside'") },
                  r.diagnostics.map(\.description).joined(separator: "\n"))
    }
}

/// The bundled boiler-room scenario: the idle trainee stays in the duty room, a gas room of its
/// own behind the shut fire door, while the boiler room fills with methane.
final class BoilerRoomRoomsTests: XCTestCase {
    func testIdleTraineeInTheDutyRoomBreathesNoMethane() throws {
        let m = try compileOrFail(Repo.path("Scenarios/boiler-room-gas-leak/scenario.yaml"))
        let net = try XCTUnwrap(m.gas)
        XCTAssertEqual(net.spec.rooms.map(\.name), ["boiler_room", "corridor", "duty_room"])
        let o = Runner.replay(m, seed: 20260306, mode: .exam, actions: [])
        XCTAssertEqual(o.finalState.traineeDose[0], 0, "the duty room never sees methane")
        XCTAssertEqual(o.finalState.traineeConcentration[0], 0)
        let field = try XCTUnwrap(o.finalState.gas)
        let boiler = GasSampler.fraction(spec: net.spec, field: field, x: 3, y: 4.5, z: 2.7, species: 0)
        XCTAssertGreaterThan(boiler, 0.05, "GD-1's point is above the LEL by the end")
        XCTAssertEqual(GasSampler.fraction(spec: net.spec, field: field, x: 6, y: -0.5, z: 1.5, species: 0), 0, "corridor")
        XCTAssertEqual(GasSampler.fraction(spec: net.spec, field: field, x: -3, y: 3, z: 1.5, species: 0), 0, "outside")
    }
}
