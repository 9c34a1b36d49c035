import Foundation
import HazLabLab
import HummingbirdWSClient
import Logging
import NIOCore

/// `LabTransport` over a real WebSocket (`/api/stream`, hummingbird-websocket's client, TLS from
/// the endpoint). `LabStreamer` is blocking: it runs on the streamer's own thread, and this class
/// bridges it to the async client: sends are queued to a writer task, received frames wait in an
/// inbox. When the connection ends (closed, cut, refused, untrusted) every later call throws.
public final class WebSocketLabTransport: LabTransport, @unchecked Sendable {
    private let cond = NSCondition()
    private var inbox: [String] = []
    private var closed = false
    private var closeReason: LabClientError?
    private let outgoing: AsyncStream<String>.Continuation
    private var task: Task<Void, Never>?
    /// Safety limit for one answer: a connection that stays silent this long counts as cut.
    public let receiveTimeout: TimeInterval

    public init(endpoint: LabEndpoint, receiveTimeout: TimeInterval = 20) {
        self.receiveTimeout = receiveTimeout
        let (stream, continuation) = AsyncStream<String>.makeStream()
        outgoing = continuation
        var log = Logger(label: "hazlab.viewer.stream"); log.logLevel = .critical
        let logger = log
        var config = WebSocketClientConfiguration()
        config.maxFrameSize = LabProtocol.maxFrameBytes
        let cfg = config
        let me = self
        task = Task {
            do {
                _ = try await WebSocketClient.connect(url: endpoint.streamURL, configuration: cfg, tlsConfiguration: endpoint.tlsConfiguration,
                                                      logger: logger) { inbound, outbound, _ in
                    let writer = Task {
                        for await frame in stream { try await outbound.write(.text(frame)) }
                        try? await outbound.close(.normalClosure, reason: nil)
                    }
                    defer { writer.cancel() }
                    for try await m in inbound.messages(maxSize: LabProtocol.maxFrameBytes) {
                        if case .text(let t) = m { me.deliver(t) }
                    }
                }
                me.end(.unreachable("the server closed the stream"))
            } catch {
                me.end(LabClientError.from(error))
            }
        }
    }

    private func deliver(_ frame: String) {
        cond.lock(); inbox.append(frame); cond.broadcast(); cond.unlock()
    }
    private func end(_ why: LabClientError) {
        cond.lock()
        if !closed { closed = true; closeReason = why }
        cond.broadcast(); cond.unlock()
        outgoing.finish()
    }

    /// Why the connection ended (nil while open).
    public var failure: LabClientError? { cond.lock(); defer { cond.unlock() }; return closed ? closeReason : nil }

    public func send(_ m: LabClientMessage) throws {
        cond.lock()
        let isClosed = closed, why = closeReason
        cond.unlock()
        if isClosed { throw why ?? LabClientError.unreachable("closed") }
        outgoing.yield(LabProtocol.encode(m))
    }

    public func receive() throws -> LabServerMessage {
        cond.lock()
        defer { cond.unlock() }
        let deadline = Date().addingTimeInterval(receiveTimeout)
        while inbox.isEmpty && !closed {
            if !cond.wait(until: deadline) {
                closed = true; closeReason = .unreachable("no answer from the server within \(Int(receiveTimeout)) s")
                outgoing.finish()
                task?.cancel()
            }
        }
        if !inbox.isEmpty {
            let f = inbox.removeFirst()
            do { return try LabProtocol.decodeServer(f) } catch { throw LabClientError.badAnswer("stream frame: \(error)") }
        }
        throw closeReason ?? LabClientError.unreachable("closed")
    }

    public func poll() throws -> LabServerMessage? {
        cond.lock()
        let waiting = !inbox.isEmpty, isClosed = closed
        cond.unlock()
        if waiting { return try receive() }
        if isClosed { throw failure ?? LabClientError.unreachable("closed") }
        return nil
    }

    /// Closes the stream (normal closure) and stops its task.
    public func close() {
        end(.unreachable("closed by the workstation"))
        task?.cancel()
    }
}
