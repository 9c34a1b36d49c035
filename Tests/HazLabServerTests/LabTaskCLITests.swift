import Foundation
import HazLabRecords
import HazLabServer
import XCTest

/// `hazlab lab task` and the demo's tasks, as real processes (Docs/lab.md, "Instructor routes").
final class LabTaskCLITests: XCTestCase {
    func testDemoHasTasksAndTheTaskCommandAssignsOpensClosesAndLists() throws {
        let lab = try LabFixture()
        let config = lab.configPath
        let demo = try runHazlab(["lab", "demo", "--config", config, "--public", repoRoot.appendingPathComponent("Tools/demo-keys/ws-demo.pub").path], in: lab.dir)
        XCTAssertEqual(demo.status, 0, demo.all)
        let demoTasks = try runHazlab(["lab", "task", "--config", config, "--list", "--class", "demo-class"], in: lab.dir)
        XCTAssertEqual(demoTasks.status, 0, demoTasks.all)
        XCTAssertTrue(demoTasks.stdout.contains("tank-filling  teaching  open"), demoTasks.stdout)
        XCTAssertTrue(demoTasks.stdout.contains("tank-filling  practice  open"), demoTasks.stdout)
        XCTAssertTrue(demoTasks.stdout.contains("tank-filling  exam  open"), demoTasks.stdout)

        let made = try runHazlab(["lab", "task", "--config", config, "--class", "demo-class", "--scenario", "pump-lockout-tagout",
                                  "--mode", "exam", "--title", "期末\u{1B}[2J考试", "--closes", "2030-01-01T00:00:00Z"], in: lab.dir)
        XCTAssertEqual(made.status, 0, made.all)
        XCTAssertTrue(made.stdout.contains("pump-lockout-tagout  exam  closed"), made.stdout)
        XCTAssertFalse(made.stdout.contains("\u{1B}"), "titles are escaped for the terminal")
        XCTAssertTrue(made.stdout.contains("closes 2030-01-01T00:00:00.000Z"), made.stdout)
        let id = String(made.stdout.prefix(18))
        XCTAssertTrue(id.hasPrefix("t-"), made.stdout)
        let opened = try runHazlab(["lab", "task", "--config", config, "--open", id], in: lab.dir)
        XCTAssertEqual(opened.status, 0, opened.all)
        XCTAssertTrue(opened.stdout.contains("exam  open"), opened.stdout)
        let audit = try ResultsStore(path: lab.storePath).auditLog(limit: 100)
        XCTAssertTrue(audit.contains { $0.action == "lab-exam-open" && $0.subject == id && $0.actor.hasPrefix("os:") }, "\(audit)")

        for (args, message) in [(["--class", "demo-class", "--scenario", "../Scenarios/tank-filling"], "no scenario"),
                                (["--class", "demo-class", "--scenario", "tank-filling", "--mode", "quiz"], "--mode"),
                                (["--class", "no-class", "--scenario", "tank-filling"], "no class 'no-class'"),
                                (["--open", "t-0000000000000000"], "no task")] {
            let r = try runHazlab(["lab", "task", "--config", config] + args, in: lab.dir)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }
}
