/// A fixed gas detector at its position.
extension KindDescriptor {
    public static let detector = KindDescriptor(
        kind: .detector, name: "detector", label: zhEn("气体检测器", "gas detector"),
        types: [TypeWord("detector", zhEn("气体检测器", "gas detector"))],
        keys: [KeySpec("species", .oneOf(GasSpecies.table.map(\.name) + ["O2"]), required: true, "gas measured"),
               KeySpec("responseTime", .quantity(.time), "T90 response time"),
               KeySpec("unit", .oneOf(["%LEL", "ppm", "%vol"]), "how it reads (default: %LEL for flammables, ppm for toxics)")],
        verbs: [.measure, .inspect],
        fields: [field("value", .detectorValue, nil, "reading: fraction of LEL (write %LEL) or volume fraction (ppm, %)")]
    )
}
