import Crypto
import Foundation
import HazLabCore
import HazLabRecords
import HazLabScenario

/// One of `count` disjoint parts of a batch (`--shard index/count`, index from 1).
///
/// A journal belongs to shard `SHA-256(key)[0..<8] (big-endian) mod count + 1`, where the key is
/// its attempt id: the header's `attempt`, or else `sha256-` + the first 32 hex digits of the
/// SHA-256 of the file's bytes (so a journal whose header cannot be read is routed by its
/// bytes). A file that is not read at all (unreadable, or over the size limit) is routed by its path. Every copy of one attempt id
/// lands in the same shard, so duplicates are found there exactly as in an unsharded run.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public static let all = Shard(index: 1, count: 1)

    public init(index: Int, count: Int) { self.index = index; self.count = count }

    /// Parses "i/N" with 1 ≤ i ≤ N.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else { return nil }
        index = i; count = n
    }

    public var description: String { "\(index)/\(count)" }

    /// The shard (1-based) that `key` belongs to among `count`.
    public static func of(key: String, count: Int) -> Int {
        guard count > 1 else { return 1 }
        let d = SHA256.digest(Array(key.utf8))
        var v: UInt64 = 0
        for b in d.prefix(8) { v = v << 8 | UInt64(b) }
        return Int(v % UInt64(count)) + 1
    }

    public func contains(key: String) -> Bool { Shard.of(key: key, count: count) == index }
}

/// What one grading run (or a merge) writes into its output folder.
public struct GradeOutput: Sendable {
    public static let resultsFile = "results.json"
    public static let csvFile = "results.csv"
    public static let errorsFile = "errors.json"
    /// Which shard, of which inputs, and the counts: lets `merge` check that the shards are
    /// complete and of one batch. No timestamps, so reruns give the same bytes.
    public static let manifestFile = "manifest.json"

    /// Attempt records (JSON objects, one line each), sorted by attempt id.
    public var records: [(attempt: String, json: String, csv: ResultsCSV.Row)]
    /// Sorted with `GradeError.precedes`.
    public var errors: [GradeError]
    public var manifest: Manifest
    /// For stderr only (not written, not merged): engine version or final state hash disagreeing
    /// with the replay, in journal path order.
    public var warnings: [GradeWarning] = []

    public struct Manifest: Sendable, Equatable {
        public var engine: String = HazLabVersion.engine
        /// SHA-256 of the batch definition: scenarios (id and source hash), journal paths,
        /// the plan's bytes and --allow-incomplete. Every shard of one batch has the same.
        public var inputsSHA256: String
        public var shard: Shard
        /// Journals routed to this shard, graded attempts, passed attempts, bad journals.
        public var journals: Int
        public var attempts: Int
        public var passed: Int
        public var badJournals: Int

        public var json: String {
            "{\"format\":1,\"engine\":\(JSON.string(engine)),\"inputsSHA256\":\(JSON.string(inputsSHA256)),"
                + "\"shard\":{\"index\":\(shard.index),\"count\":\(shard.count)},\"journals\":\(journals),"
                + "\"attempts\":\(attempts),\"passed\":\(passed),\"badJournals\":\(badJournals)}\n"
        }

        public static func read(_ bytes: [UInt8]) throws -> Manifest {
            let v = try JSONText.parse(bytes)
            func int(_ x: JSONText.Value?) throws -> Int {
                guard let t = x?.numberText, let i = Int(t) else { throw MergeError("manifest: missing or bad number") }
                return i
            }
            guard v["format"]?.numberText == "1", let engine = v["engine"]?.string, let inputs = v["inputsSHA256"]?.string else {
                throw MergeError("manifest: not a hazlab grade manifest")
            }
            return Manifest(engine: engine, inputsSHA256: inputs,
                            shard: Shard(index: try int(v["shard"]?["index"]), count: try int(v["shard"]?["count"])),
                            journals: try int(v["journals"]), attempts: try int(v["attempts"]), passed: try int(v["passed"]),
                            badJournals: try int(v["badJournals"]))
        }
    }

    public var resultsJSON: String { GradeOutput.jsonArray(records.map(\.json)) }
    public var errorsJSON: String { GradeOutput.jsonArray(errors.map(\.json)) }
    public var resultsCSV: String { ResultsCSV.render(records.map(\.csv)) }

    /// A JSON array with one element per line: `[` / `elem,` … / `]`, or `[]` when empty.
    static func jsonArray(_ items: [String]) -> String {
        items.isEmpty ? "[]\n" : "[\n" + items.joined(separator: ",\n") + "\n]\n"
    }

    /// The elements of an array written by `jsonArray` (one per line), as their exact text.
    static func readJSONArray(_ text: String, file: String) throws -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "" else { throw MergeError("\(file): does not end with a newline") }
        lines.removeLast()
        if lines == ["[]"] { return [] }
        guard lines.count >= 3, lines.first == "[", lines.last == "]" else {
            throw MergeError("\(file): not written by hazlab grade (one element per line expected)")
        }
        let items = Array(lines[1..<(lines.count - 1)])
        return try items.enumerated().map { i, l in
            if i < items.count - 1 {
                guard l.hasSuffix(",") else { throw MergeError("\(file):\(i + 2): expected ',' at the end of the line") }
                return String(l.dropLast())
            }
            return l
        }
    }

    /// Writes the four files into `folder` (created if needed). Each file is streamed to a
    /// temporary name and renamed into place, so a reader never sees half a file and the whole
    /// text of a large batch is never held twice in memory.
    public func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func stream(_ name: String, _ pieces: (( String) -> Void) -> Void) throws {
            let path = (folder as NSString).appendingPathComponent(name)
            let temp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
            guard FileManager.default.createFile(atPath: temp, contents: nil) else { throw MergeError("\(temp): cannot create") }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temp))
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 20)
            var failure: Error?
            let chunk = 1 << 20
            pieces { text in
                // In chunks: one record of a long attempt can be hundreds of MB, and must not
                // be copied whole into the buffer.
                let utf8 = text.utf8
                var i = utf8.startIndex
                while i != utf8.endIndex {
                    let j = utf8.index(i, offsetBy: chunk - buffer.count, limitedBy: utf8.endIndex) ?? utf8.endIndex
                    buffer.append(contentsOf: utf8[i..<j])
                    i = j
                    if buffer.count >= chunk {
                        if failure == nil { do { try handle.write(contentsOf: buffer) } catch { failure = error } }
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
            }
            if failure == nil { do { try handle.write(contentsOf: buffer) } catch { failure = error } }
            try handle.close()
            if let failure { try? FileManager.default.removeItem(atPath: temp); throw failure }
            if rename(temp, path) != 0 {
                try? FileManager.default.removeItem(atPath: temp)
                throw MergeError("\(path): cannot rename \(temp) into place")
            }
        }
        func array(_ items: [String], _ emit: (String) -> Void) {
            if items.isEmpty { emit("[]\n"); return }
            emit("[\n")
            for (i, item) in items.enumerated() { emit(item); emit(i < items.count - 1 ? ",\n" : "\n") }
            emit("]\n")
        }
        try stream(GradeOutput.resultsFile) { emit in array(records.map(\.json), emit) }
        try stream(GradeOutput.csvFile) { emit in ResultsCSV.render(records.map(\.csv), emit) }
        try stream(GradeOutput.errorsFile) { emit in array(errors.map(\.json), emit) }
        try stream(GradeOutput.manifestFile) { emit in emit(manifest.json) }
    }

    /// Combines the outputs of every shard of one batch into what an unsharded run writes.
    /// Refuses (throws) when shards are missing, repeated or of different batches, or when an
    /// attempt id appears in more than one shard.
    public static func merge(folders: [String]) throws -> GradeOutput {
        guard !folders.isEmpty else { throw MergeError("no shard folders given") }
        func read(_ folder: String, _ name: String) throws -> [UInt8] {
            let path = (folder as NSString).appendingPathComponent(name)
            guard let d = FileManager.default.contents(atPath: path) else { throw MergeError("\(path): cannot read") }
            return [UInt8](d)
        }
        var manifests: [(String, Manifest)] = []
        var records: [(attempt: String, json: String, csv: ResultsCSV.Row, folder: String)] = []
        var errors: [GradeError] = []
        for folder in folders {
            let manifestPath = (folder as NSString).appendingPathComponent(manifestFile)
            let m: Manifest
            do { m = try Manifest.read(try read(folder, manifestFile)) } catch let e as JSONText.SyntaxError {
                throw MergeError("\(manifestPath): invalid JSON: \(e.message)")
            }
            manifests.append((folder, m))
            let resultsPath = (folder as NSString).appendingPathComponent(resultsFile)
            for (i, line) in try readJSONArray(String(decoding: try read(folder, resultsFile), as: UTF8.self), file: resultsPath).enumerated() {
                let v: JSONText.Value
                do { v = try JSONText.parse(Array(line.utf8)) } catch let e as JSONText.SyntaxError {
                    throw MergeError("\(resultsPath):\(i + 2): invalid JSON: \(e.message)")
                }
                guard let attempt = v["attempt"]?.string else { throw MergeError("\(resultsPath):\(i + 2): record without an attempt id") }
                records.append((attempt, line, try ResultsCSV.row(record: v), folder))
            }
            let errorsPath = (folder as NSString).appendingPathComponent(errorsFile)
            for (i, line) in try readJSONArray(String(decoding: try read(folder, errorsFile), as: UTF8.self), file: errorsPath).enumerated() {
                guard let v = try? JSONText.parse(Array(line.utf8)), let journal = v["journal"]?.string,
                      let l = v["line"]?.numberText.flatMap({ Int($0) }), let c = v["column"]?.numberText.flatMap({ Int($0) }),
                      let code = v["code"]?.string.flatMap({ GradeError.Code(rawValue: $0) }), let message = v["message"]?.string,
                      let attempt = v["attempt"]?.string else {
                    throw MergeError("\(errorsPath):\(i + 2): not a grade error entry")
                }
                errors.append(GradeError(journal: journal, line: l, column: c, code: code, message: message, attempt: attempt))
            }
        }
        // One batch, every shard exactly once.
        let first = manifests[0].1
        for (folder, m) in manifests {
            if m.inputsSHA256 != first.inputsSHA256 || m.engine != first.engine {
                throw MergeError("\(folder): graded a different batch (inputs or engine differ from \(manifests[0].0))")
            }
            if m.shard.count != first.shard.count {
                throw MergeError("\(folder): shard \(m.shard) does not belong to a batch of \(first.shard.count) shards")
            }
        }
        var seen: [Int: String] = [:]
        for (folder, m) in manifests {
            if let other = seen[m.shard.index] { throw MergeError("shard \(m.shard) given twice: \(other) and \(folder)") }
            seen[m.shard.index] = folder
        }
        let missing = (1...first.shard.count).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw MergeError("missing shard(s) \(missing.map { "\($0)/\(first.shard.count)" }.joined(separator: ", "))")
        }
        records.sort { $0.attempt.utf8.lexicographicallyPrecedes($1.attempt.utf8) }
        for i in records.indices.dropFirst() where records[i].attempt == records[i - 1].attempt {
            throw MergeError("attempt '\(records[i].attempt)' is in \(records[i - 1].folder) and in \(records[i].folder)")
        }
        errors.sort(by: GradeError.precedes)
        let manifest = Manifest(engine: first.engine, inputsSHA256: first.inputsSHA256, shard: .all,
                                journals: manifests.reduce(0) { $0 + $1.1.journals },
                                attempts: manifests.reduce(0) { $0 + $1.1.attempts },
                                passed: manifests.reduce(0) { $0 + $1.1.passed },
                                badJournals: manifests.reduce(0) { $0 + $1.1.badJournals })
        guard manifest.attempts == records.count else {
            throw MergeError("the manifests count \(manifest.attempts) attempts, the results hold \(records.count)")
        }
        return GradeOutput(records: records.map { ($0.attempt, $0.json, $0.csv) }, errors: errors, manifest: manifest)
    }
}

public struct MergeError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ s: String) { description = s }
}
