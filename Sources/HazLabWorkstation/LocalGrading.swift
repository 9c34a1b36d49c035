import Foundation
import HazLabCore
import HazLabRecords
import HazLabRunner

/// What happens when an attempt ends at a workstation: the finished journal is graded by the
/// batch grader (the same code the data centre runs, so the feedback is the official score),
/// recorded in the results store, and its xAPI statements are queued in the store's outbox
/// for `hazlab export xapi` to deliver.
public enum LocalGrading {
    public struct Outcome: Sendable {
        public var record: String
        public var stateHash: String
        public var queued: Int
    }

    public static func grade(journal path: String, model: Model, scenarioPath: String, scenarioBytes: [UInt8],
                             store: String?, actor: String) throws -> Outcome {
        let set = ScenarioSet([model], sources: [model.id: (scenarioPath, scenarioBytes)])
        let out = Grader(scenarios: set).run(journals: [path])
        if let e = out.errors.first { throw LocalGradingError("local grading: \(e.journal):\(e.line):\(e.column): \(e.message)") }
        guard let rec = out.records.first else { throw LocalGradingError("local grading: no result for \(path)") }
        let json = rec.json
        let value = try JSONText.parse(Array(json.utf8))
        var queued = 0
        if let store {
            let db = try ResultsStore(path: store, create: true)
            let summary = try db.record([json], actor: actor, batch: "workstation \(path)")
            if !summary.refused.isEmpty { throw LocalGradingError("\(store): a different result is already stored for \(rec.attempt)") }
            let attempt = try ExportAttempt(record: value)
            let items = try XAPIExporter.items(XAPIStatementBuilder().statements(for: attempt, started: try attempt.startTime(fallback: nil)))
            try StoreOutbox(store: db, actor: actor).enqueue(items)
            queued = items.count
        }
        return Outcome(record: json, stateHash: value["stateHash"]?.string ?? "", queued: queued)
    }
}

public struct LocalGradingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}
