/// An instrument reading an expression, with delay, noise, range and failure modes.
extension KindDescriptor {
    public static let sensor = KindDescriptor(
        kind: .sensor, name: "sensor", label: zhEn("传感器", "sensor"),
        types: [TypeWord("sensor", zhEn("传感器", "sensor"))],
        keys: [KeySpec("measures", .expression(boolean: false), required: true, "what it measures"),
               KeySpec("noise", .quantity(.none), "noise standard deviation, in the measured unit"),
               KeySpec("delay", .quantity(.time), "transport/response delay"),
               KeySpec("range", .list(.quantity(.none)), "[low, high] of the instrument")],
        verbs: [.measure, .inspect],
        fields: [field("value", .sensorValue, nil, "reading (delayed, noisy, maybe failed)"),
                 field("failed", .sensorFailed, .bool, "in a failure mode")]
    )
}
