/// A valve: opening 0..1, stroking at its stroke time; in lines and as isolation points.
extension KindDescriptor {
    public static let valve = KindDescriptor(
        kind: .valve, name: "valve", label: zhEn("阀门", "valve"),
        types: [TypeWord("valve", zhEn("阀门", "valve"))],
        keys: [KeySpec("strokeTime", .quantity(.time), "full-stroke time (0 = instant)"),
               KeySpec("opening", .number, "initial opening 0..1")],
        verbs: [.open, .close, .set, .inspect],
        lockable: true,
        fields: [field("opening", .valvePosition, .number(.none), "opening, 0..1"),
                 field("position", .valvePosition, .number(.none), "opening, 0..1 (same as opening)"),
                 field("open", .valveOpen, .bool, "fully open"),
                 field("closed", .valveClosed, .bool, "fully closed"),
                 field("stuck", .valveStuck, .bool, "stuck by a fault"),
                 field("moving", .valveMoving, .bool, "stroking toward its target"),
                 field("flow", .valveFlow, .number(.volumeFlow), "flow through it")]
    )
}
