/// Personal protective equipment the trainee wears (SCBA, gas mask, arc-flash suit, gloves).
extension KindDescriptor {
    public static let ppe = KindDescriptor(
        kind: .ppe, name: "ppe", label: zhEn("防护用品", "PPE"),
        types: [TypeWord("ppe", zhEn("防护用品", "PPE"))],
        keys: [KeySpec("protects", .list(.oneOf(GasSpecies.table.map(\.name) + ["O2", "all", "arc-flash", "shock"])),
               "gases it filters (a gas mask: its cartridge's gases); all = breathing air (SCBA); arc-flash (suit); shock (insulating gloves and boots)")],
        verbs: [.wear, .remove],
        fields: [field("worn", .ppeWorn, .bool, "worn by the trainee")]
    )
}
