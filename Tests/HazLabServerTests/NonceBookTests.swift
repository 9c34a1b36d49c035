@testable import HazLabServer
import XCTest

final class NonceBookTests: XCTestCase {
    /// A flood of challenge requests used to evict every outstanding challenge (so a real
    /// workstation's signed answer failed); now new challenges are refused and old ones stay valid.
    func testAFloodNeverEvictsOutstandingChallenges() {
        let book = NonceBook()
        guard let first = book.make(for: "ws-01") else { return XCTFail("no challenge") }
        for i in 1..<NonceBook.capacity { XCTAssertNotNil(book.make(for: "flood-\(i % 50)")) }
        XCTAssertNil(book.make(for: "flood-x"), "at capacity a new challenge is refused")
        XCTAssertTrue(book.take(first, for: "ws-01"), "the first challenge is still valid")
        XCTAssertFalse(book.take(first, for: "ws-01"), "and single use")
        XCTAssertNotNil(book.make(for: "ws-02"), "room again after one was used")
    }
}

final class UploadGateTests: XCTestCase {
    /// Offline uploads are held in memory while checked: at most `UploadGate.limit` at once; a
    /// slot frees when one ends.
    func testAtMostLimitUploadsAtOnce() {
        let gate = UploadGate()
        for _ in 0..<UploadGate.limit { XCTAssertTrue(gate.enter()) }
        XCTAssertFalse(gate.enter(), "one more is refused (503)")
        gate.leave()
        XCTAssertTrue(gate.enter(), "a slot freed by a finished upload is taken again")
    }
}
