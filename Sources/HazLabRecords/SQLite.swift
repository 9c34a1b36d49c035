import CSQLite
import Foundation

/// A thin, safe wrapper over the system SQLite C API (the `CSQLite` module): open with flags,
/// prepared statements with typed binding, transactions, a busy timeout, the online backup
/// API, and errors that carry SQLite's own message. Chosen over GRDB because it is small,
/// links the distribution's libsqlite3 directly and has no Linux-support risk.
///
/// A `SQLiteDatabase` is one connection; use it from one thread at a time.
public struct SQLiteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// SQLite's (extended) result code, e.g. 26 for SQLITE_NOTADB.
    public var code: Int32
    /// SQLite's message for the failure.
    public var message: String
    /// What was being done (the statement or the operation).
    public var context: String

    public var description: String {
        context.isEmpty ? message : "\(message) (\(context))"
    }
}

/// A value bound to, or read from, a statement.
public enum SQLiteValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var string: String? { if case .text(let s) = self { return s }; return nil }
    public var int: Int64? {
        switch self {
        case .integer(let i): return i
        case .real(let d): return Int64(exactly: d)
        default: return nil
        }
    }
    public var double: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        default: return nil
        }
    }
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let i): return String(i)
        case .real(let d): return "\(d)"
        case .text(let s): return s
        case .blob(let b): return "<\(b.count) bytes>"
        }
    }
}

public protocol SQLiteBindable { var sqliteValue: SQLiteValue { get } }
extension Int: SQLiteBindable { public var sqliteValue: SQLiteValue { .integer(Int64(self)) } }
extension Int64: SQLiteBindable { public var sqliteValue: SQLiteValue { .integer(self) } }
extension UInt64: SQLiteBindable {
    /// Stored as the same 64 bits in a signed integer (seeds use the full range).
    public var sqliteValue: SQLiteValue { .integer(Int64(bitPattern: self)) }
}
extension Double: SQLiteBindable { public var sqliteValue: SQLiteValue { .real(self) } }
extension Bool: SQLiteBindable { public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) } }
extension String: SQLiteBindable { public var sqliteValue: SQLiteValue { .text(self) } }
extension SQLiteValue: SQLiteBindable { public var sqliteValue: SQLiteValue { self } }
extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    public var sqliteValue: SQLiteValue { self?.sqliteValue ?? .null }
}

/// SQLite copies bound text and blobs (`SQLITE_TRANSIENT`).
private let transient = unsafeBitCast(Int(-1), to: sqlite3_destructor_type.self)

public final class SQLiteDatabase {
    public struct OpenFlags: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let readOnly = OpenFlags(rawValue: SQLITE_OPEN_READONLY)
        public static let readWrite = OpenFlags(rawValue: SQLITE_OPEN_READWRITE)
        public static let create = OpenFlags(rawValue: SQLITE_OPEN_CREATE)
        /// Refuse a path whose last component is a symbolic link.
        public static let noFollow = OpenFlags(rawValue: SQLITE_OPEN_NOFOLLOW)
        /// The connection is used from one thread at a time (no per-call mutex).
        public static let noMutex = OpenFlags(rawValue: SQLITE_OPEN_NOMUTEX)
    }

    /// How a connection waits while another connection holds the write lock: it retries
    /// (with short sleeps) for up to `maxWaitSeconds`, and once it has waited
    /// `noticeAfterSeconds` it calls `notice` (once per wait), so a person sees why it stalls.
    public final class BusyPolicy: @unchecked Sendable {
        public var maxWaitSeconds: Double
        public var noticeAfterSeconds: Double
        public var notice: ((Double) -> Void)?
        var started = 0.0
        var noticed = false
        /// Seconds the latest wait lasted before it gave up (for the error message).
        public internal(set) var lastWaitSeconds = 0.0

        public init(maxWaitSeconds: Double, noticeAfterSeconds: Double = 2, notice: ((Double) -> Void)? = nil) {
            self.maxWaitSeconds = maxWaitSeconds; self.noticeAfterSeconds = noticeAfterSeconds; self.notice = notice
        }

        static func monotonic() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }

        /// SQLite's busy callback: nonzero to retry, zero to give up with SQLITE_BUSY.
        func shouldRetry(_ count: Int32) -> Int32 {
            let now = BusyPolicy.monotonic()
            if count == 0 { started = now; noticed = false }
            let waited = now - started
            lastWaitSeconds = waited
            if waited >= maxWaitSeconds { return 0 }
            if !noticed && waited >= noticeAfterSeconds { noticed = true; notice?(waited) }
            // 1 ms, then up to 50 ms between tries.
            sqlite3_sleep(count < 10 ? 1 : count < 40 ? 10 : 50)
            return 1
        }
    }

    let handle: OpaquePointer
    public let path: String
    /// Runs after every COMMIT of `transaction` (e.g. to mirror state outside the file).
    public var afterCommit: (() -> Void)?
    /// The busy policy in force (nil: SQLite's plain busy timeout).
    public private(set) var busyPolicy: BusyPolicy?

    /// Replaces the busy timeout with `policy` (see `BusyPolicy`).
    public func setBusyPolicy(_ policy: BusyPolicy) {
        busyPolicy = policy
        sqlite3_busy_handler(handle, { context, count in
            guard let context else { return 0 }
            return Unmanaged<BusyPolicy>.fromOpaque(context).takeUnretainedValue().shouldRetry(count)
        }, Unmanaged.passUnretained(policy).toOpaque())
    }

    public init(path: String, flags: OpenFlags = [.readWrite, .create], busyTimeoutMilliseconds: Int32 = 5000) throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags.rawValue | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message, context: "open \(path)")
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit {
        for stmt in statementCache.values { sqlite3_finalize(stmt) }
        sqlite3_close_v2(handle)
    }

    /// Prepared statements of `run` and `query`, by SQL text: the same statement in a loop (an
    /// outbox write per statement, a row per step) is compiled once. Raw handles, so a cached
    /// statement does not keep the connection alive; bounded, since some SQL is built per call.
    private var statementCache: [String: OpaquePointer] = [:]
    private static let statementCacheLimit = 64

    /// A statement for `sql`, from the cache when it has one that is not running. The caller
    /// resets it when done (`SQLiteStatement.reset`), and never finalizes it.
    private func cachedStatement(_ sql: String) throws -> SQLiteStatement {
        if let stmt = statementCache[sql], sqlite3_stmt_busy(stmt) == 0 {
            return SQLiteStatement(db: self, stmt: stmt, sql: sql, owned: false)
        }
        if statementCache[sql] != nil { return try prepare(sql) }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, String(sql.prefix(80))) }
        if statementCache.count >= Self.statementCacheLimit {
            for old in statementCache.values { sqlite3_finalize(old) }
            statementCache.removeAll()
        }
        statementCache[sql] = stmt
        return SQLiteStatement(db: self, stmt: stmt, sql: sql, owned: false)
    }

    func error(_ rc: Int32, _ context: String) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), context: context)
    }

    /// Runs one or more statements without parameters.
    public func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(err)
            throw SQLiteError(code: rc, message: message, context: String(sql.prefix(80)))
        }
    }

    public func prepare(_ sql: String) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, String(sql.prefix(80))) }
        return SQLiteStatement(db: self, stmt: stmt, sql: sql)
    }

    /// Runs one statement with `bindings` for its `?` parameters, ignoring any rows.
    public func run(_ sql: String, _ bindings: [any SQLiteBindable] = []) throws {
        let s = try cachedStatement(sql)
        defer { s.reset() }
        try s.bind(bindings)
        while try s.step() {}
    }

    /// All rows of one query.
    public func query(_ sql: String, _ bindings: [any SQLiteBindable] = []) throws -> [[SQLiteValue]] {
        let s = try cachedStatement(sql)
        defer { s.reset() }
        try s.bind(bindings)
        var rows: [[SQLiteValue]] = []
        while try s.step() { rows.append(s.row()) }
        return rows
    }

    /// The first column of the first row, or nil when there is no row.
    public func scalar(_ sql: String, _ bindings: [any SQLiteBindable] = []) throws -> SQLiteValue? {
        try query(sql, bindings).first?.first
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction (BEGIN IMMEDIATE, so writers queue on the busy timeout
    /// instead of failing mid-way); commits when it returns, rolls back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        // Inside an open transaction, `body` joins it: the outer one commits or rolls back.
        if inTransaction { return try body() }
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            afterCommit?()
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` in one read snapshot (a deferred transaction), or in the transaction
    /// already open.
    public func readTransaction<T>(_ body: () throws -> T) throws -> T {
        if inTransaction { return try body() }
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Copies this whole database into `destination` with SQLite's online backup API,
    /// `pagesPerStep` pages at a time. Writers on other connections may go on meanwhile; the
    /// copy restarts as SQLite requires and ends as a consistent snapshot. `betweenSteps` runs
    /// after every step that left pages to copy (tests use it to write concurrently).
    public func backup(into destination: SQLiteDatabase, pagesPerStep: Int32 = 256,
                       betweenSteps: (() throws -> Void)? = nil) throws {
        guard let b = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            throw destination.error(sqlite3_errcode(destination.handle), "backup \(path) to \(destination.path)")
        }
        var rc: Int32 = SQLITE_OK
        var stepError: Error?
        while true {
            rc = sqlite3_backup_step(b, pagesPerStep)
            if rc == SQLITE_DONE { break }
            if rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED {
                if rc != SQLITE_OK { sqlite3_sleep(20) }
                do { try betweenSteps?() } catch { stepError = error; break }
                continue
            }
            break
        }
        let finish = sqlite3_backup_finish(b)
        if let stepError { throw stepError }
        if rc != SQLITE_DONE || finish != SQLITE_OK {
            throw SQLiteError(code: rc != SQLITE_DONE ? rc : finish, message: String(cString: sqlite3_errmsg(destination.handle)),
                              context: "backup \(path) to \(destination.path)")
        }
    }

    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

public final class SQLiteStatement {
    let db: SQLiteDatabase
    let stmt: OpaquePointer
    let sql: String

    /// False for a statement of the connection's cache: the connection finalizes it.
    let owned: Bool

    init(db: SQLiteDatabase, stmt: OpaquePointer, sql: String, owned: Bool = true) {
        self.db = db; self.stmt = stmt; self.sql = sql; self.owned = owned
    }
    deinit { if owned { sqlite3_finalize(stmt) } }

    public func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    public func bind(_ values: [any SQLiteBindable]) throws {
        let expected = Int(sqlite3_bind_parameter_count(stmt))
        guard values.count == expected else {
            throw SQLiteError(code: SQLITE_RANGE, message: "\(values.count) value(s) for \(expected) parameter(s)", context: String(sql.prefix(80)))
        }
        for (i, v) in values.enumerated() { try bind(v.sqliteValue, at: Int32(i + 1)) }
    }

    public func bind(_ value: SQLiteValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(stmt, index)
        case .integer(let i): rc = sqlite3_bind_int64(stmt, index, i)
        case .real(let d): rc = sqlite3_bind_double(stmt, index, d)
        case .text(let s):
            // By length, so text with NUL characters is kept whole.
            var t = s
            rc = t.withUTF8 { p in
                guard let base = p.baseAddress, p.count > 0 else { return sqlite3_bind_text(stmt, index, "", 0, transient) }
                return base.withMemoryRebound(to: CChar.self, capacity: p.count) {
                    sqlite3_bind_text(stmt, index, $0, Int32(p.count), transient)
                }
            }
        case .blob(let b):
            rc = b.withUnsafeBytes { p in sqlite3_bind_blob(stmt, index, p.baseAddress, Int32(p.count), transient) }
        }
        if rc != SQLITE_OK { throw db.error(rc, "bind parameter \(index) of \(sql.prefix(80))") }
    }

    /// Steps once: true when a row is ready, false when done.
    public func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw db.error(rc, String(sql.prefix(80)))
    }

    public var columnCount: Int32 { sqlite3_column_count(stmt) }

    public func column(_ i: Int32) -> SQLiteValue {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, i))
        case SQLITE_TEXT:
            guard let p = sqlite3_column_text(stmt, i) else { return .text("") }
            let n = Int(sqlite3_column_bytes(stmt, i))
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }

    public func row() -> [SQLiteValue] { (0..<columnCount).map { column($0) } }
}
