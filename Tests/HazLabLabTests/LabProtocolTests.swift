import Foundation
import XCTest
import HazLabLab

final class LabProtocolTests: XCTestCase {
    func testMessagesRoundTripWithTypeDiscriminator() throws {
        let m = LabClientMessage.line(seq: 3, text: "{\"type\":\"action\"}")
        let s = LabProtocol.encode(m)
        XCTAssertTrue(s.contains("\"type\":\"line\""), s)
        XCTAssertEqual(try LabProtocol.decodeClient(s).get(), m)
        let e = LabServerMessage.error(code: "fork", message: "x", fatal: true)
        XCTAssertEqual(try LabProtocol.decodeServer(LabProtocol.encode(e)), e)
    }

    /// Stream errors used to echo the decoder's dump (`keyNotFound(CodingKeys(…), Swift.DecodingError.Context(…))`)
    /// and up to 200 bytes of the frame: now a bounded, plain message naming the field.
    func testMalformedFramesGetAPlainBoundedMessageNamingTheField() {
        let secret = String(repeating: "SECRET", count: 50)
        let cases: [(String, String)] = [
            (#"{"type":"line","seq":"7","text":"\#(secret)"}"#, "field 'seq' must be an integer"),
            (#"{"type":"line","text":"\#(secret)"}"#, "missing field 'seq'"),
            (#"{"type":"\#(secret)"}"#, "field 'type' must be hello, proof or line"),
            (#"{"type":"proof","signature":null}"#, "field 'signature' is null"),
            ("{not json \(secret)", "not valid JSON"),
        ]
        for (frame, expected) in cases {
            guard case .failure(let e) = LabProtocol.decodeClient(frame) else { XCTFail(frame); continue }
            XCTAssertEqual(e.code, .badFrame)
            XCTAssertTrue(e.message.hasSuffix(expected), "\(e.message) — expected \(expected)")
            XCTAssertFalse(e.message.contains("SECRET") || e.message.contains("DecodingError") || e.message.contains("CodingKeys"), e.message)
            XCTAssertLessThanOrEqual(e.message.utf8.count, 200)
        }
        // A message out of order names its kind and seq, never the line's text.
        let session = LabStreamSession(ledger: try! LabLedger(storePath: NSTemporaryDirectory() + "/hazlab-proto-\(UUID().uuidString).sqlite"),
                                       keys: ClosureKeyLookup { _, _ in .unknown }, mirror: nil)
        let reply = session.receive(.line(seq: 3, text: secret), arrived: Date())
        guard case .error(let code, let message, true)? = reply.first else { return XCTFail("\(reply)") }
        XCTAssertEqual(code, "protocol")
        XCTAssertEqual(message, "unexpected line (seq 3) message: expected hello")
    }
}
