import XCTest
import HazLabCore
import HazLabRunner
import HazLabScenario
import HazLabScoring

/// Each rubric rule on a small scenario whose timing is easy to count by hand.
/// An action at tick t is applied by the step from t to t+1, so what it completes
/// completes at tick t+1.
final class ScoringTests: XCTestCase {
    /// PPE, a zone, a contact and a tagged breaker: actions with instant effects.
    func scenario(procedure: String, rubric: String = "", extra: String = "") throws -> Model {
        try compileInline("""
        entities:
          - {id: office, type: zone}
          - {id: room, type: zone}
          - {id: helmet, type: ppe}
          - {id: gloves, type: ppe}
          - {id: goggles, type: ppe}
          - {id: boss, type: contact}
          - {id: QF1, type: breaker, closed: true}
        \(extra)
        procedure:
        \(procedure)
        \(rubric)
        """, timeLimit: "100 s")
    }

    func act(_ tick: Int64, _ verb: String, _ target: String = "") -> Action { Action(tick: tick, verb: verb, target: target) }

    func step(_ o: RunOutcome, _ id: String) -> StepResult { o.score.steps.first { $0.id == id }! }

    // MARK: - steps, order and time

    func testStepStartsWhenItsPrerequisitesAreDoneAndTimeUsedCountsFromThere() throws {
        let m = try scenario(procedure: """
          - {id: a, title: A, done: helmet.worn, score: 10}
          - {id: b, title: B, after: [a], done: gloves.worn, score: 10}
        """)
        let o = Runner.replay(m, actions: [act(50, "wear", "helmet"), act(80, "wear", "gloves"), act(90, "submit")])
        XCTAssertEqual([step(o, "a").startTick, step(o, "a").endTick, step(o, "a").usedTicks], [0, 51, 51])
        XCTAssertEqual([step(o, "b").startTick, step(o, "b").endTick, step(o, "b").usedTicks], [51, 81, 30])
        XCTAssertEqual(o.score.total, 20)
    }

    func testLateRulesLinearStepAndNone() throws {
        let m = try scenario(procedure: """
          - {id: lin, title: L, done: helmet.worn, expectedTime: 2 s, late: {rule: linear, window: 2 s, floor: 0.5}, score: 10}
          - {id: stp, title: S, done: gloves.worn, expectedTime: 2 s, late: {rule: step, window: 2 s, floor: 0.2}, score: 10}
          - {id: non, title: N, done: goggles.worn, expectedTime: 2 s, late: {rule: none}, score: 10}
        """)
        // Used 3.1 s: 1.1 s into the 2 s window.
        let o = Runner.replay(m, actions: [act(30, "wear", "helmet"), act(30, "wear", "gloves"), act(30, "wear", "goggles"), act(40, "submit")])
        XCTAssertEqual(step(o, "lin").score, 7.25, "1 − 0.5 × 11/20 of 10")
        XCTAssertEqual(step(o, "stp").score, 10, "still inside the step rule's window")
        XCTAssertEqual(step(o, "non").score, 10)
        XCTAssertEqual(step(o, "lin").remarks.en, "1.1 s late")
        // Used 6.1 s: past both windows.
        let late = Runner.replay(m, actions: [act(60, "wear", "helmet"), act(60, "wear", "gloves"), act(60, "wear", "goggles"), act(70, "submit")])
        XCTAssertEqual(step(late, "lin").score, 5)
        XCTAssertEqual(step(late, "stp").score, 2)
        XCTAssertEqual(step(late, "non").score, 10)
        XCTAssertEqual(step(late, "stp").evaluation, .fail)
        XCTAssertEqual(step(late, "lin").scoringModel.en,
                       "10 points when completed; expected within 2 s, then falling linearly to 50% over 2 s, 50% after that.")
    }

    func testRubricLateRuleIsTheDefaultAndItsWindowDefaultsToTheExpectedTime() throws {
        let m = try scenario(procedure: """
          - {id: a, title: A, done: helmet.worn, expectedTime: 1 s, score: 10}
        """, rubric: "rubric: {late: {floor: 0}}")
        // Used 1.5 s: 0.5 s into a 1 s window, falling to 0.
        let o = Runner.replay(m, actions: [act(14, "wear", "helmet"), act(20, "submit")])
        XCTAssertEqual(step(o, "a").score, 5)
    }

    func testAStepCompletedTwiceCountsOnce() throws {
        let m = try scenario(procedure: """
          - {id: a, title: A, done: helmet.worn, score: 10}
        """)
        let o = Runner.replay(m, actions: [act(10, "wear", "helmet"), act(20, "remove", "helmet"), act(30, "wear", "helmet"), act(40, "submit")])
        XCTAssertEqual(step(o, "a").endTick, 11, "the first completion stands")
        XCTAssertEqual(step(o, "a").score, 10)
        XCTAssertEqual(step(o, "a").repeatCount, 1, "operations after completion are not part of the step")
        XCTAssertEqual(o.score.total, 10)
    }

    func testAStepDoneOutOfOrderIsAViolationAndMustBeRedone() throws {
        let m = try scenario(procedure: """
          - {id: a, title: A, done: helmet.worn, score: 10}
          - {id: b, title: B, after: [a], done: gloves.worn, score: 10}
        """, rubric: "rubric: {deductions: {outOfOrder: 3}}")
        // Gloves first (out of order), then the helmet: b still holds but was not redone.
        let notRedone = Runner.replay(m, actions: [act(10, "wear", "gloves"), act(20, "wear", "helmet"), act(50, "submit")])
        XCTAssertFalse(step(notRedone, "b").completed)
        XCTAssertEqual(step(notRedone, "b").outOfOrder, 1)
        XCTAssertEqual(notRedone.score.deductions.map(\.cause), [.outOfOrder])
        XCTAssertEqual(notRedone.score.deductions.first?.tick, 11)
        XCTAssertEqual(notRedone.score.total, 7)
        // Taking the gloves off and putting them on again after the helmet redoes the step.
        let redone = Runner.replay(m, actions: [act(10, "wear", "gloves"), act(20, "wear", "helmet"),
                                                act(30, "remove", "gloves"), act(40, "wear", "gloves"), act(50, "submit")])
        XCTAssertTrue(step(redone, "b").completed)
        XCTAssertEqual(step(redone, "b").endTick, 41)
        XCTAssertEqual(step(redone, "b").remarks.en, "done out of order 1×, then redone")
        XCTAssertEqual(redone.score.total, 17)
    }

    func testAConditionTrueFromTheStartIsNotOutOfOrder() throws {
        let m = try scenario(procedure: """
          - {id: a, title: A, done: helmet.worn, score: 10}
          - {id: b, title: B, after: [a], done: not gloves.worn, score: 10}
        """)
        let o = Runner.replay(m, actions: [act(10, "wear", "helmet"), act(20, "submit")])
        XCTAssertEqual(step(o, "b").endTick, 11, "completes as soon as its prerequisite does")
        XCTAssertEqual(step(o, "b").outOfOrder, 0)
        XCTAssertTrue(o.score.deductions.isEmpty)
    }

    func testAPrerequisiteDeclaredLaterStillCompletesInTheSameTick() throws {
        let m = try scenario(procedure: """
          - {id: b, title: B, after: [a], done: gloves.worn, score: 10}
          - {id: a, title: A, done: helmet.worn, score: 10}
        """)
        let o = Runner.replay(m, actions: [act(10, "wear", "gloves"), act(10, "wear", "helmet"), act(20, "submit")])
        XCTAssertEqual(step(o, "a").endTick, 11)
        XCTAssertEqual(step(o, "b").endTick, 11)
        XCTAssertEqual(step(o, "b").outOfOrder, 0)
    }

    func testStrictOrderMakesEveryStepFollowThePreviousOne() throws {
        let m = try scenario(procedure: """
          - {id: a, title: A, done: helmet.worn, score: 10}
          - {id: b, title: B, done: gloves.worn, score: 10}
        """, rubric: "rubric: {order: strict}")
        XCTAssertEqual(m.procedure[1].after, [0])
        let o = Runner.replay(m, actions: [act(10, "wear", "gloves"), act(20, "wear", "helmet"), act(30, "submit")])
        XCTAssertEqual(step(o, "b").outOfOrder, 1)
        XCTAssertFalse(step(o, "b").completed)
    }

    func testRepeatCountCountsOperationsOnTheStepsEquipment() throws {
        let m = try scenario(procedure: """
          - {id: a, title: A, done: helmet.worn and gloves.worn, score: 10}
          - {id: b, title: B, done: boss.reported, targets: [boss, QF1], score: 10}
        """)
        XCTAssertEqual(m.procedure[0].targets.map { m.entities.ids[Int($0)] }, ["helmet", "gloves"])
        let o = Runner.replay(m, actions: [act(1, "wear", "helmet"), act(2, "remove", "helmet"), act(3, "wear", "helmet"),
                                           act(4, "wear", "goggles"), act(5, "wear", "gloves"),
                                           act(6, "open", "QF1"), act(7, "report", "boss"), act(20, "submit")])
        XCTAssertEqual(step(o, "a").repeatCount, 4, "helmet ×3 and gloves; goggles are not part of the step")
        XCTAssertEqual(step(o, "b").repeatCount, 2, "explicit targets: the breaker and the report")
    }

    // MARK: - quality windows

    func quality(_ extra: String) throws -> Model {
        try scenario(procedure: """
          - {id: a, title: A, done: helmet.worn, score: 10}
          - {id: b, title: B, done: boss.reported, score: 10}
        """, rubric: """
        rubric:
          quality:
            - id: bare_hands
              title: {zh: 不戴手套, en: No gloves}
              value: if gloves.worn then 1 else 0
              band: [0, 0.5]
              from: a
              to: b
              score: 10
              excursion: 2
        \(extra)
        """)
    }

    func testQualityWindowIsWeightedByTimeInBandAndChargesEachExcursion() throws {
        let m = try quality("")
        // Phase: ticks 10..109 (a done at 10, b done at 110). Out of band 30..49 and 70..89.
        let actions = [act(9, "wear", "helmet"), act(29, "wear", "gloves"), act(49, "remove", "gloves"),
                       act(69, "wear", "gloves"), act(89, "remove", "gloves"), act(109, "report", "boss"), act(150, "submit")]
        let q = Runner.replay(m, actions: actions).score.quality[0]
        XCTAssertEqual([q.phaseStartTick, q.phaseEndTick, q.judgedTicks, q.inBandTicks], [10, 109, 100, 60])
        XCTAssertEqual(q.excursions, 2, "\(q)")
        XCTAssertEqual(q.maxValue, 1)
        XCTAssertEqual(q.score, 2, "10 × 60 % − 2 × 2")
    }

    func testQualityGraceTimeIsNotJudged() throws {
        let m = try quality("      grace: 1 s")
        let actions = [act(9, "wear", "helmet"), act(29, "wear", "gloves"), act(49, "remove", "gloves"),
                       act(69, "wear", "gloves"), act(89, "remove", "gloves"), act(109, "report", "boss"), act(150, "submit")]
        let q = Runner.replay(m, actions: actions).score.quality[0]
        XCTAssertEqual([q.judgedTicks, q.inBandTicks], [90, 50])
        XCTAssertEqual(q.score, ((10.0 * 50 / 90 - 4) * 100).rounded() / 100)
    }

    func testQualityWindowOverAPhaseThatNeverStartsEarnsNothing() throws {
        let m = try quality("")
        let o = Runner.replay(m, actions: [act(10, "report", "boss"), act(20, "submit")])
        let q = o.score.quality[0]
        XCTAssertEqual([q.phaseStartTick, q.judgedTicks], [-1, 0])
        XCTAssertEqual(q.score, 0)
        XCTAssertEqual(q.evaluation, .fail)
        XCTAssertEqual(o.score.max, 30, "the window's points still count in the maximum")
        XCTAssertEqual(o.score.total, 10)
    }

    func testQualityBandIsCheckedInTheVariablesUnitAndReportedInTheUnitWritten() throws {
        let m = try scenario(procedure: "  - {id: a, title: A, done: helmet.worn, score: 10}", rubric: """
        rubric:
          quality:
            - {id: level, title: L, value: TK1.level, band: [50 cm, 150 cm], score: 5}
        """, extra: "  - {id: TK1, type: tank, area: 1 m2, height: 2 m, level: 1 m}")
        XCTAssertEqual(m.rubric.quality[0].high, 1.5, accuracy: 1e-12, "kept in SI inside the model")
        let o = Runner.replay(m, actions: [act(10, "submit")])
        let q = o.score.quality[0]
        XCTAssertEqual(q.unit, "cm")
        XCTAssertEqual(q.low, 50, accuracy: 1e-9)
        XCTAssertEqual(q.high, 150, accuracy: 1e-9)
        XCTAssertEqual(q.maxValue, 100, accuracy: 1e-9)
        XCTAssertEqual(q.score, 5)
    }

    // MARK: - safety, vetoes, hints

    func testSafetyRuleCostsPointsOnEachBreach() throws {
        let m = try scenario(procedure: "  - {id: a, title: A, done: boss.reported, score: 20}", rubric: """
        rubric:
          rules:
            - {id: helmet_in_room, title: {zh: 进入现场未戴安全帽, en: In the room without a helmet}, when: room.occupied and not helmet.worn, points: 4}
        """)
        let o = Runner.replay(m, actions: [act(10, "move-to", "room"), act(20, "move-to", "office"), act(30, "move-to", "room"),
                                           act(40, "wear", "helmet"), act(50, "report", "boss"), act(60, "submit")])
        XCTAssertEqual(o.score.deductions.filter { $0.cause == .rule }.map(\.tick), [11, 31])
        XCTAssertEqual(o.score.total, 12)
    }

    func testViolationCostsCanBeSetPerCode() throws {
        let procedure = "  - {id: a, title: A, done: boss.reported, score: 20}"
        let actions = [act(0, "tag", "QF1"), act(5, "open", "QF1"), act(10, "report", "boss"), act(20, "submit")]
        let byCode = try scenario(procedure: procedure, rubric: "rubric: {deductions: {violation: 1}, violations: {operated-tagged-equipment: 7}}")
        XCTAssertEqual(Runner.replay(byCode, actions: actions).score.total, 13)
        let veto = try scenario(procedure: procedure, rubric: "rubric: {violations: {operated-tagged-equipment: veto}}")
        let v = Runner.replay(veto, actions: actions).score
        XCTAssertEqual(v.veto, "operated-tagged-equipment")
        XCTAssertEqual(v.total, 0)
        XCTAssertFalse(v.passed)
    }

    let vetoHazard = """
    hazards:
      - {id: bad, when: QF1.open and not gloves.worn, consequence: electric-shock}
    """

    func vetoScenario(_ effect: String) throws -> Model {
        try compileInline("""
        entities:
          - {id: helmet, type: ppe}
          - {id: gloves, type: ppe}
          - {id: boss, type: contact}
          - {id: QF1, type: breaker, closed: true}
        \(vetoHazard)
        procedure:
          - {id: a, title: A, done: helmet.worn, score: 10}
          - {id: b, title: B, after: [a], done: boss.reported, score: 10}
        rubric: {passScore: 5, \(effect)}
        """, timeLimit: "100 s")
    }

    func testAVetoDuringAStepZeroesCapsOrEndsTheAttempt() throws {
        let actions = [act(10, "wear", "helmet"), act(20, "open", "QF1"), act(30, "report", "boss"), act(40, "submit")]
        let zero = Runner.replay(try vetoScenario("veto: zero"), actions: actions)
        XCTAssertEqual(zero.score.veto, "bad")
        XCTAssertEqual(zero.score.vetoTick, 21)
        XCTAssertEqual(zero.score.total, 0)
        XCTAssertFalse(zero.score.passed)
        XCTAssertEqual(zero.score.evaluation, .fail)
        XCTAssertEqual(zero.endReason, .submitted, "a zeroing veto does not stop the attempt")
        XCTAssertTrue(zero.score.deductions.contains { $0.veto && $0.subject == "bad" })

        let cap = Runner.replay(try vetoScenario("veto: cap, vetoCap: 8"), actions: actions)
        XCTAssertEqual(cap.score.total, 8)
        XCTAssertFalse(cap.score.passed, "a vetoed attempt fails even above the pass mark")

        let end = Runner.replay(try vetoScenario("veto: end"), actions: actions)
        XCTAssertEqual(end.endReason, .hazard)
        XCTAssertEqual(end.ticks, 21, "the attempt ends on the veto, during step b")
        XCTAssertFalse(step(end, "b").completed)
        XCTAssertEqual(end.score.total, 10, "what was earned before the veto stands")
        XCTAssertFalse(end.score.passed)
    }

    func testHintsCostOncePerStepInPracticeAndAreChargedAutomaticallyInTeaching() throws {
        let m = try scenario(procedure: """
          - {id: a, title: A, done: helmet.worn, score: 10, hint: 戴安全帽}
          - {id: b, title: B, after: [a], done: gloves.worn, score: 10, hint: 戴手套, hintCost: 3}
          - {id: c, title: C, after: [b], done: goggles.worn, score: 10}
        """, rubric: "rubric: {deductions: {hint: 1}}")
        let base = [act(10, "wear", "helmet"), act(20, "wear", "gloves"), act(30, "wear", "goggles"), act(40, "submit")]
        let asked = base + [act(5, "hint", "a"), act(6, "hint", "a"), act(15, "hint", "b")]
        let practice = Runner.replay(m, mode: .practice, actions: asked.sorted { $0.tick < $1.tick })
        XCTAssertEqual(practice.score.deductions.filter { $0.cause == .hint }.map(\.points), [1, 3])
        XCTAssertEqual(practice.score.hintsUsed, 2)
        XCTAssertEqual(practice.score.total, 26)
        XCTAssertEqual(practice.stateHash, Runner.replay(m, mode: .practice, actions: base).stateHash, "hint actions never reach the simulation")
        XCTAssertFalse(practice.events.contains { $0.kind == .actionRejected })
        // Teaching shows every started step's hint; c has none.
        let teaching = Runner.replay(m, mode: .teaching, actions: base)
        XCTAssertEqual(teaching.score.deductions.filter { $0.cause == .hint }.map(\.subject), ["a", "b"])
        XCTAssertEqual(teaching.score.total, 26)
        // Exam mode has no hints to count.
        XCTAssertEqual(Runner.replay(m, mode: .exam, actions: asked.sorted { $0.tick < $1.tick }).score.hintsUsed, 0)
        // The same actions in practice without asking cost nothing.
        XCTAssertEqual(Runner.replay(m, mode: .practice, actions: base).score.total, 30)
    }

    func testHintsChangeNothingButTheScore() throws {
        let m = try compileOrFail(Repo.demo)
        let j = try journal("perfect")
        var withHints = j.actions
        withHints.insert(Action(tick: 0, verb: "hint", target: "ppe"), at: 0)
        let a = Runner.replay(m, journal: j)
        let b = Runner.replay(m, seed: j.header.seed, mode: .practice, actions: withHints)
        XCTAssertEqual(a.stateHash, b.stateHash)
        XCTAssertEqual(b.score.total, a.score.total - 2)
    }

    // MARK: - grades and the overall result

    func testGradeThresholds() {
        let t = GradeThresholds(excellent: 90, good: 75, pass: 60)
        XCTAssertEqual(Grade.of(score: 90, max: 100, t), .excellent)
        XCTAssertEqual(Grade.of(score: 89.99, max: 100, t), .good)
        XCTAssertEqual(Grade.of(score: 75, max: 100, t), .good)
        XCTAssertEqual(Grade.of(score: 60, max: 100, t), .pass)
        XCTAssertEqual(Grade.of(score: 59.99, max: 100, t), .fail)
        XCTAssertEqual(Grade.of(score: 9, max: 10, t), .excellent)
        XCTAssertEqual(Grade.pass.title, LocalizedText(zh: "中", en: "Pass"))
    }

    func testCustomGradesApplyToStepsAndTheTotal() throws {
        let m = try scenario(procedure: """
          - {id: a, title: A, done: helmet.worn, expectedTime: 1 s, late: {rule: step, window: 0 s, floor: 0.8}, score: 10}
        """, rubric: "rubric: {passScore: 5, grades: {excellent: 95, good: 80, pass: 50}}")
        let o = Runner.replay(m, actions: [act(20, "wear", "helmet"), act(30, "submit")])
        XCTAssertEqual(step(o, "a").score, 8)
        XCTAssertEqual(step(o, "a").evaluation, .good)
        XCTAssertEqual(o.score.evaluation, .good)
        XCTAssertTrue(o.score.passed)
    }

    func testDemoRunsBreakDownAsDescribed() throws {
        let m = try compileOrFail(Repo.demo)
        let perfect = Runner.replay(m, journal: try journal("perfect")).score
        XCTAssertEqual(perfect.total, 100)
        XCTAssertEqual(perfect.evaluation, .excellent)
        XCTAssertTrue(perfect.steps.allSatisfy { $0.evaluation == .excellent && $0.remarks.en.isEmpty })
        let mistakes = Runner.replay(m, journal: try journal("mistakes")).score
        XCTAssertEqual(mistakes.deductions.map(\.cause), [.rejectedAction, .rule, .rejectedAction, .hazard])
        XCTAssertEqual(mistakes.quality[0].excursions, 1)
        XCTAssertGreaterThan(mistakes.quality[0].maxValue, 3.5)
        XCTAssertEqual(mistakes.steps.first { $0.id == "isolate" }?.remarks.zh, "超时 118.9 s")
        XCTAssertFalse(mistakes.steps.first { $0.id == "cross_check" }!.completed, "trusted LT-101, never dipped the tank")
        XCTAssertEqual(mistakes.total, 43.12)
        XCTAssertEqual(mistakes.evaluation, .fail)
    }

    // MARK: - rubric errors

    func testRubricErrorsArePositioned() {
        let text = """
        id: bad
        title: T
        discipline: general
        timeLimit: 10 s
        entities:
          - {id: helmet, type: ppe}
        procedure:
          - {id: a, title: A, done: helmet.worn, score: 10, late: {floor: 2}}
        rubric:
          veto: cap
          grades: {excellent: 50, good: 70}
          violations: {operated-taged-equipment: 3}
          quality:
            - {id: q, title: Q, value: if helmet.worn then 1 else 0, band: [1 m, 0 m], from: b, score: 1}
        """
        let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "bad.yaml")
        let messages = r.errors.map(\.description)
        func has(_ prefix: String, _ fragment: String) {
            XCTAssert(messages.contains { $0.hasPrefix(prefix) && $0.contains(fragment) }, "\(prefix) \(fragment) in \(messages)")
        }
        has("bad.yaml:8:67:", "must be a fraction between 0 and 1")
        has("bad.yaml:10:9:", "needs 'vetoCap'")
        has("bad.yaml:11:11:", "must not increase")
        has("bad.yaml:12:16:", "did you mean 'operated-tagged-equipment'")
        has("bad.yaml:14:", "expected a plain number, found length")
    }
}
