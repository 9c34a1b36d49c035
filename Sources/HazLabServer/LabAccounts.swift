import Crypto
import Foundation
import HazLabLab
import HazLabRecords
import HummingbirdBcrypt

public enum LabRole: String, Sendable, CaseIterable, Codable {
    case student, instructor, administrator, auditor
}

public struct LabUser: Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: LabRole
}

public struct LabSession: Sendable, Equatable {
    public var user: LabUser
    public var csrf: String
}

/// What a login attempt came to. `.refused` is the one answer for an unknown id, a wrong
/// password and a locked account alike (the lockout is told only to the audit log).
public enum LabLoginOutcome: Sendable, Equatable {
    case ok(LabUser)
    case refused
    /// The right password, but an account of a role that may not sign in this way (a teacher at
    /// a workstation): audited as refused, never as a login.
    case wrongRole(LabUser)
}

public struct LabAccountError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What the HTTP API answers for it: bad input `400`, no such thing `404`, a conflict with what is stored `409`.
    public enum Kind: Sendable, Equatable { case invalid, notFound, conflict }
    public var message: String
    public var kind: Kind
    public init(_ message: String, kind: Kind = .invalid) { self.message = message; self.kind = kind }
    public var description: String { message }
}

/// Accounts, classes, workstations and sessions on the results store (migration 7), with the
/// store's audit chain for every security-relevant change. One SQLite connection, used under a
/// lock: handlers run concurrently, SQLite connections must not. bcrypt runs outside the lock.
public final class LabAccounts: @unchecked Sendable {
    public let store: ResultsStore
    let lock = NSLock()
    public var bcryptCost: Int
    public var lockoutFailures: Int
    public var lockoutSeconds: Double
    public var sessionSeconds: Double
    /// A bcrypt hash of a random password: an unknown id is verified against it, so it costs as
    /// much time as a wrong password for a real one.
    let dummyHash: String
    /// The clock (tests and lockout arithmetic).
    public var now: @Sendable () -> Date = { Date() }

    public init(store: ResultsStore, bcryptCost: Int = 12, lockoutFailures: Int = 5, lockoutMinutes: Int = 15, sessionHours: Int = 12) {
        self.store = store
        self.bcryptCost = bcryptCost
        self.lockoutFailures = lockoutFailures
        self.lockoutSeconds = Double(lockoutMinutes) * 60
        self.sessionSeconds = Double(sessionHours) * 3600
        dummyHash = Bcrypt.hash(LabAccounts.randomToken(), cost: UInt8(bcryptCost))
    }

    public func locked<T>(_ body: (ResultsStore) throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body(store)
    }

    public static func randomToken(bytes: Int = 32) -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    static func sha256(_ s: String) -> String { SHA256.hash(data: Data(s.utf8)).map { String(format: "%02x", $0) }.joined() }

    func iso(_ d: Date) -> String { ExportTime.iso8601(millis: ExportTime.millis(d)) }

    /// User ids, class ids and workstation ids: 1–64 of `A-Z a-z 0-9 . _ -`, not starting with a dot.
    public static func validId(_ s: String) -> Bool {
        guard (1...64).contains(s.utf8.count), !s.hasPrefix(".") else { return false }
        return s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
    }

    // MARK: users

    public func user(_ id: String) throws -> LabUser? {
        try locked { s in
            try s.db.query("SELECT id, name, role FROM lab_users WHERE id = ? AND disabled = 0", [id]).first.flatMap(Self.userRow)
        }
    }

    static func userRow(_ r: [SQLiteValue]) -> LabUser? {
        guard let id = r[0].string, let role = r[2].string.flatMap(LabRole.init(rawValue:)) else { return nil }
        return LabUser(id: id, name: r[1].string ?? "", role: role)
    }

    /// Creates a user; `password` nil makes a random one, returned. Audited as `actor`.
    @discardableResult
    public func createUser(id: String, name: String, role: LabRole, password: String?, actor: String) throws -> String {
        guard LabAccounts.validId(id) else { throw LabAccountError("bad user id '\(id)' (1–64 of A-Z a-z 0-9 . _ -)") }
        let pw = password ?? LabAccounts.randomToken(bytes: 9)
        guard pw.utf8.count >= 8 else { throw LabAccountError("the password for '\(id)' is shorter than 8 bytes") }
        guard pw.utf8.count <= 72 else { throw LabAccountError("the password for '\(id)' is longer than 72 bytes (bcrypt's limit)") }
        let hash = Bcrypt.hash(pw, cost: UInt8(bcryptCost))
        try locked { s in
            try s.db.transaction {
                if try s.db.scalar("SELECT 1 FROM lab_users WHERE id = ?", [id]) != nil {
                    throw LabAccountError("user '\(id)' already exists", kind: .conflict)
                }
                try s.db.run("INSERT INTO lab_users (id, name, role, password_hash, created) VALUES (?, ?, ?, ?, ?)",
                             [id, name, role.rawValue, hash, iso(now())])
                try s.audit(actor: actor, action: LabAuditAction.userCreate.rawValue, subject: id, detail: "role=\(role.rawValue)")
            }
        }
        return pw
    }

    public func setRole(user id: String, role: LabRole, actor: String) throws {
        try locked { s in
            try s.db.transaction {
                guard let old = try s.db.scalar("SELECT role FROM lab_users WHERE id = ?", [id])?.string else {
                    throw LabAccountError("no user '\(id)'", kind: .notFound)
                }
                try s.db.run("UPDATE lab_users SET role = ? WHERE id = ?", [role.rawValue, id])
                try s.db.run("DELETE FROM lab_sessions WHERE user = ?", [id])   // the new role takes effect at once
                try s.audit(actor: actor, action: LabAuditAction.roleChange.rawValue, subject: id, detail: "\(old) -> \(role.rawValue)")
            }
        }
    }

    public func users() throws -> [LabUser] {
        try locked { s in try s.db.query("SELECT id, name, role FROM lab_users ORDER BY id").compactMap(Self.userRow) }
    }

    /// Checks id + password, with the lockout. Every outcome is audited under `via`
    /// (e.g. "web 127.0.0.1" or "workstation ws-01").
    /// With `only`, an account of another role is `wrongRole` (audited `lab-login-refused`).
    public func login(id: String, password: String, via: String, only: LabRole? = nil) throws -> LabLoginOutcome {
        let key = String(id.prefix(128))
        let t = now()
        let (hash, user, lockedUntil): (String?, LabUser?, String) = try locked { s in
            let row = try s.db.query("SELECT id, name, role, password_hash FROM lab_users WHERE id = ? AND disabled = 0", [key]).first
            let lu = try s.db.scalar("SELECT locked_until FROM login_failures WHERE login = ?", [key])?.string ?? ""
            return (row?[3].string, row.flatMap(Self.userRow), lu)
        }
        // Always one bcrypt verification, so unknown, wrong and locked take the same time.
        let ok = Bcrypt.verify(String(password.prefix(72)), hash: hash ?? dummyHash) && hash != nil && user != nil
        let isLocked = !lockedUntil.isEmpty && lockedUntil > iso(t)
        return try locked { s in
            try s.db.transaction {
                if ok && !isLocked, let user, let only, user.role != only {
                    try s.audit(actor: user.id, action: LabAuditAction.loginRefused.rawValue, subject: user.id,
                                detail: "\(user.role.rawValue) account refused via \(via): only a \(only.rawValue) may sign in there")
                    return .wrongRole(user)
                }
                if ok && !isLocked, let user {
                    try s.db.run("DELETE FROM login_failures WHERE login = ?", [key])
                    try s.audit(actor: user.id, action: LabAuditAction.login.rawValue, subject: user.id, detail: "ok via \(via)")
                    return .ok(user)
                }
                if isLocked {
                    try s.audit(actor: key, action: LabAuditAction.loginFailed.rawValue, subject: key, detail: "locked until \(lockedUntil) via \(via)")
                    return .refused
                }
                let failures = (try s.db.scalar("SELECT failures FROM login_failures WHERE login = ?", [key])?.int ?? 0) + 1
                let lockNow = failures >= Int64(lockoutFailures)
                let until = lockNow ? iso(t.addingTimeInterval(lockoutSeconds)) : ""
                try s.db.run("""
                    INSERT INTO login_failures (login, failures, locked_until) VALUES (?, ?, ?)
                    ON CONFLICT (login) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until
                    """, [key, lockNow ? 0 : failures, until])
                try s.audit(actor: key, action: LabAuditAction.loginFailed.rawValue, subject: key,
                            detail: "\(user == nil ? "unknown account" : "wrong password") via \(via)")
                if lockNow {
                    try s.audit(actor: key, action: LabAuditAction.lockout.rawValue, subject: key, detail: "\(failures) failures; locked until \(until)")
                }
                return .refused
            }
        }
    }

    // MARK: sessions

    /// A new session: the cookie token (returned once, stored only as its hash) and the CSRF token.
    public func createSession(user: LabUser) throws -> (token: String, csrf: String) {
        let token = LabAccounts.randomToken(), csrf = LabAccounts.randomToken()
        let t = now()
        try locked { s in
            try s.db.run("DELETE FROM lab_sessions WHERE expires < ?", [iso(t)])
            try s.db.run("INSERT INTO lab_sessions (token_sha256, user, csrf, created, expires) VALUES (?, ?, ?, ?, ?)",
                         [Self.sha256(token), user.id, csrf, iso(t), iso(t.addingTimeInterval(sessionSeconds))])
        }
        return (token, csrf)
    }

    public func session(token: String) throws -> LabSession? {
        guard token.utf8.count == 64 else { return nil }
        return try locked { s in
            guard let r = try s.db.query("""
                SELECT u.id, u.name, u.role, s.csrf FROM lab_sessions s JOIN lab_users u ON u.id = s.user
                WHERE s.token_sha256 = ? AND s.expires > ? AND u.disabled = 0
                """, [Self.sha256(token), iso(now())]).first, let user = Self.userRow(r) else { return nil }
            return LabSession(user: user, csrf: r[3].string ?? "")
        }
    }

    public func endSession(token: String, actor: String) throws {
        try locked { s in
            try s.db.run("DELETE FROM lab_sessions WHERE token_sha256 = ?", [Self.sha256(token)])
            try s.audit(actor: actor, action: LabAuditAction.logout.rawValue, subject: actor)
        }
    }

    // MARK: classes

    public func createClass(id: String, name: String, actor: String) throws {
        guard LabAccounts.validId(id) else { throw LabAccountError("bad class id '\(id)' (1–64 of A-Z a-z 0-9 . _ -)") }
        try locked { s in
            try s.db.transaction {
                try s.db.run("INSERT OR IGNORE INTO lab_classes (id, name, created) VALUES (?, ?, ?)", [id, name, iso(now())])
                try s.audit(actor: actor, action: LabAuditAction.classCreate.rawValue, subject: id, detail: name)
            }
        }
    }

    public func enrol(user: String, in klass: String, actor: String) throws {
        try locked { s in
            try s.db.transaction {
                guard let role = try s.db.scalar("SELECT role FROM lab_users WHERE id = ?", [user])?.string else { throw LabAccountError("no user '\(user)'") }
                guard role == "student" || role == "instructor" else { throw LabAccountError("'\(user)' is \(role): only students and instructors join classes") }
                guard try s.db.scalar("SELECT 1 FROM lab_classes WHERE id = ?", [klass]) != nil else { throw LabAccountError("no class '\(klass)'") }
                try s.db.run("INSERT OR REPLACE INTO lab_enrolments (class, user, role) VALUES (?, ?, ?)", [klass, user, role])
                try s.audit(actor: actor, action: LabAuditAction.enrol.rawValue, subject: user, detail: "\(role) in \(klass)")
            }
        }
    }

    public func members(of klass: String) throws -> [(user: LabUser, role: String)] {
        try locked { s in
            try s.db.query("""
                SELECT u.id, u.name, u.role, e.role FROM lab_enrolments e JOIN lab_users u ON u.id = e.user
                WHERE e.class = ? ORDER BY e.role, u.id
                """, [klass]).compactMap { r in Self.userRow(r).map { (user: $0, role: r[3].string ?? "") } }
        }
    }

    public func classExists(_ klass: String) throws -> Bool {
        try locked { s in try s.db.scalar("SELECT 1 FROM lab_classes WHERE id = ?", [klass]) != nil }
    }

    public func teaches(instructor: String, klass: String) throws -> Bool {
        try locked { s in
            try s.db.scalar("SELECT 1 FROM lab_enrolments WHERE class = ? AND user = ? AND role = 'instructor'", [klass, instructor]) != nil
        }
    }

    /// Whether `instructor` teaches a class that `student` is enrolled in.
    public func teachesStudent(instructor: String, student: String) throws -> Bool {
        try locked { s in
            try s.db.scalar("""
                SELECT 1 FROM lab_enrolments i JOIN lab_enrolments st ON st.class = i.class
                WHERE i.user = ? AND i.role = 'instructor' AND st.user = ? AND st.role = 'student'
                """, [instructor, student]) != nil
        }
    }

    /// Imports a class roster: CSV (UTF-8, with or without BOM) with a header row naming at least
    /// `id` and `name` (`password` optional; else a random one is made and returned). Every row is
    /// checked first; a bad row is reported by number and nothing is imported. Creates the class
    /// if missing, the students, and their enrolments; existing students are only enrolled.
    public func importRoster(csv: String, klass: String, actor: String) throws -> [(id: String, password: String?)] {
        let rows: [[String]]
        do { rows = try CSV.parse(csv) } catch { throw LabAccountError("roster: \(error)") }
        guard let header = rows.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else { throw LabAccountError("roster: empty file") }
        guard let idCol = header.firstIndex(of: "id"), let nameCol = header.firstIndex(of: "name") else {
            throw LabAccountError("roster: the header row must name the columns id and name (found: \(header.joined(separator: ", ")))")
        }
        let pwCol = header.firstIndex(of: "password")
        var entries: [(id: String, name: String, password: String?)] = []
        var seen = Set<String>()
        for (n, row) in rows.dropFirst().enumerated() {
            if row.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            let line = n + 2
            guard row.count > max(idCol, nameCol) else { throw LabAccountError("roster row \(line): too few fields") }
            let id = row[idCol].trimmingCharacters(in: .whitespaces), name = row[nameCol].trimmingCharacters(in: .whitespaces)
            guard LabAccounts.validId(id) else { throw LabAccountError("roster row \(line): bad student id '\(id)'") }
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) }) else {
                throw LabAccountError("roster row \(line): the name must be non-empty text without control characters")
            }
            guard seen.insert(id).inserted else { throw LabAccountError("roster row \(line): student id '\(id)' appears twice") }
            var pw: String? = nil
            if let pwCol, pwCol < row.count, !row[pwCol].isEmpty {
                guard (8...72).contains(row[pwCol].utf8.count) else { throw LabAccountError("roster row \(line): the password must be 8–72 bytes") }
                pw = row[pwCol]
            }
            entries.append((id, name, pw))
        }
        guard LabAccounts.validId(klass) else { throw LabAccountError("bad class id '\(klass)'") }
        // Hash before taking the lock (bcrypt is slow on purpose).
        var made: [(id: String, password: String?)] = []
        var hashed: [(id: String, name: String, hash: String)] = []
        let existing = Set(try users().map(\.id))
        for e in entries where !existing.contains(e.id) {
            let pw = e.password ?? LabAccounts.randomToken(bytes: 9)
            hashed.append((e.id, e.name, Bcrypt.hash(pw, cost: UInt8(bcryptCost))))
            made.append((e.id, e.password == nil ? pw : nil))
        }
        try locked { s in
            try s.db.transaction {
                try s.db.run("INSERT OR IGNORE INTO lab_classes (id, name, created) VALUES (?, ?, ?)", [klass, klass, iso(now())])
                for h in hashed {
                    try s.db.run("INSERT INTO lab_users (id, name, role, password_hash, created) VALUES (?, ?, 'student', ?, ?)",
                                 [h.id, h.name, h.hash, iso(now())])
                }
                for e in entries {
                    let role = try s.db.scalar("SELECT role FROM lab_users WHERE id = ?", [e.id])?.string
                    guard role == "student" else { throw LabAccountError("roster: '\(e.id)' exists with role \(role ?? "?"), not student") }
                    try s.db.run("INSERT OR IGNORE INTO lab_enrolments (class, user, role) VALUES (?, ?, 'student')", [klass, e.id])
                }
                try s.audit(actor: actor, action: LabAuditAction.rosterImport.rawValue, subject: klass,
                            detail: "\(entries.count) students, \(hashed.count) new")
            }
        }
        return made
    }

    // MARK: workstations

    public func registerWorkstation(id: String, publicKey: String, actor: String) throws {
        guard LabAccounts.validId(id) else { throw LabAccountError("bad workstation id '\(id)'") }
        guard let raw = Data(base64Encoded: publicKey), raw.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            throw LabAccountError("workstation '\(id)': the public key must be base64 of a 32-byte Ed25519 key")
        }
        try locked { s in
            try s.db.transaction {
                if let old = try s.db.query("SELECT public_key, revoked FROM lab_workstations WHERE id = ?", [id]).first {
                    if old[0].string == publicKey && old[1].string == "" { return }
                    throw LabAccountError("workstation '\(id)' is already registered\(old[1].string == "" ? "" : " (revoked)"): a new key needs a new id", kind: .conflict)
                }
                try s.db.run("INSERT INTO lab_workstations (id, public_key, added) VALUES (?, ?, ?)", [id, publicKey, iso(now())])
                try s.audit(actor: actor, action: LabAuditAction.keyRegister.rawValue, subject: id, detail: publicKey)
            }
        }
    }

    /// Lifts a sign-in lockout of user `id` and forgets its failed sign-ins (an administrator, or
    /// `os:<account>` from `hazlab lab unlock`); audited `lab-unlock`. Returns the time the lockout
    /// would have ended ("" when the account was not locked). Sign-in keeps its one refusal text.
    @discardableResult
    public func unlock(id: String, actor: String) throws -> String {
        try locked { s in
            try s.db.transaction {
                guard try s.db.scalar("SELECT 1 FROM lab_users WHERE id = ?", [id]) != nil else { throw LabAccountError("no user '\(id)'", kind: .notFound) }
                let until = try s.db.scalar("SELECT locked_until FROM login_failures WHERE login = ?", [id])?.string ?? ""
                let wasLocked = !until.isEmpty && until > iso(now())
                try s.db.run("DELETE FROM login_failures WHERE login = ?", [id])
                try s.audit(actor: actor, action: LabAuditAction.unlock.rawValue, subject: id,
                            detail: wasLocked ? "lockout until \(until) lifted" : "not locked; failed sign-ins reset")
                return wasLocked ? until : ""
            }
        }
    }

    public func revokeWorkstation(id: String, actor: String) throws {
        try locked { s in
            try s.db.transaction {
                guard try s.db.scalar("SELECT 1 FROM lab_workstations WHERE id = ?", [id]) != nil else { throw LabAccountError("no workstation '\(id)'", kind: .notFound) }
                try s.db.run("UPDATE lab_workstations SET revoked = ? WHERE id = ? AND revoked = ''", [iso(now()), id])
                try s.audit(actor: actor, action: LabAuditAction.keyRevoke.rawValue, subject: id)
            }
        }
    }

    /// The workstation's key record (revoked or not), or nil when unregistered.
    public func workstation(_ id: String) throws -> PublicKeyRecord? {
        try locked { s in
            try s.db.query("SELECT id, public_key, added, revoked FROM lab_workstations WHERE id = ?", [id]).first.map {
                PublicKeyRecord(id: $0[0].string ?? "", publicKey: $0[1].string ?? "", added: $0[2].string ?? "", revoked: $0[3].string ?? "")
            }
        }
    }

    /// Every registered workstation key, revoked ones included (with their revocation time).
    public func workstations() throws -> [PublicKeyRecord] {
        try locked { s in
            try s.db.query("SELECT id, public_key, added, revoked FROM lab_workstations ORDER BY id").map {
                PublicKeyRecord(id: $0[0].string ?? "", publicKey: $0[1].string ?? "", added: $0[2].string ?? "", revoked: $0[3].string ?? "")
            }
        }
    }

    public func audit(actor: String, action: String, subject: String, detail: String = "") throws {
        try locked { s in try s.audit(actor: actor, action: action, subject: subject, detail: detail) }
    }
}
