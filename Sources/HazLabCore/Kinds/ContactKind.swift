/// Someone the trainee reports to (control room, supervisor).
extension KindDescriptor {
    public static let contact = KindDescriptor(
        kind: .contact, name: "contact", label: zhEn("联系人", "contact"),
        types: [TypeWord("contact", zhEn("联系人", "contact"))],
        verbs: [.report],
        fields: [field("reported", .contactReported, .bool, "reported to at least once"),
                 field("reports", .contactReports, .number(.none), "number of reports")]
    )
}
