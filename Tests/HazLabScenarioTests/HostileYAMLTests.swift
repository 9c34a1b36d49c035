import Foundation
import HazLabTestSupport
import XCTest
@testable import HazLabScenario

/// Hostile inputs are all generated here (no fixture files). Each must be rejected with a
/// positioned diagnostic, in bounded time, without crashing.
final class HostileYAMLTests: XCTestCase {
    private func loc(_ l: Int, _ c: Int) -> SourceLocation { YAMLTestSupport.loc(l, c) }

    private func parse(_ text: String, limits: YAMLLimits = .default) -> (root: YNode?, diagnostics: [Diagnostic]) {
        YAMLTestSupport.parse(text, limits: limits)
    }

    private func parse(bytes: [UInt8], limits: YAMLLimits = .default) -> (root: YNode?, diagnostics: [Diagnostic]) {
        SafeYAML.parse(bytes: bytes, path: YAMLTestSupport.path, limits: limits)
    }

    /// Asserts that some diagnostic contains `substring` at `location`.
    private func assertDiagnostic(_ diags: [Diagnostic], contains substring: String, at location: SourceLocation,
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(diags.contains { $0.message.contains(substring) && $0.location == location && $0.severity == .error },
                      "no error containing \"\(substring)\" at \(location); got \(diags.map(\.description))",
                      file: file, line: line)
    }

    private func timed<T>(_ body: () -> T) -> (T, TimeInterval) {
        let start = Date()
        let r = body()
        return (r, Date().timeIntervalSince(start))
    }

    /// `a: &a ["lol", …]` then `b: &b [*a, …]` … : `levels` levels of `width` references.
    private func laughs(levels: Int = 9, width: Int = 9) -> String {
        let names = (0..<levels).map { String(UnicodeScalar(UInt8(ascii: "a") + UInt8($0))) }
        var s = "a: &a [" + Array(repeating: "\"lol\"", count: width).joined(separator: ", ") + "]\n"
        for i in 1..<levels {
            s += "\(names[i]): &\(names[i]) [" + Array(repeating: "*\(names[i - 1])", count: width).joined(separator: ", ") + "]\n"
        }
        return s
    }

    // MARK: alias expansion

    func testBillionLaughsRejectedQuickly() {
        let ((root, diags), seconds) = timed { parse(laughs()) }
        XCTAssertNil(root)
        // Expanded so far before line 6: 5 keys + 10 + 91 + 820 + 7381 + 66430 = 74737 nodes;
        // `f:` and its sequence make 74739, and the first `*e` (66430 more) crosses 100000.
        assertDiagnostic(diags, contains: "alias expansion exceeds the limit of 100000 nodes", at: loc(6, 8))
        XCTAssertLessThan(seconds, 2.0, "billion laughs took \(seconds) s")
    }

    func testAliasKeyToLaughsIsRejectedWithoutHashingEvenWithNoBudget() {
        // Yams.compose hashes key nodes for its duplicate check: exponential for this key.
        var limits = YAMLLimits.default
        limits.maxExpandedNodes = Int.max / 2
        let ((_, diags), seconds) = timed { parse(laughs() + "? *i\n: boom\n", limits: limits) }
        assertDiagnostic(diags, contains: "found an alias '*i' used as a key", at: loc(10, 3))
        XCTAssertLessThan(seconds, 2.0)
    }

    func testAliasesWithinBudgetAreFine() {
        let (root, diags) = parse(laughs(levels: 3, width: 9))
        XCTAssertEqual(diags.map(\.description), [])
        XCTAssertEqual(root?["c"]?.items?.first?.items?.count, 9)
    }

    func testTooManyPlainNodes() {
        let text = "[" + Array(repeating: "0", count: 100_001).joined(separator: ",") + "]"
        let (root, diags) = parse(text)
        XCTAssertNil(root)
        // element k (1-based) is at column 2k; the seq plus 100000 elements make 100001 nodes.
        assertDiagnostic(diags, contains: "more than 100000 nodes", at: loc(1, 200_000))
    }

    // MARK: nesting depth

    func testDeeplyNestedFlowSequences() {
        // 500 levels reach our composer's check; 100_000 first trip libyaml's own 1000-level limit
        // (it scans ahead for simple keys), which we re-position at the 65th bracket.
        for n in [500, 100_000] {
            let text = String(repeating: "[", count: n) + String(repeating: "]", count: n)
            let ((root, diags), seconds) = timed { parse(text) }
            XCTAssertNil(root)
            assertDiagnostic(diags, contains: "nesting depth exceeds the limit of 64 levels", at: loc(1, 65))
            XCTAssertEqual(diags.count, 1, "\(diags)")
            XCTAssertLessThan(seconds, 2.0)
        }
    }

    func testDeeplyNestedUnclosedFlowSequences() {
        let (root, diags) = parse(String(repeating: "[", count: 100_000))
        XCTAssertNil(root)
        assertDiagnostic(diags, contains: "nesting depth exceeds", at: loc(1, 65))
    }

    func testDeeplyNestedFlowMappings() {
        let n = 100_000
        let text = String(repeating: "{a: ", count: n) + "1" + String(repeating: "}", count: n)
        let (root, diags) = parse(text)
        XCTAssertNil(root)
        // The 65th `{` is at column 1 + 64 * 4.
        assertDiagnostic(diags, contains: "nesting depth exceeds the limit of 64 levels", at: loc(1, 257))
    }

    func testDeeplyNestedBlockMappings() {
        var text = ""
        for i in 0..<100 { text += String(repeating: " ", count: 2 * i) + "k:\n" }
        let (root, diags) = parse(text)
        XCTAssertNil(root)
        assertDiagnostic(diags, contains: "nesting depth exceeds the limit of 64 levels", at: loc(65, 129))
    }

    func testDepthThroughAliasCounts() {
        var limits = YAMLLimits.default
        limits.maxDepth = 5
        let (root, diags) = parse("a: &x [[[1]]]\nb: [[[*x]]]\n", limits: limits)
        XCTAssertNil(root)
        assertDiagnostic(diags, contains: "nesting depth exceeds the limit of 5 levels (through alias '*x')", at: loc(2, 7))
    }

    func testDepthLimitIsInclusive() {
        var limits = YAMLLimits.default
        limits.maxDepth = 3
        XCTAssertEqual(parse("a: [[1]]\n", limits: limits).diagnostics, [])
        assertDiagnostic(parse("a: [[[1]]]\n", limits: limits).diagnostics, contains: "nesting depth", at: loc(1, 6))
    }

    // MARK: keys

    func testComplexSequenceKeyRejected() {
        let (root, diags) = parse("? [a, b]\n: x\nok: 1\n")
        assertDiagnostic(diags, contains: "mapping keys must be plain scalars; found a sequence used as a key", at: loc(1, 3))
        XCTAssertEqual(root?.pairs?.map(\.key), ["ok"], "the bad pair is dropped, the rest kept")
    }

    func testMappingKeyRejected() {
        let (_, diags) = parse("? {x: 1}\n: v\n")
        assertDiagnostic(diags, contains: "found a mapping used as a key", at: loc(1, 3))
        let (_, flow) = parse("{[a]: 1}\n")
        assertDiagnostic(flow, contains: "found a sequence used as a key", at: loc(1, 2))
    }

    func testAliasedKeyRejected() {
        let (root, diags) = parse("name: &k id\n*k : v\n")
        assertDiagnostic(diags, contains: "found an alias '*k' used as a key", at: loc(2, 1))
        XCTAssertEqual(root?.pairs?.map(\.key), ["name"])
    }

    // MARK: characters and encoding

    func testControlCharacterInScalar() {
        let (root, diags) = parse("id: x\ntitle: b\u{1}c\n")
        XCTAssertNil(root)
        XCTAssertEqual(diags.map(\.description), ["scenario.yaml:2:9: error: control character U+0001 is not allowed"])
    }

    func testNulAndDelAndC1Rejected() {
        let (_, diags) = parse(bytes: Array("a: 1\nb: x".utf8) + [0x00] + Array("\nc: \u{7F}\nd: é\u{85}x\u{9B}\n".utf8))
        assertDiagnostic(diags, contains: "NUL character (U+0000) is not allowed", at: loc(2, 5))
        assertDiagnostic(diags, contains: "control character U+007F is not allowed", at: loc(3, 4))
        // U+0085 (NEL) is a YAML line break, so U+009B is on line 5, column 2.
        assertDiagnostic(diags, contains: "control character U+009B is not allowed", at: loc(5, 2))
    }

    func testTabsAndCRLFAreAllowed() {
        let (root, diags) = parse("a:\t1\r\nb: \"x\ty\"\r\n")
        XCTAssertEqual(diags, [])
        XCTAssertEqual(root?["b"]?.scalarText, "x\ty")
        XCTAssertEqual(root?["b"]?.location, loc(2, 4))
    }

    func testInvalidUTF8Position() {
        let bytes = Array("a: 1\nb: 2\nc: x".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        let (root, diags) = parse(bytes: bytes)
        XCTAssertNil(root)
        XCTAssertEqual(diags.map(\.description), ["scenario.yaml:3:5: error: invalid UTF-8 byte 0xC3; the file must be UTF-8 text"])
    }

    func testInvalidUTF8ColumnCountsScalarsAndCRLF() {
        let bytes = Array("a: 1\r\nb: 2\r\nc: é€".utf8) + [0xED, 0xA0, 0x80]   // an encoded surrogate
        let (_, diags) = parse(bytes: bytes)
        XCTAssertEqual(diags.map(\.description), ["scenario.yaml:3:6: error: invalid UTF-8 byte 0xED; the file must be UTF-8 text"])
        let overlong = parse(bytes: Array("x: ".utf8) + [0xC0, 0xAF]).diagnostics
        assertDiagnostic(overlong, contains: "invalid UTF-8 byte 0xC0", at: loc(1, 4))
        let truncated = parse(bytes: Array("x: ".utf8) + [0xE2, 0x82]).diagnostics
        assertDiagnostic(truncated, contains: "invalid UTF-8 byte 0xE2", at: loc(1, 4))
    }

    func testBOMIsAcceptedAndNotCounted() {
        let (root, diags) = parse(bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8))
        XCTAssertEqual(diags, [])
        XCTAssertEqual(root?.pair("a")?.keyLocation, loc(1, 1))
        let (quoted, _) = parse(bytes: [0xEF, 0xBB, 0xBF] + Array("a: \"x + y\"\n".utf8))
        XCTAssertEqual(quoted?["a"]?.location(ofOffset: 4), loc(1, 9))
        let (_, bad) = parse(bytes: [0xEF, 0xBB, 0xBF] + Array("a: \u{1}\n".utf8))
        assertDiagnostic(bad, contains: "U+0001", at: loc(1, 4))
    }

    func testSelfReferentialAnchorIsUndefined() {
        let (_, diags) = parse("a: &a [1, *a]\n")
        assertDiagnostic(diags, contains: "undefined alias '*a'", at: loc(1, 11))
    }

    func testLargestAcceptedFileParsesQuickly() {
        // ~4 MB, 40_000 pairs (80_001 nodes): under every limit.
        var text = ""
        text.reserveCapacity(4_100_000)
        let filler = String(repeating: "x", count: 70)
        for i in 0..<40_000 { text += "key\(i): \"\(filler) \\t \(i)\"\n" }
        XCTAssertLessThan(text.utf8.count, YAMLLimits.default.maxFileBytes)
        let ((root, diags), seconds) = timed { parse(text) }
        XCTAssertEqual(diags, [])
        XCTAssertEqual(root?.pairs?.count, 40_000)
        XCTAssertEqual(root?["key39999"]?.location(ofOffset: 73), loc(40_000, 10 + 1 + 73 + 2))
        XCTAssertLessThan(seconds, 10.0, "took \(seconds) s")
    }

    func testRandomBinaryGarbageNeverCrashes() {
        var rng = SplitMix64(seed: 0x4A5A_1AB0)
        var total: TimeInterval = 0
        for round in 0..<40 {
            let count = Int(rng.next() % 4096) + 1
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let ((root, diags), seconds) = timed { parse(bytes: bytes) }
            total += seconds
            XCTAssertNil(root, "round \(round)")
            XCTAssertFalse(diags.isEmpty, "round \(round)")
            for d in diags {
                XCTAssertEqual(d.severity, .error)
                XCTAssertGreaterThanOrEqual(d.location.line, 1)
                XCTAssertGreaterThanOrEqual(d.location.column, 1)
                XCTAssertFalse(d.message.isEmpty)
            }
        }
        XCTAssertLessThan(total, 5.0)
    }

    func testRandomYAMLishTextNeverCrashes() {
        // Printable garbage rich in YAML indicators drives libyaml and the composer, not just the byte checks.
        let alphabet = Array("ab1 \n\n  -:?[]{},&*!|>'\"#%@`~é\t".unicodeScalars)
        var rng = SplitMix64(seed: 12345)
        var sawRoot = false, sawError = false
        for _ in 0..<300 {
            let count = Int(rng.next() % 400) + 1
            var s = String.UnicodeScalarView()
            for _ in 0..<count { s.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            let (root, diags) = parse(String(s))
            if root == nil { XCTAssertFalse(diags.isEmpty, "nil root without a diagnostic for \(String(s).debugDescription)") }
            if root != nil { sawRoot = true }
            if !diags.isEmpty { sawError = true }
            for d in diags { XCTAssertGreaterThanOrEqual(d.location.line, 1); XCTAssertGreaterThanOrEqual(d.location.column, 1) }
        }
        XCTAssertTrue(sawError)
        _ = sawRoot
    }

    // MARK: empty, sizes, tags

    func testEmptyFile() {
        let (root, diags) = parse(bytes: [])
        XCTAssertNil(root)
        XCTAssertEqual(diags.map(\.description), ["scenario.yaml:1:1: error: scenario file is empty"])
    }

    func testWhitespaceAndCommentOnlyFile() {
        for text in ["   \n\n\t\n", "# just a comment\n  # another\n\n", "\u{FEFF}"] {
            let (root, diags) = parse(text)
            XCTAssertNil(root, text.debugDescription)
            XCTAssertEqual(diags.map(\.description), ["scenario.yaml:1:1: error: scenario file is empty"], text.debugDescription)
        }
    }

    func testHugeScalar() {
        let (_, diags) = parse("id: x\ntitle: " + String(repeating: "x", count: 70_000) + "\n")
        XCTAssertEqual(diags.map(\.description), ["scenario.yaml:2:8: error: scalar is too long (70000 bytes; the limit is 65536 bytes)"])
        let quoted = parse("t: \"" + String(repeating: "y", count: 70_000) + "\"\n").diagnostics
        assertDiagnostic(quoted, contains: "scalar is too long", at: loc(1, 4))
    }

    func testFileTooLarge() {
        let bytes = [UInt8](repeating: UInt8(ascii: "#"), count: 4 * 1024 * 1024 + 1)
        let ((root, diags), seconds) = timed { parse(bytes: bytes) }
        XCTAssertNil(root)
        XCTAssertEqual(diags.map(\.description), ["scenario.yaml:1:1: error: file is too large (4194305 bytes; the limit is 4194304 bytes)"])
        XCTAssertLessThan(seconds, 1.0)
    }

    func testLoadRefusesOversizedFileWithoutReadingItAll() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("big.yaml")
        try Data(repeating: UInt8(ascii: "a"), count: 2000).write(to: file)
        var limits = YAMLLimits.default
        limits.maxFileBytes = 1000
        let (root, diags) = SafeYAML.load(path: file.path, limits: limits)
        XCTAssertNil(root)
        XCTAssertEqual(diags.map(\.description), ["\(file.path):1:1: error: file is too large (2000 bytes; the limit is 1000 bytes)"])
    }

    func testPythonObjectTagRejected() {
        let (_, diags) = parse("id: x\nhook: !!python/object/apply:os.system [\"rm -rf /\"]\n")
        assertDiagnostic(diags, contains: "unsupported tag '!!python/object/apply:os.system'", at: loc(2, 7))
        let (_, scalarTag) = parse("a: !!python/name:os.system x\n")
        assertDiagnostic(scalarTag, contains: "unsupported tag '!!python/name:os.system'", at: loc(1, 4))
        let (_, local) = parse("a: !custom x\n")
        assertDiagnostic(local, contains: "unsupported tag '!custom'", at: loc(1, 4))
        let (_, wrongKind) = parse("a: !!map x\n")
        assertDiagnostic(wrongKind, contains: "tag '!!map' cannot be used on a scalar", at: loc(1, 4))
    }

    func testStandardTagsAccepted() {
        let (root, diags) = parse("a: !!str 10\nb: !!int 3\nc: !!seq [1]\nd: ! 5\n")
        XCTAssertEqual(diags, [])
        XCTAssertEqual(root?["a"]?.kindName, "string")
        XCTAssertEqual(root?["b"]?.kindName, "integer")
        XCTAssertEqual(root?["d"]?.kindName, "string")
    }

    func testDiagnosticCountIsCapped() {
        var text = ""
        for _ in 0..<5000 { text += "k: 1\n" }
        let ((_, diags), seconds) = timed { parse(text) }
        XCTAssertEqual(diags.count, YAMLLimits.default.maxDiagnostics + 1)
        XCTAssertTrue(diags.last?.message.hasPrefix("too many errors") ?? false)
        XCTAssertLessThan(seconds, 2.0)
    }

    func testSyntaxErrorAfterOtherErrorsKeepsBoth() {
        let (root, diags) = parse("a: 1\na: 2\nb: [\n")
        XCTAssertNil(root)
        assertDiagnostic(diags, contains: "duplicate key 'a'", at: loc(2, 1))
        XCTAssertTrue(diags.contains { $0.message.hasPrefix("syntax error:") }, "\(diags)")
    }
}
