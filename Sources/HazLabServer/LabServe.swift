import Foundation
import HazLabLab
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Runs `hazlab serve` until SIGTERM or SIGINT (graceful shutdown through the service group).
public enum LabServe {
    public static func run(config: LabConfig, logLevel: Logger.Level = .info) async throws {
        var logger = Logger(label: "hazlab.serve")
        logger.logLevel = logLevel
        let server = try LabServer(config: config, logger: logger)
        try server.accounts.audit(actor: LabServe.osUser(), action: LabAuditAction.serveStart.rawValue, subject: config.store,
                                  detail: "\(config.tls ? "https" : "http")://\(config.bind):\(config.port)")
        let listening = LabServeFlag()
        let app = try server.makeApplication { port in
            listening.set()
            // One plain line on stdout that scripts and tests wait for.
            FileHandle.standardOutput.write(Data("hazlab serve: listening on \(config.tls ? "https" : "http")://\(config.bind):\(port)\n".utf8))
        }
        // Scheduled online backups (backup: in lab.yaml): the first at start-up, then every `every`.
        var backups: Task<Void, Never>?
        if config.backupDir != nil { backups = Task { await LabBackupScheduler(server: server).run() } }
        defer { backups?.cancel() }
        // SIGTERM/SIGINT: first close the open streams with 1001 (going away), then shut down
        // gracefully (the service group's own signal handling would close them with 1000).
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                Task {
                    await server.closeStreamsGoingAway()
                    await group.triggerGracefulShutdown()
                }
            }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }
        do { try await group.run() } catch let e as IOError where !listening.value {
            // The socket could not be bound (port in use, address not on this host, a port below
            // 1024 without the right): say which address, not NIO's "bind(descriptor:ptr:bytes:)".
            throw LabConfigError("cannot listen on \(config.bind):\(config.port): \(String(cString: strerror(e.errnoCode)).lowercased())")
        }
        // Gradings already queued finish before the process exits (else the next start does them).
        server.ledger.waitForGrading()
        logger.notice("hazlab serve stopped")
    }

    /// The operating-system account running a command (not `$USER`, which anyone can set).
    public static func osUser() -> String {
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return "os:" + String(cString: name) }
        return "os:uid\(getuid())"
    }
}

/// Set once the server listens (the start-up callback may run on another thread).
final class LabServeFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var on = false
    func set() { lock.lock(); on = true; lock.unlock() }
    var value: Bool { lock.lock(); defer { lock.unlock() }; return on }
}
