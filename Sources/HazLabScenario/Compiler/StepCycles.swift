import Foundation
import HazLabCore

/// The procedure's prerequisite graph: cycles are errors, steps behind a cycle unreachable.
extension Compilation {
    /// Prerequisite cycles are errors; steps that depend on a cycle are unreachable (warning).
    mutating func checkStepCycles(_ steps: [ProcedureStep], _ nodes: [YNode]) {
        var state = [UInt8](repeating: 0, count: steps.count)   // 0 new, 1 on stack, 2 done
        var inCycle = [Bool](repeating: false, count: steps.count)
        var reported = Set<Int>()
        func visit(_ s: Int, _ stack: inout [Int], _ bag: inout DiagnosticBag) {
            state[s] = 1
            stack.append(s)
            for a in steps[s].after.map(Int.init) {
                if state[a] == 1 {
                    let cycle = Array(stack[stack.firstIndex(of: a)!...])
                    for c in cycle { inCycle[c] = true }
                    if reported.insert(cycle.min()!).inserted {
                        let names = (cycle + [a]).map { steps[$0].id }.joined(separator: " -> ")
                        bag.error(nodes[a].location, "cyclic definition: steps wait for each other: \(names)")
                    }
                } else if state[a] == 0 {
                    visit(a, &stack, &bag)
                }
            }
            stack.removeLast()
            state[s] = 2
        }
        for s in steps.indices where state[s] == 0 {
            var stack: [Int] = []
            visit(s, &stack, &bag)
        }
        // Anything that waits (transitively) on a cycle can never start.
        var unreachable = inCycle
        var changed = true
        while changed {
            changed = false
            for s in steps.indices where !unreachable[s] && steps[s].after.contains(where: { unreachable[Int($0)] }) {
                unreachable[s] = true
                changed = true
            }
        }
        for s in steps.indices where unreachable[s] && !inCycle[s] {
            bag.warning(nodes[s].location, "step '\(steps[s].id)' is unreachable: it waits on a cycle of steps")
        }
    }
}
