/// A hazardous energy source isolated by valves, switches and motors (lockout-tagout).
extension KindDescriptor {
    public static let energy = KindDescriptor(
        kind: .energy, name: "energy", label: zhEn("能量源", "energy source"),
        types: [TypeWord("energy", zhEn("能量源", "energy source"))],
        keys: [KeySpec("kind", .oneOf(EnergyKind.allCases.map(\.name)), required: true, "electrical, hydraulic, pneumatic, thermal, spring, flywheel or gravity"),
               KeySpec("magnitude", .quantity(.none), required: true, "V, Pa (gauge), K above ambient, or J, by kind"),
               KeySpec("zones", .list(.identifier), required: true, "danger zones: anyone there is hurt if it is released"),
               KeySpec("residual", .quantity(.none), "stored energy left after isolation (default: all of it, 0 for electrical)"),
               KeySpec("decayTime", .quantity(.time), "natural decay time constant of the residual"),
               KeySpec("zeroThreshold", .quantity(.none), "residual at or below which zero energy can be verified")],
        verbs: [.verify, .inspect],
        words: [VerbWord(.verify, zhEn("验证零能量", "Verify zero energy"))],
        fields: [field("isolated", .energyIsolated, .bool, "every isolation point is in its safe position"),
                 field("verified", .energyVerified, .bool, "zero energy verified and still isolated"),
                 field("residual", .energyResidual, .number(.none), "stored energy left, in the source's own unit")]
    )
}
