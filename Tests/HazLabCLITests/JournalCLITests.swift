import Foundation
import HazLabRecords
import HazLabTestSupport
import XCTest

/// `hazlab journal` and `hazlab keys`, in real processes: SIGKILL crash recovery, 100 tampered
/// journals, key file permissions, revocation, and the signed golden runs.
final class JournalCLITests: XCTestCase {
    /// Makes a key pair with `hazlab keys generate` and registers it with `hazlab keys add`.
    func makeKey(_ dir: TempDir, id: String = "ws-t") throws -> (key: String, registry: String) {
        let g = try Hazlab.run(["keys", "generate", "--id", id, "--out", dir.url.path])
        XCTAssertEqual(g.status, 0, g.all)
        let reg = dir.file("keys.json").path
        let a = try Hazlab.run(["keys", "add", dir.file("\(id).pub").path, "--registry", reg])
        XCTAssertEqual(a.status, 0, a.all)
        return (dir.file("\(id).key").path, reg)
    }

    func ackCount(_ d: Data) -> Int {
        var n = 0
        for line in String(decoding: d, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("ok "), let k = Int(line.dropFirst(3)) { n = k }
        }
        return n
    }

    func testSIGKILLedWriterKeepsEveryAcknowledgedAction() throws {
        let dir = try TempDir()
        let bin = try Hazlab.binary()
        var rng = SplitMix64(state: 20261129)
        let deadline = Date().addingTimeInterval(90)
        var kills = 0, tornTails = 0
        for i in 0..<30 where Date() < deadline {
            let f = dir.file("crash-\(i).jsonl").path
            let p = Process()
            p.executableURL = URL(fileURLWithPath: bin)
            p.arguments = ["journal", "simulate", "--out", f, "--actions", "1000", "--interval-ms", "1", "--tear-pause-us", "1500", "--attempt", "crash-\(i)"]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            try p.run()
            let reader = pipe.fileHandleForReading
            let target = 1 + rng.below(80)
            var out = Data()
            while ackCount(out) < target {
                let d = reader.availableData
                if d.isEmpty { break }
                out.append(d)
            }
            usleep(useconds_t(rng.below(4000)))   // somewhere in a later write, fsync or pause
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .uncaughtSignal, "writer \(i) finished before the kill")
            kills += 1
            // Every "ok" the writer printed before it died.
            let fd = reader.fileDescriptor
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                out.append(contentsOf: buf[0..<n])
            }
            let acked = ackCount(out)
            XCTAssertGreaterThanOrEqual(acked, target)

            let before = try Data(contentsOf: URL(fileURLWithPath: f))
            let r = try Hazlab.run(["journal", "recover", f])
            XCTAssertEqual(r.status, 0, r.all)
            let after = try Data(contentsOf: URL(fileURLWithPath: f))
            if let torn = try? Data(contentsOf: URL(fileURLWithPath: f + ".torn")) {
                tornTails += 1
                XCTAssertEqual(after + torn, before, "recovery must only cut the tail")
                XCTAssertFalse(torn.dropLast().contains(0x0A), "a crash leaves at most one partial line")
            } else {
                XCTAssertEqual(after, before)
            }
            // Every acknowledged action is there; what follows is a valid prefix of the rest.
            let j = try Journal.read(path: f)
            XCTAssertGreaterThanOrEqual(j.actions.count, acked, "writer \(i): lost acknowledged actions")
            XCTAssertLessThanOrEqual(j.actions.count, acked + 1)
            for (k, a) in j.actions.enumerated() {
                XCTAssertEqual(a.tick, Int64(k + 1) * 10); XCTAssertEqual(a.number, Double(k + 1) / 8)
            }
            let v = JournalVerifier().verify(bytes: [UInt8](after), path: f)
            XCTAssertEqual(v.problems.map(\.code), [.incomplete], "\(v.problems)")
            // Incomplete but replayable: `verify` says so and exits 1.
            if i == 0 {
                let ver = try Hazlab.run(["journal", "verify", f])
                XCTAssertEqual(ver.status, 1)
                XCTAssertTrue(ver.stdout.contains("no trailer"), ver.all)
            }
        }
        XCTAssertEqual(kills, 30, "ran out of time")
        print("crash test: \(kills) kills, \(tornTails) left a torn tail")
    }

    func testHundredTamperedJournalsAreRejected() throws {
        let dir = try TempDir()
        let (key, reg) = try makeKey(dir)
        let original = dir.file("signed.jsonl").path
        let s = try Hazlab.run(["journal", "simulate", "--out", original, "--actions", "12", "--interval-ms", "0", "--key", key])
        XCTAssertEqual(s.status, 0, s.all)
        let ok = try Hazlab.run(["journal", "verify", "--keys", reg, original])
        XCTAssertEqual(ok.status, 0, ok.all)
        XCTAssertTrue(ok.stdout.contains("signed by 'ws-t'"), ok.all)

        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: original)))
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        lines.removeLast()   // after the final newline
        func join(_ ls: [[UInt8]]) -> [UInt8] { ls.flatMap { $0 + [0x0A] } }
        func replacing(_ line: [UInt8], _ a: String, _ b: String) -> [UInt8] {
            Array(String(decoding: line, as: UTF8.self).replacingOccurrences(of: a, with: b).utf8)
        }
        var rng = SplitMix64(state: 7)
        var files: [String] = [], kinds: [String] = []
        for i in 0..<100 {
            var t = bytes
            let kind = ["flip", "reorder", "remove", "forge-trailer", "forge-header", "truncate"][i % 6]
            switch kind {
            case "flip":
                let at = rng.below(t.count)
                t[at] ^= UInt8(1 << rng.below(8))
            case "reorder":
                var ls = lines
                let a = rng.below(ls.count)
                var b = rng.below(ls.count - 1); if b >= a { b += 1 }
                ls.swapAt(a, b)
                t = join(ls)
            case "remove":
                var ls = lines
                ls.remove(at: rng.below(ls.count))
                t = join(ls)
            case "forge-trailer":
                var ls = lines
                let n = ls.count - 1
                switch rng.below(4) {
                case 0: ls[n] = replacing(ls[n], "0123456789abcdef", "fedcba9876543210")
                case 1: ls[n] = replacing(ls[n], "\"endTick\":130", "\"endTick\":\(131 + rng.below(1000))")
                case 2: ls[n] = replacing(ls[n], "{\"type\":\"trailer\",", "{\"type\":\"trailer\",\"total\":100,\"passed\":true,")
                default: ls[n] = replacing(ls[n], "\"actions\":12", "\"actions\":11"); ls.remove(at: 1 + rng.below(n - 1))
                }
                t = join(ls)
            case "forge-header":
                var ls = lines
                switch rng.below(4) {
                case 0: ls[0] = replacing(ls[0], "\"seed\":7", "\"seed\":\(8 + rng.below(1000))")
                case 1: ls[0] = replacing(ls[0], "\"student\":\"sim\"", "\"student\":\"s\(rng.below(1000))\"")
                case 2: ls[0] = replacing(ls[0], "\"mode\":\"practice\"", "\"mode\":\"teaching\"")
                default: ls[0] = replacing(ls[0], "\"format\":2", "\"format\":1")
                }
                t = join(ls)
            default:
                t = Array(t.prefix(rng.below(t.count)))   // cut anywhere, even at a line boundary
            }
            XCTAssertNotEqual(t, bytes, "tamper \(i) (\(kind)) changed nothing")
            let f = dir.file("t\(i).jsonl").path
            try Data(t).write(to: URL(fileURLWithPath: f))
            files.append(f); kinds.append(kind)
        }
        let v = try Hazlab.run(["journal", "verify", "--keys", reg] + files)
        XCTAssertEqual(v.status, 1)
        XCTAssertTrue(v.stdout.contains("0 of 100 journal(s) ok"), v.stdout)
        for (f, kind) in zip(files, kinds) {
            let problem = v.stdoutLines.first { $0.hasPrefix(f + ":") && $0.contains(": error: ") }
            XCTAssertNotNil(problem, "\(f) (\(kind)) was not rejected with a reason:\n\(v.stdout)")
            XCTAssertFalse(v.stdout.contains("\(f): ok"), "\(f) (\(kind)) accepted")
            if let problem { XCTAssertNotNil(problem.captures(#"^.*:(\d+):(\d+): error: .+ \[[a-z-]+\]$"#), problem) }
        }
    }

    func testKeysCommandsAndPermissionRefusal() throws {
        let dir = try TempDir()
        let (key, reg) = try makeKey(dir)
        // Wider than 0600: refused with one line.
        chmod(key, 0o644)
        let refused = try Hazlab.run(["journal", "simulate", "--out", dir.file("x.jsonl").path, "--actions", "1", "--interval-ms", "0", "--key", key])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderrLines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("mode 0644") && refused.stderr.contains("chmod 600"), refused.stderr)
        chmod(key, 0o600)

        let j = dir.file("j.jsonl").path
        XCTAssertEqual(try Hazlab.run(["journal", "simulate", "--out", j, "--actions", "3", "--interval-ms", "0", "--key", key]).status, 0)
        let list = try Hazlab.run(["keys", "list", "--registry", reg])
        XCTAssertEqual(list.status, 0)
        XCTAssertTrue(list.stdout.hasPrefix("ws-t\tadded ") && list.stdout.contains("\tactive\t"), list.stdout)
        // Re-adding the same key is harmless; a registry listing a key twice never happens.
        XCTAssertEqual(try Hazlab.run(["keys", "add", dir.file("ws-t.pub").path, "--registry", reg]).status, 0)
        XCTAssertEqual(try KeyRegistry.load(path: reg).keys.count, 1)
        // A private key is not registered by mistake.
        XCTAssertEqual(try Hazlab.run(["keys", "add", key, "--registry", reg]).status, 1)

        // Revoked later than the attempt started: still good. Revoked for all time: rejected.
        XCTAssertEqual(try Hazlab.run(["keys", "revoke", "ws-t", "--registry", reg, "--at", "2999-01-01T00:00:00.000Z"]).status, 0)
        XCTAssertEqual(try Hazlab.run(["journal", "verify", "--keys", reg, j]).status, 0)
        let rv = try Hazlab.run(["keys", "revoke", "ws-t", "--registry", reg, "--all"])
        XCTAssertEqual(rv.status, 0, rv.all)
        XCTAssertTrue(try Hazlab.run(["keys", "list", "--registry", reg]).stdout.contains("revoked 1970-01-01T00:00:00.000Z"))
        let v = try Hazlab.run(["journal", "verify", "--keys", reg, j])
        XCTAssertEqual(v.status, 1)
        XCTAssertTrue(v.stdout.contains("[revoked-key]"), v.stdout)
        // An unknown key.
        let other = try TempDir()
        let (_, reg2) = try makeKey(other, id: "ws-other")
        XCTAssertTrue(try Hazlab.run(["journal", "verify", "--keys", reg2, j]).stdout.contains("[unknown-key]"))
    }

    func testGoldenRunsAreSignedWithTheDemoKey() throws {
        let runs = try FileManager.default.contentsOfDirectory(atPath: Hazlab.repoRoot.appendingPathComponent("Scenarios").path)
            .sorted().flatMap { id -> [String] in
                let folder = Hazlab.repoRoot.appendingPathComponent("Scenarios/\(id)/runs")
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                return names.filter { $0.hasSuffix(".jsonl") }.sorted().map { folder.appendingPathComponent($0).path }
            }
        XCTAssertGreaterThan(runs.count, 10)
        let reg = Hazlab.repoRoot.appendingPathComponent("Tools/demo-keys/keys.json").path
        let v = try Hazlab.run(["journal", "verify", "--keys", reg] + runs)
        XCTAssertEqual(v.status, 0, v.all)
        XCTAssertTrue(v.stdout.contains("\(runs.count) of \(runs.count) journal(s) ok"), v.stdout)
    }

    func testGradeWithKeysRejectsForgedAndChecksChains() throws {
        let dir = try TempDir()
        let perfect = try String(contentsOf: Hazlab.demoRun("perfect.jsonl"), encoding: .utf8)
        let mistakes = try String(contentsOf: Hazlab.demoRun("mistakes.jsonl"), encoding: .utf8)
        try dir.write("j/a-good.jsonl", perfect)
        // A forged trailer (another end tick): the chain holds, the signature does not.
        var lines = mistakes.split(separator: "\n").map(String.init)
        lines[lines.count - 1] = lines[lines.count - 1].replacingOccurrences(of: "\"endTick\":", with: "\"endTick\":1")
        try dir.write("j/b-forged.jsonl", lines.joined(separator: "\n") + "\n")
        // An edited header (another seed): the chain breaks.
        try dir.write("j/c-edited.jsonl", try String(contentsOf: Hazlab.demoRun("idle.jsonl"), encoding: .utf8)
            .replacingOccurrences(of: "\"seed\":", with: "\"seed\":1"))
        let keys = Hazlab.repoRoot.appendingPathComponent("Tools/demo-keys/keys.json").path
        let scenarios = Hazlab.demoFolder.path
        func codes(_ args: [String]) throws -> [String] {
            let r = try Hazlab.run(["grade", "--scenarios", scenarios, "--out", "out", "--jobs", "2"] + args + ["j"], in: dir.url)
            let errors = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.file("out/errors.json"))) as? [[String: Any]], r.all)
            return errors.map { "\(($0["journal"] as? String) ?? ""):\(($0["code"] as? String) ?? "")" }
        }
        XCTAssertEqual(try codes(["--keys", keys]), ["j/b-forged.jsonl:bad-signature", "j/c-edited.jsonl:bad-chain"])
        XCTAssertEqual(try codes(["--check-chains"]), ["j/c-edited.jsonl:bad-chain"])
        // Another registry: the demo key is unknown there.
        let other = try TempDir()
        let (_, reg) = try makeKey(other)
        XCTAssertEqual(try codes(["--keys", reg]),
                       ["j/a-good.jsonl:unknown-key", "j/b-forged.jsonl:unknown-key", "j/c-edited.jsonl:bad-chain"])
    }

    /// `journal verify` prints the journal's text (here a key id) escaped, names a CRLF copy
    /// for what it is, and applies --max-actions.
    func testVerifyEscapesNamesConversionsAndAppliesLimits() throws {
        let dir = try TempDir()
        let (_, registry) = try makeKey(dir)
        let text = try String(contentsOf: Hazlab.demoRun("perfect.jsonl"), encoding: .utf8)
        // Re-serialised, so the chain holds and verify gets as far as the key id.
        var evil = try Journal.read(path: Hazlab.demoRun("perfect.jsonl").path)
        evil.header.key = "ws\u{1B}[2J\nforged: ok"
        let e = try dir.write("evil.jsonl", evil.jsonl())
        let r = try Hazlab.run(["journal", "verify", "--keys", registry, e.path])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertFalse(r.all.unicodeScalars.contains("\u{1B}"), r.all)
        XCTAssertEqual(r.stdoutLines.count, 1, r.stdout)
        XCTAssertTrue(r.stdout.contains(#"unknown workstation key 'ws\e[2J\nforged: ok'"#), r.stdout)

        let crlf = try dir.write("crlf.jsonl", text.replacingOccurrences(of: "\n", with: "\r\n"))
        let c = try Hazlab.run(["journal", "verify", crlf.path])
        XCTAssertEqual(c.status, 1, c.all)
        XCTAssertTrue(c.stdout.contains("has CRLF (Windows) line ends"), c.stdout)
        XCTAssertTrue(c.stdout.contains("its chain holds once converted back"), c.stdout)
        XCTAssertFalse(c.stdout.contains("chain broken"), c.stdout)

        let perfect = Hazlab.demoRun("perfect.jsonl").path
        let n = try Journal.read(path: perfect).actions.count
        let over = try Hazlab.run(["journal", "verify", "--max-actions", "\(n - 1)", perfect])
        XCTAssertEqual(over.status, 1, over.all)
        XCTAssertTrue(over.stdout.contains("more than \(n - 1) actions, the limit per journal"), over.stdout)
        XCTAssertEqual(try Hazlab.run(["journal", "verify", "--max-actions", "\(n)", perfect]).status, 0)
    }
}
