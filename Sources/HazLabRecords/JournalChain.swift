import Crypto
import Foundation

/// The hash chain of a format-2 journal: every line after the header carries
/// `"prev":"<hex SHA-256 of the previous line's bytes, without its newline>"`.
public enum JournalChain {
    public static func hash<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var h = SHA256()
        h.update(data: Data(bytes))
        return h.finalize().map { b in
            let s = String(b, radix: 16)
            return b < 16 ? "0" + s : s
        }.joined()
    }
    public static func hash(_ line: String) -> String { hash(Array(line.utf8)) }

    /// The bytes a trailer's signature covers: the trailer line with its final `,"sig":"…"`
    /// member removed, and the base64 signature; nil when the line does not end in that member.
    public static func splitSignature(_ line: ArraySlice<UInt8>) -> (message: [UInt8], signature: String)? {
        let marker = Array(",\"sig\":\"".utf8)
        let b = Array(line)
        guard b.count > marker.count + 2, b[b.count - 1] == UInt8(ascii: "}"), b[b.count - 2] == UInt8(ascii: "\"") else { return nil }
        // The signature is base64: it holds no quote, so the marker is the last one on the line.
        var i = b.count - 3
        while i >= 0 && b[i] != UInt8(ascii: "\"") { i -= 1 }
        let start = i + 1 - marker.count
        guard i >= 0, start > 0, Array(b[start...i]) == marker else { return nil }
        let sig = String(decoding: b[(i + 1)..<(b.count - 2)], as: UTF8.self)
        return (Array(b[..<start]) + [UInt8(ascii: "}")], sig)
    }
}

/// One problem `hazlab journal verify` (and the grader) finds, with a stable code.
public struct JournalProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalid, tornLine = "torn-line", incomplete, badChain = "bad-chain", unsigned,
             badSignature = "bad-signature", unknownKey = "unknown-key", revokedKey = "revoked-key", legacy
    }
    public var path: String
    public var line: Int
    public var column: Int
    public var code: Code
    public var message: String
    public var description: String { "\(path):\(line):\(column): error: \(message) [\(code.rawValue)]" }
}

/// Verifies a journal's integrity: it parses, its chain holds, it is not torn, it has a trailer
/// whose action count matches, and (with a registry) its signature is valid for a known,
/// unrevoked key. Format-1 journals have no tamper evidence and are reported as `legacy`.
public struct JournalVerifier: Sendable {
    public var registry: KeyRegistry?
    public init(registry: KeyRegistry? = nil) { self.registry = registry }

    public struct Report: Sendable {
        public var journal: Journal?
        public var problems: [JournalProblem]
        public var signatureChecked: Bool
        public var ok: Bool { problems.isEmpty }
    }

    public func verify(bytes: [UInt8], path: String, limits: JournalLimits = .standard) -> Report {
        let parsed: (journal: Journal, layout: JournalLayout)
        do { parsed = try Journal.parseWithLayout(bytes: bytes, path: path, limits: limits) } catch let issue as JournalIssue {
            return Report(journal: nil, problems: [JournalProblem(path: path, line: issue.line, column: issue.column, code: .invalid, message: issue.message)],
                          signatureChecked: false)
        } catch {
            return Report(journal: nil, problems: [JournalProblem(path: path, line: 1, column: 1, code: .invalid, message: "\(error)")], signatureChecked: false)
        }
        var problems = integrityProblems(parsed.journal, layout: parsed.layout, requireComplete: true)
        var checked = false
        if let registry, problems.allSatisfy({ $0.code != .badChain }) {
            checked = true
            problems += signatureProblems(parsed.journal, layout: parsed.layout, registry: registry)
        }
        return Report(journal: parsed.journal, problems: problems, signatureChecked: checked)
    }

    /// Chain checks (format 2), a torn last line and a missing trailer (when `requireComplete`).
    public func integrityProblems(_ journal: Journal, layout: JournalLayout, requireComplete: Bool) -> [JournalProblem] {
        var out: [JournalProblem] = []
        let path = layout.path
        func add(_ line: Int, _ column: Int, _ code: JournalProblem.Code, _ message: String) {
            out.append(JournalProblem(path: path, line: line, column: column, code: code, message: message))
        }
        let hl = layout.headerLine
        let contentEnd = layout.tornLine.map { $0 - 1 } ?? layout.lineCount
        if journal.header.format >= 2, let converted = conversionProblem(layout, through: contentEnd) {
            out.append(converted)
        } else if journal.header.format >= 2 {
            if hl != 1 { add(1, 1, .badChain, "a chained journal must start with its header") }
            var prevLine = hl
            for n in stride(from: hl + 1, through: contentEnd, by: 1) {
                let raw = layout.bytes(line: n)
                if raw.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) {
                    add(n, 1, .badChain, "blank line inside a chained journal"); break
                }
                let expected = JournalChain.hash(layout.bytes(line: prevLine))
                let value = try? JSONText.parse(Array(raw))
                // Only the first break is reported: every line after it follows from it.
                if let prev = value?["prev"]?.string {
                    if prev != expected {
                        add(n, layout.column(ofValue: "prev", line: n), .badChain,
                            "chain broken: \"prev\" is not the SHA-256 of line \(prevLine) (a line was changed, removed, inserted or reordered)")
                        break
                    }
                } else {
                    add(n, 1, .badChain, "chain broken: no \"prev\" hash on a line of a format-2 journal")
                    break
                }
                prevLine = n
            }
        } else {
            for n in stride(from: hl + 1, through: contentEnd, by: 1) {
                if let v = try? JSONText.parse(Array(layout.bytes(line: n))), v["prev"] != nil || v["sig"] != nil {
                    add(n, layout.column(ofValue: v["prev"] != nil ? "prev" : "sig", line: n), .badChain,
                        "format-1 header on a chained journal (was the format changed?)")
                    break
                }
            }
        }
        if let torn = layout.tornLine {
            if requireComplete {
                add(torn, layout.syntaxError(line: torn)?.column ?? 1, .tornLine, "torn last line (cut off mid-write); `hazlab journal recover` keeps every action before it")
            }
        } else if journal.trailer == nil && requireComplete {
            add(layout.lastContentLine + 1, 1, .incomplete, "no trailer: the attempt is incomplete (truncated, or the workstation stopped)")
        }
        return out
    }

    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// A format-2 journal whose bytes were converted after recording (a leading byte order mark,
    /// or CRLF line ends from a text-mode transfer or an editor): its chain is over the original
    /// bytes, so it cannot hold as is. Says so, and whether it holds once converted back.
    func conversionProblem(_ layout: JournalLayout, through contentEnd: Int) -> JournalProblem? {
        let bom = layout.bytes(line: 1).starts(with: JournalVerifier.byteOrderMark)
        let crLine = stride(from: 1, through: contentEnd, by: 1).first { layout.bytes(line: $0).last == 0x0D }
        guard bom || crLine != nil else { return nil }
        var original: [UInt8] = []
        original.reserveCapacity(layout.data.count)
        for n in stride(from: 1, through: layout.lineCount, by: 1) {
            var line = layout.bytes(line: n)
            if n == 1 && bom { line = line.dropFirst(3) }
            if n <= contentEnd && line.last == 0x0D { line = line.dropLast() }
            original.append(contentsOf: line)
            if n < layout.lineCount || layout.lastLineTerminated { original.append(0x0A) }
        }
        let restored = (try? Journal.parseWithLayout(bytes: original, path: layout.path, limits: .unlimited)).map {
            integrityProblems($0.journal, layout: $0.layout, requireComplete: false).isEmpty
        } ?? false
        let what = bom ? "starts with a UTF-8 byte order mark (BOM)" + (crLine != nil ? " and has CRLF line ends" : "")
                       : "has CRLF (Windows) line ends"
        let fix = bom && crLine != nil ? "remove the BOM and the CRs" : bom ? "remove the 3 BOM bytes" : "convert it back, e.g. with dos2unix"
        let verdict = restored ? "its chain holds once converted back (\(fix))"
                               : "its chain is broken even once converted back (\(fix)): changed as well"
        let line = bom ? 1 : crLine!
        let column = bom ? 1 : layout.column(line: line, byteOffset: layout.bytes(line: line).count - 1)
        return JournalProblem(path: layout.path, line: line, column: column, code: .badChain,
                              message: "the file \(what): it was converted after recording (an editor, or a text-mode "
                                + "transfer), and the hash chain covers the recorded bytes; \(verdict)")
    }

    /// Signature checks against `registry`. A journal without a trailer has no signature to
    /// check (its incompleteness is reported elsewhere).
    public func signatureProblems(_ journal: Journal, layout: JournalLayout, registry: KeyRegistry) -> [JournalProblem] {
        let path = layout.path
        let h = journal.header
        func p(_ line: Int, _ column: Int, _ code: JournalProblem.Code, _ message: String) -> [JournalProblem] {
            [JournalProblem(path: path, line: line, column: column, code: code, message: message)]
        }
        if h.format < 2 {
            return p(layout.headerLine, layout.column(ofValue: "format", line: layout.headerLine), .legacy,
                     "format-1 journal: no hash chain or signature (re-record it on a signing workstation)")
        }
        guard let t = journal.trailer, let tl = layout.trailerLine else { return [] }
        guard !t.signature.isEmpty, let (message, sig) = JournalChain.splitSignature(layout.bytes(line: tl)) else {
            return p(tl, 1, .unsigned, "trailer is not signed (no final \"sig\" member)")
        }
        let hl = layout.headerLine
        switch registry.refusal(keyId: h.key, started: h.started) {
        case .unknown?:
            return p(hl, layout.column(ofValue: "key", line: hl), .unknownKey, "unknown workstation key '\(h.key)' (not in the key registry)")
        case .revoked(let at)?:
            return p(hl, layout.column(ofValue: "key", line: hl), .revokedKey,
                     "workstation key '\(h.key)' was revoked at \(at); this attempt started \(h.started.isEmpty ? "at an unknown time" : "at " + h.started)")
        case nil:
            break
        }
        if !registry[h.key]!.isValidSignature(sig, for: message) {
            return p(tl, layout.column(ofValue: "sig", line: tl), .badSignature,
                     "bad signature: the trailer was not signed by key '\(h.key)' as written (forged or altered)")
        }
        return []
    }
}
