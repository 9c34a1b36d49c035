import Foundation
import HazLabCore
import XCTest
@testable import HazLabRecords

final class JournalTests: XCTestCase {
    static let path = "/virtual/attempt.jsonl"

    // MARK: helpers

    /// A complete journal with awkward strings and numbers in it.
    func sampleJournal() -> Journal {
        var header = Journal.Header(scenario: "tank-filling", scenarioSHA256: String(repeating: "ab", count: 32),
                                    seed: 20261129, mode: "exam", student: "张三 \"s001\"\t\\", workstation: "ws-01\n工位")
        header.engine = "0.1.0-test"
        let actions = [
            Action(tick: 0, verb: "wear", target: "helmet"),
            Action(tick: 20, verb: "set", target: "XV101", number: 0.5),
            Action(tick: 20, verb: "set", target: "XV102", number: -3),
            Action(tick: 35, verb: "set", target: "XV103", number: 1e-7),
            Action(tick: 36, verb: "set", target: "XV104", number: -0.0),
            Action(tick: 37, verb: "set", target: "XV105", number: 999_999_999_999_999),
            Action(tick: 40, verb: "lock", target: "QF101", text: "operator2"),
            Action(tick: 41, verb: "report", target: "supervisor",
                   text: "液位 2.8 m，已停泵\u{0001}\u{001F}\r\n\t\"quoted\" back\\slash /slash \u{7F} 😀"),
            Action(tick: 3550, verb: "submit", target: ""),
        ]
        return Journal(header: header, actions: actions,
                       trailer: Journal.Trailer(endTick: 3550, stateHash: "0123456789abcdef", actions: actions.count))
    }

    func parse(_ text: String) throws -> Journal {
        try Journal.parse(data: Data(text.utf8), path: Self.path)
    }

    /// Parses `text`, expecting a `JournalIssue` on `line`; returns it.
    @discardableResult
    func assertRejected(_ text: String, line: Int, containing fragment: String? = nil,
                        file: StaticString = #filePath, lineNo: UInt = #line) -> JournalIssue? {
        do {
            let j = try parse(text)
            XCTFail("expected a journal error on line \(line), parsed \(j.actions.count) actions", file: file, line: lineNo)
            return nil
        } catch let issue as JournalIssue {
            XCTAssertEqual(issue.path, Self.path, file: file, line: lineNo)
            XCTAssertEqual(issue.line, line, "\(issue)", file: file, line: lineNo)
            XCTAssertTrue(issue.description.hasPrefix("\(Self.path):\(line):"), issue.description, file: file, line: lineNo)
            if let fragment {
                XCTAssertTrue(issue.message.contains(fragment), "message '\(issue.message)' lacks '\(fragment)'", file: file, line: lineNo)
            }
            return issue
        } catch {
            XCTFail("unexpected error type: \(error)", file: file, line: lineNo)
            return nil
        }
    }

    /// The lines of a valid journal: header, two actions, trailer.
    var header: String {
        #"{"type":"header","format":1,"engine":"0.1.0","scenario":"tank-filling","scenarioSHA256":"x","seed":7}"#
    }
    func action(_ tick: Int, _ extra: String = "") -> String {
        #"{"type":"action","tick":\#(tick),"verb":"set","target":"XV101"\#(extra)}"#
    }
    func trailer(_ n: Int) -> String { #"{"type":"trailer","endTick":100,"stateHash":"0123456789abcdef","actions":\#(n)}"# }

    func lines(_ ls: [String]) -> String { ls.joined(separator: "\n") + "\n" }

    // MARK: round trip

    func testRoundTripIsExact() throws {
        let original = sampleJournal()
        let text = original.jsonl()
        let parsed = try parse(text)
        XCTAssertEqual(parsed, original)
        XCTAssertTrue(parsed.warnings.isEmpty)
        XCTAssertTrue(parsed.isComplete)
        // Strings with CJK text and control characters survive byte for byte.
        XCTAssertEqual(parsed.header.student, original.header.student)
        XCTAssertEqual(parsed.header.workstation, original.header.workstation)
        XCTAssertEqual(parsed.actions[7].text, original.actions[7].text)
        XCTAssertEqual(Array(parsed.actions[7].text!.unicodeScalars), Array(original.actions[7].text!.unicodeScalars))
        // Numbers keep their bit patterns.
        for (a, b) in zip(parsed.actions, original.actions) {
            XCTAssertEqual(a.number?.bitPattern, b.number?.bitPattern)
        }
        // Serialising again gives the same bytes, and one line per record.
        XCTAssertEqual(parsed.jsonl(), text)
        XCTAssertEqual(text.split(separator: "\n", omittingEmptySubsequences: false).count, original.actions.count + 3)
        XCTAssertTrue(text.hasSuffix("\n"))
        // Control characters are escaped, never written raw; CJK is written as UTF-8.
        for scalar in text.unicodeScalars where scalar != "\n" {
            XCTAssertGreaterThanOrEqual(scalar.value, 0x20, "raw control character U+\(String(scalar.value, radix: 16)) in output")
        }
        XCTAssertTrue(text.contains("张三"))
        XCTAssertTrue(text.contains("液位 2.8 m，已停泵"))
    }

    func testRoundTripWithoutTrailerAndLargeSeed() throws {
        var j = sampleJournal()
        j.trailer = nil
        j.header.seed = UInt64.max - 2      // not representable as a Double
        let parsed = try parse(j.jsonl())
        XCTAssertFalse(parsed.isComplete)
        XCTAssertEqual(parsed.header.seed, j.header.seed)
        XCTAssertEqual(parsed, j)
        for seed: UInt64 in [0, 1, 1 << 53 + 1, 12_345_678_901_234_567] {
            j.header.seed = seed
            XCTAssertEqual(try parse(j.jsonl()).header.seed, seed)
        }
    }

    // MARK: torn and blank lines

    func testTornLastLineKeepsEarlierActionsAndWarns() throws {
        let full = sampleJournal()
        var withoutTrailer = full
        withoutTrailer.trailer = nil
        let text = withoutTrailer.jsonl()
        // Cut the last action line in the middle: no closing brace, no newline.
        let lastLineStart = text.dropLast().lastIndex(of: "\n").map { text.index(after: $0) }!
        let lastLine = text[lastLineStart...].dropLast()
        let cut = text.index(lastLineStart, offsetBy: lastLine.count / 2)
        let torn = String(text[..<cut])
        XCTAssertFalse(torn.hasSuffix("\n"))
        let tornLineNumber = torn.split(separator: "\n", omittingEmptySubsequences: false).count

        let j = try parse(torn)
        XCTAssertEqual(j.actions, Array(full.actions.dropLast()))
        XCTAssertNil(j.trailer)
        XCTAssertFalse(j.isComplete)
        XCTAssertEqual(j.warnings.count, 1)
        XCTAssertEqual(j.warnings.first?.line, tornLineNumber)
        XCTAssertEqual(j.warnings.first?.path, Self.path)
        XCTAssertEqual(j.header, full.header)
    }

    func testTornLineCutInsideAMultibyteCharacter() throws {
        let text = lines([header, action(1)]) + #"{"type":"action","tick":2,"verb":"report","target":"supervisor","value":"液"#
        var bytes = Array(text.utf8)
        bytes.removeLast()   // half of the last UTF-8 sequence
        let j = try Journal.parse(data: Data(bytes), path: Self.path)
        XCTAssertEqual(j.actions.map(\.tick), [1])
        XCTAssertEqual(j.warnings.map(\.line), [3])
        XCTAssertNil(j.trailer)
    }

    func testMalformedLineInTheMiddleIsAnError() {
        let text = lines([header, action(1), #"{"type":"action","tick":2,"verb":"#, action(3), trailer(2)])
        assertRejected(text, line: 3, containing: "JSON")
        // A broken line that is terminated is never "torn", even when it is the last one.
        assertRejected(lines([header, action(1), #"{"type":"act"#]), line: 3, containing: "JSON")
        // A JSON value that is not an object.
        assertRejected(lines([header, "[1, 2]", action(3)]), line: 2, containing: "object")
    }

    func testBlankLinesAreTolerated() throws {
        let text = "\n" + header + "\n\n   \n" + action(5) + "\r\n\t\n" + action(6) + "\n" + trailer(2) + "\n\n"
        let j = try parse(text)
        XCTAssertEqual(j.actions.map(\.tick), [5, 6])
        XCTAssertEqual(j.trailer?.actions, 2)
        XCTAssertTrue(j.warnings.isEmpty)
        // Line numbers still count the blank lines.
        assertRejected("\n\n" + header + "\n\n" + #"{"type":"bogus"}"# + "\n", line: 5, containing: "bogus")
    }

    // MARK: structural errors

    func testTicksGoingBackwardsAreRejected() throws {
        assertRejected(lines([header, action(10), action(10), action(9), trailer(3)]), line: 4, containing: "back in time")
        // Equal ticks are fine.
        XCTAssertEqual(try parse(lines([header, action(10), action(10)])).actions.count, 2)
        assertRejected(lines([header, action(-1)]), line: 2, containing: "tick")
        assertRejected(lines([header, action(1), #"{"type":"action","tick":2.5,"verb":"open","target":"XV101"}"#]),
                       line: 3, containing: "tick")
    }

    func testMissingHeaderIsRejected() {
        assertRejected(lines([action(1), trailer(1)]), line: 1, containing: "header")
        assertRejected(lines(["", action(1)]), line: 2, containing: "header")
        assertRejected(lines(["", trailer(0)]), line: 2, containing: "header")
        assertRejected("", line: 1, containing: "header")
    }

    func testSecondHeaderIsRejected() {
        assertRejected(lines([header, action(1), header, trailer(1)]), line: 3, containing: "second header")
    }

    func testLineAfterTrailerIsRejected() {
        assertRejected(lines([header, action(1), trailer(1), action(2)]), line: 4, containing: "after the trailer")
        assertRejected(lines([header, trailer(0), "", trailer(0)]), line: 4, containing: "after the trailer")
    }

    func testTrailerActionCountMustAgree() {
        let issue = assertRejected(lines([header, action(1), action(2), trailer(3)]), line: 4, containing: "3")
        XCTAssertTrue(issue?.message.contains("2") ?? false)
    }

    func testUnsupportedFormatVersionIsRejected() {
        let v2 = header.replacingOccurrences(of: #""format":1"#, with: #""format":3"#)
        XCTAssertNotEqual(v2, header)
        assertRejected(lines([v2, action(1)]), line: 1, containing: "format")
        assertRejected(lines(["", v2]), line: 2, containing: "3")
        let none = header.replacingOccurrences(of: #""format":1,"#, with: "")
        assertRejected(lines([none]), line: 1, containing: "format")
    }

    func testValueMustBeAFiniteNumberOrAString() throws {
        // Non-finite numbers have no JSON spelling; an overflowing literal must still be refused.
        assertRejected(lines([header, action(1, #","value":1e999"#), trailer(1)]), line: 2)
        assertRejected(lines([header, action(1), action(2, #","value":-1e400"#), trailer(2)]), line: 3)
        assertRejected(lines([header, action(1, #","value":{"x":1}"#), trailer(1)]), line: 2, containing: "value")
        assertRejected(lines([header, action(1), action(2, #","value":[1]"#)]), line: 3, containing: "value")
        // Null and absent values are no value; numbers and strings are kept.
        let j = try parse(lines([header, action(1, #","value":null"#), action(2, #","value":2.5"#), action(3, #","value":"x""#)]))
        XCTAssertEqual(j.actions.map(\.number), [nil, 2.5, nil])
        XCTAssertEqual(j.actions.map(\.text), [nil, nil, "x"])
    }

    func testOtherBadLinesNameTheirLine() {
        assertRejected(lines([header, #"{"tick":1}"#]), line: 2, containing: "type")
        assertRejected(lines([header, #"{"type":"action","tick":1,"target":"XV101"}"#]), line: 2, containing: "verb")
        assertRejected(lines([header, #"{"type":"comment"}"#]), line: 2, containing: "comment")
        let negativeSeed = header.replacingOccurrences(of: #""seed":7"#, with: #""seed":-7"#)
        assertRejected(lines([negativeSeed]), line: 1, containing: "seed")
    }

    func testReadReportsAMissingFile() {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString).jsonl").path
        XCTAssertThrowsError(try Journal.read(path: missing)) { error in
            let issue = error as? JournalIssue
            XCTAssertEqual(issue?.path, missing)
            XCTAssertEqual(issue?.line, 1)
        }
    }

    // MARK: JSON helpers

    func parseValue(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> Any? {
        do {
            let o = try JSONSerialization.jsonObject(with: Data("[\(json)]".utf8)) as? [Any]
            return o?.first
        } catch {
            XCTFail("JSONSerialization rejects \(json): \(error)", file: file, line: line)
            return nil
        }
    }

    func testJSONNumberRoundTripsThroughJSONSerialization() {
        var values: [Double] = [0, -0.0, 1, -1, 0.5, 0.1, 1.0 / 3, -2.75, 1e-7, .leastNonzeroMagnitude, 2.2250738585072014e-308,
                                123.456, 999_999_999_999_999, -999_999_999_999_999, 1e15, -1e15, 1e15 + 2, 1e16,
                                9_007_199_254_740_994, 1e21, 1.7976931348623157e308, 72.0 / 3600]
        var x = 1.0
        while x <= 1e15 { values.append(x); values.append(-x); values.append(x + 1); x *= 10 }
        values.append(contentsOf: stride(from: -1.0, through: 1.0, by: 0.125))
        for v in values {
            let s = JSON.number(v)
            guard let n = parseValue(s) as? NSNumber else { XCTFail("\(v) → \(s) is not a JSON number"); continue }
            XCTAssertEqual(n.doubleValue.bitPattern, v.bitPattern, "\(v) → \(s) → \(n.doubleValue)")
            if v == v.rounded(), abs(v) < 1e15, v.sign == .plus || v != 0 {
                XCTAssertFalse(s.contains(".") || s.contains("e"), "integer \(v) written as \(s)")
            }
        }
        for v in [Double.nan, .infinity, -.infinity] {
            XCTAssertEqual(JSON.number(v), "null")
            XCTAssertTrue(parseValue(JSON.number(v)) is NSNull)
        }
    }

    func testJSONStringRoundTripsThroughJSONSerialization() {
        var samples = ["", "plain", "穿戴劳保用品", "quote \" backslash \\ slash /", "tab\tnew\nline\rcr",
                       "emoji 😀 and 𝄞", "\u{7F}\u{80}\u{FEFF}\u{2028}\u{2029}", "é (e + combining) é", "\r\n"]
        samples.append(String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar($0)! })))
        for s in samples {
            let encoded = JSON.string(s)
            XCTAssertTrue(encoded.hasPrefix("\"") && encoded.hasSuffix("\""))
            XCTAssertFalse(encoded.unicodeScalars.contains { $0.value < 0x20 }, "raw control character in \(encoded)")
            let back = parseValue(encoded) as? String
            XCTAssertEqual(back.map { Array($0.unicodeScalars) }, Array(s.unicodeScalars), encoded)
        }
        // CJK text is written as UTF-8, not \u escapes.
        XCTAssertEqual(JSON.string("穿戴劳保用品"), "\"穿戴劳保用品\"")
    }

    // MARK: positions (the grader's strict checks point at line and column)

    func testLayoutGivesTheLineOfEachPart() throws {
        let text = "\n" + header + "\n\n" + action(5) + "\n   \n" + action(6) + "\n" + trailer(2) + "\n"
        let (j, layout) = try Journal.parseWithLayout(bytes: Array(text.utf8), path: Self.path)
        XCTAssertEqual(j.actions.count, 2)
        XCTAssertEqual(layout.headerLine, 2)
        XCTAssertEqual(layout.actionLines, [4, 6])
        XCTAssertEqual(layout.trailerLine, 7)
        XCTAssertNil(layout.tornLine)
        XCTAssertEqual(layout.lastContentLine, 7)
        XCTAssertEqual(layout.column(ofValue: "tick", line: 4), action(5).position(of: "5"))
        XCTAssertEqual(layout.column(ofValue: "nothing", line: 4), 1)
        // Columns count Unicode scalars, not bytes.
        let cjk = #"{"type":"action","tick":1,"verb":"report","target":"班长","value":"液位"}"#
        let l2 = JournalLayout(path: "x", bytes: Array(cjk.utf8))
        XCTAssertEqual(l2.column(ofValue: "value", line: 1), cjk.position(of: #""液位""#))
    }

    func testTornLineIsRecordedInTheLayout() throws {
        let text = lines([header, action(1)]) + #"{"type":"action","tick":2,"ver"#
        let (j, layout) = try Journal.parseWithLayout(bytes: Array(text.utf8), path: Self.path)
        XCTAssertEqual(j.actions.count, 1)
        XCTAssertEqual(layout.tornLine, 3)
        // The cut is at the end of the line: one past its last character.
        XCTAssertEqual(layout.syntaxError(line: 3)?.column, #"{"type":"action","tick":2,"ver"#.count + 1)
        XCTAssertNil(layout.syntaxError(line: 2))
    }

    func testErrorsPointAtTheOffendingValue() {
        let back = lines([header, action(10), action(9)])
        XCTAssertEqual(assertRejected(back, line: 3, containing: "back in time")?.column, action(9).position(of: "9"))
        let big = action(1, #","value":1e999"#)
        XCTAssertEqual(assertRejected(lines([header, big]), line: 2)?.column, big.position(of: "1e999"))
        let broken = #"{"type":"action","tick":2 "verb":"open"}"#
        let issue = assertRejected(lines([header, broken, action(3)]), line: 2, containing: "JSON")
        XCTAssertEqual(issue?.column, broken.position(of: #""verb""#))
        let seed = header.replacingOccurrences(of: #""seed":7"#, with: #""seed":"x""#)
        XCTAssertEqual(assertRejected(lines([seed]), line: 1, containing: "seed")?.column, seed.position(of: #""seed":"x""#).map { $0 + 7 })
    }

    /// The journal is read by the project's own JSON reader: integers keep every digit (a
    /// command id past 2^53), whole numbers written as `3.0` or `1e3` are still integers, and a
    /// fraction where an integer belongs is refused.
    func testIntegersAreReadFromTheirDigits() throws {
        let cmd = #"{"type":"action","tick":1e3,"verb":"open","target":"XV101","by":"t1","cmd":9007199254740993}"#
        let seed = header.replacingOccurrences(of: #""seed":7"#, with: #""seed":18446744073709551615"#)
        let j = try parse(lines([seed, cmd, #"{"type":"trailer","endTick":1200.0,"stateHash":"x","actions":1}"#]))
        XCTAssertEqual(j.header.seed, UInt64.max)
        XCTAssertEqual(j.actions.first?.tick, 1000)
        XCTAssertEqual(j.actions.first?.command, 9_007_199_254_740_993)
        XCTAssertEqual(j.trailer?.endTick, 1200)
        assertRejected(lines([header, #"{"type":"action","tick":1.5,"verb":"open","target":"XV101"}"#]), line: 2,
                       containing: "non-negative integer")
    }

    func testParseHeaderReadsOnlyTheHeader() {
        let text = lines(["", header, "{ not json", action(1)])
        let h = Journal.parseHeader(bytes: Array(text.utf8), path: Self.path)
        XCTAssertEqual(h?.scenario, "tank-filling")
        XCTAssertEqual(h?.seed, 7)
        XCTAssertNil(Journal.parseHeader(bytes: Array(lines([action(1), header]).utf8), path: Self.path))
        XCTAssertNil(Journal.parseHeader(bytes: Array("{\"type\":\"head".utf8), path: Self.path))
        XCTAssertNil(Journal.parseHeader(bytes: [], path: Self.path))
    }

    // MARK: JSONText (positions and exact numbers)

    func testJSONTextKeepsNumbersExactlyAndValueOffsets() throws {
        let text = #"{"a": 18446744073709551615, "b" : -0.0,"c":[1,{"d":"\u00e9\ud83d\ude00\n"}],"e":true,"f":null}"#
        let v = try JSONText.parse(Array(text.utf8))
        XCTAssertEqual(v["a"]?.numberText, "18446744073709551615")
        XCTAssertEqual(v["b"]?.numberText, "-0.0")
        XCTAssertEqual(v["c"]?.array?[1]["d"]?.string, "é😀\n")
        XCTAssertEqual(v["e"]?.bool, true)
        XCTAssertEqual(v["f"]?.isNull, true)
        XCTAssertNil(v["g"])
        XCTAssertEqual(v.offset(of: "b"), Array(text.utf8).firstIndex(of: UInt8(ascii: "-")))
    }

    func testJSONTextAgreesWithJSONSerialization() {
        let valid = ["{}", "[]", " {\"a\" : [ 1 , 2.5e-3 , \"x\" ] } ", "\"\\/\"", "0", "-1E+2", "[true,false,null]",
                     #"{"s":"班长 \"引号\""}"#]
        for t in valid {
            XCTAssertNoThrow(try JSONText.parse(Array(t.utf8)), t)
            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(t.utf8), options: .fragmentsAllowed), t)
        }
        // (text, byte offset of the error)
        let invalid: [(String, Int)] = [("", 0), ("{", 1), ("{\"a\":}", 5), ("01", 1), ("1.", 2), ("-", 1),
                                        ("\"a\tb\"", 2), ("\"\\x\"", 2), ("{\"a\" 1}", 5), ("[1] x", 4), ("tru", 3),
                                        ("\"\\ud800\"", 7), (String(repeating: "[", count: 300), 256)]
        for (t, offset) in invalid {
            XCTAssertThrowsError(try JSONText.parse(Array(t.utf8)), t) { e in
                XCTAssertEqual((e as? JSONText.SyntaxError)?.offset, offset, t)
            }
            XCTAssertNil(try? JSONSerialization.jsonObject(with: Data(t.utf8), options: .fragmentsAllowed), t)
        }
        // Stricter than Foundation on Linux, which takes a trailing comma.
        XCTAssertThrowsError(try JSONText.parse(Array("[1,]".utf8)))
        // Invalid UTF-8 inside a string is refused.
        XCTAssertThrowsError(try JSONText.parse([0x22, 0xC3, 0x22]))
    }
}

extension String {
    /// 1-based column (in Unicode scalars) of the first occurrence of `needle` on this one line.
    func position(of needle: String) -> Int? {
        guard let r = range(of: needle) else { return nil }
        return self[..<r.lowerBound].unicodeScalars.count + 1
    }
}
