import XCTest
@testable import HazLabRecords

final class TerminalTextTests: XCTestCase {
    func testControlCharactersBecomeVisibleEscapes() {
        // A scenario name that would clear the screen and draw a fake summary line.
        let hostile = "tank\u{1B}[2J\u{1B}[H\rscore 100 passed\nnext\u{7}\u{9B}\u{2028}"
        let out = TerminalText.escape(hostile)
        XCTAssertFalse(out.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) })
        XCTAssertEqual(out, "tank\\e[2J\\e[H\\rscore 100 passed\\nnext\\u{7}\\u{9B}\\u{2028}")
    }

    func testPlainAndChineseTextPassUnchanged() {
        XCTAssertEqual(TerminalText.escape("储罐进料操作 s001 tank-filling"), "储罐进料操作 s001 tank-filling")
    }

    func testBackslashIsDoubledSoEscapesAreUnambiguous() {
        XCTAssertEqual(TerminalText.escape("a\\nb"), "a\\\\nb")
        XCTAssertNotEqual(TerminalText.escape("a\\nb"), TerminalText.escape("a\nb"))
    }

    func testAFieldCannotAddAColumnOrARow() {
        let f = TerminalText.field("s001\tforged\nrow")
        XCTAssertFalse(f.contains("\t")); XCTAssertFalse(f.contains("\n"))
    }
}
