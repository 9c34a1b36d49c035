/// The state hash's formats. The format a hash was computed in travels with it (the journal
/// trailer's `hashFormat`), so a hash recorded by an older engine is checked in its own format.
///
/// - 1: every field of `State` in a fixed order, each array preceded by its count, empty ones
///   too: any new field moved every scenario's hash. Kept to check journals recorded before 2.
/// - 2: `State.columns`, each with a stable id; a column adds its id and bytes only when the
///   scenario uses it (a non-empty array, a present part), so a new kind or column leaves the
///   hash of every scenario that does not use it as it was.
public enum StateHashFormat {
    public static let current = 2
    public static let legacy = 1
    public static let supported = [1, 2]
}

/// Element types a state column may hold, with their canonical bytes (see `StateHasher`).
public protocol StateColumnElement: SendableMetatype {
    static func write(_ x: Self, into h: inout StateHasher)
}
extension UInt8: StateColumnElement { public static func write(_ x: UInt8, into h: inout StateHasher) { h.byte(x) } }
extension Int32: StateColumnElement { public static func write(_ x: Int32, into h: inout StateHasher) { h.i32(x) } }
extension Int64: StateColumnElement { public static func write(_ x: Int64, into h: inout StateHasher) { h.i64(x) } }
extension Double: StateColumnElement { public static func write(_ x: Double, into h: inout StateHasher) { h.f64(x) } }

/// One named, versioned column of `State` in hash format 2. Ids are never reused or renumbered;
/// a new column takes a new id (the table is in ascending id order).
public struct StateColumn: Sendable {
    public let id: UInt16
    public let name: String
    /// Adds the column's bytes when the scenario uses it; returns whether it did.
    let write: @Sendable (UnsafePointer<State>, inout StateHasher) -> Bool

    public init(id: UInt16, name: String, write: @escaping @Sendable (UnsafePointer<State>, inout StateHasher) -> Bool) {
        self.id = id; self.name = name; self.write = write
    }

    /// An array column: used when non-empty (its length follows the scenario's entities).
    public static func array<E: StateColumnElement>(_ id: UInt16, _ name: String,
                                                    _ get: @escaping @Sendable (UnsafePointer<State>) -> ContiguousArray<E>) -> StateColumn {
        StateColumn(id: id, name: name) { p, h in
            let a = get(p)
            guard !a.isEmpty else { return false }
            h.u16(id); h.u64(UInt64(a.count))
            for x in a { E.write(x, into: &h) }
            return true
        }
    }

    /// A column every scenario uses (the clock, the RNG, the trainee).
    public static func always(_ id: UInt16, _ name: String,
                              _ body: @escaping @Sendable (UnsafePointer<State>, inout StateHasher) -> Void) -> StateColumn {
        StateColumn(id: id, name: name) { p, h in h.u16(id); body(p, &h); return true }
    }

    /// A part some scenarios have (a gas field, a fluid network): used when `present`.
    public static func part(_ id: UInt16, _ name: String, present: @escaping @Sendable (UnsafePointer<State>) -> Bool,
                            _ body: @escaping @Sendable (UnsafePointer<State>, inout StateHasher) -> Void) -> StateColumn {
        StateColumn(id: id, name: name) { p, h in
            guard present(p) else { return false }
            h.u16(id); body(p, &h)
            return true
        }
    }
}

extension State {
    /// The hash in the current format (`StateHashFormat.current`).
    public var hash: UInt64 { hash(columns: State.columns) }

    /// The hash in `format`, or nil for a format this engine does not know.
    public func hash(format: Int) -> UInt64? {
        switch format {
        case 1: return legacyHashFormat1
        case 2: return hash
        default: return nil
        }
    }

    /// Format 2 over `columns` in their order (a test passes the table with a column added).
    public func hash(columns: [StateColumn]) -> UInt64 {
        withUnsafePointer(to: self) { p in
            var h = StateHasher()
            for c in columns { _ = c.write(p, &h) }
            return h.value
        }
    }

    /// Names of the columns this state uses, in hash order (the columns its hash covers).
    public var usedColumns: [String] {
        withUnsafePointer(to: self) { p in
            State.columns.compactMap { c in var h = StateHasher(); return c.write(p, &h) ? c.name : nil }
        }
    }

    /// Stored properties that are not columns, and why: constants of the model or values
    /// derived each tick from hashed columns. `StateColumnTests` checks that every stored
    /// property of `State` is a column or listed here.
    public static let unhashedFields: [(name: String, why: String)] = [
        ("secondsPerTick", "a constant of the model"),
        ("tankHeight", "a constant of the model"),
        ("traineeAir", "derived each tick from the gas field and the trainee's position"),
        ("traineeAirOxygen", "derived each tick from the gas field and the trainee's position"),
        ("electricalScratch", "buffers for energising and interlock checks, overwritten before every read"),
    ]

    /// Hash format 2's columns, in ascending id order. Append new columns with new ids; never
    /// renumber (the id is in the hashed bytes).
    public static let columns: [StateColumn] = [
        .always(1, "tick") { p, h in h.i64(p.pointee.tick) },
        .always(2, "rng") { p, h in let r = p.pointee.rng; h.u64(r.s0); h.u64(r.s1); h.u64(r.s2); h.u64(r.s3) },
        .always(3, "endReason") { p, h in h.i32(p.pointee.endReason.rawValue) },
        .always(4, "endHazard") { p, h in h.i32(p.pointee.endHazard) },
        .always(5, "traineeZone") { p, h in h.i32(p.pointee.traineeZone) },
        .always(6, "traineePosition") { p, h in
            let v = p.pointee.traineePosition; h.f64(v.x); h.f64(v.y); h.f64(v.z)
        },
        .always(7, "traineeInjuries") { p, h in h.i32(p.pointee.traineeInjuries) },
        .always(8, "traineeDead") { p, h in h.byte(p.pointee.traineeDead) },
        .always(9, "traineeIncapacitated") { p, h in h.byte(p.pointee.traineeIncapacitated) },

        .array(10, "lockOwner") { $0.pointee.lockOwner },
        .array(11, "tagged") { $0.pointee.tagged },
        .array(12, "inspections") { $0.pointee.inspections },

        .array(20, "tankVolume") { $0.pointee.tankVolume },
        .array(21, "tankLevel") { $0.pointee.tankLevel },
        .array(22, "tankFill") { $0.pointee.tankFill },
        .array(23, "tankInflow") { $0.pointee.tankInflow },
        .array(24, "tankOutflow") { $0.pointee.tankOutflow },
        .array(25, "tankLeakRate") { $0.pointee.tankLeakRate },
        .array(26, "tankOverflowing") { $0.pointee.tankOverflowing },
        .part(27, "fluid", present: { $0.pointee.fluid != nil }) { p, h in p.pointee.fluid?.hash(into: &h) },
        .array(28, "tankPressure") { $0.pointee.tankPressure },
        .array(29, "tankGasPressure") { $0.pointee.tankGasPressure },
        .array(30, "tankLeaked") { $0.pointee.tankLeaked },
        .array(31, "lineReliefOpen") { $0.pointee.lineReliefOpen },

        .array(40, "valvePosition") { $0.pointee.valvePosition },
        .array(41, "valveTarget") { $0.pointee.valveTarget },
        .array(42, "valveStuck") { $0.pointee.valveStuck },
        .array(43, "valveFlow") { $0.pointee.valveFlow },

        .array(50, "switchClosed") { $0.pointee.switchClosed },
        .array(51, "switchTarget") { $0.pointee.switchTarget },
        .array(52, "switchPending") { $0.pointee.switchPending },
        .array(53, "switchTripped") { $0.pointee.switchTripped },

        .array(60, "motorRunning") { $0.pointee.motorRunning },
        .array(61, "motorTripped") { $0.pointee.motorTripped },
        .array(62, "lineFlow") { $0.pointee.lineFlow },

        .array(70, "sensorValue") { $0.pointee.sensorValue },
        .array(71, "sensorFailure") { $0.pointee.sensorFailure },
        .array(72, "sensorHistory") { $0.pointee.sensorHistory },
        .array(73, "sensorHistoryHead") { $0.pointee.sensorHistoryHead },
        .array(74, "alarmActive") { $0.pointee.alarmActive },
        .array(75, "alarmAcknowledged") { $0.pointee.alarmAcknowledged },
        .array(76, "timerRunning") { $0.pointee.timerRunning },
        .array(77, "timerElapsed") { $0.pointee.timerElapsed },
        .array(78, "timerDone") { $0.pointee.timerDone },
        .array(79, "ppeWorn") { $0.pointee.ppeWorn },
        .array(80, "contactReports") { $0.pointee.contactReports },

        .array(90, "faultTick") { $0.pointee.faultTick },
        .array(91, "faultFired") { $0.pointee.faultFired },
        .array(92, "hazardActive") { $0.pointee.hazardActive },
        .array(93, "hazardCount") { $0.pointee.hazardCount },
        .array(94, "exprMemory") { $0.pointee.exprMemory },

        .array(100, "busLive") { $0.pointee.busLive },
        .array(101, "busEarthed") { $0.pointee.busEarthed },
        .array(102, "busVoltage") { $0.pointee.busVoltage },
        .array(103, "supplyLive") { $0.pointee.supplyLive },
        .array(104, "loadSupplied") { $0.pointee.loadSupplied },
        .array(105, "indicatorLit") { $0.pointee.indicatorLit },
        .array(106, "branchClosedSeen") { $0.pointee.branchClosedSeen },
        // Format 1 also hashed per-point lock and tag arrays that were always zero (the
        // step's locks are `lockOwner` and `tagged`); they are gone from IsolationState.
        .part(107, "isolation", present: { $0.pointee.isolation != nil }) { p, h in
            guard let iso = p.pointee.isolation else { return }
            h.u64(UInt64(iso.safe.count)); for x in iso.safe { h.byte(x) }
            h.u64(UInt64(iso.isolated.count)); for x in iso.isolated { h.byte(x) }
            h.u64(UInt64(iso.residual.count)); for x in iso.residual { h.f64(x) }
            h.u64(UInt64(iso.verified.count)); for x in iso.verified { h.byte(x) }
        },
        .part(108, "ticket", present: { $0.pointee.ticket != nil }) { p, h in p.pointee.ticket?.hash(into: &h) },

        .part(110, "gas", present: { $0.pointee.gas != nil }) { p, h in p.pointee.gas?.hash(into: &h) },
        .array(111, "openingOpen") { $0.pointee.openingOpen },
        .array(112, "leakRate") { $0.pointee.leakRate },
        .array(113, "detectorValue") { $0.pointee.detectorValue },
        .array(114, "hotworkActive") { $0.pointee.hotworkActive },
        .array(115, "traineeConcentration") { $0.pointee.traineeConcentration },
        .array(116, "traineeDose") { $0.pointee.traineeDose },
        .array(117, "traineeAboveIDLH") { $0.pointee.traineeAboveIDLH },
        .array(118, "traineeStelExceeded") { $0.pointee.traineeStelExceeded },
        .part(119, "traineeOxygen", present: { $0.pointee.gas != nil }) { p, h in h.f64(p.pointee.traineeOxygen) },
        .part(120, "traineeLowOxygenTicks", present: { $0.pointee.gas != nil }) { p, h in h.i64(p.pointee.traineeLowOxygenTicks) },

        .part(130, "reactors", present: { !$0.pointee.reactors.isEmpty }) { p, h in
            h.u64(UInt64(p.pointee.reactors.count))
            for r in p.pointee.reactors { r.hash(into: &h) }
        },
    ] + CompressorState.columns

    /// Format 1, kept to check trailers recorded before format 2 (`hash(format: 1)`).
    /// Its field order is the format; never change it.
    var legacyHashFormat1: UInt64 {
        var h = StateHasher()
        h.i64(tick)
        h.u64(rng.s0); h.u64(rng.s1); h.u64(rng.s2); h.u64(rng.s3)
        h.i32(endReason.rawValue); h.i32(endHazard); h.i32(traineeZone)
        h.f64(traineePosition.x); h.f64(traineePosition.y); h.f64(traineePosition.z)
        h.array(lockOwner); h.array(tagged); h.array(inspections)
        h.array(tankVolume); h.array(tankLevel); h.array(tankFill); h.array(tankInflow)
        h.array(tankOutflow); h.array(tankLeakRate); h.array(tankOverflowing)
        h.array(valvePosition); h.array(valveTarget); h.array(valveStuck); h.array(valveFlow)
        h.array(switchClosed); h.array(switchTarget); h.array(switchPending); h.array(switchTripped)
        h.array(motorRunning); h.array(motorTripped); h.array(lineFlow)
        h.array(sensorValue); h.array(sensorFailure); h.array(sensorHistory); h.array(sensorHistoryHead)
        h.array(alarmActive); h.array(alarmAcknowledged)
        h.array(timerRunning); h.array(timerElapsed); h.array(timerDone)
        h.array(ppeWorn); h.array(contactReports)
        h.array(faultTick); h.array(faultFired); h.array(hazardActive); h.array(hazardCount)
        h.array(exprMemory)
        h.array(busLive); h.array(busEarthed); h.array(busVoltage); h.array(supplyLive)
        h.array(loadSupplied); h.array(indicatorLit); h.array(branchClosedSeen)
        h.byte(isolation == nil ? 0 : 1)
        isolation?.legacyHash(into: &h)
        h.i32(traineeInjuries); h.byte(traineeDead); h.byte(traineeIncapacitated)
        h.byte(gas == nil ? 0 : 1)
        gas?.hash(into: &h)
        h.array(openingOpen); h.array(leakRate); h.array(detectorValue); h.array(hotworkActive)
        h.array(traineeConcentration); h.array(traineeDose); h.array(traineeAboveIDLH); h.array(traineeStelExceeded)
        h.f64(traineeOxygen); h.i64(traineeLowOxygenTicks)
        h.byte(fluid == nil ? 0 : 1)
        fluid?.hash(into: &h)
        h.array(tankPressure); h.array(tankGasPressure); h.array(tankLeaked); h.array(lineReliefOpen)
        h.u64(UInt64(reactors.count))
        for r in reactors { r.hash(into: &h) }
        ticket?.hash(into: &h)
        return h.value
    }
}
