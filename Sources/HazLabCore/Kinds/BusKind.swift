/// A node of the electrical network, live when connected to a live supply.
extension KindDescriptor {
    public static let bus = KindDescriptor(
        kind: .bus, name: "bus", label: zhEn("母线", "bus"),
        types: [TypeWord("bus", zhEn("母线", "bus"))],
        keys: [KeySpec("voltage", .quantity(.voltage), "nominal voltage (informational)")],
        verbs: [.measure, .inspect],
        words: [VerbWord(.measure, zhEn("验电", "Test for voltage"))],
        fields: [field("live", .busLive, .bool, "connected to a live supply"),
                 field("earthed", .busEarthed, .bool, "connected to earth"),
                 field("voltage", .busVoltage, .number(.voltage), "nominal voltage when live, else 0"),
                 field("faulted", .busFaulted, .bool, "live and earthed: a short circuit")]
    )
}
