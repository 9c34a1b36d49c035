import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario

/// The reference scenario library: what every scenario must have for schools to adopt it
/// (and for ilab-x records), checked on the compiled model and the replayed golden runs.
final class LibraryTests: XCTestCase {
    static let library = ["reactor-cooling-loss", "switchgear-maintenance", "switchgear-maintenance-no-interlock",
                          "confined-space-entry", "boiler-room-gas-leak", "pump-lockout-tagout", "ammonia-compressor-leak"]
    static let disciplines = ["chemical", "electrical", "confined-space", "gas", "lockout-tagout"]

    /// Kinds that are not physical objects in the room: no layout needed.
    static let abstractKinds: [EntityKind] = [.ppe, .contact, .alarm, .timer, .bus, .supply, .load, .link, .energy]

    func folder(_ id: String) -> String { Repo.path("Scenarios/\(id)") }

    func testTheFiveDisciplinesAreCovered() throws {
        var covered: [String] = []
        for id in Self.library {
            let m = try compileOrFail(folder(id) + "/scenario.yaml")
            covered.append(m.text.discipline)
        }
        for d in Self.disciplines { XCTAssertTrue(covered.contains(d), "no scenario for \(d)") }
    }

    func testEveryScenarioIsCompleteAndBilingual() throws {
        for id in Self.library {
            let r = ScenarioCompiler.compile(path: folder(id) + "/scenario.yaml")
            XCTAssertEqual(r.diagnostics.map(\.description), [], "\(id): must check clean, warnings included")
            guard let m = r.model else { continue }
            XCTAssertEqual(m.id, id)
            for t in [m.text.title, m.text.description] {
                XCTAssertFalse(t.zh.isEmpty || t.en.isEmpty, "\(id): title and description in zh and en")
            }
            XCTAssertGreaterThanOrEqual(m.procedure.count, 10, "\(id): ilab-x needs at least 10 steps")
            for s in m.procedure {
                XCTAssertFalse(s.title.zh.isEmpty || s.title.en.isEmpty, "\(id).\(s.id): title in zh and en")
                XCTAssertFalse(s.hint.zh.isEmpty || s.hint.en.isEmpty, "\(id).\(s.id): hint in zh and en")
                XCTAssertGreaterThan(s.expectedTicks, 0, "\(id).\(s.id): expected time")
            }
            let max = m.procedure.reduce(0) { $0 + $1.maxScore } + m.rubric.quality.reduce(0) { $0 + $1.maxScore }
            XCTAssertEqual(max, 100, accuracy: 1e-9, "\(id): scores add up to 100")
            XCTAssertFalse(m.rubric.quality.isEmpty, "\(id): quality windows")
            let vetoes = m.rubric.hazardRules.filter { $0 == .veto }.count + m.rubric.accidentRules.filter { $0 == .veto }.count
            XCTAssertGreaterThan(vetoes, 0, "\(id): vetoes")
            let deducts = m.rubric.rejectedActionDeduction + m.rubric.violationDeduction + m.rubric.rules.reduce(0) { $0 + $1.points }
            XCTAssertGreaterThan(deducts, 0, "\(id): safety deductions")
            XCTAssertGreaterThanOrEqual(m.faults.count, 2, "\(id): at least two faults")
            XCTAssertTrue(m.faults.trigger.contains { if case .window = $0 { return true } else { return false } },
                          "\(id): a fault at a seeded random time")
            for (row, kind) in m.entities.kinds.enumerated() where !Self.abstractKinds.contains(kind) {
                XCTAssertTrue(m.entities.hasPosition[row], "\(id).\(m.entities.ids[row]): needs a position for the 3D layout")
            }
            for (row, name) in m.text.entityNames.enumerated() where !Self.abstractKinds.contains(m.entities.kinds[row]) && !name.zh.isEmpty {
                XCTAssertFalse(name.en.isEmpty, "\(id).\(m.entities.ids[row]): name in en too")
            }
            XCTAssertFalse(m.rubric.trends.isEmpty, "\(id): report trends")
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder(id) + "/README.md"), "\(id): instructor README")
        }
    }

    /// perfect: (near) full marks; mistakes: partial credit with every mistake in the breakdown;
    /// fatal: a veto or an accident; idle: nothing done, the time limit ends it.
    func testGoldenRunsTellTheirStories() throws {
        for id in Self.library {
            let m = try compileOrFail(folder(id) + "/scenario.yaml")
            func run(_ name: String) throws -> RunOutcome {
                let j = try Journal.read(path: folder(id) + "/runs/\(name).jsonl")
                XCTAssertEqual(j.header.scenarioSHA256, m.sourceSHA256, "\(id)/\(name) recorded against this source")
                return Runner.replay(m, journal: j)
            }
            let perfect = try run("perfect")
            XCTAssertGreaterThanOrEqual(perfect.score.total, 95, "\(id)/perfect")
            XCTAssertTrue(perfect.score.passed, "\(id)/perfect")
            XCTAssertTrue(perfect.score.steps.allSatisfy(\.completed), "\(id)/perfect completes every step")

            let mistakes = try run("mistakes")
            XCTAssertGreaterThan(mistakes.score.total, 0, "\(id)/mistakes earns partial credit")
            XCTAssertLessThan(mistakes.score.total, perfect.score.total, "\(id)/mistakes")
            XCTAssertNil(mistakes.score.veto, "\(id)/mistakes is not a veto")
            let visible = mistakes.score.deductions.count + mistakes.score.steps.filter { $0.score < $0.maxScore }.count
            XCTAssertGreaterThanOrEqual(visible, 3, "\(id)/mistakes shows its mistakes in the breakdown")

            let fatal = try run("fatal")
            XCTAssertTrue(fatal.score.veto != nil || fatal.endReason == .accident, "\(id)/fatal: a veto or an accident")
            XCTAssertFalse(fatal.score.passed, "\(id)/fatal")

            let idle = try run("idle")
            XCTAssertEqual(idle.endReason, .timeLimit, "\(id)/idle")
            XCTAssertEqual(idle.ticks, m.timeLimitTicks, "\(id)/idle")
            XCTAssertFalse(idle.score.passed, "\(id)/idle")
        }
    }

    /// The no-interlock variant differs from the switchgear scenario only in its interlocks and
    /// names, so the two cannot drift apart unnoticed.
    func testInterlockVariantMatchesItsBase() throws {
        let base = try compileOrFail(folder("switchgear-maintenance") + "/scenario.yaml")
        let variant = try compileOrFail(folder("switchgear-maintenance-no-interlock") + "/scenario.yaml")
        XCTAssertEqual(base.entities.ids, variant.entities.ids)
        XCTAssertEqual(base.procedure.map(\.id), variant.procedure.map(\.id))
        XCTAssertEqual(base.procedure.map(\.maxScore), variant.procedure.map(\.maxScore))
        XCTAssertEqual(base.faults.ids, variant.faults.ids)
        XCTAssertEqual(base.hazards.ids, variant.hazards.ids)
        XCTAssertEqual(base.electrical?.ticket?.steps, variant.electrical?.ticket?.steps)
        XCTAssertNotNil(base.electrical?.ticket)
    }
}
