/// A source feeding a bus (a grid incomer or a transformer secondary).
extension KindDescriptor {
    public static let supply = KindDescriptor(
        kind: .supply, name: "supply", label: zhEn("电源", "supply"),
        types: [TypeWord("supply", zhEn("电源", "supply"))],
        keys: [KeySpec("bus", .identifier, required: true, "bus it feeds"),
               KeySpec("voltage", .quantity(.voltage), required: true, "nominal voltage"),
               KeySpec("fedFrom", .identifier, "for a transformer secondary: the bus of its primary")],
        verbs: [.measure, .inspect],
        words: [VerbWord(.measure, zhEn("验电", "Test for voltage"))],
        fields: [field("live", .supplyLive, .bool, "the supply is available")]
    )
}
