import CSQLite
import Foundation

extension ResultsStore {
    /// Copies the live store to `file` (created 0600; an existing file is refused) with
    /// SQLite's online backup API: graders may keep writing meanwhile, and the copy is one
    /// consistent snapshot. The copy is a single self-contained file (rollback-journal mode).
    /// `betweenSteps` is for tests (see `SQLiteDatabase.backup`).
    public func backup(to file: String, actor: String, pagesPerStep: Int32 = 256,
                       betweenSteps: (() throws -> Void)? = nil) throws {
        var st = stat()
        if lstat(file, &st) == 0 { throw StoreError.io(path: file, "already exists; give a new file name for the backup") }
        // Audited first, so the backup itself records that it was made (and by whom).
        try audit(actor: actor, action: "backup", subject: file,
                  detail: "\(try count("attempts")) attempt(s) at start, schema version \(try schemaVersion())")
        do {
            try ResultsStore.writeCopy(of: db, to: file, pagesPerStep: pagesPerStep, betweenSteps: betweenSteps)
        } catch {
            try? audit(actor: actor, action: "backup-failed", subject: file, detail: "\(error)")
            throw error
        }
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
    /// it was is first copied to `<store>.before-restore` (replacing an older one), so a restore
    /// can itself be undone. The restored store is migrated to the current schema, and the
    /// restore is audited in it. Returns the path of the kept copy.
    @discardableResult
    public func restore(from file: String, actor: String, keepCurrent: Bool = true) throws -> String {
        let version = try ResultsStore.validateBackup(file)
        let kept = path + ".before-restore"
        if keepCurrent {
            let tmp = kept + ".tmp-\(getpid())"
            unlink(tmp)
            try ResultsStore.writeCopy(of: db, to: tmp)
            guard rename(tmp, kept) == 0 else {
                unlink(tmp)
                throw StoreError.io(path: kept, "cannot keep the current store: \(String(cString: strerror(errno)))")
            }
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
                  detail: "schema version \(version); \(try count("attempts")) attempt(s) restored, \(previous) before; previous store kept as \(kept)")
        return kept
    }

    /// Restores `file` into the store at `path`, which may be missing, or damaged beyond
    /// opening (not a database, a foreign database): then the damaged file (with its -wal and
    /// -shm) is moved aside to `<path>.before-restore` — never deleted — and a new store is
    /// made from the backup. A store with wider permissions is still refused. Returns the
    /// store, the kept copy's path and whether the old file was damaged.
    public static func restore(store path: String, from file: String, actor: String) throws
        -> (store: ResultsStore, kept: String, damaged: Bool) {
        _ = try validateBackup(file)
        do {
            let s = try ResultsStore(path: path, create: true)
            return (s, try s.restore(from: file, actor: actor), false)
        } catch let e as StoreError {
            switch e {
            case .notAStore, .sqlite: break
            default: throw e
            }
            let kept = path + ".before-restore"
            for suffix in ["-wal", "-shm"] { unlink(kept + suffix) }
            guard rename(path, kept) == 0 else {
                throw StoreError.io(path: path, "cannot move the damaged store aside: \(String(cString: strerror(errno)))")
            }
            for suffix in ["-wal", "-shm"] { _ = rename(path + suffix, kept + suffix) }
            let s = try ResultsStore(path: path, create: true)
            try s.restore(from: file, actor: actor, keepCurrent: false)
            try s.audit(actor: actor, action: "restore-damaged", subject: path, detail: "\(e); the damaged file was kept as \(kept)")
            return (s, kept, true)
        }
    }
}
