import XCTest
@testable import HazLabCore

/// Field reader over a plain array: `FieldRef.index` selects the value.
private struct ArrayReader: FieldReader {
    var values: [Double]
    var tick: Int64 = 0
    var secondsPerTick: Double = 0.1
    func read(_ field: FieldRef) -> Double { values[Int(field.index)] }
}

private func f(_ i: Int32) -> FieldRef { FieldRef(.sensorValue, i) }

private func prog(_ code: [Instr], _ type: ValueType = .number(.none)) -> Program {
    guard let p = Program(code: code, resultType: type) else {
        XCTFail("invalid program \(code)")
        return Program.constant(.nan, type: type)
    }
    return p
}

/// Drives a temporal program over a sequence of condition values (field 0), one per tick.
private func drive(_ p: Program, _ conds: [Bool]) -> [Double] {
    var mem = p.initialMemory()
    var r = ArrayReader(values: [0])
    var out: [Double] = []
    for (t, c) in conds.enumerated() {
        r.tick = Int64(t)
        r.values[0] = c ? 1 : 0
        out.append(Evaluator.evaluate(p, r, memory: &mem, base: 0))
    }
    return out
}

final class ExprEvalTests: XCTestCase {
    func testArithmetic() {
        let r = ArrayReader(values: [3, 4])
        // (f0 + f1 * 2 - 1) / 2 = (3 + 8 - 1) / 2 = 5
        let p = prog([.load(f(0)), .load(f(1)), .const(2), .mul, .add, .const(1), .sub, .const(2), .div])
        XCTAssertEqual(Evaluator.evaluate(p, r), 5)
        XCTAssertEqual(Evaluator.evaluate(prog([.load(f(0)), .neg]), r), -3)
        XCTAssertEqual(Evaluator.evaluate(prog([.const(-2.5), .abs]), r), 2.5)
        XCTAssertEqual(Evaluator.evaluate(prog([.const(16), .sqrt]), r), 4)
        XCTAssertEqual(p.maxStack, 3)
    }

    func testMinMaxClamp() {
        let r = ArrayReader(values: [3, 4])
        XCTAssertEqual(Evaluator.evaluate(prog([.load(f(0)), .load(f(1)), .min]), r), 3)
        XCTAssertEqual(Evaluator.evaluate(prog([.load(f(0)), .load(f(1)), .max]), r), 4)
        XCTAssertEqual(Evaluator.evaluate(prog([.const(7), .const(0), .const(5), .clamp]), r), 5)
        XCTAssertEqual(Evaluator.evaluate(prog([.const(-7), .const(0), .const(5), .clamp]), r), 0)
        XCTAssertEqual(Evaluator.evaluate(prog([.const(2), .const(0), .const(5), .clamp]), r), 2)
    }

    func testComparisonsAndLogic() {
        let r = ArrayReader(values: [3, 4])
        let cases: [(Instr, Double)] = [(.lt, 1), (.le, 1), (.gt, 0), (.ge, 0), (.eq, 0), (.ne, 1)]
        for (op, want) in cases {
            XCTAssertEqual(Evaluator.evaluate(prog([.load(f(0)), .load(f(1)), op], .bool), r), want, "\(op)")
        }
        XCTAssertEqual(Evaluator.evaluate(prog([.const(1), .const(0), .and], .bool), r), 0)
        XCTAssertEqual(Evaluator.evaluate(prog([.const(1), .const(2), .and], .bool), r), 1)
        XCTAssertEqual(Evaluator.evaluate(prog([.const(0), .const(0), .or], .bool), r), 0)
        XCTAssertEqual(Evaluator.evaluate(prog([.const(0), .const(1), .or], .bool), r), 1)
        XCTAssertEqual(Evaluator.evaluate(prog([.const(0), .not], .bool), r), 1)
        XCTAssertTrue(Evaluator.evaluateBool(prog([.load(f(0)), .const(3), .eq], .bool), r))
    }

    func testSelectAndTime() {
        var r = ArrayReader(values: [1])
        r.tick = 25
        let p = prog([.load(f(0)), .time, .const(-1), .select])
        XCTAssertEqual(Evaluator.evaluate(p, r), 2.5, accuracy: 1e-12)
        r.values[0] = 0
        XCTAssertEqual(Evaluator.evaluate(p, r), -1)
    }

    func testProgramValidation() {
        XCTAssertNil(Program(code: [.add], resultType: .number(.none)))
        XCTAssertNil(Program(code: [.const(1), .const(2)], resultType: .number(.none)))
        XCTAssertNil(Program(code: [.const(1), .since(slot: 0), .const(1), .rose(slot: 1), .and], resultType: .bool),
                     "overlapping memory slots must be rejected")
        let p = prog([.const(1), .since(slot: 0), .const(1), .rose(slot: 2), .and, .const(1), .held(slot: 3)], .bool)
        XCTAssertEqual(p.memorySlots, 4)
        XCTAssertEqual(p.initialMemory(), [0, -1, 0, 0])
        XCTAssertEqual(Program.constant(4, type: .number(.none)).constantValue, 4)
    }

    func testHeldResetsWhenConditionDrops() {
        // held(c, 0.3 s) at 0.1 s/tick: true once c has been true for 3 ticks after becoming true.
        let p = prog([.load(f(0)), .const(0.3), .held(slot: 0)], .bool)
        let c = [true, true, true, true, true, false, true, true, true, true]
        XCTAssertEqual(drive(p, c), [0, 0, 0, 1, 1, 0, 0, 0, 0, 1])
        // zero duration: held(c, 0) == c
        let p0 = prog([.load(f(0)), .const(0), .held(slot: 0)], .bool)
        XCTAssertEqual(drive(p0, [false, true, false]), [0, 1, 0])
    }

    func testTicksRounding() {
        XCTAssertEqual(Evaluator.ticks(forSeconds: 0.3, secondsPerTick: 0.1), 3)
        XCTAssertEqual(Evaluator.ticks(forSeconds: 0.7, secondsPerTick: 0.1), 7)
        XCTAssertEqual(Evaluator.ticks(forSeconds: 0.25, secondsPerTick: 0.1), 3)
        XCTAssertEqual(Evaluator.ticks(forSeconds: 30, secondsPerTick: 0.1), 300)
        XCTAssertEqual(Evaluator.ticks(forSeconds: -1, secondsPerTick: 0.1), 0)
    }

    func testRoseAndFell() {
        let rose = prog([.load(f(0)), .rose(slot: 0)], .bool)
        let fell = prog([.load(f(0)), .fell(slot: 0)], .bool)
        let c = [true, true, false, false, true, false]
        // "before start" counts as false: true at tick 0 is a rising edge.
        XCTAssertEqual(drive(rose, c), [1, 0, 0, 0, 1, 0])
        XCTAssertEqual(drive(fell, c), [0, 0, 1, 0, 0, 1])
        XCTAssertEqual(drive(fell, [false, false]), [0, 0], "false at start is not a falling edge")
    }

    func testSinceSentinelThenCounting() {
        let p = prog([.load(f(0)), .since(slot: 0)], .number(.time))
        let out = drive(p, [false, false, true, true, false, false, true])
        XCTAssertEqual(out[0], Evaluator.neverSentinel)
        XCTAssertEqual(out[1], 1e9)
        XCTAssertEqual(out[2], 0)
        XCTAssertEqual(out[3], 0.1, accuracy: 1e-12)
        XCTAssertEqual(out[4], 0.2, accuracy: 1e-12)
        XCTAssertEqual(out[5], 0.3, accuracy: 1e-12)
        XCTAssertEqual(out[6], 0, "a new rising edge restarts the clock")
    }

    func testEverCountDuration() {
        let c = [false, true, false, true, true, false]
        XCTAssertEqual(drive(prog([.load(f(0)), .ever(slot: 0)], .bool), c), [0, 1, 1, 1, 1, 1])
        XCTAssertEqual(drive(prog([.load(f(0)), .count(slot: 0)]), c), [0, 1, 1, 2, 2, 2])
        let d = drive(prog([.load(f(0)), .duration(slot: 0)], .number(.time)), c)
        for (got, want) in zip(d, [0, 0.1, 0.1, 0.2, 0.3, 0.3]) { XCTAssertEqual(got, want, accuracy: 1e-12) }
    }

    func testMemoryBaseOffsetIsolatesPrograms() {
        let p = prog([.load(f(0)), .count(slot: 0)])
        var mem = ContiguousArray<Double>(repeating: 99, count: 5)
        p.initializeMemory(&mem, base: 3)
        XCTAssertEqual(Array(mem), [99, 99, 99, 0, 0])
        var r = ArrayReader(values: [1])
        XCTAssertEqual(Evaluator.evaluate(p, r, memory: &mem, base: 3), 1)
        r.values[0] = 0; r.tick = 1
        _ = Evaluator.evaluate(p, r, memory: &mem, base: 3)
        r.values[0] = 1; r.tick = 2
        XCTAssertEqual(Evaluator.evaluate(p, r, memory: &mem, base: 3), 2)
        XCTAssertEqual(Array(mem[0 ..< 3]), [99, 99, 99])
    }
}
