import XCTest
@testable import HazLabCore

/// A hydraulic press: motor supply 400 V, hydraulic circuit 20 MPa with an accumulator,
/// the raised ram (gravity, 5 kJ). Danger zone 7 (the press bed).
///
/// Points: 0 motor breaker, 1 hydraulic block valve, 2 accumulator bleed valve (τ = 5 s),
/// 3 ram safety block (isolates and takes the ram's weight at once).
/// People: 0 trainee, 1 second worker (an operator at the control station, zone 1).
private enum Press {
    static let motor = 0, hydraulic = 1, ram = 2
    static let breaker = 0, valve = 1, bleed = 2, block = 3
    static let trainee: Int32 = 0, worker: Int32 = 1
    static let bed: Int32 = 7, station: Int32 = 1

    static let spec = try! IsolationSpec(
        sources: [
            EnergySource(kind: .electrical, magnitude: 400, zones: [bed]),
            EnergySource(kind: .hydraulic, magnitude: 20e6, zones: [bed]),
            EnergySource(kind: .gravity, magnitude: 5_000, zones: [bed]),
        ],
        points: [
            IsolationPoint(kind: .breaker, isolates: [0]),
            IsolationPoint(kind: .valve, isolates: [1]),
            IsolationPoint(kind: .bleed, isolates: [], dissipates: [1], dissipationSeconds: 5),
            IsolationPoint(kind: .mechanicalBlock, isolates: [2], dissipates: [2], dissipationSeconds: 0),
        ],
        personCount: 2)

    static let running = [false, false, false, false]
    static let isolatedNotBled = [true, true, false, true]
    static let isolatedAndBled = [true, true, true, true]
    /// Trainee on the press bed, worker at the station.
    static let traineeInZone: [Int32] = [bed, station]
    static let nobodyInZone: [Int32] = [-1, station]
}

private func releases(_ events: [IsolationEvent]) -> [IsolationEvent] {
    events.filter { if case .energyReleased = $0 { return true }; if case .injury = $0 { return true }; return false }
}

final class IsolationTests: XCTestCase {

    /// Isolated and bled: ten minutes with the trainee on the bed release nothing.
    func testNoReleaseWhileIsolated() {
        let spec = Press.spec
        var st = IsolationState(spec, safe: Press.running)
        XCTAssertEqual(st.isolated, [0, 0, 0])
        let ev = st.update(spec, safe: Press.isolatedAndBled, personZone: Press.nobodyInZone, dt: 0.1)
        XCTAssertEqual(ev, [.isolated(source: 0), .isolated(source: 1), .isolated(source: 2)])
        var all: [IsolationEvent] = []
        for _ in 0..<6_000 { all += st.update(spec, safe: Press.isolatedAndBled, personZone: Press.traineeInZone, dt: 0.1) }
        XCTAssertEqual(releases(all), [])
        XCTAssertEqual(st.isolated, [1, 1, 1])
    }

    /// Someone closes the breaker while the trainee is on the bed: re-energised, and the
    /// trainee is injured; with nobody in the zone the same move hurts nobody.
    func testReEnergisingInjuresWhoIsInTheZone() {
        let spec = Press.spec
        var st = IsolationState(spec, safe: Press.running)
        _ = st.update(spec, safe: Press.isolatedAndBled, personZone: Press.nobodyInZone, dt: 0.1)
        var empty = st
        var positions = Press.isolatedAndBled
        positions[Press.breaker] = false
        XCTAssertEqual(st.update(spec, safe: positions, personZone: Press.traineeInZone, dt: 0.1),
                       [.deIsolated(source: 0), .energyReleased(source: 0, cause: .reEnergised),
                        .injury(person: 0, source: 0, cause: .reEnergised), .residualDissipated(source: 2)])
        XCTAssertEqual(releases(empty.update(spec, safe: positions, personZone: Press.nobodyInZone, dt: 0.1)),
                       [.energyReleased(source: 0, cause: .reEnergised)])
    }

    /// Zero-energy verification fails while the accumulator holds 20 MPa and passes after
    /// bleeding; breaking the hydraulic line before bleeding releases the stored pressure.
    func testZeroEnergyVerificationNeedsBleeding() {
        let spec = Press.spec
        var st = IsolationState(spec, safe: Press.running)
        XCTAssertFalse(st.verifyZeroEnergy(spec, source: Press.hydraulic), "not isolated")
        _ = st.update(spec, safe: Press.isolatedNotBled, personZone: Press.nobodyInZone, dt: 0.1)
        XCTAssertTrue(st.isIsolated(Press.hydraulic))
        for _ in 0..<100 { _ = st.update(spec, safe: Press.isolatedNotBled, personZone: Press.nobodyInZone, dt: 0.1) }
        XCTAssertEqual(st.residual[Press.hydraulic], 20e6, "trapped pressure stays without a bleed")
        XCTAssertFalse(st.verifyZeroEnergy(spec, source: Press.hydraulic))
        XCTAssertEqual(st.verified[Press.hydraulic], 0)

        // Bleed: exact exponential decay, τ = 5 s. After 5 s: 20 MPa / e.
        var events: [IsolationEvent] = []
        for _ in 0..<50 { events += st.update(spec, safe: Press.isolatedAndBled, personZone: Press.nobodyInZone, dt: 0.1) }
        XCTAssertEqual(st.residual[Press.hydraulic], 20e6 * DetMath.exp(-1), accuracy: 1e-3)
        XCTAssertFalse(st.verifyZeroEnergy(spec, source: Press.hydraulic))
        for _ in 0..<550 { events += st.update(spec, safe: Press.isolatedAndBled, personZone: Press.nobodyInZone, dt: 0.1) }
        XCTAssertLessThan(st.residual[Press.hydraulic], 10_000)   // 20 MPa · e^-12 ≈ 123 Pa
        XCTAssertEqual(events.filter { $0 == .residualDissipated(source: 1) }.count, 1)
        XCTAssertTrue(st.verifyZeroEnergy(spec, source: Press.hydraulic))
        XCTAssertEqual(st.verified[Press.hydraulic], 1)

        // Re-opening the block valve re-pressurises and invalidates the verification.
        var positions = Press.isolatedAndBled
        positions[Press.valve] = false
        _ = st.update(spec, safe: positions, personZone: Press.nobodyInZone, dt: 0.1)
        XCTAssertEqual(st.verified[Press.hydraulic], 0)
        XCTAssertEqual(st.residual[Press.hydraulic], 20e6)
    }

    /// Gravity: the block isolates and takes the weight at once; pulling it drops the ram.
    /// Electrical: a plain supply stores nothing. Thermal: natural cooling only.
    func testStoredMechanicalElectricalAndThermal() throws {
        let spec = Press.spec
        var st = IsolationState(spec, safe: Press.running)
        _ = st.update(spec, safe: Press.isolatedNotBled, personZone: Press.nobodyInZone, dt: 0.1)
        XCTAssertEqual(st.residual[Press.ram], 5_000, "the step that isolates does not decay")
        XCTAssertEqual(st.residual[Press.motor], 0, "no stored charge by default")
        XCTAssertTrue(st.verifyZeroEnergy(spec, source: Press.motor))
        _ = st.update(spec, safe: Press.isolatedNotBled, personZone: Press.nobodyInZone, dt: 0.1)
        XCTAssertTrue(st.verifyZeroEnergy(spec, source: Press.ram))
        var positions = Press.isolatedNotBled
        positions[Press.block] = false
        XCTAssertEqual(releases(st.update(spec, safe: positions, personZone: Press.traineeInZone, dt: 0.1)),
                       [.energyReleased(source: 2, cause: .reEnergised), .injury(person: 0, source: 2, cause: .reEnergised)])

        let hot = try IsolationSpec(
            sources: [EnergySource(kind: .thermal, magnitude: 150, zones: [3], decaySeconds: 600)],
            points: [IsolationPoint(kind: .valve, isolates: [0])], personCount: 1)
        var h = IsolationState(hot, safe: [true])
        XCTAssertEqual(h.residual[0], 150)
        for _ in 0..<20 { _ = h.update(hot, safe: [true], personZone: [-1], dt: 60) }
        XCTAssertEqual(h.residual[0], 150 * DetMath.exp(-2), accuracy: 1e-9)   // 20 min at τ = 10 min
        XCTAssertFalse(h.verifyZeroEnergy(hot, source: 0))                      // 20.3 K > 20 K
        _ = h.update(hot, safe: [true], personZone: [-1], dt: 60)
        XCTAssertTrue(h.verifyZeroEnergy(hot, source: 0))
    }

    /// Two points leave their safe position in one update: sources change in row order.
    func testSourcesChangeInRowOrder() {
        let spec = Press.spec
        var st = IsolationState(spec, safe: Press.isolatedAndBled)
        let ev = st.update(spec, safe: [false, false, true, true], personZone: Press.nobodyInZone, dt: 0.1)
        XCTAssertEqual(ev, [.deIsolated(source: 0), .energyReleased(source: 0, cause: .reEnergised),
                            .deIsolated(source: 1), .energyReleased(source: 1, cause: .reEnergised),
                            .residualDissipated(source: 2)])   // the block took the ram's weight
    }

    func testSpecValidation() {
        XCTAssertThrowsError(try IsolationSpec(sources: [], points: [IsolationPoint(kind: .valve, isolates: [0])], personCount: 1)) {
            XCTAssertEqual($0 as? IsolationSpecError, .sourceOutOfRange(point: 0, source: 0))
        }
        XCTAssertThrowsError(try IsolationSpec(sources: [EnergySource(kind: .spring, magnitude: -1, zones: [])], points: [], personCount: 1)) {
            XCTAssertEqual($0 as? IsolationSpecError, .negativeValue(source: 0))
        }
        // A source with no isolation point (a charged spring) is isolated from the start.
        let spring = try! IsolationSpec(sources: [EnergySource(kind: .spring, magnitude: 40, zones: [2])], points: [], personCount: 1)
        let st = IsolationState(spring, safe: [])
        XCTAssertEqual(st.isolated, [1])
        XCTAssertEqual(st.residual, [40])
        XCTAssertEqual(EnergyKind.hydraulic.unit, "Pa")
    }

    /// Format 1's bytes: the four live arrays, then the lock and tag arrays it covered, which
    /// were always zero (points × persons each). Built here from the public fields.
    func testLegacyHashLayout() {
        let spec = Press.spec
        var st = IsolationState(spec, safe: Press.running)
        for i in 0..<30 {
            _ = st.update(spec, safe: i < 10 ? Press.isolatedNotBled : Press.isolatedAndBled,
                          personZone: Press.traineeInZone, dt: 0.1)
        }
        var got = StateHasher()
        st.legacyHash(into: &got)
        var want = StateHasher()
        want.array(st.safe); want.array(st.isolated); want.array(st.residual); want.array(st.verified)
        let zeros = ContiguousArray<UInt8>(repeating: 0, count: spec.points.count * spec.personCount)
        want.array(zeros); want.array(zeros)
        XCTAssertEqual(got.value, want.value)
        var moved = StateHasher()
        _ = st.update(spec, safe: Press.running, personZone: Press.nobodyInZone, dt: 0.1)
        st.legacyHash(into: &moved)
        XCTAssertNotEqual(moved.value, got.value)
    }
}
