/// Colours and patterns. Electrical state is told by colour *and* surface pattern, so a
/// student with red–green colour blindness can tell energized (red, diagonal stripes) from
/// isolated (green, plain) and earthed (yellow, checkerboard).
public enum Palette {
    public static let energized = V4(0.86, 0.12, 0.10, 1)
    public static let isolated = V4(0.16, 0.66, 0.24, 1)
    public static let earthed = V4(0.95, 0.78, 0.10, 1)
    public static let faulted = V4(0.85, 0.10, 0.85, 1)

    public static let floor = V4(0.55, 0.57, 0.58, 1)
    public static let wall = V4(0.80, 0.80, 0.76, 1)
    public static let steel = V4(0.62, 0.66, 0.70, 1)
    public static let darkSteel = V4(0.30, 0.33, 0.37, 1)
    public static let cabinet = V4(0.78, 0.80, 0.74, 1)
    public static let liquid = V4(0.15, 0.40, 0.85, 1)
    public static let pipeIdle = V4(0.55, 0.55, 0.55, 1)
    public static let pipeFlow = V4(0.10, 0.55, 0.95, 1)
    public static let handwheel = V4(0.80, 0.12, 0.12, 1)
    public static let running = V4(0.15, 0.75, 0.25, 1)
    public static let stopped = V4(0.45, 0.45, 0.45, 1)
    public static let tripped = V4(1.00, 0.55, 0.00, 1)
    public static let alarmOff = V4(0.35, 0.15, 0.15, 1)
    public static let alarmOn = V4(1.00, 0.10, 0.05, 1)
    public static let highlight = V4(1.00, 0.95, 0.40, 1)
    public static let tag = V4(0.90, 0.10, 0.10, 1)
    public static let lock = V4(0.95, 0.55, 0.05, 1)
    public static let ppe = V4(0.98, 0.80, 0.10, 1)
    public static let fire = V4(1.00, 0.45, 0.05, 0.85)
    public static let smoke = V4(0.20, 0.20, 0.20, 0.55)
    public static let zones: [V4] = [V4(0.55, 0.68, 0.82, 1), V4(0.62, 0.78, 0.60, 1), V4(0.74, 0.66, 0.82, 1),
                                     V4(0.58, 0.80, 0.80, 1), V4(0.80, 0.70, 0.58, 1), V4(0.82, 0.66, 0.74, 1)]

    /// Surface patterns (the shader's `pattern` uniform).
    public enum Pattern: Int32, Sendable { case plain = 0, stripes = 1, checker = 2 }

    /// Electrical state of a conductor.
    public enum Electrical: Sendable, Equatable {
        case energized, isolated, earthed, faulted
        public var color: V4 {
            switch self {
            case .energized: return Palette.energized
            case .isolated: return Palette.isolated
            case .earthed: return Palette.earthed
            case .faulted: return Palette.faulted
            }
        }
        public var pattern: Pattern {
            switch self {
            case .energized, .faulted: return .stripes
            case .isolated: return .plain
            case .earthed: return .checker
            }
        }
        public init(live: Bool, earthed: Bool) {
            self = live && earthed ? .faulted : live ? .energized : earthed ? .earthed : .isolated
        }
    }

    /// The state colour nearest to an RGB sample (by chromaticity, so shading does not matter).
    public static func nearestElectrical(r: UInt8, g: UInt8, b: UInt8) -> Electrical {
        func chroma(_ c: V4) -> V3 { let s = c.x + c.y + c.z; return V3(c.x, c.y, c.z) / max(s, 1e-6) }
        let s = Float(r) + Float(g) + Float(b)
        let q = V3(Float(r), Float(g), Float(b)) / max(s, 1e-6)
        let all: [Electrical] = [.energized, .isolated, .earthed, .faulted]
        return all.min { length(chroma($0.color) - q) < length(chroma($1.color) - q) }!
    }
}
