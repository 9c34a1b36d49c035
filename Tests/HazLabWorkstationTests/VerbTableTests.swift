import Foundation
import HazLabCore
import HazLabWorkstation
import XCTest

/// One verb table (`EntityKind.verbs`): the core applies exactly its verbs, and the workstation's
/// menu offers only them (the menu once offered "verify" on buses, which the core rejected, and
/// the student lost a point for following it).
final class VerbTableTests: XCTestCase {
    /// Applies `verb` to `row` in a fresh state with the trainee standing in the entity's zone;
    /// true when the core rejects it as an unsupported verb.
    func coreRejectsAsUnsupported(_ m: Model, _ verb: Verb, _ row: Int) -> Bool {
        var s = State(model: m)
        let zone = m.entities.zone[row]
        if zone >= 0 { s.traineeZone = zone }
        var events: [Event] = []
        let input = Input(verb: verb, entity: Int32(row), number: 0.5, hasNumber: verb == .set || verb == .report, ordinal: 0)
        step(m, &s, [input][...], &events)
        return events.contains { $0.kind == .actionRejected && $0.code == RejectReason.unsupportedVerb.rawValue && $0.ordinal == 0 }
    }

    /// Every bundled entity, every trainee verb: the core applies it exactly when the table says so.
    func testTheCoreAppliesExactlyTheTablesVerbs() throws {
        var kindsSeen = Set<EntityKind>()
        for name in Fixture.scenarioNames {
            let m = try Fixture.model(name)
            for row in 0..<m.entities.count {
                let kind = m.entities.kinds[row], lockable = m.entities.lockable[row]
                kindsSeen.insert(kind)
                for verb in Verb.traineeCases where verb != .submit {
                    let rejected = coreRejectsAsUnsupported(m, verb, row)
                    XCTAssertEqual(rejected, !kind.accepts(verb, lockable: lockable),
                                   "\(name): \(verb.rawValue) on \(kind.name) \(m.entities.ids[row]): the core \(rejected ? "rejects" : "applies") it, the table says the opposite")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(kindsSeen.count, 18, "the bundled scenarios exercise most kinds: \(kindsSeen.map(\.name).sorted())")
    }

    /// The menu offers only verbs the core applies, whatever the state; every operation in the
    /// table is offered in some state.
    func testTheMenuOffersOnlyWhatTheCoreApplies() throws {
        for name in Fixture.scenarioNames {
            let m = try Fixture.model(name)
            var states = [State(model: m)]
            // The same entities in their other states: closed, tripped, running, worn, open, locked.
            var other = states[0]
            for i in other.switchClosed.indices { other.switchClosed[i] ^= 1; other.switchTripped[i] = 1 }
            for i in other.motorRunning.indices { other.motorRunning[i] ^= 1; other.motorTripped[i] = 1 }
            for i in other.ppeWorn.indices { other.ppeWorn[i] ^= 1 }
            for i in other.openingOpen.indices { other.openingOpen[i] ^= 1 }
            for i in other.hotworkActive.indices { other.hotworkActive[i] ^= 1 }
            for i in other.compressors.running.indices { other.compressors.running[i] ^= 1; other.compressors.tripped[i] = 1 }
            for i in other.lockOwner.indices { other.lockOwner[i] = 1; other.tagged[i] = 1 }
            states.append(other)
            for row in 0..<m.entities.count {
                let kind = m.entities.kinds[row], lockable = m.entities.lockable[row]
                var offered = Set<Verb>()
                for s in states {
                    let menu = VerbMenu.verbs(for: row, model: m, state: s)
                    XCTAssertEqual(Set(menu).count, menu.count, "\(name): \(m.entities.ids[row]) offers a verb twice")
                    for v in menu {
                        XCTAssertTrue(kind.accepts(v, lockable: lockable), "\(name): the menu offers \(v.rawValue) on \(kind.name) \(m.entities.ids[row])")
                    }
                    offered.formUnion(menu)
                }
                if kind != .timer {
                    XCTAssertEqual(offered, Set(kind.verbs + (lockable ? EntityKind.lockVerbs : [])),
                                   "\(name): \(m.entities.ids[row]) (\(kind.name)) over its states")
                }
            }
        }
    }

    /// The documentation's table is the table (regenerate it from this text when a kind changes).
    static var docsTable: String {
        var t = "| kind | verbs |\n|---|---|\n"
        for k in EntityKind.allCases {
            let words = k.verbs.map { v in "`\(v.rawValue)`" + (k.word(for: v).map { " (\($0.zh))" } ?? "") }
            t += "| `\(k.name)` | \(words.isEmpty ? "—" : words.joined(separator: ", ")) |\n"
        }
        return t
    }

    func testTheDocsListTheTablesVerbs() throws {
        let doc = try String(contentsOf: Fixture.repoRoot.appendingPathComponent("Docs/core.md"), encoding: .utf8)
        XCTAssertTrue(doc.contains(Self.docsTable), "Docs/core.md, \"Verbs by entity kind\", should read:\n\(Self.docsTable)")
    }

    func testABusIsTestedForVoltageNotVerified() {
        for kind in [EntityKind.bus, .supply, .load, .indicator] {
            XCTAssertFalse(kind.verbs.contains(.verify), kind.name)
            XCTAssertEqual(VerbMenu.title(.measure, kind: kind).zh, "验电")
        }
        XCTAssertEqual(VerbMenu.title(.close, kind: .switchgear).zh, "合闸")
        XCTAssertEqual(VerbMenu.title(.open, kind: .switchgear).zh, "分闸")
        XCTAssertEqual(VerbMenu.title(.open, kind: .valve).zh, VerbMenu.title(.open).zh)
    }
}
