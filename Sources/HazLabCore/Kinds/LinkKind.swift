/// A fixed connection between two buses.
extension KindDescriptor {
    public static let link = KindDescriptor(
        kind: .link, name: "link", label: zhEn("连接", "link"),
        types: [TypeWord("link", zhEn("连接", "link"))],
        keys: [KeySpec("from", .identifier, required: true, "bus"), KeySpec("to", .identifier, required: true, "bus")],
        verbs: [],
        fields: []
    )
}
