/// A place the trainee stands in; equipment with a `zone` is operated from there.
extension KindDescriptor {
    public static let zone = KindDescriptor(
        kind: .zone, name: "zone", label: zhEn("区域", "zone"),
        types: [TypeWord("zone", zhEn("区域", "zone"))],
        keys: [KeySpec("compartment", .list(.identifier), "buses inside, if the zone is a switchgear compartment"),
               KeySpec("requireEarthed", .boolean, "entry needs the compartment earthed, not only dead (default true)")],
        verbs: [.moveTo],
        fields: [field("occupied", .zoneOccupied, .bool, byEntity: true, "the trainee is here")]
    )
}
