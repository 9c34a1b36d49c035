/// A live-line indicator (带电显示器) showing a bus's voltage.
extension KindDescriptor {
    public static let indicator = KindDescriptor(
        kind: .indicator, name: "indicator", label: zhEn("指示器", "indicator"),
        types: [TypeWord("indicator", zhEn("指示器", "indicator"))],
        keys: [KeySpec("bus", .identifier, required: true, "bus whose voltage it shows (带电显示器)")],
        verbs: [.measure, .inspect],
        words: [VerbWord(.measure, zhEn("验电", "Test for voltage"))],
        fields: [field("lit", .indicatorLit, .bool, "the voltage indicator shows live")]
    )
}
