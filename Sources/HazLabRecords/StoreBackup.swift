import CSQLite
import Crypto
import Foundation

extension ResultsStore {
    /// Copies the live store to `file` (created 0600; an existing file is refused) with
    /// SQLite's online backup API: graders may keep writing meanwhile, and the copy is one
    /// consistent snapshot. The copy is a single self-contained file (rollback-journal mode).
    /// It is written under a temporary name (`FILE.partial-PID`) and only linked to `file`
    /// when complete, so a killed backup never leaves a partial file under the requested name.
    /// Audited as `backup-started` (inside the copy), then `backup` with the copy's SHA-256, or
    /// `backup-failed`. `betweenSteps` is for tests (see `SQLiteDatabase.backup`).
    public func backup(to file: String, actor: String, pagesPerStep: Int32 = 256,
                       betweenSteps: (() throws -> Void)? = nil) throws {
        var st = stat()
        if lstat(file, &st) == 0 { throw StoreError.io(path: file, "already exists; give a new file name for the backup") }
        let partial = ResultsStore.partialPath(for: file)
        // Audited first, so the backup itself records that it was made (and by whom).
        try audit(actor: actor, action: "backup-started", subject: file,
                  detail: "\(try count("attempts")) attempt(s) at start, schema version \(try schemaVersion()); written as \(partial) until complete")
        do {
            unlink(partial)
            try ResultsStore.writeCopy(of: db, to: partial, pagesPerStep: pagesPerStep, betweenSteps: betweenSteps)
            // link(2) refuses an existing name: a file made meanwhile is never replaced.
            guard link(partial, file) == 0 else {
                let why = String(cString: strerror(errno))
                unlink(partial)
                throw StoreError.io(path: file, "cannot create: \(why)")
            }
            unlink(partial)
            try audit(actor: actor, action: "backup", subject: file, detail: "complete; SHA-256 \(try ResultsStore.fileSHA256(file))")
        } catch {
            try? audit(actor: actor, action: "backup-failed", subject: file, detail: "\(error)")
            throw error
        }
    }

    static func partialPath(for file: String) -> String { file + ".partial-\(getpid())" }

    static func fileSHA256(_ file: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: file) else { throw StoreError.io(path: file, "cannot read the copy back") }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Writes `source` into a new 0600 file at `file` (which must not exist).
    static func writeCopy(of source: SQLiteDatabase, to file: String, pagesPerStep: Int32 = 256,
                          betweenSteps: (() throws -> Void)? = nil) throws {
        let fd = open(file, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.io(path: file, "cannot create: \(String(cString: strerror(errno)))") }
        close(fd)
        do {
            let dest = try SQLiteDatabase(path: file, flags: [.readWrite, .noFollow])
            try source.backup(into: dest, pagesPerStep: pagesPerStep, betweenSteps: betweenSteps)
            _ = try dest.query("PRAGMA journal_mode = DELETE")
        } catch {
            unlink(file)
            if let e = error as? SQLiteError { throw StoreError.sqlite(path: file, e) }
            throw error
        }
    }

    /// `<store>.before-restore.N` for the first N from 1 whose file (and -wal, -shm) does not
    /// exist. Earlier copies are never replaced, so every restore can be undone.
    static func nextKeepPath(for store: String) -> String {
        var n = 1
        while true {
            let p = store + ".before-restore.\(n)"
            var st = stat()
            if lstat(p, &st) != 0 && lstat(p + "-wal", &st) != 0 && lstat(p + "-shm", &st) != 0 { return p }
            n += 1
        }
    }

    /// Refuses to restore from the store itself (or its -wal, -shm or audit head): the copy
    /// would read what it is overwriting.
    static func refuseSelfRestore(store: String, from file: String) throws {
        var src = stat()
        guard stat(file, &src) == 0 else { return }
        for p in [store, store + "-wal", store + "-shm", store + ".audit-head"] {
            var st = stat()
            if stat(p, &st) == 0 && st.st_dev == src.st_dev && st.st_ino == src.st_ino {
                throw StoreError.io(path: file, p == store
                    ? "is the store itself; restore from a backup or a kept .before-restore copy"
                    : "is the store's own file \(p); restore from a backup or a kept .before-restore copy")
            }
        }
    }

    /// Checks that `file` is a HazLab store this hazlab can read: a regular file, a sound
    /// SQLite database, our application id, a known schema version, the core tables.
    /// Returns its schema version. Opens it read-only; never changes it.
    public static func validateBackup(_ file: String) throws -> Int {
        var st = stat()
        guard lstat(file, &st) == 0 else { throw StoreError.io(path: file, "cannot read: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw StoreError.notAFile(path: file) }
        guard st.st_size > 0 else { throw StoreError.notAStore(path: file, reason: "empty file") }
        do {
            let db = try SQLiteDatabase(path: file, flags: [.readOnly, .noFollow])
            let app = try db.scalar("PRAGMA application_id")?.int ?? 0
            guard app == Int64(StoreSchema.applicationID) else {
                throw StoreError.notAStore(path: file, reason: "no HazLab application id")
            }
            let check = try db.query("PRAGMA quick_check").compactMap { $0.first?.string }
            guard check == ["ok"] else { throw StoreError.notAStore(path: file, reason: "damaged: \(check.prefix(3).joined(separator: "; "))") }
            let tables = Set(try db.query("SELECT name FROM sqlite_schema WHERE type = 'table'").compactMap { $0.first?.string })
            for t in ["schema_migrations", "attempts", "audit"] where !tables.contains(t) {
                throw StoreError.notAStore(path: file, reason: "no '\(t)' table")
            }
            let version = Int(try db.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations")?.int ?? 0)
            guard version >= 1 else { throw StoreError.notAStore(path: file, reason: "no schema version") }
            guard version <= StoreSchema.currentVersion else {
                throw StoreError.newerSchema(path: file, version: version, supported: StoreSchema.currentVersion)
            }
            return version
        } catch let e as SQLiteError {
            throw StoreError.notAStore(path: file, reason: e.message)
        }
    }

    /// Replaces the store's contents with the backup `file`, after validating it. The store as
    /// it was is first copied to a new `<store>.before-restore.N` (earlier copies are kept), so
    /// every restore can itself be undone by restoring that copy. The restored store is
    /// migrated to the current schema, and the restore is audited in it. Returns the path of
    /// the kept copy ("" without `keepCurrent`).
    @discardableResult
    public func restore(from file: String, actor: String, keepCurrent: Bool = true) throws -> String {
        try ResultsStore.refuseSelfRestore(store: path, from: file)
        let version = try ResultsStore.validateBackup(file)
        var kept = ""
        if keepCurrent {
            // O_EXCL in writeCopy: a name taken meanwhile by another restore is skipped.
            for _ in 0..<100 {
                let candidate = ResultsStore.nextKeepPath(for: path)
                do { try ResultsStore.writeCopy(of: db, to: candidate); kept = candidate; break } catch {
                    var st = stat()
                    if lstat(candidate, &st) == 0 { continue }
                    throw error
                }
            }
            if kept.isEmpty { throw StoreError.io(path: path, "cannot keep the current store: no free .before-restore name") }
        }
        let previous = try count("attempts")
        do {
            let source = try SQLiteDatabase(path: file, flags: [.readOnly, .noFollow])
            try source.backup(into: db)
            try db.execute("PRAGMA foreign_keys = ON")
            _ = try db.query("PRAGMA journal_mode = WAL")
        } catch let e as SQLiteError {
            throw StoreError.sqlite(path: path, e)
        }
        try migrate(upTo: StoreSchema.currentVersion)
        try audit(actor: actor, action: "restore", subject: file,
                  detail: "schema version \(version); \(try count("attempts")) attempt(s) restored, \(previous) before"
                    + (kept.isEmpty ? "" : "; previous store kept as \(kept)"))
        // The restored chain is the store's chain now: its head replaces the sidecar's.
        writeAuditHeadSidecar()
        return kept
    }

    /// Restores `file` into the store at `path`, which may be missing, damaged beyond opening
    /// (not a database, a foreign database) or changed outside hazlab (audit chain broken): then
    /// the old file (with its -wal, -shm and audit head) is moved aside to a new
    /// `<path>.before-restore.N` — never deleted — and a new store is made from the backup. A
    /// store with wider permissions is still refused. Returns the store, the kept copy's path
    /// and whether the old file was damaged.
    public static func restore(store path: String, from file: String, actor: String) throws
        -> (store: ResultsStore, kept: String, damaged: Bool) {
        try refuseSelfRestore(store: path, from: file)
        _ = try validateBackup(file)
        do {
            let s = try ResultsStore(path: path, create: true)
            return (s, try s.restore(from: file, actor: actor), false)
        } catch let e as StoreError {
            switch e {
            case .notAStore, .sqlite, .tampered: break
            default: throw e
            }
            let kept = nextKeepPath(for: path)
            guard rename(path, kept) == 0 else {
                throw StoreError.io(path: path, "cannot move the damaged store aside: \(String(cString: strerror(errno)))")
            }
            for suffix in ["-wal", "-shm", ".audit-head"] { _ = rename(path + suffix, kept + suffix) }
            let s = try ResultsStore(path: path, create: true)
            try s.restore(from: file, actor: actor, keepCurrent: false)
            try s.audit(actor: actor, action: "restore-damaged", subject: path, detail: "\(e); the old file was kept as \(kept)")
            return (s, kept, true)
        }
    }
}
