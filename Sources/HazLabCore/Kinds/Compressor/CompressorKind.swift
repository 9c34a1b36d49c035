/// A refrigeration compressor (制冷压缩机), e.g. the screw compressor of an ammonia plant.
/// Running, it holds its discharge at the design pressure; throttling or closing its discharge
/// valve drives the discharge toward the dead-head pressure, and the high-pressure cut-out
/// (高压保护) trips it. Stopped, the discharge settles back to the suction pressure.
/// Model: `CompressorTable`; state: `CompressorState`; stage: `CompressorStage`.
extension KindDescriptor {
    public static let compressor = KindDescriptor(
        kind: .compressor, name: "compressor", label: zhEn("压缩机", "compressor"),
        types: [TypeWord("compressor", zhEn("压缩机", "compressor"))],
        keys: [KeySpec("running", .boolean, "initially running"),
               KeySpec("dischargeValve", .identifier, "valve on its discharge: closing it while running drives the pressure up"),
               KeySpec("suctionPressure", .quantity(.pressure), "gauge pressure the discharge settles to when stopped (default 0.15 MPa)"),
               KeySpec("dischargePressure", .quantity(.pressure), "gauge discharge pressure running with the valve open (default 1.2 MPa)"),
               KeySpec("deadheadPressure", .quantity(.pressure), "gauge discharge pressure it would reach against a closed valve (default 2.5 MPa)"),
               KeySpec("tripPressure", .quantity(.pressure), "high-pressure cut-out setting (default 1.6 MPa)"),
               KeySpec("responseTime", .quantity(.time), "time constant of the discharge pressure (default 20 s)")],
        verbs: [.start, .stop, .reset, .inspect],
        words: [VerbWord(.start, zhEn("启动压缩机", "Start compressor")),
                VerbWord(.stop, zhEn("停止压缩机", "Stop compressor")),
                VerbWord(.reset, zhEn("复位（高压停机后）", "Reset high-pressure trip"))],
        lockable: true,
        fields: [field("running", .compressorRunning, .bool, "running"),
                 field("stopped", .compressorStopped, .bool, "not running"),
                 field("tripped", .compressorTripped, .bool, "stopped by the high-pressure cut-out; needs reset"),
                 field("dischargePressure", .compressorDischargePressure, .number(.pressure), "gauge discharge pressure")],
        trippedField: .compressorTripped
    )
}
