/// Hot work (welding, cutting): an ignition source while active.
extension KindDescriptor {
    public static let hotwork = KindDescriptor(
        kind: .hotwork, name: "hotwork", label: zhEn("动火点", "hot work"),
        types: [TypeWord("hotwork", zhEn("动火点", "hot work"))],
        verbs: [.stop, .start, .inspect],
        words: [VerbWord(.start, zhEn("开始动火", "Start hot work")),
                VerbWord(.stop, zhEn("停止动火", "Stop hot work"))],
        fields: [field("active", .hotworkActive, .bool, "hot work in progress (an ignition source)")]
    )
}
