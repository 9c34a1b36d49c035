import Foundation
import XCTest
import HazLabCore
import HazLabRunner
import HazLabScenario

/// The compressor kind (`KindDescriptor.compressor`, `CompressorStage`): its discharge pressure,
/// the high-pressure cut-out, its verbs, lockout and the compiler's checks.
final class CompressorTests: XCTestCase {
    /// A compressor on a discharge valve the trainee can reach, with the scenario's defaults
    /// written out: 0.15 / 1.2 / 2.5 MPa, cut-out 1.6 MPa, 20 s response.
    static let plant = """
    entities:
      - {id: room, type: zone}
      - {id: V1, type: valve, strokeTime: 5 s, opening: 1, zone: room}
      - {id: C1, type: compressor, running: true, dischargeValve: V1, suctionPressure: 0.15 MPa, dischargePressure: 1.2 MPa,
         deadheadPressure: 2.5 MPa, tripPressure: 1.6 MPa, responseTime: 20 s}
    procedure:
      - {id: s, title: {zh: 停机, en: Stop}, done: C1.stopped and V1.closed, score: 100}
    """

    func megapascals(_ o: RunOutcome, _ c: Int = 0) -> Double { o.finalState.compressors.dischargePressure[c] / 1e6 }

    func testClosingTheDischargeValveOfARunningCompressorTripsItOnHighPressure() throws {
        let m = try compileInline(Self.plant)
        let o = Runner.replay(m, actions: [Action(tick: 0, verb: "close", target: "V1"), Action(tick: 300, verb: "submit", target: "")])
        let trip = try XCTUnwrap(o.events.first { $0.kind == .equipmentTripped && $0.subject == m.entityIndex["C1"] })
        // Target 1.2 + 1.3 × (1 − opening)²; the valve shuts over 5 s, the pressure lags 20 s:
        // it reaches 1.6 MPa between 8 and 12 s after the command, never before the valve is half shut.
        XCTAssertGreaterThan(trip.tick, 80)
        XCTAssertLessThan(trip.tick, 120)
        XCTAssertGreaterThanOrEqual(trip.value, 1.6e6)
        XCTAssertEqual(o.finalState.compressors.running[0], 0)
        XCTAssertEqual(o.finalState.read(FieldRef(.compressorTripped, 0)), 1)
        // Stopped, the discharge falls back toward suction first-order: 1/200 of the gap a tick.
        let decay = Foundation.pow(1 - 1.0 / 200, Double(o.ticks - trip.tick))
        XCTAssertEqual(o.finalState.compressors.dischargePressure[0], 0.15e6 + (trip.value - 0.15e6) * decay, accuracy: 1)
    }

    func testStoppedFirstItNeverTrips() throws {
        let m = try compileInline(Self.plant)
        let o = Runner.replay(m, actions: [Action(tick: 0, verb: "stop", target: "C1"),
                                           Action(tick: 10, verb: "close", target: "V1"),
                                           Action(tick: 600, verb: "submit", target: "")])
        XCTAssertFalse(o.events.contains { $0.kind == .equipmentTripped })
        XCTAssertEqual(o.finalState.read(FieldRef(.compressorStopped, 0)), 1)
        // 60 s is three time constants: within e^-3 of suction (0.15 + 1.05 × 0.05 ≈ 0.2 MPa).
        XCTAssertEqual(megapascals(o), 0.15, accuracy: 0.06)
        XCTAssertEqual(o.score.total, 100, accuracy: 1e-9)
    }

    func testATrippedCompressorStartsOnlyAfterReset() throws {
        let m = try compileInline(Self.plant)
        let o = Runner.replay(m, actions: [
            Action(tick: 0, verb: "close", target: "V1"),
            Action(tick: 200, verb: "start", target: "C1"),   // tripped
            Action(tick: 201, verb: "reset", target: "C1"),
            Action(tick: 202, verb: "reset", target: "C1"),   // nothing to reset
            Action(tick: 203, verb: "start", target: "C1"),
            Action(tick: 204, verb: "start", target: "C1"),   // already running
            Action(tick: 205, verb: "open", target: "C1"),    // not a compressor verb
            Action(tick: 206, verb: "submit", target: ""),
        ])
        let rejected = o.events.filter { $0.kind == .actionRejected }.map { RejectReason(rawValue: $0.code)!.name }
        XCTAssertEqual(rejected, ["tripped", "no-effect", "no-effect", "unsupported-verb"])
        XCTAssertEqual(o.finalState.compressors.running[0], 1)
        XCTAssertEqual(o.finalState.compressors.tripped[0], 0)
    }

    func testALockedCompressorCannotBeStarted() throws {
        let m = try compileInline(Self.plant.replacingOccurrences(of: "running: true", with: "running: false"))
        let o = Runner.replay(m, actions: [Action(tick: 0, verb: "lock", target: "C1"),
                                           Action(tick: 1, verb: "start", target: "C1"),
                                           Action(tick: 2, verb: "submit", target: "")])
        XCTAssertEqual(o.events.filter { $0.kind == .actionRejected }.map { RejectReason(rawValue: $0.code)!.name }, ["locked"])
        XCTAssertEqual(o.finalState.compressors.running[0], 0)
    }

    func testTheCompilerChecksThePressuresAgainstEachOtherAndNamesTheKey() {
        let bad = Self.plant.replacingOccurrences(of: "tripPressure: 1.6 MPa", with: "tripPressure: 1.1 MPa")
            .replacingOccurrences(of: "dischargeValve: V1", with: "dischargeValve: C1")
        let text = "id: inline\ntitle: {zh: 测试, en: Test}\ndiscipline: general\ntimeLimit: 60 s\n" + bad
        let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "inline.yaml")
        XCTAssertNil(r.model)
        let messages = r.errors.map(\.description)
        XCTAssertTrue(messages.contains { $0.hasPrefix("inline.yaml:9:") && $0.contains("'C1.tripPressure' must be above its dischargePressure") }, "\(messages)")
        XCTAssertTrue(messages.contains { $0.contains("C1.dischargeValve") }, "a compressor is no valve: \(messages)")
    }

    /// The descriptor is the one table: every kind has one, in order, and the compiler's
    /// `type:` words, keys and report names come from it.
    func testEveryKindHasOneDescriptorAndTheFormatReadsIt() {
        XCTAssertEqual(KindDescriptor.all.map(\.kind), EntityKind.allCases)
        XCTAssertEqual(Format.entityTypes, KindDescriptor.typeWords)
        XCTAssertEqual(Set(KindDescriptor.typeWords).count, KindDescriptor.typeWords.count, "a type word names one kind")
        XCTAssertEqual(KindDescriptor.kind(ofType: "breaker"), .switchgear)
        XCTAssertEqual(KindDescriptor.kind(ofType: "window"), .opening)
        XCTAssertNil(KindDescriptor.kind(ofType: "motor"), "motor is the kind's name, not a type word")
        XCTAssertEqual(EntityKind.switchgear.descriptor.label(type: "breaker").zh, "断路器")
        XCTAssertEqual(EntityKind.motor.descriptor.label(type: "fan").zh, "风机")
        XCTAssertEqual(Format.entityKeys("compressor").map(\.name).suffix(3), ["isolates", "dissipates", "dissipationTime"],
                       "a lockable kind takes the isolation keys")
        XCTAssertEqual(FieldCatalog.fields(of: .compressor, lockable: true).map(\.name),
                       ["running", "stopped", "tripped", "dischargePressure", "locked", "tagged", "inspected", "inspections"])
    }
}
