import XCTest
@testable import HazLabScenario

/// Shared helpers for the YAML front-end tests.
enum YAMLTestSupport {
    static let path = "scenario.yaml"

    static func parse(_ text: String, limits: YAMLLimits = .default) -> (root: YNode?, diagnostics: [Diagnostic]) {
        SafeYAML.parse(bytes: Array(text.utf8), path: path, limits: limits)
    }

    static func loc(_ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column)
    }
}

final class SafeYAMLTests: XCTestCase {
    private func parseOK(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> YNode {
        let (root, diags) = YAMLTestSupport.parse(text)
        XCTAssertEqual(diags.map(\.description), [], file: file, line: line)
        guard let root else {
            XCTFail("no root", file: file, line: line)
            return YNode(content: .sequence([]), location: YAMLTestSupport.loc(1, 1))
        }
        return root
    }

    private func loc(_ l: Int, _ c: Int) -> SourceLocation { YAMLTestSupport.loc(l, c) }

    // MARK: positions

    func testNestedKeyAndScalarPositions() {
        let root = parseOK("""
        id: demo
        plant:
          tanks:
            - id: t1
              level:   42
          name: "Main"
        """)
        XCTAssertEqual(root.location, loc(1, 1))
        XCTAssertEqual(root.pair("id")?.keyLocation, loc(1, 1))
        XCTAssertEqual(root["id"]?.location, loc(1, 5))
        let plant = root["plant"]!
        XCTAssertEqual(plant.location, loc(3, 3), "a block mapping starts at its first key")
        XCTAssertEqual(plant.pair("tanks")?.keyLocation, loc(3, 3))
        let tanks = plant["tanks"]!
        XCTAssertEqual(tanks.location, loc(4, 5))
        let tank = tanks.items![0]
        XCTAssertEqual(tank.location, loc(4, 7))
        XCTAssertEqual(tank.pair("level")?.keyLocation, loc(5, 7))
        XCTAssertEqual(tank["level"]?.location, loc(5, 16))
        XCTAssertEqual(tank["level"]?.scalarText, "42")
        XCTAssertEqual(plant["name"]?.location, loc(6, 9))
        XCTAssertEqual(plant["name"]?.scalar?.style, .doubleQuoted)
    }

    func testColumnsCountUnicodeScalars() {
        let root = parseOK("名称: \"流量计\"\nx: 1\n")
        XCTAssertEqual(root["名称"]?.location, loc(1, 5))
        XCTAssertEqual(root["名称"]?.location(ofOffset: 2), loc(1, 8))
    }

    func testPlainScalarOffset() {
        let root = parseOK("when: level > 5 and pump\n")
        let n = root["when"]!
        XCTAssertEqual(n.location, loc(1, 7))
        XCTAssertEqual(n.location(ofOffset: 0), loc(1, 7))
        XCTAssertEqual(n.location(ofOffset: 8), loc(1, 15), "offset of '5'")
    }

    func testQuotedScalarOffsetStartsAfterQuote() {
        let root = parseOK("""
        a: "x + y"
        b: 'p or q'
        c: &anc "zz"
        """)
        XCTAssertEqual(root["a"]?.location, loc(1, 4))
        XCTAssertEqual(root["a"]?.location(ofOffset: 0), loc(1, 5))
        XCTAssertEqual(root["a"]?.location(ofOffset: 4), loc(1, 9), "offset of 'y'")
        XCTAssertEqual(root["b"]?.location(ofOffset: 2), loc(2, 7))
        XCTAssertEqual(root["c"]?.location, loc(3, 4), "node starts at its anchor")
        XCTAssertEqual(root["c"]?.location(ofOffset: 1), loc(3, 11), "text starts after the quote, past the anchor")
    }

    func testQuotedScalarOffsetAccountsForEscapes() {
        let root = parseOK(#"""
        a: "\u00e9 + bad"
        b: 'it''s + bad'
        """#)
        XCTAssertEqual(root["a"]?.scalarText, "é + bad")
        // text offset 4 is 'b'; source: a: "\u00e9 + bad" -> quote at col 4, 'b' at col 14
        XCTAssertEqual(root["a"]?.location(ofOffset: 4), loc(1, 14))
        XCTAssertEqual(root["b"]?.scalarText, "it's + bad")
        // offset 7 is 'b'; source: b: 'it''s + bad' -> 'b' at col 13
        XCTAssertEqual(root["b"]?.location(ofOffset: 7), loc(2, 13))
    }

    func testLiteralBlockOffsetIsLineAndColumnAccurate() {
        let root = parseOK("""
        rule: |
          first line
            second
        x: 1
        """)
        let n = root["rule"]!
        XCTAssertEqual(n.scalar?.style, .literal)
        XCTAssertEqual(n.scalarText, "first line\n  second\n")
        XCTAssertEqual(n.location(ofOffset: 0), loc(2, 3))
        XCTAssertEqual(n.location(ofOffset: 13), loc(3, 5), "'s' of 'second'")
    }

    func testPairOrderIsDocumentOrder() {
        let root = parseOK("zeta: 1\nalpha: 2\nmid: 3\nbeta: 4\n")
        XCTAssertEqual(root.pairs?.map(\.key), ["zeta", "alpha", "mid", "beta"])
    }

    func testNullDetection() {
        let root = parseOK("""
        a:
        b: ~
        c: null
        d: Null
        e: NULL
        f: "null"
        g: 'null'
        h: nul
        i: ""
        j: !!null x
        """)
        for k in ["a", "b", "c", "d", "e", "j"] {
            XCTAssertEqual(root[k]?.isNull, true, k)
            XCTAssertEqual(root[k]?.kindName, "null", k)
        }
        for k in ["f", "g", "h", "i"] {
            XCTAssertEqual(root[k]?.isNull, false, k)
            XCTAssertEqual(root[k]?.kindName, "string", k)
        }
    }

    func testKindNames() {
        let root = parseOK("a: 1\nb: 1.5\nc: true\nd: yes\ne: [1]\nf: {x: 1}\ng: '1'\n")
        XCTAssertEqual(["a", "b", "c", "d", "e", "f", "g"].map { root[$0]!.kindName },
                       ["integer", "number", "boolean", "string", "sequence", "mapping", "string"])
    }

    func testAliasesExpandAndTakeTheAliasPosition() {
        let root = parseOK("base: &b {p: 1}\ncopy: *b\n")
        XCTAssertEqual(root["copy"]?.location, loc(2, 7))
        XCTAssertEqual(root["copy"]?["p"]?.scalarText, "1")
    }

    // MARK: errors

    func testDuplicateKeyMessageAndLocation() {
        let (root, diags) = YAMLTestSupport.parse("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n")
        XCTAssertEqual(diags.map(\.description), [
            "scenario.yaml:4:3: error: duplicate key 'c'; first defined at 3:3",
            "scenario.yaml:5:1: error: duplicate key 'a'; first defined at 1:1",
        ])
        XCTAssertEqual(root?["a"]?.scalarText, "1", "the first definition is kept")
        XCTAssertEqual(root?.pairs?.count, 2)
    }

    func testMultipleDocumentsRejected() {
        let (root, diags) = YAMLTestSupport.parse("a: 1\n---\nb: 2\n")
        XCTAssertEqual(diags.count, 1)
        XCTAssertEqual(diags.first?.location, loc(2, 1))
        XCTAssertTrue(diags.first?.message.contains("single YAML document") ?? false, "\(diags)")
        XCTAssertEqual(root?["a"]?.scalarText, "1", "the first document is still returned")
    }

    func testSyntaxErrorCarriesLibyamlMark() {
        let (root, diags) = YAMLTestSupport.parse("a: [1, 2\nb: 3\n")
        XCTAssertNil(root)
        XCTAssertEqual(diags.count, 1)
        XCTAssertEqual(diags.first?.location, loc(2, 2))
        XCTAssertEqual(diags.first?.message,
                       "syntax error: did not find expected ',' or ']' while parsing a flow sequence started at 1:4")
    }

    func testAllErrorsInOnePass() {
        let (_, diags) = YAMLTestSupport.parse("a: 1\na: 2\nb: !!binary aGk=\nc: {x: 1, x: 2}\n")
        XCTAssertEqual(diags.map(\.location), [loc(2, 1), loc(3, 4), loc(4, 11)])
    }

    func testMergeKeysRejected() {
        let (_, diags) = YAMLTestSupport.parse("base: &b {x: 1}\nd:\n  <<: *b\n")
        XCTAssertEqual(diags.map(\.location), [loc(3, 3)])
        XCTAssertTrue(diags.first?.message.contains("merge keys") ?? false)
    }

    func testUndefinedAlias() {
        let (_, diags) = YAMLTestSupport.parse("a: *nope\n")
        XCTAssertEqual(diags.map(\.description), ["scenario.yaml:1:4: error: undefined alias '*nope'"])
    }

    func testMissingFileGivesDiagnosticAtOneOne() {
        let p = "/nonexistent/dir/scenario.yaml"
        let (root, diags) = SafeYAML.load(path: p)
        XCTAssertNil(root)
        XCTAssertEqual(diags.count, 1)
        XCTAssertEqual(diags.first?.location, SourceLocation(file: p, line: 1, column: 1))
        XCTAssertTrue(diags.first?.message.hasPrefix("cannot read scenario file") ?? false)
    }

    func testLoadReadsFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("safeyaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("s.yaml")
        try Data("id: x\nid: y\n".utf8).write(to: file)
        let (root, diags) = SafeYAML.load(path: file.path)
        XCTAssertEqual(root?["id"]?.scalarText, "x")
        XCTAssertEqual(diags.map(\.description), ["\(file.path):2:1: error: duplicate key 'id'; first defined at 1:1"])
    }

    // MARK: MappingReader

    func testUnknownKeySuggestion() {
        let root = parseOK("id: s1\ntittle: Demo\nzzz: 1\n")
        var bag = DiagnosticBag()
        let r = MappingReader(root, what: "scenario", bag: &bag)!
        r.checkKeys(allowed: ["id", "title", "tickRate"], bag: &bag)
        XCTAssertEqual(bag.items.map(\.description), [
            "scenario.yaml:2:1: error: unknown key 'tittle' in scenario; did you mean 'title'?",
            "scenario.yaml:3:1: error: unknown key 'zzz' in scenario",
        ])
    }

    func testRequiredKeyMissing() {
        let root = parseOK("x:\n  title: a\n")
        var bag = DiagnosticBag()
        let r = MappingReader(root["x"]!, what: "entity", bag: &bag)!
        XCTAssertNil(r.required("id", bag: &bag))
        XCTAssertNotNil(r.required("title", bag: &bag))
        XCTAssertEqual(bag.items.map(\.description), ["scenario.yaml:2:3: error: missing required key 'id' in entity"])
    }

    func testNotAMapping() {
        let root = parseOK("entities:\n  - a\n")
        var bag = DiagnosticBag()
        XCTAssertNil(MappingReader(root["entities"]!, what: "entities", bag: &bag))
        XCTAssertEqual(bag.items.map(\.description), ["scenario.yaml:2:3: error: expected a mapping for entities, found a sequence"])
    }

    func testWrongTypeMessages() {
        let root = parseOK("""
        tickRate: ten
        seed: "7"
        ratio: 1.5x
        on: yes
        list: {a: 1}
        name: [a]
        big: 99999999999999999999999
        gain: .inf
        none:
        """)
        var bag = DiagnosticBag()
        let r = MappingReader(root, what: "scenario", bag: &bag)!
        XCTAssertNil(r.int("tickRate", bag: &bag))
        XCTAssertNil(r.int("seed", bag: &bag))
        XCTAssertNil(r.double("ratio", bag: &bag))
        XCTAssertNil(r.bool("on", bag: &bag))
        XCTAssertNil(r.sequence("list", bag: &bag))
        XCTAssertNil(r.string("name", bag: &bag))
        XCTAssertNil(r.int("big", bag: &bag))
        XCTAssertNil(r.double("gain", bag: &bag))
        XCTAssertNil(r.string("none", bag: &bag))
        XCTAssertNil(r.int("absent", bag: &bag), "absent optional key: no value, no error")
        XCTAssertEqual(bag.items.map(\.description), [
            "scenario.yaml:1:11: error: expected an integer for 'tickRate', found string \"ten\"",
            "scenario.yaml:2:7: error: expected an integer for 'seed', found string \"7\"",
            "scenario.yaml:3:8: error: expected a number for 'ratio', found string \"1.5x\"",
            "scenario.yaml:4:5: error: expected a boolean (true or false) for 'on', found string \"yes\"",
            "scenario.yaml:5:7: error: expected a sequence for 'list', found a mapping",
            "scenario.yaml:6:7: error: expected a string for 'name', found a sequence",
            "scenario.yaml:7:6: error: integer 99999999999999999999999 is out of range for 'big'",
            "scenario.yaml:8:7: error: expected a finite number for 'gain', found .inf",
            "scenario.yaml:9:6: error: expected a string for 'none', found null",
        ])
    }

    func testTypedValuesRead() {
        let root = parseOK("a: 10\nb: -2.5e1\nc: False\nd: 7\ne: [x, y]\nf: 2024\n")
        var bag = DiagnosticBag()
        let r = MappingReader(root, what: "scenario", bag: &bag)!
        XCTAssertEqual(r.int("a", bag: &bag), 10)
        XCTAssertEqual(r.double("b", bag: &bag), -25)
        XCTAssertEqual(r.bool("c", bag: &bag), false)
        XCTAssertEqual(r.double("d", bag: &bag), 7)
        XCTAssertEqual(r.sequence("e", bag: &bag)?.compactMap(\.scalarText), ["x", "y"])
        XCTAssertEqual(r.string("f", bag: &bag), "2024")
        XCTAssertEqual(bag.items, [])
    }

    // MARK: Suggest

    func testSuggest() {
        XCTAssertEqual(Suggest.closest(to: "tittle", among: ["id", "title"]), "title")
        XCTAssertEqual(Suggest.closest(to: "Title", among: ["id", "title"]), "title", "case-insensitive")
        XCTAssertEqual(Suggest.closest(to: "tilte", among: ["title"]), "title", "transposition costs 1")
        XCTAssertEqual(Suggest.closest(to: "abc", among: ["abd", "abe"]), "abd", "ties go to the first candidate")
        XCTAssertNil(Suggest.closest(to: "zzz", among: ["title", "id"]))
        XCTAssertNil(Suggest.closest(to: "x", among: []))
        XCTAssertEqual(Suggest.closest(to: "tickrat", among: ["seed", "tickRate"]), "tickRate")
        XCTAssertNil(Suggest.closest(to: "pressure", among: ["position"]), "too far for its length")
    }
}
