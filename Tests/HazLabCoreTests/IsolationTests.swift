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

    /// Isolated and locked by the trainee: every attempt to remove the isolation is refused,
    /// and a long run with the trainee in the zone releases nothing.
    func testNoReleaseWhileLocked() {
        let spec = Press.spec
        var st = IsolationState(spec, safe: Press.running)
        XCTAssertEqual(st.isolated, [0, 0, 0])
        // Locks go only on points in their safe position.
        XCTAssertEqual(st.applyLock(spec, point: Press.breaker, person: 0), .refused(.notInSafePosition))
        let ev = st.update(spec, safe: Press.isolatedAndBled, personZone: Press.nobodyInZone, dt: 0.1)
        XCTAssertEqual(ev, [.isolated(source: 0), .isolated(source: 1), .isolated(source: 2)])
        for p in [Press.breaker, Press.valve, Press.bleed, Press.block] {
            XCTAssertEqual(st.applyLock(spec, point: p, person: 0), .ok)
            XCTAssertEqual(st.applyTag(spec, point: p, person: 0), .ok)
        }
        XCTAssertEqual(st.applyLock(spec, point: Press.breaker, person: 0), .refused(.alreadyLocked))
        for p in [Press.breaker, Press.valve, Press.bleed, Press.block] {
            XCTAssertEqual(st.canMove(spec, point: p, toSafe: false, person: 1), .refused(.lockedByOther))
            XCTAssertEqual(st.canMove(spec, point: p, toSafe: false, person: 0), .refused(.locked))
            XCTAssertEqual(st.removeLock(spec, point: p, person: 1), .refused(.lockedByOther))
            XCTAssertEqual(st.canMove(spec, point: p, toSafe: true, person: 1), .ok)
        }
        // The positions stay safe because every move was refused: 10 minutes of steps, no release.
        var all: [IsolationEvent] = []
        for _ in 0..<6_000 { all += st.update(spec, safe: Press.isolatedAndBled, personZone: Press.traineeInZone, dt: 0.1) }
        XCTAssertEqual(releases(all), [])
        XCTAssertEqual(st.isolated, [1, 1, 1])
        // Group lockout: a second lock; the trainee removing theirs still leaves the point locked.
        XCTAssertEqual(st.applyLock(spec, point: Press.breaker, person: 1), .ok)
        XCTAssertEqual(st.removeLock(spec, point: Press.breaker, person: 0), .ok)
        XCTAssertEqual(st.canMove(spec, point: Press.breaker, toSafe: false, person: 0), .refused(.lockedByOther))
        XCTAssertEqual(st.canMove(spec, point: Press.breaker, toSafe: false, person: 1), .refused(.locked))
        XCTAssertEqual(st.lockCount(spec, point: Press.breaker), 1)
        XCTAssertEqual(st.removeLock(spec, point: Press.breaker, person: 0), .refused(.lockedByOther))
    }

    /// Try-out: the start attempt fails when isolated ("try-out confirmed isolation") and
    /// succeeds otherwise.
    func testTryOutShowsIsolationWorks() {
        let spec = Press.spec
        var st = IsolationState(spec, safe: Press.running)
        XCTAssertEqual(st.attemptStart(spec, source: Press.motor, by: Press.trainee, personZone: Press.nobodyInZone),
                       [.equipmentStarted(source: 0, by: 0)], "not isolated: it starts (nobody in the zone)")
        _ = st.update(spec, safe: Press.isolatedNotBled, personZone: Press.nobodyInZone, dt: 0.1)
        XCTAssertEqual(st.attemptStart(spec, source: Press.motor, by: Press.trainee, personZone: Press.traineeInZone),
                       [.tryOutConfirmedIsolation(source: 0, by: 0)])
    }

    /// A second worker tries to start the press while the trainee is on the bed. Locked: the
    /// breaker cannot be closed and the start fails. Not locked: it goes through and the trainee
    /// is injured — by the re-energisation and again by the start.
    func testSecondWorkersStartBlockedWhenLockedAndInjuresWhenNot() {
        let spec = Press.spec
        var locked = IsolationState(spec, safe: Press.running)
        _ = locked.update(spec, safe: Press.isolatedAndBled, personZone: Press.nobodyInZone, dt: 0.1)
        var unlocked = locked
        XCTAssertEqual(locked.applyLock(spec, point: Press.breaker, person: Int(Press.trainee)), .ok)

        // Locked.
        XCTAssertEqual(locked.canMove(spec, point: Press.breaker, toSafe: false, person: Int(Press.worker)), .refused(.lockedByOther))
        XCTAssertEqual(releases(locked.update(spec, safe: Press.isolatedAndBled, personZone: Press.traineeInZone, dt: 0.1)), [])
        XCTAssertEqual(locked.attemptStart(spec, source: Press.motor, by: Press.worker, personZone: Press.traineeInZone),
                       [.tryOutConfirmedIsolation(source: 0, by: 1)])

        // Not locked: the worker may close the breaker.
        XCTAssertEqual(unlocked.canMove(spec, point: Press.breaker, toSafe: false, person: Int(Press.worker)), .ok)
        var positions = Press.isolatedAndBled
        positions[Press.breaker] = false
        let ev = unlocked.update(spec, safe: positions, personZone: Press.traineeInZone, dt: 0.1)
        XCTAssertEqual(ev, [.deIsolated(source: 0), .energyReleased(source: 0, cause: .reEnergised),
                            .injury(person: 0, source: 0, cause: .reEnergised), .residualDissipated(source: 2)])
        XCTAssertEqual(unlocked.attemptStart(spec, source: Press.motor, by: Press.worker, personZone: Press.traineeInZone),
                       [.equipmentStarted(source: 0, by: 1), .energyReleased(source: 0, cause: .unexpectedStart),
                        .injury(person: 0, source: 0, cause: .unexpectedStart)])
        // With nobody in the zone the same start hurts nobody.
        XCTAssertEqual(unlocked.attemptStart(spec, source: Press.motor, by: Press.worker, personZone: Press.nobodyInZone),
                       [.equipmentStarted(source: 0, by: 1)])
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

        // Breaking containment now: the residual is released onto the trainee.
        var early = st
        XCTAssertEqual(early.breakContainment(spec, source: Press.hydraulic, personZone: Press.traineeInZone),
                       [.energyReleased(source: 1, cause: .residualRelease), .injury(person: 0, source: 1, cause: .residualRelease)])
        XCTAssertEqual(early.residual[Press.hydraulic], 0)

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
        XCTAssertEqual(st.breakContainment(spec, source: Press.hydraulic, personZone: Press.traineeInZone), [])

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
        // Working on a source that is not isolated at all.
        XCTAssertEqual(st.breakContainment(spec, source: Press.ram, personZone: Press.traineeInZone),
                       [.energyReleased(source: 2, cause: .workedLive), .injury(person: 0, source: 2, cause: .workedLive)])

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

    /// A caller that moves a locked or tagged point anyway gets told; physics follows positions.
    func testLockedAndTaggedPointMovedAnywayIsReported() {
        let spec = Press.spec
        var st = IsolationState(spec, safe: Press.isolatedAndBled)
        XCTAssertEqual(st.applyLock(spec, point: Press.valve, person: 0), .ok)
        XCTAssertEqual(st.applyTag(spec, point: Press.breaker, person: 0), .ok)
        XCTAssertEqual(st.applyTag(spec, point: Press.breaker, person: 0), .refused(.alreadyLocked))
        XCTAssertEqual(st.removeTag(spec, point: Press.valve, person: 0), .refused(.notLocked))
        let ev = st.update(spec, safe: [false, false, true, true], personZone: Press.nobodyInZone, dt: 0.1)
        XCTAssertEqual(ev, [.taggedPointOperated(point: 0), .lockedPointMoved(point: 1),
                            .deIsolated(source: 0), .energyReleased(source: 0, cause: .reEnergised),
                            .deIsolated(source: 1), .energyReleased(source: 1, cause: .reEnergised),
                            .residualDissipated(source: 2)])   // the block took the ram's weight
        XCTAssertEqual(st.applyLock(spec, point: 9, person: 0), .refused(.unknownPoint))
        XCTAssertEqual(st.applyLock(spec, point: 0, person: 5), .refused(.unknownPerson))
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

    /// The same action sequence gives the same hashes; pinned against the documented layout.
    func testDeterministicHash() {
        func run() -> [UInt64] {
            let spec = Press.spec
            var st = IsolationState(spec, safe: Press.running)
            var out: [UInt64] = []
            for i in 0..<30 {
                _ = st.update(spec, safe: i < 10 ? Press.isolatedNotBled : Press.isolatedAndBled,
                              personZone: Press.traineeInZone, dt: 0.1)
                if i == 5 { _ = st.applyLock(spec, point: Press.breaker, person: 0) }
                var h = StateHasher()
                st.hash(into: &h)
                out.append(h.value)
            }
            return out
        }
        let a = run()
        XCTAssertEqual(a, run())
        XCTAssertEqual(a.last!.hex16, Self.golden)
    }

    static let golden = "b11ac660234a63fa"
}
