import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import HazLabCore
import HazLabRecords
import HazLabReport
import HazLabRunner
import HazLabScenario

enum Repo {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    static let demo = path("Scenarios/tank-filling/scenario.yaml")
    static func run(_ name: String) -> String { path("Scenarios/tank-filling/runs/\(name).jsonl") }
}

/// The demo model, compiled once.
let demoModel: Model = {
    guard let m = ScenarioCompiler.compile(path: Repo.demo).model else { fatalError("demo scenario does not compile") }
    return m
}()

func demoJournal(_ name: String) throws -> Journal { try Journal.read(path: Repo.run(name)) }

// MARK: - A tiny DOM over XMLParser

final class Node {
    let name: String
    let attributes: [String: String]
    var children: [Node] = []
    var text = ""
    weak var parent: Node?

    init(name: String, attributes: [String: String]) { self.name = name; self.attributes = attributes }

    subscript(_ key: String) -> String? { attributes[key] }

    var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }
    func hasClass(_ c: String) -> Bool { classes.contains(c) }

    /// All text below this node, in document order.
    var allText: String { text + children.map(\.allText).joined() }

    /// Every descendant (depth first, document order) that matches.
    func all(_ name: String? = nil, where pred: (Node) -> Bool = { _ in true }) -> [Node] {
        var out: [Node] = []
        for c in children {
            if (name == nil || c.name == name) && pred(c) { out.append(c) }
            out.append(contentsOf: c.all(name, where: pred))
        }
        return out
    }

    func first(_ name: String? = nil, where pred: (Node) -> Bool = { _ in true }) -> Node? { all(name, where: pred).first }
    func byId(_ id: String) -> Node? { first { $0["id"] == id } }
    func withClass(_ name: String?, _ cls: String) -> [Node] { all(name) { $0.hasClass(cls) } }

    /// Rows of a table body, as arrays of cell texts.
    var bodyRows: [Node] { first("tbody")?.children.filter { $0.name == "tr" } ?? [] }
    var cells: [String] { children.filter { $0.name == "td" || $0.name == "th" }.map(\.allText) }
}

final class DOMBuilder: NSObject, XMLParserDelegate {
    let root = Node(name: "#document", attributes: [:])
    var current: Node
    var error: Error?
    override init() { current = root }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let n = Node(name: name, attributes: attributes)
        n.parent = current
        current.children.append(n)
        current = n
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        current = current.parent ?? root
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { current.text += string }
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }
}

/// Parses a report as XML; fails the test when it is not well-formed.
func parseXML(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> Node {
    let parser = XMLParser(data: Data(text.utf8))
    let b = DOMBuilder()
    parser.delegate = b
    let ok = parser.parse()
    guard ok, b.error == nil else {
        XCTFail("report is not well-formed XML: \(String(describing: parser.parserError ?? b.error)) at line \(parser.lineNumber)", file: file, line: line)
        throw XCTSkip("unparsable")
    }
    return b.root
}

// MARK: - Chart geometry, read back from the SVG attributes

struct Geometry {
    var left: Double, top: Double, right: Double, bottom: Double
    var x0: Double, x1: Double
    var y0: Double, y1: Double
    init(_ svg: Node) {
        let p = (svg["data-plot"] ?? "").split(separator: " ").compactMap { Double($0) }
        let x = (svg["data-x-domain"] ?? "").split(separator: " ").compactMap { Double($0) }
        let y = (svg["data-y-domain"] ?? "").split(separator: " ").compactMap { Double($0) }
        left = p.count == 4 ? p[0] : .nan; top = p.count == 4 ? p[1] : .nan
        right = p.count == 4 ? p[2] : .nan; bottom = p.count == 4 ? p[3] : .nan
        x0 = x.count == 2 ? x[0] : .nan; x1 = x.count == 2 ? x[1] : .nan
        y0 = y.count == 2 ? y[0] : .nan; y1 = y.count == 2 ? y[1] : .nan
    }
    func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (right - left) }
    func py(_ y: Double) -> Double { bottom - (y - y0) / (y1 - y0) * (bottom - top) }
}

func points(_ polyline: Node) -> [(Double, Double)] {
    (polyline["points"] ?? "").split(separator: " ").map { pair in
        let xy = pair.split(separator: ",").compactMap { Double($0) }
        return (xy.first ?? .nan, xy.count > 1 ? xy[1] : .nan)
    }
}

// MARK: - Attempt records for the class report

/// A journal derived from a demo run: new header fields and edited actions.
func variant(_ base: Journal, student: String, attempt: String, mode: String? = nil, edit: (inout [Action]) -> Void = { _ in }) -> Journal {
    var j = base
    j.header.student = student
    j.header.attempt = attempt
    if let mode { j.header.mode = mode }
    edit(&j.actions)
    j.actions.sort { $0.tick < $1.tick }
    j.trailer = Journal.Trailer(endTick: 0, stateHash: "", actions: j.actions.count)
    return j
}

/// Records exactly as the grader writes them: Runner.replay + AttemptRecord.render.
func record(_ j: Journal, model: Model = demoModel) -> String {
    let o = Runner.replay(model, journal: j)
    let sha = String(repeating: "0", count: 64)
    return AttemptRecord.render(o, model: model, journal: j, journalPath: "submissions/\(j.header.attempt).jsonl",
                                journalSHA256: sha, attempt: j.header.attempt)
}

func resultsJSON(_ records: [String]) -> String {
    records.isEmpty ? "[]\n" : "[\n" + records.joined(separator: ",\n") + "\n]\n"
}

/// Ten varied attempts of the demo scenario.
func demoClass() throws -> [Journal] {
    let perfect = try demoJournal("perfect"), mistakes = try demoJournal("mistakes"), idle = try demoJournal("idle")
    func drop(_ verb: String, _ target: String) -> (inout [Action]) -> Void {
        { $0.removeAll { $0.verb == verb && $0.target == target } }
    }
    func move(_ verb: String, _ target: String, to tick: Int64) -> (inout [Action]) -> Void {
        { a in for i in a.indices where a[i].verb == verb && a[i].target == target { a[i].tick = tick } }
    }
    return [
        variant(perfect, student: "s01", attempt: "a01"),
        variant(mistakes, student: "s02", attempt: "a02"),
        variant(idle, student: "s03", attempt: "a03"),
        variant(perfect, student: "s04", attempt: "a04", edit: drop("wear", "goggles")),
        variant(perfect, student: "s05", attempt: "a05", edit: move("wear", "goggles", to: 420)),
        variant(perfect, student: "s06", attempt: "a06", edit: drop("report", "supervisor")),
        variant(perfect, student: "s07", attempt: "a07", edit: drop("reset", "P101")),
        variant(mistakes, student: "s08", attempt: "a08", edit: { $0.append(Action(tick: 30, verb: "wear", target: "goggles")) }),
        variant(perfect, student: "s09", attempt: "a09", mode: "practice", edit: { $0.append(Action(tick: 300, verb: "hint", target: "line_up")) }),
        variant(perfect, student: "s10", attempt: "a10", edit: move("close", "XV101", to: 4300)),
    ]
}
