/// A gas release at its position, started from the start or by a fault.
extension KindDescriptor {
    public static let leak = KindDescriptor(
        kind: .leak, name: "leak", label: zhEn("泄漏源", "leak"),
        types: [TypeWord("leak", zhEn("泄漏源", "leak"))],
        keys: [KeySpec("species", .oneOf(GasSpecies.table.map(\.name)), required: true, "gas released"),
               KeySpec("rate", .quantity(.volumeFlow), "release rate from the start (default 0: a fault starts it)"),
               KeySpec("valve", .identifier, "valve upstream: the release scales with its opening")],
        verbs: [.inspect],
        fields: [field("rate", .leakRate, .number(.volumeFlow), "set release rate of pure gas, before any upstream valve"),
                 field("active", .leakActive, .bool, "set rate above zero (an upstream valve may still hold it back)")]
    )
}
