/// A vessel holding liquid: level from inflow and outflow; with `closed`, a gas blanket.
extension KindDescriptor {
    public static let tank = KindDescriptor(
        kind: .tank, name: "tank", label: zhEn("储罐", "tank"),
        types: [TypeWord("tank", zhEn("储罐", "tank"))],
        keys: [KeySpec("area", .quantity(.area), required: true, "cross-section area"),
               KeySpec("height", .quantity(.length), required: true, "shell height"),
               KeySpec("level", .quantity(.length), "initial level"),
               KeySpec("elevation", .quantity(.length), "height of the tank bottom above grade"),
               KeySpec("closed", .boolean, "closed vessel with a gas blanket (default: open to atmosphere)"),
               KeySpec("blanketPressure", .quantity(.pressure), "closed vessel: initial gauge pressure of the gas space")],
        verbs: [.measure, .inspect],
        fields: [field("level", .tankLevel, .number(.length), "liquid level"),
                 field("volume", .tankVolume, .number(.volume), "liquid volume"),
                 field("fill", .tankFill, .number(.none), "level / height, 0..1"),
                 field("inflow", .tankInflow, .number(.volumeFlow), "total inflow"),
                 field("outflow", .tankOutflow, .number(.volumeFlow), "total outflow incl. leaks"),
                 field("height", .tankHeight, .number(.length), "shell height"),
                 field("overflowing", .tankOverflowing, .bool, "spilling over the top"),
                 field("pressure", .tankPressure, .number(.pressure), "absolute pressure at the bottom"),
                 field("gasPressure", .tankGasPressure, .number(.pressure), "absolute pressure of the gas space")]
    )
}
