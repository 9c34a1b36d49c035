import Foundation
import HazLabRecords

/// Transport-agnostic state machine for one stream connection (the server wires it to a WebSocket):
/// hello → challenge → proof → welcome(acked) → line… each answered by ack or error.
public final class LabStreamSession {
    let ledger: LabLedger
    let keys: KeyRegistryLookup
    let mirror: LabMirror?
    public private(set) var closed = false

    public init(ledger: LabLedger, keys: KeyRegistryLookup, mirror: LabMirror?) {
        self.ledger = ledger; self.keys = keys; self.mirror = mirror
    }

    public func receive(_ m: LabClientMessage, arrived: Date) -> [LabServerMessage] { [] }
}
