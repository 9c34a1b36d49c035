/// The readable fields of each entity kind, by the name used in expressions (`TK101.level`).
public struct FieldSpec: Sendable {
    public var name: String
    public var kind: FieldKind
    /// nil means "the dimension of what the sensor measures".
    public var type: ValueType?
    /// Indexed by entity row rather than by the kind's own table row.
    public var byEntity: Bool
    public var help: String
}

public enum FieldCatalog {
    private static func f(_ name: String, _ kind: FieldKind, _ type: ValueType?, byEntity: Bool = false, _ help: String) -> FieldSpec {
        FieldSpec(name: name, kind: kind, type: type, byEntity: byEntity, help: help)
    }

    static let common: [FieldSpec] = [
        f("inspected", .entityInspected, .bool, byEntity: true, "inspected or measured at least once"),
        f("inspections", .entityInspections, .number(.none), byEntity: true, "number of inspect/measure actions"),
    ]
    static let lockable: [FieldSpec] = [
        f("locked", .entityLocked, .bool, byEntity: true, "a personal lock is applied"),
        f("tagged", .entityTagged, .bool, byEntity: true, "a danger tag is hung"),
    ]

    public static func fields(of kind: EntityKind, lockable isLockable: Bool) -> [FieldSpec] {
        var list: [FieldSpec]
        switch kind {
        case .tank:
            list = [f("level", .tankLevel, .number(.length), "liquid level"),
                    f("volume", .tankVolume, .number(.volume), "liquid volume"),
                    f("fill", .tankFill, .number(.none), "level / height, 0..1"),
                    f("inflow", .tankInflow, .number(.volumeFlow), "total inflow"),
                    f("outflow", .tankOutflow, .number(.volumeFlow), "total outflow incl. leaks"),
                    f("height", .tankHeight, .number(.length), "shell height"),
                    f("overflowing", .tankOverflowing, .bool, "spilling over the top"),
                    f("pressure", .tankPressure, .number(.pressure), "absolute pressure at the bottom"),
                    f("gasPressure", .tankGasPressure, .number(.pressure), "absolute pressure of the gas space")]
        case .valve:
            list = [f("opening", .valvePosition, .number(.none), "opening, 0..1"),
                    f("position", .valvePosition, .number(.none), "opening, 0..1 (same as opening)"),
                    f("open", .valveOpen, .bool, "fully open"),
                    f("closed", .valveClosed, .bool, "fully closed"),
                    f("stuck", .valveStuck, .bool, "stuck by a fault"),
                    f("moving", .valveMoving, .bool, "stroking toward its target"),
                    f("flow", .valveFlow, .number(.volumeFlow), "flow through it")]
        case .switchgear:
            list = [f("closed", .switchClosed, .bool, "contacts closed"),
                    f("open", .switchOpen, .bool, "contacts open"),
                    f("tripped", .switchTripped, .bool, "tripped by protection or a fault"),
                    f("operating", .switchOperating, .bool, "operation in progress")]
        case .motor:
            list = [f("running", .motorRunning, .bool, "running"),
                    f("stopped", .motorStopped, .bool, "not running"),
                    f("tripped", .motorTripped, .bool, "tripped; needs reset")]
        case .sensor:
            list = [f("value", .sensorValue, nil, "reading (delayed, noisy, maybe failed)"),
                    f("failed", .sensorFailed, .bool, "in a failure mode")]
        case .alarm:
            list = [f("active", .alarmActive, .bool, "condition present"),
                    f("acknowledged", .alarmAcknowledged, .bool, "active and acknowledged"),
                    f("unacknowledged", .alarmUnacknowledged, .bool, "active and not acknowledged")]
        case .timer:
            list = [f("running", .timerRunning, .bool, "counting"),
                    f("elapsed", .timerElapsed, .number(.time), "time counted"),
                    f("done", .timerDone, .bool, "elapsed reached duration")]
        case .ppe:
            list = [f("worn", .ppeWorn, .bool, "worn by the trainee")]
        case .zone:
            list = [f("occupied", .zoneOccupied, .bool, byEntity: true, "the trainee is here")]
        case .contact:
            list = [f("reported", .contactReported, .bool, "reported to at least once"),
                    f("reports", .contactReports, .number(.none), "number of reports")]
        case .bus:
            list = [f("live", .busLive, .bool, "connected to a live supply"),
                    f("dead", .busLive, .bool, "not live (same as not live)"),
                    f("earthed", .busEarthed, .bool, "connected to earth"),
                    f("voltage", .busVoltage, .number(.voltage), "nominal voltage when live, else 0"),
                    f("faulted", .busFaulted, .bool, "live and earthed: a short circuit")]
            list.remove(at: 1)
        case .supply:
            list = [f("live", .supplyLive, .bool, "the supply is available")]
        case .load:
            list = [f("supplied", .loadSupplied, .bool, "the load has supply")]
        case .indicator:
            list = [f("lit", .indicatorLit, .bool, "the voltage indicator shows live")]
        case .link:
            list = []
        case .opening:
            list = [f("open", .openingOpen, .bool, "the door or window is open"),
                    f("closed", .openingOpen, .bool, "closed")]
            list.remove(at: 1)
        case .leak:
            list = [f("rate", .leakRate, .number(.volumeFlow), "set release rate of pure gas, before any upstream valve"),
                    f("active", .leakActive, .bool, "set rate above zero (an upstream valve may still hold it back)")]
        case .detector:
            list = [f("value", .detectorValue, nil, "reading: fraction of LEL (write %LEL) or volume fraction (ppm, %)")]
        case .hotwork:
            list = [f("active", .hotworkActive, .bool, "hot work in progress (an ignition source)")]
        case .reactor:
            list = [f("temperature", .reactorTemperature, .number(.temperature), "reaction mass temperature"),
                    f("jacketTemperature", .reactorJacketTemperature, .number(.temperature), "cooling jacket temperature"),
                    f("concentration", .reactorConcentration, .number(Dimension(length: -3, amount: 1)), "reactant concentration"),
                    f("rate", .reactorRate, .number(Dimension(length: -3, time: -1, amount: 1)), "reaction rate"),
                    f("heatRelease", .reactorHeatRelease, .number(.power), "heat released by the reaction"),
                    f("coolingDuty", .reactorJacketDuty, .number(.power), "heat removed by the jacket"),
                    f("mtsr", .reactorMTSR, .number(.temperature), "maximum temperature of the synthesis reaction (cooling lost now)"),
                    f("volume", .reactorVolume, .number(.volume), "reaction mass volume")]
        case .energy:
            list = [f("isolated", .energyIsolated, .bool, "every isolation point is in its safe position"),
                    f("verified", .energyVerified, .bool, "zero energy verified and still isolated"),
                    f("residual", .energyResidual, .number(.none), "stored energy left, in the source's own unit")]
        }
        if isLockable { list += lockable }
        return list + common
    }

    /// Fields of the built-in `trainee` (readable as `trainee.injured` and so on).
    public static let trainee: [FieldSpec] = [
        f("injuries", .traineeInjuries, .number(.none), "number of accidents that hurt the trainee"),
        f("injured", .traineeInjured, .bool, "hurt at least once"),
        f("dead", .traineeDead, .bool, "killed (arc flash, shock, explosion, fatal exposure)"),
        f("incapacitated", .traineeIncapacitated, .bool, "overcome by gas or lack of oxygen"),
        f("oxygen", .traineeOxygen, .number(.none), "oxygen fraction inhaled, after breathing apparatus (write %)"),
        f("oxygen_inhaled", .traineeOxygen, .number(.none), "same as oxygen"),
        f("oxygen_air", .traineeAirOxygen, .number(.none), "oxygen fraction in the air at the breathing zone, before PPE (write %)"),
    ]

    /// Per-gas fields of the `trainee`, for each species `G` in `gas.species`.
    public static func traineeGas(_ g: String) -> [(name: String, kind: FieldKind, type: ValueType, help: String)] {
        [(g, .traineeConcentration, .number(.none), "\(g) fraction inhaled, after PPE (write ppm or %)"),
         (g + "_inhaled", .traineeConcentration, .number(.none), "same as \(g)"),
         (g + "_air", .traineeAirConcentration, .number(.none), "\(g) fraction in the air at the breathing zone, before PPE"),
         (g + "_dose", .traineeDose, .number(.time), "\(g) inhaled dose, fraction × s (write ppm·min as `trainee.\(g)_dose / 1 min`, in ppm)")]
    }
    /// Fields of the built-in `ticket`, the scenario's operating ticket (`ticket.next` and so on).
    public static let ticket: [FieldSpec] = [
        f("next", .ticketNext, .number(.none), "number of the next ticket step (1 = the first; steps + 1 when complete)"),
        f("done", .ticketDone, .bool, "every ticket step done"),
        f("completed", .ticketCompleted, .number(.none), "ticket steps done, in order or not"),
        f("deviations", .ticketDeviations, .number(.none), "operations off the ticket that went through (rule 1 disabled, or items done ahead of their turn)"),
        f("blocked", .ticketBlocked, .number(.none), "operations off the ticket that the five-prevention rule 1 stopped"),
    ]

    /// Entity kinds that take locks and tags.
    public static func isLockable(_ kind: EntityKind) -> Bool {
        kind == .valve || kind == .switchgear || kind == .motor
    }
}
