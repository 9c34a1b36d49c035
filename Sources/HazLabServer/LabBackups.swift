import Foundation
import HazLabLab
import HazLabRecords
import Logging
import Prometheus

/// One backup taken: the store's copy, the journals copied next to it, the old backups deleted.
public struct LabBackupResult: Sendable, Equatable {
    public var file: String
    public var journals: Int
    public var deleted: [String]
}

/// Online backups of the lab server's store (Docs/lab.md, "Backup and disaster recovery").
///
/// A backup is `DIR/<store name>-YYYYMMDDTHHMMSSZ.sqlite` (UTC; `-2`, `-3`… when two fall in one
/// second), written by `ResultsStore.backup` (SQLite's online backup API: one consistent snapshot
/// while the server keeps writing; `FILE.partial-PID` until complete, then linked), and next to it
/// `<backup>.journals/`: a copy of the ledger's `STORE.journals/` folder taken *after* the snapshot,
/// so it holds every finished journal the snapshot knows of (and possibly a few newer ones, which
/// are harmless: a journal there is the workstation's own file, graded again only if its attempt
/// is re-streamed). Restoring is `hazlab store restore --store NEW BACKUP` and
/// `cp -a BACKUP.journals NEW.journals`. The newest `keep` backups are kept; older ones (file and
/// journals folder) are deleted. Every backup and deletion is audited in the store.
public enum LabBackups {
    public static let actor = "system:backup"

    /// The name stem: the store's file name without its extension ("lab" for lab.sqlite).
    public static func prefix(forStore store: String) -> String {
        let name = (store as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        return stem.isEmpty ? name : stem
    }

    static func stamp(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970), u = tm()
        gmtime_r(&t, &u)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", Int(u.tm_year) + 1900, Int(u.tm_mon) + 1, Int(u.tm_mday),
                      Int(u.tm_hour), Int(u.tm_min), Int(u.tm_sec))
    }

    /// The backups in `dir` for this store, oldest first (by the UTC time in the name, then the `-N`).
    public static func list(dir: String, store: String) -> [String] {
        let prefix = prefix(forStore: store) + "-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        var found: [(stamp: String, n: Int, path: String)] = []
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".sqlite") {
            let middle = name.dropFirst(prefix.count).dropLast(".sqlite".count)
            let parts = middle.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 1 || parts.count == 2 else { continue }
            let s = String(parts[0])
            guard s.count == 16, s.range(of: #"^\d{8}T\d{6}Z$"#, options: .regularExpression) != nil else { continue }
            var n = 1
            if parts.count == 2 { guard let k = Int(parts[1]), k >= 2 else { continue }; n = k }
            var st = stat()
            let path = dir + "/" + name
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            found.append((s, n, path))
        }
        return found.sorted { ($0.stamp, $0.n) < ($1.stamp, $1.n) }.map(\.path)
    }

    /// The newest backup in `dir` for this store, if any.
    public static func latest(dir: String, store: String) -> String? { list(dir: dir, store: store).last }

    /// Takes one backup of `store` into `dir` (created 0700 if missing), copies the journals
    /// folder, then deletes all but the newest `keep`. Throws (and audits `backup-failed`) on
    /// any failure; a failed backup leaves no file under a backup name.
    public static func take(store: ResultsStore, dir: String, keep: Int, actor: String = LabBackups.actor,
                            now: Date = Date()) throws -> LabBackupResult {
        var st = stat()
        func refuse(_ why: String) -> LabBackupError {
            try? store.audit(actor: actor, action: LabAuditAction.backupFailed.rawValue, subject: dir, detail: why)
            return LabBackupError("\(dir): \(why)")
        }
        if lstat(dir, &st) != 0 {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) }
            catch { throw refuse("cannot create the backup folder: \(error.localizedDescription)") }
        } else if (st.st_mode & S_IFMT) != S_IFDIR {
            throw refuse("the backup folder is not a folder")
        }
        let base = dir + "/" + prefix(forStore: store.path) + "-" + stamp(now)
        var file = base + ".sqlite", n = 2
        func exists(_ p: String) -> Bool { var s = stat(); return lstat(p, &s) == 0 }
        while exists(file) || exists(file + ".journals") { file = base + "-\(n).sqlite"; n += 1 }
        // All pages in one step (-1): one read transaction, which in WAL mode never blocks the
        // streams' writers. In small steps, every line the ledger's own connection commits
        // between two steps would restart the copy, and a busy lab might never finish one.
        try store.backup(to: file, actor: actor, pagesPerStep: -1)
        let copied: Int
        do { copied = try copyJournals(from: store.path + ".journals", to: file + ".journals") } catch {
            // The snapshot without its journals is not a backup: remove it, audit, report.
            unlink(file)
            try? store.audit(actor: actor, action: LabAuditAction.backupFailed.rawValue, subject: file, detail: "journals not copied: \(error); the store copy was removed")
            throw error
        }
        var deleted: [String] = []
        let all = list(dir: dir, store: store.path)
        for old in all.dropLast(max(keep, 1)) {
            try? FileManager.default.removeItem(atPath: old + ".journals")
            if unlink(old) == 0 {
                deleted.append(old)
                try store.audit(actor: actor, action: LabAuditAction.backupDeleted.rawValue, subject: old, detail: "older than the newest \(keep) (backup.keep)")
            } else {
                try? store.audit(actor: actor, action: LabAuditAction.backupDeleteFailed.rawValue, subject: old, detail: String(cString: strerror(errno)))
            }
        }
        return LabBackupResult(file: file, journals: copied, deleted: deleted)
    }

    /// Copies the regular files of `source` (missing: nothing to copy) into a new folder `dest`,
    /// through `dest.partial` renamed when complete. Returns how many files were copied.
    static func copyJournals(from source: String, to dest: String) throws -> Int {
        let partial = dest + ".partial"
        let fm = FileManager.default
        try? fm.removeItem(atPath: partial)
        do {
            try fm.createDirectory(atPath: partial, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch { throw LabBackupError("\(partial): cannot create: \(error.localizedDescription)") }
        var count = 0
        var st = stat()
        if lstat(source, &st) == 0 {
            for name in try fm.contentsOfDirectory(atPath: source).sorted() {
                let from = source + "/" + name
                guard lstat(from, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                do { try fm.copyItem(atPath: from, toPath: partial + "/" + name) } catch {
                    try? fm.removeItem(atPath: partial)
                    throw LabBackupError("\(from): cannot copy into the backup: \(error.localizedDescription)")
                }
                count += 1
            }
        }
        guard rename(partial, dest) == 0 else {
            let why = String(cString: strerror(errno))
            try? fm.removeItem(atPath: partial)
            throw LabBackupError("\(dest): cannot create: \(why)")
        }
        return count
    }
}

public struct LabBackupError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The server's backup schedule: one at start-up, then every `backup.every`. A failure is logged
/// and counted (`hazlab_backups_total{outcome="failed"}`), never fatal.
final class LabBackupScheduler: @unchecked Sendable {
    let server: LabServer
    let ok: Counter
    let failed: Counter
    let deleted: Counter
    let lastSuccess: Gauge

    init(server: LabServer) {
        self.server = server
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "hazlab", metricName: metric, unitName: unit, helpText: help)
        }
        let backups = name("backups", "total", "Scheduled store backups by outcome")
        ok = server.registry.makeCounter(descriptor: backups, labels: [("outcome", "ok")])
        failed = server.registry.makeCounter(descriptor: backups, labels: [("outcome", "failed")])
        deleted = server.registry.makeCounter(descriptor: name("backups_deleted", "total", "Old backups deleted (backup.keep)"))
        lastSuccess = server.registry.makeGauge(descriptor: name("backup_last_success", "timestamp_seconds", "When the last backup completed (Unix time)"))
    }

    /// Takes one backup now; false (logged, counted) when it failed.
    @discardableResult
    func once() async -> Bool {
        guard let dir = server.config.backupDir else { return false }
        let keep = server.config.backupKeep
        do {
            let r = try await server.offload { try self.server.accounts.locked { try LabBackups.take(store: $0, dir: dir, keep: keep) } }
            ok.increment()
            deleted.increment(by: Int64(r.deleted.count))
            lastSuccess.set(Date().timeIntervalSince1970)
            server.logger.notice("backup complete", metadata: ["file": "\(r.file)", "journals": "\(r.journals)", "deleted": "\(r.deleted.count)"])
            return true
        } catch {
            failed.increment()
            server.logger.error("backup failed", metadata: ["dir": "\(dir)", "error": "\(error)"])
            return false
        }
    }

    /// Runs until cancelled.
    func run() async {
        let every = server.config.backupEverySeconds
        while !Task.isCancelled {
            await once()
            do { try await Task.sleep(nanoseconds: UInt64(every * 1e9)) } catch { return }
        }
    }
}
