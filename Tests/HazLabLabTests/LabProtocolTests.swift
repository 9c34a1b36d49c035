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
}
