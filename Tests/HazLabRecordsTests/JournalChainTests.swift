import Foundation
import HazLabCore
import XCTest
@testable import HazLabRecords

/// Format 2: hash chain, Ed25519 trailer signature, keys and registry, crash-safe writer and
/// recovery (in process; the real-process crash and tamper tests are in HazLabCLITests).
final class JournalChainTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func header(key: String, started: String = "2026-11-29T08:30:00.000Z") -> Journal.Header {
        var h = Journal.Header(scenario: "tank-filling", scenarioSHA256: String(repeating: "ab", count: 32), seed: 7,
                               mode: "exam", student: "张三", workstation: "ws-01")
        h.attempt = "a-0001"; h.started = started; h.key = key
        return h
    }

    /// Writes a signed journal with `n` actions through `JournalWriter`; returns its path.
    func writeSigned(_ key: WorkstationKey, n: Int = 6, name: String = "a.jsonl", started: String = "2026-11-29T08:30:00.000Z") throws -> String {
        let path = dir.appendingPathComponent(name).path
        let w = try JournalWriter(path: path, header: header(key: key.keyId, started: started))
        for i in 0..<n { try w.append(Action(tick: Int64(i * 10), verb: "set", target: "XV101", number: Double(i) / 4)) }
        try w.finish(endTick: Int64(n * 10), stateHash: "0123456789abcdef", signer: key)
        return path
    }

    func registry(_ keys: WorkstationKey...) throws -> KeyRegistry {
        var r = KeyRegistry()
        for k in keys { try r.add(k.publicKey) }
        return r
    }

    func verify(_ path: String, _ r: KeyRegistry?) -> JournalVerifier.Report {
        JournalVerifier(registry: r).verify(bytes: [UInt8](FileManager.default.contents(atPath: path)!), path: path)
    }

    func testSignatureRoundTrip() throws {
        let key = WorkstationKey(id: "ws-01")
        let path = try writeSigned(key)
        let r = verify(path, try registry(key))
        XCTAssertTrue(r.ok, "\(r.problems)")
        XCTAssertTrue(r.signatureChecked)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let j = try Journal.parse(data: Data(text.utf8), path: path)
        XCTAssertEqual(j.header.format, 2)
        XCTAssertEqual(j.header.attempt, "a-0001")
        XCTAssertEqual(j.header.key, "ws-01")
        XCTAssertEqual(j.actions.count, 6)
        XCTAssertFalse(j.trailer!.signature.isEmpty)
        // Serialising the parsed journal gives the same bytes (chain recomputed, signature kept).
        XCTAssertEqual(j.jsonl(), text)
        // Another workstation's key does not verify it.
        let other = WorkstationKey(id: "ws-01")
        let r2 = verify(path, try registry(other))
        XCTAssertEqual(r2.problems.map(\.code), [.badSignature])
        // The file was created 0600.
        var st = stat(); stat(path, &st)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
    }

    func testEveryLineAfterTheHeaderIsChained() throws {
        let path = try writeSigned(WorkstationKey(id: "ws-01"))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 8)
        for i in 1..<lines.count {
            XCTAssertTrue(lines[i].contains("\"prev\":\"\(JournalChain.hash(lines[i - 1]))\""), lines[i])
        }
        XCTAssertFalse(lines[0].contains("prev"))
        XCTAssertTrue(lines[7].hasSuffix("\"}") && lines[7].contains(",\"sig\":\""))
    }

    func testFormat1StillParsesAndIsLegacy() throws {
        let text = """
        {"type":"header","format":1,"engine":"0.1.0","scenario":"tank-filling","scenarioSHA256":"x","seed":7,"mode":"practice","student":"","workstation":""}
        {"type":"action","tick":1,"verb":"set","target":"XV101","value":1}
        {"type":"trailer","endTick":100,"stateHash":"0123456789abcdef","actions":1}

        """
        let path = dir.appendingPathComponent("v1.jsonl").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let j = try Journal.read(path: path)
        XCTAssertEqual(j.header.format, 1)
        XCTAssertEqual(j.actions.count, 1)
        XCTAssertEqual(j.jsonl(), text)
        XCTAssertTrue(verify(path, nil).ok)   // nothing to check without tamper evidence
        XCTAssertEqual(verify(path, try registry(WorkstationKey(id: "ws-01"))).problems.map(\.code), [.legacy])
        // A chained journal relabelled as format 1 is caught.
        let signed = try String(contentsOfFile: try writeSigned(WorkstationKey(id: "ws-01")), encoding: .utf8)
        let downgraded = signed.replacingOccurrences(of: "\"format\":2", with: "\"format\":1")
        try downgraded.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(verify(path, nil).problems.map(\.code), [.badChain])
    }

    func testFormat2NeedsAnAttemptId() {
        let text = #"{"type":"header","format":2,"engine":"0.1.0","scenario":"t","scenarioSHA256":"x","seed":7}"# + "\n"
        XCTAssertThrowsError(try Journal.parse(data: Data(text.utf8), path: "p")) { e in
            XCTAssertTrue("\(e)".contains("attempt"), "\(e)")
        }
    }

    func testTamperedTrailerAndHeaderAreRejected() throws {
        let key = WorkstationKey(id: "ws-01")
        let reg = try registry(key)
        let path = try writeSigned(key)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        func check(_ t: String, _ code: JournalProblem.Code, _ label: String, or other: JournalProblem.Code? = nil) throws {
            XCTAssertNotEqual(t, text, label)
            try t.write(toFile: path, atomically: true, encoding: .utf8)
            let r = verify(path, reg)
            XCTAssertFalse(r.ok, label)
            XCTAssertTrue(r.problems.map(\.code) == [code] || r.problems.map(\.code) == [other], "\(label): \(r.problems)")
        }
        try check(text.replacingOccurrences(of: "0123456789abcdef", with: "0123456789abcdee"), .badSignature, "forged state hash")
        try check(text.replacingOccurrences(of: "\"endTick\":60", with: "\"endTick\":61"), .badSignature, "forged end tick")
        try check(text.replacingOccurrences(of: "\"seed\":7", with: "\"seed\":8"), .badChain, "forged seed")
        try check(text.replacingOccurrences(of: "\"value\":0.5", with: "\"value\":0.75"), .badChain, "forged action")
        var lines = text.split(separator: "\n").map(String.init)
        lines.swapAt(2, 3)
        // Ticks going back are caught by the parser; a reorder that keeps them in order by the chain.
        try check(lines.joined(separator: "\n") + "\n", .badChain, "reordered", or: .invalid)
        lines = text.split(separator: "\n").map(String.init)
        lines[3] = lines[3].replacingOccurrences(of: "\"tick\":20", with: "\"tick\":10")
        lines.swapAt(2, 3)
        try check(lines.joined(separator: "\n") + "\n", .badChain, "reordered, same tick")
        lines = text.split(separator: "\n").map(String.init)
        lines.remove(at: 3)
        try check(lines.joined(separator: "\n") + "\n", .badChain, "removed", or: .invalid)   // the trailer's count disagrees
        lines = text.split(separator: "\n").map(String.init)
        lines[lines.count - 1] = lines[lines.count - 1].replacingOccurrences(of: "\"actions\":6", with: "\"actions\":5")
        lines.remove(at: 3)
        try check(lines.joined(separator: "\n") + "\n", .badChain, "removed, count fixed")
        lines = text.split(separator: "\n").map(String.init)
        lines.removeLast()
        try check(lines.joined(separator: "\n") + "\n", .incomplete, "trailer removed")
        try check(String(text.dropLast(5)), .tornLine, "truncated")
        // Re-signed by an unregistered key: its key id is unknown.
        let thief = WorkstationKey(id: "ws-99")
        var h = try Journal.parse(data: Data(text.utf8), path: path)
        h.header.key = "ws-99"
        try check(try h.jsonl(signedBy: thief), .unknownKey, "unknown key")
    }

    func testKeyFilesWiderThan0600AreRefused() throws {
        let files = try WorkstationKey(id: "ws-01").write(to: dir.path)
        var st = stat(); stat(files.key, &st)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        XCTAssertNoThrow(try WorkstationKey.load(path: files.key))
        for mode: mode_t in [0o644, 0o640, 0o604, 0o660, 0o666] {
            chmod(files.key, mode)
            XCTAssertThrowsError(try WorkstationKey.load(path: files.key)) { e in
                XCTAssertTrue("\(e)".contains(String(format: "%04o", mode)) && "\(e)".contains("chmod 600"), "\(e)")
                XCTAssertFalse("\(e)".contains("\n"))
            }
        }
        chmod(files.key, 0o400)
        XCTAssertNoThrow(try WorkstationKey.load(path: files.key))
        // The public key is not a private key, and vice versa.
        XCTAssertThrowsError(try PublicKeyRecord.load(path: files.key))
        XCTAssertEqual(try PublicKeyRecord.load(path: files.pub).id, "ws-01")
    }

    func testRevocationComparesTheAttemptStartWithTheRevocationTime() throws {
        let key = WorkstationKey(id: "ws-01")
        var reg = try registry(key)
        let before = try writeSigned(key, name: "before.jsonl", started: "2026-11-29T08:29:59.999Z")
        let at = try writeSigned(key, name: "at.jsonl", started: "2026-11-29T08:30:00.000Z")
        let after = try writeSigned(key, name: "after.jsonl", started: "2026-11-30T00:00:00.000Z")
        try reg.revoke(id: "ws-01", at: Timestamp.parse("2026-11-29T08:30:00.000Z")!)
        XCTAssertTrue(verify(before, reg).ok)
        XCTAssertEqual(verify(at, reg).problems.map(\.code), [.revokedKey])
        XCTAssertEqual(verify(after, reg).problems.map(\.code), [.revokedKey])
        // The registry round-trips through its file, revocation included.
        let file = dir.appendingPathComponent("keys.json").path
        try reg.save(path: file)
        let back = try KeyRegistry.load(path: file)
        XCTAssertEqual(back.keys, reg.keys)
        XCTAssertEqual(back["ws-01"]?.revoked, "2026-11-29T08:30:00.000Z")
        XCTAssertEqual(verify(before, back).problems.map(\.code), [])
        // Unknown key.
        XCTAssertEqual(verify(before, KeyRegistry()).problems.map(\.code), [.unknownKey])
        // Another key under a registered id is refused.
        XCTAssertThrowsError(try reg.add(WorkstationKey(id: "ws-01").publicKey))
    }

    func testTimestamps() {
        let d = Timestamp.parse("2026-11-29T08:30:00.123Z")!
        XCTAssertEqual(Timestamp.format(d), "2026-11-29T08:30:00.123Z")
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000Z")
        XCTAssertNotNil(Timestamp.parse("2026-11-29T08:30:00Z"))
        for bad in ["2026-11-29 08:30:00.000Z", "2026-11-29T08:30:00.000", "2026-13-29T08:30:00.000Z", "x"] {
            XCTAssertNil(Timestamp.parse(bad), bad)
        }
    }

    func testRecoveryKeepsEveryWholeLineAndSavesTheTornTail() throws {
        let key = WorkstationKey(id: "ws-01")
        let path = dir.appendingPathComponent("crash.jsonl").path
        let w = try JournalWriter(path: path, header: header(key: "ws-01"))
        for i in 0..<5 { try w.append(Action(tick: Int64(i), verb: "wear", target: "helmet")) }
        // A crash mid-write: half a line at the end.
        let fh = FileHandle(forWritingAtPath: path)!
        fh.seekToEndOfFile(); fh.write(Data(#"{"type":"action","tick":9,"verb":"we"#.utf8)); fh.closeFile()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(verify(path, nil).problems.map(\.code), [.tornLine])
        let r = try JournalRecovery.recover(path: path)
        XCTAssertEqual(r.actions, 5); XCTAssertEqual(r.keptLines, 6); XCTAssertFalse(r.complete)
        XCTAssertEqual(r.removedWholeLines, 0)
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        let torn = try Data(contentsOf: URL(fileURLWithPath: path + ".torn"))
        XCTAssertEqual(after + torn, before)   // nothing kept was rewritten, nothing lost
        XCTAssertEqual(verify(path, nil).problems.map(\.code), [.incomplete])
        XCTAssertEqual(try Journal.read(path: path).actions.count, 5)   // replayable
        // Recovering again changes nothing.
        XCTAssertEqual(try JournalRecovery.recover(path: path).removedBytes, 0)
        // An intact signed journal is left alone.
        let good = try writeSigned(key, name: "good.jsonl")
        let g = try JournalRecovery.recover(path: good)
        XCTAssertEqual(g.removedBytes, 0); XCTAssertTrue(g.complete)
    }

    func testWriterRefusesToOverwriteAndToGoBackInTime() throws {
        let path = try writeSigned(WorkstationKey(id: "ws-01"))
        XCTAssertThrowsError(try JournalWriter(path: path, header: header(key: "ws-01")))
        let p2 = dir.appendingPathComponent("b.jsonl").path
        let w = try JournalWriter(path: p2, header: header(key: "ws-01"))
        try w.append(Action(tick: 10, verb: "wear", target: "helmet"))
        XCTAssertThrowsError(try w.append(Action(tick: 9, verb: "wear", target: "helmet")))
    }
}

// MARK: converted files and size limits (issue 12)

extension JournalChainTests {
    /// Issue 12: a CRLF or BOM copy of a good journal got a misleading "chain broken" message.
    /// It now says what happened to the file, and that the chain holds once converted back.
    func testCRLFAndBOMCopiesAreNamedNotCalledTampered() throws {
        let key = WorkstationKey(id: "ws-01")
        let path = try writeSigned(key)
        let good = try String(contentsOfFile: path, encoding: .utf8)
        let crlf = good.replacingOccurrences(of: "\n", with: "\r\n")
        let bom = "\u{FEFF}" + good
        let both = "\u{FEFF}" + crlf
        let firstLineLength = good.prefix { $0 != "\n" }.unicodeScalars.count
        for (name, text, line, column, fragment) in [
            ("crlf", crlf, 1, firstLineLength + 1, "has CRLF (Windows) line ends"),
            ("bom", bom, 1, 1, "starts with a UTF-8 byte order mark (BOM)"),
            ("both", both, 1, 1, "starts with a UTF-8 byte order mark (BOM) and has CRLF line ends"),
        ] {
            let r = JournalVerifier(registry: try registry(key)).verify(bytes: Array(text.utf8), path: name)
            XCTAssertEqual(r.problems.count, 1, "\(name): \(r.problems)")
            let p = try XCTUnwrap(r.problems.first)
            XCTAssertEqual(p.code, .badChain, name)
            XCTAssertEqual([p.line, p.column], [line, column], name)
            XCTAssertTrue(p.message.contains(fragment), "\(name): \(p.message)")
            XCTAssertTrue(p.message.contains("its chain holds once converted back"), "\(name): \(p.message)")
            XCTAssertFalse(p.message.contains("chain broken"), name)
        }
        // A CRLF copy that was also edited says that the conversion is not the whole story.
        let edited = crlf.replacingOccurrences(of: "\"value\":0.25", with: "\"value\":0.75")
        XCTAssertNotEqual(edited, crlf)
        let p = try XCTUnwrap(JournalVerifier().verify(bytes: Array(edited.utf8), path: "edited").problems.first)
        XCTAssertTrue(p.message.contains("its chain is broken even once converted back"), p.message)
    }

    func testActionLimitIsExactAndNamed() throws {
        let key = WorkstationKey(id: "ws-01")
        let bytes = [UInt8](FileManager.default.contents(atPath: try writeSigned(key, n: 6))!)
        XCTAssertEqual(try Journal.parseWithLayout(bytes: bytes, path: "a", limits: JournalLimits(maxActions: 6)).journal.actions.count, 6)
        XCTAssertThrowsError(try Journal.parseWithLayout(bytes: bytes, path: "a", limits: JournalLimits(maxActions: 5))) { error in
            let issue = error as? JournalIssue
            XCTAssertEqual(issue?.isOverLimit, true)
            XCTAssertEqual(issue?.line, 7, "the sixth action, one over the limit")
            XCTAssertEqual(issue?.message, "more than 5 actions, the limit per journal (--max-actions raises it)")
        }
        // `journal verify` applies the same limit.
        let r = JournalVerifier().verify(bytes: bytes, path: "a", limits: JournalLimits(maxActions: 5))
        XCTAssertEqual(r.problems.map(\.code), [.invalid])
    }

    func testSizeLimitIsCheckedBeforeReading() throws {
        let path = try writeSigned(WorkstationKey(id: "ws-01"))
        let size = FileManager.default.contents(atPath: path)!.count
        XCTAssertEqual(try JournalLimits(maxBytes: size).readBytes(path: path).count, size)
        XCTAssertEqual(try Journal.read(path: path, limits: JournalLimits(maxBytes: size)).actions.count, 6)
        XCTAssertThrowsError(try Journal.read(path: path, limits: JournalLimits(maxBytes: size - 1))) { error in
            XCTAssertEqual((error as? JournalIssue)?.message,
                           "journal is \(size) bytes, over the limit of \(size - 1) bytes (--max-journal-bytes raises it)")
        }
        let fifo = dir.appendingPathComponent("fifo.jsonl").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertThrowsError(try Journal.read(path: fifo)) { error in
            XCTAssertEqual((error as? JournalIssue)?.message, "cannot read journal: not a regular file")
        }
    }

    /// Recovery keeps every recorded action, however many: limits are for grading, and a
    /// recovery that cut actions for being many would lose data.
    func testRecoveryIgnoresTheActionLimit() throws {
        let n = JournalLimits.defaultMaxActions + 1
        let path = dir.appendingPathComponent("long.jsonl").path
        var lines = ""
        for i in 0..<n { lines += Journal.line(for: Action(tick: Int64(i / 100), verb: "set", target: "XV101", number: 0.5)) + "\n" }
        // A chain is not needed to show the limit is not applied: format 1, then a torn line.
        var text = Journal.headerLine({ var h = header(key: ""); h.format = 1; return h }()) + "\n" + lines
        text += "{\"type\":\"action\",\"tick\":"   // torn tail
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let r = try JournalRecovery.recover(path: path)
        XCTAssertEqual(r.actions, n)
        XCTAssertEqual(r.keptLines, n + 1)
        XCTAssertEqual(r.removedBytes, "{\"type\":\"action\",\"tick\":".utf8.count)
    }
}
