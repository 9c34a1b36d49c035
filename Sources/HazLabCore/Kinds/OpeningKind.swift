/// A door, window or manway of the gas model: open, it lets air through.
extension KindDescriptor {
    public static let opening = KindDescriptor(
        kind: .opening, name: "opening", label: zhEn("门窗/人孔", "door / window"),
        types: [TypeWord("door", zhEn("门/人孔", "door")),
                TypeWord("window", zhEn("窗", "window"))],
        keys: [KeySpec("face", .oneOf(KindDescriptor.faces), "outer wall it is in, to fresh air: x-, x+, y-, y+, z- (floor) or z+ (roof)"),
               KeySpec("between", .list(.identifier), "the two gas rooms it joins, [roomA, roomB], or [room, outside] with 'face'"),
               KeySpec("open", .boolean, "initially open")],
        verbs: [.open, .close],
        fields: [field("open", .openingOpen, .bool, "the door or window is open")]
    )
}
