import Foundation

/// A position in a source file. Lines and columns are 1-based; columns count Unicode scalars.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The location `offset` scalars to the right on the same line.
    public func advanced(by offset: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + offset)
    }

    public var description: String { "\(file):\(line):\(column)" }
}

public enum Severity: String, Sendable, Comparable {
    case warning, error
    public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
}

/// One compiler message, printed as `path:line:col: error: message`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible, Error {
    public var location: SourceLocation
    public var severity: Severity
    public var message: String

    public init(_ severity: Severity, _ location: SourceLocation, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    public static func error(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.error, location, message)
    }

    public static func warning(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.warning, location, message)
    }

    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// Collects every diagnostic of one pass; compilation never stops at the first error.
public struct DiagnosticBag: Sendable {
    public private(set) var items: [Diagnostic] = []
    public init() {}
    public mutating func error(_ at: SourceLocation, _ message: String) { items.append(.error(at, message)) }
    public mutating func warning(_ at: SourceLocation, _ message: String) { items.append(.warning(at, message)) }
    public mutating func append(_ d: Diagnostic) { items.append(d) }
    public mutating func append<S: Sequence>(contentsOf ds: S) where S.Element == Diagnostic { items.append(contentsOf: ds) }
    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { items.filter { $0.severity == .warning } }
    /// Sorted by file, line, column; stable for equal positions.
    public var sorted: [Diagnostic] {
        items.enumerated().sorted { a, b in
            let x = a.element.location, y = b.element.location
            if x.file != y.file { return x.file < y.file }
            if x.line != y.line { return x.line < y.line }
            if x.column != y.column { return x.column < y.column }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// Bounds on what a scenario may ask of every replay of it.
public enum ScenarioLimits {
    /// Environment variable that raises (or lowers) `maxTicksPerAttempt`.
    public static let maxTicksVariable = "HAZLAB_MAX_TICKS"
    /// Default: 360 000 ticks per attempt (1 h at 100 Hz, 10 h at 10 Hz); a replay costs time
    /// per tick, so `tickRate: 1000` with `timeLimit: 24 h` (86.4 M ticks) would take minutes.
    public static let defaultMaxTicksPerAttempt: Int64 = 360_000
    /// The limit in force: `HAZLAB_MAX_TICKS` when it is a positive integer, else the default.
    public static var maxTicksPerAttempt: Int64 {
        if let s = ProcessInfo.processInfo.environment[maxTicksVariable], let n = Int64(s), n > 0 { return n }
        return defaultMaxTicksPerAttempt
    }
}
