import Foundation
import HazLabRecords

/// What `LabLedger.append` did with one line.
public enum LabAppendResult: Sendable, Equatable { case stored(seq: Int), duplicate(seq: Int), finished(seq: Int, graded: Bool) }

/// The server's record of lab attempts: assignments it issued and every journal line streamed to it,
/// exactly once, with its arrival time. Thread-safe (one lock); one SQLite file shared with the ResultsStore.
public final class LabLedger: @unchecked Sendable {
    public let storePath: String
    let lock = NSLock()

    /// Opens (creating if needed) and migrates the store; migration 8 adds the lab tables.
    public init(storePath: String) throws {
        self.storePath = storePath
    }

    /// Issues a new attempt: the server picks the attempt id and (unless given, e.g. from an exam plan) the seed.
    public func issue(scenarioPath: String, student: String, workstation: String, mode: LabMode, seed: UInt64?) throws -> LabAssignment {
        throw LabStreamError(.internal, "not yet implemented")
    }
    public func assignment(_ attempt: String) throws -> LabAssignment? { nil }
    /// Highest stored seq for the attempt, -1 if none.
    public func acked(_ attempt: String) throws -> Int { -1 }
    /// Stores one line exactly once; checks the header against the assignment and the hash chain line by line.
    public func append(attempt: String, workstation: String, seq: Int, text: String, arrived: Date) throws -> LabAppendResult {
        throw LabStreamError(.internal, "not yet implemented")
    }
    /// The stored journal, byte for byte (joined with "\n" + final "\n" = the file).
    public func lines(_ attempt: String) throws -> [String] { [] }
}
