import Foundation
import Hummingbird
import Logging

/// Runs `hazlab serve` until SIGTERM or SIGINT (graceful shutdown through the service group).
public enum LabServe {
    public static func run(config: LabConfig, logLevel: Logger.Level = .info) async throws {
        var logger = Logger(label: "hazlab.serve")
        logger.logLevel = logLevel
        let server = try LabServer(config: config, logger: logger)
        try server.accounts.audit(actor: LabServe.osUser(), action: "lab-serve-start", subject: config.store,
                                  detail: "\(config.tls ? "https" : "http")://\(config.bind):\(config.port)")
        let app = try server.makeApplication { port in
            // One plain line on stdout that scripts and tests wait for.
            FileHandle.standardOutput.write(Data("hazlab serve: listening on \(config.tls ? "https" : "http")://\(config.bind):\(port)\n".utf8))
        }
        // Scheduled online backups (backup: in lab.yaml): the first at start-up, then every `every`.
        var backups: Task<Void, Never>?
        if config.backupDir != nil { backups = Task { await LabBackupScheduler(server: server).run() } }
        defer { backups?.cancel() }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        logger.notice("hazlab serve stopped")
    }

    /// The operating-system account running a command (not `$USER`, which anyone can set).
    public static func osUser() -> String {
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return "os:" + String(cString: name) }
        return "os:uid\(getuid())"
    }
}
