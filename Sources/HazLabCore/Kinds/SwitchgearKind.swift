/// A switching device of the electrical network: breaker, disconnector, earthing switch or plain switch.
extension KindDescriptor {
    public static let switchgear = KindDescriptor(
        kind: .switchgear, name: "switch", label: zhEn("开关", "switch"),
        types: [TypeWord("switch", zhEn("开关", "switch")),
                TypeWord("breaker", zhEn("断路器", "breaker")),
                TypeWord("disconnector", zhEn("隔离开关", "disconnector")),
                TypeWord("earthing", zhEn("接地开关", "earthing switch"))],
        keys: [KeySpec("role", .oneOf(SwitchRole.allCases.map(\.name)), "breaker, disconnector, earthing or switch"),
               KeySpec("closed", .boolean, "initially closed"),
               KeySpec("operateTime", .quantity(.time), "operating time"),
               KeySpec("from", .identifier, "bus on one side (electrical network)"),
               KeySpec("to", .identifier, "bus on the other side"),
               KeySpec("bus", .identifier, "for an earthing switch: the bus it earths"),
               KeySpec("bay", .identifier, "switchgear bay (间隔) it belongs to"),
               KeySpec("explosionProof", .boolean, "rated for explosive atmospheres: operating it makes no spark")],
        verbs: [.close, .open, .reset, .inspect],
        words: [VerbWord(.close, zhEn("合闸", "Close (switch on)")),
                VerbWord(.open, zhEn("分闸", "Open (switch off)")),
                VerbWord(.reset, zhEn("复位（跳闸后）", "Reset trip"))],
        lockable: true,
        fields: [field("closed", .switchClosed, .bool, "contacts closed"),
                 field("open", .switchOpen, .bool, "contacts open"),
                 field("tripped", .switchTripped, .bool, "tripped by protection or a fault"),
                 field("operating", .switchOperating, .bool, "operation in progress")],
        trippedField: .switchTripped
    )
}
