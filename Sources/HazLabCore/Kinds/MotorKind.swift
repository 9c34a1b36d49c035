/// A pump (drives a line) or a fan (moves air in the gas model).
extension KindDescriptor {
    public static let motor = KindDescriptor(
        kind: .motor, name: "motor", label: zhEn("泵", "pump"),
        types: [TypeWord("pump", zhEn("泵", "pump")),
                TypeWord("fan", zhEn("风机", "fan"))],
        keys: [KeySpec("running", .boolean, "initially running"),
               KeySpec("power", .identifier, "switch that supplies it"),
               KeySpec("explosionProof", .boolean, "rated for explosive atmospheres: starting or stopping it makes no spark"),
               KeySpec("airflow", .quantity(.volumeFlow), "fan: air moved (gas model)"),
               KeySpec("mode", .oneOf(["extract", "supply"]), "fan: extracts at its position, or blows a jet"),
               KeySpec("direction", .oneOf(KindDescriptor.faces), "supply fan: direction it blows")],
        verbs: [.start, .stop, .reset, .inspect],
        words: [VerbWord(.reset, zhEn("复位（跳闸后）", "Reset trip"))],
        lockable: true,
        fields: [field("running", .motorRunning, .bool, "running"),
                 field("stopped", .motorStopped, .bool, "not running"),
                 field("tripped", .motorTripped, .bool, "tripped; needs reset")],
        trippedField: .motorTripped
    )
}
