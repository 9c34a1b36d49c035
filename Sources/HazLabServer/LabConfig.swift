import Foundation
import Yams

/// A configuration problem, naming the file and the key.
public struct LabConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `lab.yaml`: what `hazlab serve` reads (Docs/lab.md, "Running the server").
///
///     bind: 127.0.0.1          # default; any other address needs TLS or allowPlainHTTP: true
///     port: 8443               # 0 = any free port (the log line says which)
///     store: lab.sqlite        # the results store (created if missing); relative to the config file
///     scenarios: Scenarios     # folder of scenario folders the server may assign
///     tls: { certificate: server.pem, key: server.key }
///     allowPlainHTTP: false
///     bcryptCost: 12           # 10…31 in production; tests may use 4 with `testing: true`
///     lockout: { failures: 5, minutes: 15, perAddressPerMinute: 30 }
///     sessionHours: 12
///     ticketHours: 8                # a student's sign-in at a workstation
///     limits: { requestBytes: 1048576, frameBytes: 131072, connections: 256 }
///     backup: { dir: backups, every: 1 h, keep: 24 }   # online backups (LabBackups.swift); off when absent
public struct LabConfig: Sendable, Equatable {
    public var file: String = "lab.yaml"
    public var bind: String = "127.0.0.1"
    public var port: Int = 8443
    public var store: String = "lab.sqlite"
    public var scenarios: String = "Scenarios"
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var allowPlainHTTP = false
    public var bcryptCost = 12
    public var testing = false
    public var lockoutFailures = 5
    public var lockoutMinutes = 15
    /// Failed sign-ins one network address may make per minute (all names together) before 429.
    public var lockoutPerAddressPerMinute = 30
    public var sessionHours = 12
    public var ticketHours = 8
    public var maxRequestBytes = 1 << 20
    public var maxFrameBytes = 128 * 1024
    public var maxConnections = 256
    /// Scheduled online backups: the folder (nil = none scheduled), the interval in seconds, how many to keep.
    public var backupDir: String?
    public var backupEverySeconds: Double = 3600
    public var backupKeep = 24

    public init() {}

    public var tls: Bool { tlsCertificate != nil }

    static let knownKeys: Set<String> = ["bind", "port", "store", "scenarios", "tls", "allowPlainHTTP", "bcryptCost",
                                         "testing", "lockout", "sessionHours", "ticketHours", "limits", "backup"]

    /// Reads and checks a config file; paths in it are resolved against the file's folder.
    public static func load(path: String) throws -> LabConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LabConfigError("\(path): error: cannot read the config file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw LabConfigError("\(path): error: not UTF-8 text") }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> LabConfig {
        let loaded: Any?
        do { loaded = try Yams.load(yaml: text) } catch {
            throw LabConfigError("\(file): error: not valid YAML: \(error)")
        }
        guard let top = loaded as? [String: Any] else {
            throw LabConfigError("\(file): error: the config must be a mapping of keys (bind, port, store, …)")
        }
        var c = LabConfig()
        c.file = file
        let folder = (file as NSString).deletingLastPathComponent
        func resolve(_ p: String) -> String { p.hasPrefix("/") || folder.isEmpty ? p : folder + "/" + p }
        func fail(_ key: String, _ why: String) -> LabConfigError { LabConfigError("\(file): error: key '\(key)': \(why)") }
        func string(_ v: Any?, _ key: String) throws -> String? {
            guard let v else { return nil }
            guard let s = v as? String, !s.isEmpty else { throw fail(key, "must be a non-empty string") }
            return s
        }
        func int(_ v: Any?, _ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v else { return nil }
            guard let i = v as? Int, range.contains(i) else { throw fail(key, "must be an integer in \(range.lowerBound)…\(range.upperBound)") }
            return i
        }
        func bool(_ v: Any?, _ key: String) throws -> Bool? {
            guard let v else { return nil }
            guard let b = v as? Bool else { throw fail(key, "must be true or false") }
            return b
        }
        func map(_ v: Any?, _ key: String, _ keys: Set<String>) throws -> [String: Any] {
            guard let v else { return [:] }
            guard let m = v as? [String: Any] else { throw fail(key, "must be a mapping") }
            for k in m.keys.sorted() where !keys.contains(k) {
                throw fail("\(key).\(k)", "unknown key (known: \(keys.sorted().joined(separator: ", ")))")
            }
            return m
        }
        for k in top.keys.sorted() where !knownKeys.contains(k) {
            throw fail(k, "unknown key (known: \(knownKeys.sorted().joined(separator: ", ")))")
        }
        if let b = try string(top["bind"], "bind") { c.bind = b }
        if let p = try int(top["port"], "port", 0...65535) { c.port = p }
        if let s = try string(top["store"], "store") { c.store = resolve(s) } else { c.store = resolve(c.store) }
        if let s = try string(top["scenarios"], "scenarios") { c.scenarios = resolve(s) } else { c.scenarios = resolve(c.scenarios) }
        if let b = try bool(top["allowPlainHTTP"], "allowPlainHTTP") { c.allowPlainHTTP = b }
        if let b = try bool(top["testing"], "testing") { c.testing = b }
        if let n = try int(top["bcryptCost"], "bcryptCost", 4...31) { c.bcryptCost = n }
        if c.bcryptCost < 10 && !c.testing { throw fail("bcryptCost", "must be at least 10 (lower costs only with testing: true)") }
        if let n = try int(top["sessionHours"], "sessionHours", 1...24 * 30) { c.sessionHours = n }
        if let n = try int(top["ticketHours"], "ticketHours", 1...24) { c.ticketHours = n }
        let tls = try map(top["tls"], "tls", ["certificate", "key"])
        if top["tls"] != nil {
            guard let cert = try string(tls["certificate"], "tls.certificate") else { throw fail("tls.certificate", "missing (tls needs certificate and key)") }
            guard let key = try string(tls["key"], "tls.key") else { throw fail("tls.key", "missing (tls needs certificate and key)") }
            c.tlsCertificate = resolve(cert); c.tlsKey = resolve(key)
        }
        let lockout = try map(top["lockout"], "lockout", ["failures", "minutes", "perAddressPerMinute"])
        if let n = try int(lockout["failures"], "lockout.failures", 1...100) { c.lockoutFailures = n }
        if let n = try int(lockout["minutes"], "lockout.minutes", 1...24 * 60) { c.lockoutMinutes = n }
        if let n = try int(lockout["perAddressPerMinute"], "lockout.perAddressPerMinute", 1...100_000) { c.lockoutPerAddressPerMinute = n }
        let limits = try map(top["limits"], "limits", ["requestBytes", "frameBytes", "connections"])
        if let n = try int(limits["requestBytes"], "limits.requestBytes", 1024...(256 << 20)) { c.maxRequestBytes = n }
        if let n = try int(limits["frameBytes"], "limits.frameBytes", 1024...(16 << 20)) { c.maxFrameBytes = n }
        if let n = try int(limits["connections"], "limits.connections", 1...100_000) { c.maxConnections = n }
        let backup = try map(top["backup"], "backup", ["dir", "every", "keep"])
        if top["backup"] != nil {
            guard let dir = try string(backup["dir"], "backup.dir") else { throw fail("backup.dir", "missing (backup needs dir; every and keep are optional)") }
            c.backupDir = resolve(dir)
            if let v = backup["every"] {
                guard let s = LabConfig.duration(v), s >= 1, s <= 366 * 86400 else {
                    throw fail("backup.every", "must be a duration from 1 s to 366 d, like 30 s, 15 min, 1 h or 1 d")
                }
                c.backupEverySeconds = s
            }
            if let n = try int(backup["keep"], "backup.keep", 1...100_000) { c.backupKeep = n }
        }
        if !c.tls && !c.allowPlainHTTP && !LabConfig.isLoopback(c.bind) {
            throw fail("bind", "'\(c.bind)' is not a loopback address: configure tls (certificate, key) or set allowPlainHTTP: true for a closed lab LAN")
        }
        return c
    }

    /// A duration: a number of seconds, or "N s|sec|min|m|h|d" (N a positive number).
    public static func duration(_ v: Any) -> Double? {
        if let i = v as? Int { return Double(i) }
        if let d = v as? Double { return d }
        guard let text = v as? String else { return nil }
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        var number = "", unit = ""
        if parts.count == 2 { number = String(parts[0]); unit = String(parts[1]) }
        else if parts.count == 1 {
            let t = String(parts[0])
            number = String(t.prefix { $0.isNumber || $0 == "." }); unit = String(t.dropFirst(number.count))
        } else { return nil }
        guard let n = Double(number), n.isFinite, n > 0 else { return nil }
        let scale: Double
        switch unit.lowercased() {
        case "", "s", "sec", "second", "seconds": scale = 1
        case "m", "min", "minute", "minutes": scale = 60
        case "h", "hour", "hours": scale = 3600
        case "d", "day", "days": scale = 86400
        default: return nil
        }
        return n * scale
    }

    /// The `scenarios` folder exists and holds at least one scenario folder (one with a
    /// `scenario.yaml`): else the server would start with an empty practice list and refuse
    /// every task. `hazlab serve` checks it before it starts.
    public func checkScenarios() throws {
        func fail(_ why: String) -> LabConfigError { LabConfigError("\(file): error: key 'scenarios': \(scenarios) \(why)") }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: scenarios, isDirectory: &isDir) else { throw fail("does not exist") }
        guard isDir.boolValue else { throw fail("is not a folder") }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: scenarios)) ?? []
        guard names.contains(where: { FileManager.default.fileExists(atPath: scenarios + "/" + $0 + "/scenario.yaml") }) else {
            throw fail("holds no scenario folder (a folder with scenario.yaml inside)")
        }
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
