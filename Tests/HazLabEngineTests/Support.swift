import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario

enum Repo {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    static let demo = path("Scenarios/tank-filling/scenario.yaml")
    static let demoRuns = path("Scenarios/tank-filling/runs")
}

func compileOrFail(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> Model {
    let r = ScenarioCompiler.compile(path: path)
    guard let m = r.model else {
        XCTFail("compile failed:\n" + r.errors.map(\.description).joined(separator: "\n"), file: file, line: line)
        throw XCTSkip("no model")
    }
    return m
}

/// Compiles an inline scenario; `body` is appended after a standard header.
func compileInline(_ body: String, timeLimit: String = "60 s", file: StaticString = #filePath, line: UInt = #line) throws -> Model {
    let text = """
    id: inline
    title: {zh: 测试, en: Test}
    discipline: general
    timeLimit: \(timeLimit)
    seed: 5

    """ + body
    let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "inline.yaml")
    guard let m = r.model else {
        XCTFail("compile failed:\n" + r.errors.map(\.description).joined(separator: "\n"), file: file, line: line)
        throw XCTSkip("no model")
    }
    return m
}

func journal(_ name: String) throws -> Journal {
    try Journal.read(path: (Repo.demoRuns as NSString).appendingPathComponent(name + ".jsonl"))
}

/// A tank, its inlet valve and pump, a level sensor and one trivial step.
let tankScenario = """
entities:
  - {id: field, type: zone}
  - {id: plant, type: zone}
  - {id: TK1, type: tank, area: 1 m2, height: 2 m, level: 0.5 m}
  - {id: QF1, type: breaker, closed: true, operateTime: 1 s}
  - {id: P1, type: pump, power: QF1}
  - {id: XV1, type: valve, strokeTime: 2 s, zone: plant}
  - {id: LT1, type: sensor, measures: TK1.level, delay: 1 s, noise: 0.01 m, range: [0 m, 2 m]}
  - {id: LAH1, type: alarm, when: LT1.value > 1.5 m}
  - {id: helmet, type: ppe}
lines:
  - {id: feed, to: TK1, pump: P1, valves: [XV1], ratedFlow: 360 m3/h}
hazards:
  - {id: overflow, when: TK1.level >= TK1.height, consequence: accident, endsScenario: true}
procedure:
  - {id: s1, title: 一, done: TK1.level > 1 m, score: 10}

"""
