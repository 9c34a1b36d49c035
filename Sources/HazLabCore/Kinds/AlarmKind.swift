/// An alarm raised while its condition holds; acknowledged by the trainee.
extension KindDescriptor {
    public static let alarm = KindDescriptor(
        kind: .alarm, name: "alarm", label: zhEn("报警", "alarm"),
        types: [TypeWord("alarm", zhEn("报警", "alarm"))],
        keys: [KeySpec("when", .expression(boolean: true), required: true, "alarm condition"),
               KeySpec("priority", .oneOf(AlarmPriority.allCases.map(\.name)), "priority"),
               KeySpec("message", .localized, "alarm text")],
        verbs: [.acknowledge, .inspect],
        fields: [field("active", .alarmActive, .bool, "condition present"),
                 field("acknowledged", .alarmAcknowledged, .bool, "active and acknowledged"),
                 field("unacknowledged", .alarmUnacknowledged, .bool, "active and not acknowledged")]
    )
}
