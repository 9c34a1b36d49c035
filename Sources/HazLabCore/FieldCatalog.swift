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

    /// The fields of an entity of `kind`: its descriptor's own, then lock and tag, then the common ones.
    public static func fields(of kind: EntityKind, lockable isLockable: Bool) -> [FieldSpec] {
        kind.descriptor.ownFields + (isLockable ? lockable : []) + common
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
    public static func isLockable(_ kind: EntityKind) -> Bool { kind.descriptor.lockable }
}
