/// The compressors' columns of `State`, by compressor row.
public struct CompressorState: Sendable, Hashable {
    public var running: ContiguousArray<UInt8>
    public var tripped: ContiguousArray<UInt8>
    /// Gauge, Pa.
    public var dischargePressure: ContiguousArray<Double>

    init(_ t: CompressorTable) {
        running = ContiguousArray(t.initialRunning.map { $0 ? 1 : 0 })
        tripped = ContiguousArray(repeating: 0, count: t.count)
        dischargePressure = ContiguousArray((0..<t.count).map { t.initialRunning[$0] ? t.dischargePressure[$0] : t.suctionPressure[$0] })
    }

    /// Its hash format 2 column (id 140); a scenario without compressors hashes nothing of it.
    static let columns: [StateColumn] = [
        .part(140, "compressors", present: { !$0.pointee.compressors.running.isEmpty }) { p, h in
            let c = p.pointee.compressors
            h.u64(UInt64(c.running.count))
            for i in 0..<c.running.count { h.byte(c.running[i]); h.byte(c.tripped[i]); h.f64(c.dischargePressure[i]) }
        },
    ]

    /// Reads a compressor field (row `i`).
    @inline(__always)
    static func read(_ p: UnsafePointer<State>, _ kind: FieldKind, _ i: Int) -> Double {
        switch kind {
        case .compressorRunning: return Double(p.pointee.compressors.running[i])
        case .compressorStopped: return State.flag(p.pointee.compressors.running[i] == 0)
        case .compressorTripped: return Double(p.pointee.compressors.tripped[i])
        case .compressorDischargePressure: return p.pointee.compressors.dischargePressure[i]
        default: return 0
        }
    }
}
