/// Something drawing from a bus.
extension KindDescriptor {
    public static let load = KindDescriptor(
        kind: .load, name: "load", label: zhEn("负荷", "load"),
        types: [TypeWord("load", zhEn("负荷", "load"))],
        keys: [KeySpec("bus", .identifier, required: true, "bus it draws from"),
               KeySpec("power", .quantity(.power), "rated power")],
        verbs: [.measure, .inspect],
        words: [VerbWord(.measure, zhEn("验电", "Test for voltage"))],
        fields: [field("supplied", .loadSupplied, .bool, "the load has supply")]
    )
}
