/// A clock the scenario or the trainee starts (a task that takes time).
extension KindDescriptor {
    public static let timer = KindDescriptor(
        kind: .timer, name: "timer", label: zhEn("计时器/作业项", "timer"),
        types: [TypeWord("timer", zhEn("计时器/作业项", "timer"))],
        keys: [KeySpec("duration", .quantity(.time), required: true, "time until done"),
               KeySpec("startWhen", .expression(boolean: true), "starts when this becomes true")],
        verbs: [.start, .stop, .reset],
        fields: [field("running", .timerRunning, .bool, "counting"),
                 field("elapsed", .timerElapsed, .number(.time), "time counted"),
                 field("done", .timerDone, .bool, "elapsed reached duration")]
    )
}
