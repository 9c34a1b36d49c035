import Foundation
// libyaml as vendored by Yams (the `CYaml` target of the Yams package). We drive its event
// parser directly instead of `Yams.compose`, because `compose` (a) resolves aliases before we
// can count them, (b) checks duplicate keys by hashing whole key nodes, which is exponential for
// an alias key pointing at a "billion laughs" structure, and (c) recurses once per nesting level.
// Our composer below is iterative, counts alias expansion without materialising it, and rejects
// non-scalar keys before anything is hashed.
internal import CYaml

/// Resource limits for `SafeYAML`. All are checked before or while composing, never after.
public struct YAMLLimits: Sendable, Equatable {
    /// Largest accepted file, in bytes.
    public var maxFileBytes: Int
    /// Deepest accepted collection nesting (the root collection is level 1), aliases included.
    public var maxDepth: Int
    /// Largest accepted node count with every alias expanded (billion-laughs protection).
    public var maxExpandedNodes: Int
    /// Longest accepted scalar, in UTF-8 bytes.
    public var maxScalarBytes: Int
    /// Diagnostics after which parsing stops.
    public var maxDiagnostics: Int

    public init(maxFileBytes: Int = 4 * 1024 * 1024,
                maxDepth: Int = 64,
                maxExpandedNodes: Int = 100_000,
                maxScalarBytes: Int = 64 * 1024,
                maxDiagnostics: Int = 100) {
        self.maxFileBytes = maxFileBytes
        self.maxDepth = maxDepth
        self.maxExpandedNodes = maxExpandedNodes
        self.maxScalarBytes = maxScalarBytes
        self.maxDiagnostics = maxDiagnostics
    }

    public static let `default` = YAMLLimits()
}

/// The safe YAML front end: bytes in, a positioned `YNode` tree and diagnostics out.
///
/// `root` is nil when the input could not be composed (byte-level errors, syntax errors,
/// resource limits). It may be non-nil together with errors (duplicate keys, bad tags,
/// non-scalar keys, a second document...): the offending parts are dropped so the caller
/// can keep checking the rest in the same pass. Diagnostics are sorted by position.
public enum SafeYAML {
    public static func parse(bytes: [UInt8], path: String, limits: YAMLLimits = .default)
        -> (root: YNode?, diagnostics: [Diagnostic])
    {
        let start = SourceLocation(file: path, line: 1, column: 1)
        var bag = DiagnosticBag()
        if bytes.count > limits.maxFileBytes {
            bag.error(start, "file is too large (\(bytes.count) bytes; the limit is \(limits.maxFileBytes) bytes)")
            return (nil, bag.items)
        }
        let bomLength = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        if !ByteScanner.scan(bytes, from: bomLength, path: path, limits: limits, bag: &bag) {
            return (nil, bag.sorted)
        }
        if ByteScanner.isBlank(bytes, from: bomLength) {
            // Only whitespace and comments (libyaml would reject some of these, e.g. a tab-only line).
            bag.error(start, "scenario file is empty")
            return (nil, bag.items)
        }
        var composer = Composer(path: path, limits: limits, bytes: bytes, bomLength: bomLength)
        // The BOM is not passed on: libyaml would count it as a column on line 1.
        let root = bytes.withUnsafeBufferPointer { composer.run(UnsafeBufferPointer(rebasing: $0[bomLength...])) }
        bag.append(contentsOf: composer.bag.items)
        return (root, bag.sorted)
    }

    /// Reads and parses a file. A missing or unreadable file gives a diagnostic at 1:1.
    public static func load(path: String, limits: YAMLLimits = .default) -> (root: YNode?, diagnostics: [Diagnostic]) {
        let start = SourceLocation(file: path, line: 1, column: 1)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            return (nil, [.error(start, "cannot read scenario file: no such file")])
        }
        if isDir.boolValue {
            return (nil, [.error(start, "cannot read scenario file: it is a directory")])
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return (nil, [.error(start, "cannot read scenario file: permission denied or unreadable")])
        }
        defer { try? handle.close() }
        // Read at most one byte past the limit so a huge file is never loaded whole.
        let data: Data
        do {
            data = try handle.read(upToCount: limits.maxFileBytes + 1) ?? Data()
        } catch {
            return (nil, [.error(start, "cannot read scenario file: \(error.localizedDescription)")])
        }
        if data.count > limits.maxFileBytes {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            let shown = size.map { "\($0) bytes" } ?? "more than \(limits.maxFileBytes) bytes"
            return (nil, [.error(start, "file is too large (\(shown); the limit is \(limits.maxFileBytes) bytes)")])
        }
        return parse(bytes: [UInt8](data), path: path, limits: limits)
    }
}

// MARK: - Byte-level checks

/// Validates UTF-8 and the YAML character set before libyaml sees the input, so errors get
/// exact positions. Lines break where libyaml breaks them (LF, CR, CRLF, NEL, LS, PS);
/// columns count Unicode scalars, starting at 1, a leading BOM not counted (as in libyaml).
enum ByteScanner {
    /// Returns false when the input must not be parsed.
    static func scan(_ b: [UInt8], from start: Int, path: String, limits: YAMLLimits, bag: inout DiagnosticBag) -> Bool {
        var line = 1, col = 1
        var i = start
        var charErrors = 0
        let maxCharErrors = 10
        let n = b.count
        while i < n {
            let c0 = b[i]
            if c0 < 0x80 {
                if c0 == 0x0A {
                    line += 1; col = 1; i += 1; continue
                }
                if c0 == 0x0D {
                    if i + 1 < n, b[i + 1] == 0x0A { i += 2 } else { i += 1 }
                    line += 1; col = 1; continue
                }
                if (c0 < 0x20 && c0 != 0x09) || c0 == 0x7F {
                    charErrors += 1
                    report(UInt32(c0), line, col, path, &bag)
                    if charErrors >= maxCharErrors { tooMany(line, col, path, &bag); return false }
                }
                i += 1; col += 1; continue
            }
            guard let (scalar, width) = decode(b, at: i) else {
                bag.error(SourceLocation(file: path, line: line, column: col),
                          "invalid UTF-8 byte \(hex2(c0)); the file must be UTF-8 text")
                return false
            }
            i += width
            if scalar == 0x85 || scalar == 0x2028 || scalar == 0x2029 {
                line += 1; col = 1; continue
            }
            let allowed = (scalar >= 0xA0 && scalar <= 0xD7FF) || (scalar >= 0xE000 && scalar <= 0xFFFD)
                || (scalar >= 0x10000 && scalar <= 0x10FFFF)
            if !allowed {
                charErrors += 1
                report(scalar, line, col, path, &bag)
                if charErrors >= maxCharErrors { tooMany(line, col, path, &bag); return false }
            }
            col += 1
        }
        return charErrors == 0
    }

    /// True when every line is empty, blank (spaces/tabs) or a comment.
    static func isBlank(_ b: [UInt8], from start: Int) -> Bool {
        var inComment = false
        for c in b[start...] {
            if c == 0x0A || c == 0x0D { inComment = false; continue }
            if inComment || c == 0x20 || c == 0x09 { continue }
            if c == UInt8(ascii: "#") { inComment = true; continue }
            return false
        }
        return true
    }

    /// Where flow-collection nesting (`[`/`{`) first exceeds `limit`, by a rough scan that skips
    /// comments and quoted text. Only used to position libyaml's own nesting-limit error, which
    /// libyaml reports at 1:1 because it scans far ahead of the events we have seen.
    static func flowDepthLocation(_ b: [UInt8], from start: Int, limit: Int, path: String) -> SourceLocation? {
        var line = 1, col = 1, depth = 0
        var quote: UInt8? = nil
        var inComment = false
        var prev: UInt8 = 0x0A
        var i = start
        while i < b.count {
            let c = b[i]
            let width = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4
            if c == 0x0A || (c == 0x0D && (i + 1 >= b.count || b[i + 1] != 0x0A)) {
                line += 1; col = 1; inComment = false; prev = 0x0A; i += 1; continue
            }
            if let q = quote {
                if c == q { quote = nil }
            } else if !inComment {
                let afterSpace = prev == 0x20 || prev == 0x09 || prev == 0x0A
                let tokenStart = afterSpace || prev == UInt8(ascii: "[") || prev == UInt8(ascii: "{") || prev == UInt8(ascii: ",")
                switch c {
                case UInt8(ascii: "#") where afterSpace: inComment = true
                case UInt8(ascii: "'"), UInt8(ascii: "\""): if tokenStart { quote = c }
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                    if depth > limit { return SourceLocation(file: path, line: line, column: col) }
                case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
                default: break
                }
            }
            prev = c
            col += 1
            i += width
        }
        return nil
    }

    private static func report(_ scalar: UInt32, _ line: Int, _ col: Int, _ path: String, _ bag: inout DiagnosticBag) {
        let at = SourceLocation(file: path, line: line, column: col)
        let digits = String(scalar, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        if scalar == 0 {
            bag.error(at, "NUL character (U+0000) is not allowed; is this a binary file?")
        } else if scalar < 0xA0 {
            bag.error(at, "control character \(code) is not allowed")
        } else {
            bag.error(at, "character \(code) is not allowed")
        }
    }

    private static func tooMany(_ line: Int, _ col: Int, _ path: String, _ bag: inout DiagnosticBag) {
        bag.error(SourceLocation(file: path, line: line, column: col),
                  "too many invalid characters; is this a binary file?")
    }

    static func hex2(_ b: UInt8) -> String {
        let s = String(b, radix: 16, uppercase: true)
        return "0x" + (s.count < 2 ? "0" + s : s)
    }

    /// Strict UTF-8 decoding (no overlongs, surrogates or values above U+10FFFF).
    static func decode(_ b: [UInt8], at i: Int) -> (UInt32, Int)? {
        let n = b.count
        let c0 = b[i]
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> UInt32? {
            guard i + k < n, b[i + k] >= lo, b[i + k] <= hi else { return nil }
            return UInt32(b[i + k] & 0x3F)
        }
        switch c0 {
        case 0xC2...0xDF:
            guard let c1 = cont(1) else { return nil }
            return (UInt32(c0 & 0x1F) << 6 | c1, 2)
        case 0xE0...0xEF:
            let lo: UInt8 = c0 == 0xE0 ? 0xA0 : 0x80
            let hi: UInt8 = c0 == 0xED ? 0x9F : 0xBF
            guard let c1 = cont(1, lo, hi), let c2 = cont(2) else { return nil }
            return (UInt32(c0 & 0x0F) << 12 | c1 << 6 | c2, 3)
        case 0xF0...0xF4:
            let lo: UInt8 = c0 == 0xF0 ? 0x90 : 0x80
            let hi: UInt8 = c0 == 0xF4 ? 0x8F : 0xBF
            guard let c1 = cont(1, lo, hi), let c2 = cont(2), let c3 = cont(3) else { return nil }
            return (UInt32(c0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3, 4)
        default:
            return nil
        }
    }
}

// MARK: - Source access by libyaml character index

/// Maps libyaml's `mark.index` (a count of characters after the BOM; CRLF counts as two) to
/// byte offsets. Only moves forward in the common case, so total work is linear in the input.
struct SourceCursor {
    let bytes: [UInt8]
    let origin: Int
    var byte: Int
    var char: Int

    init(bytes: [UInt8], origin: Int) {
        self.bytes = bytes
        self.origin = origin
        byte = origin
        char = 0
    }

    mutating func byteOffset(ofChar index: Int) -> Int {
        if index < char { byte = origin; char = 0 }
        while char < index, byte < bytes.count {
            byte += width(bytes[byte])
            char += 1
        }
        return byte
    }

    /// Unicode scalars of characters `[from, to)`.
    mutating func scalars(from: Int, to: Int) -> [Unicode.Scalar] {
        let b0 = byteOffset(ofChar: from)
        let b1 = byteOffset(ofChar: max(from, to))
        return Array(String(decoding: bytes[b0..<b1], as: UTF8.self).unicodeScalars)
    }

    private func width(_ lead: UInt8) -> Int {
        switch lead {
        case 0..<0x80: return 1
        case 0xC0..<0xE0: return 2
        case 0xE0..<0xF0: return 3
        default: return 4
        }
    }
}

// MARK: - Composer

private struct Composer {
    let path: String
    let limits: YAMLLimits
    var bag = DiagnosticBag()
    var cursor: SourceCursor

    private struct Anchored {
        var node: YNode
        var size: Int      // nodes with aliases expanded
        var height: Int    // collection levels (0 for a scalar)
    }

    private enum MapState {
        case expectKey
        case expectValue(key: String, at: SourceLocation)
        case dropValue
    }

    private struct Frame {
        var isMapping: Bool
        var location: SourceLocation
        var anchor: String?
        var items: [YNode] = []
        var pairs: [YPair] = []
        var state: MapState = .expectKey
        var seen: [String: SourceLocation] = [:]
        var size = 1
        var height = 1
    }

    private var stack: [Frame] = []
    private var anchors: [String: Anchored] = [:]
    private var expanded = 0
    private var documents = 0
    private var root: YNode?
    private var stopped = false

    init(path: String, limits: YAMLLimits, bytes: [UInt8], bomLength: Int) {
        self.path = path
        self.limits = limits
        cursor = SourceCursor(bytes: bytes, origin: bomLength)
    }

    private func loc(_ m: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: path, line: Int(m.line) + 1, column: Int(m.column) + 1)
    }

    private mutating func error(_ at: SourceLocation, _ message: String) {
        guard !stopped else { return }
        bag.error(at, message)
        if bag.items.count >= limits.maxDiagnostics {
            bag.error(at, "too many errors (\(bag.items.count)); stopping here")
            stopped = true
        }
    }

    /// Reports and stops composing; the partial tree is discarded.
    private mutating func fatal(_ at: SourceLocation, _ message: String) {
        error(at, message)
        stopped = true
        root = nil
    }

    mutating func run(_ input: UnsafeBufferPointer<UInt8>) -> YNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            fatal(SourceLocation(file: path, line: 1, column: 1), "out of memory while reading YAML")
            return nil
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, input.baseAddress, input.count)

        var finished = false
        while !finished && !stopped {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                syntaxError(parser)
                return nil
            }
            finished = handle(&event)
            yaml_event_delete(&event)
        }
        if stopped { return root }
        if documents == 0 {
            error(SourceLocation(file: path, line: 1, column: 1), "scenario file is empty")
        }
        return root
    }

    private mutating func syntaxError(_ parser: yaml_parser_t) {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        if parser.error == YAML_MEMORY_ERROR {
            fatal(SourceLocation(file: path, line: 1, column: 1), "out of memory while reading YAML")
            return
        }
        if parser.error == YAML_READER_ERROR {
            // Normally caught by ByteScanner first; libyaml only gives a byte offset here.
            let offset = Int(parser.problem_offset)
            var line = 1, col = 1, i = cursor.origin
            let b = cursor.bytes
            while i < min(offset, b.count) {
                if b[i] == 0x0A || (b[i] == 0x0D && (i + 1 >= b.count || b[i + 1] != 0x0A)) { line += 1; col = 1 }
                else if b[i] & 0xC0 != 0x80 && b[i] != 0x0D { col += 1 }
                i += 1
            }
            fatal(SourceLocation(file: path, line: line, column: col), "invalid input: \(problem)")
            return
        }
        let at = loc(parser.problem_mark)
        if problem.contains("nesting level") {
            let depthAt = ByteScanner.flowDepthLocation(cursor.bytes, from: cursor.origin,
                                                        limit: limits.maxDepth, path: path) ?? at
            fatal(depthAt, "nesting depth exceeds the limit of \(limits.maxDepth) levels")
            return
        }
        var message = "syntax error: \(problem)"
        if let ctx = parser.context {
            let c = loc(parser.context_mark)
            message += " \(String(cString: ctx)) started at \(c.line):\(c.column)"
        }
        fatal(at, message)
    }

    private func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let p else { return nil }
        return String(cString: p)
    }

    /// Returns true at stream end.
    private mutating func handle(_ event: inout yaml_event_t) -> Bool {
        let at = loc(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return false
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                error(at, "a scenario file must contain a single YAML document; found a second document")
                stopped = true   // keep the first document
                return true
            }
            return false
        case YAML_DOCUMENT_END_EVENT:
            return false
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor) ?? ""
            alias(name, at: at)
            return false
        case YAML_SCALAR_EVENT:
            scalar(&event, at: at)
            return false
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            let anchor = string(isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)
            let tag = string(isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag)
            if let tag { checkTag(tag, expected: isMapping ? YAMLTag.map : YAMLTag.seq, at: at) }
            if stack.count + 1 > limits.maxDepth {
                fatal(at, "nesting depth exceeds the limit of \(limits.maxDepth) levels")
                return false
            }
            if expanded + 1 > limits.maxExpandedNodes {
                fatal(at, "document has more than \(limits.maxExpandedNodes) nodes")
                return false
            }
            expanded += 1
            stack.append(Frame(isMapping: isMapping, location: at, anchor: anchor))
            return false
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return false }
            let node = YNode(content: frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items),
                             location: frame.location)
            if let a = frame.anchor {
                anchors[a] = Anchored(node: node, size: frame.size, height: frame.height)
            }
            attach(node, size: frame.size, height: frame.height, isAlias: false, aliasName: nil)
            return false
        default:
            return false
        }
    }

    private mutating func alias(_ name: String, at: SourceLocation) {
        guard let target = anchors[name] else {
            error(at, "undefined alias '*\(name)'")
            // Keep the tree shape: stand in a null so mapping key/value pairing stays aligned.
            let null = YNode(content: .scalar(YScalar(text: "", style: .plain, sourceMap: .approximate(start: at))),
                             location: at)
            attach(null, size: 1, height: 0, isAlias: true, aliasName: name, dropPair: true)
            return
        }
        if expanded + target.size > limits.maxExpandedNodes {
            fatal(at, "alias expansion exceeds the limit of \(limits.maxExpandedNodes) nodes at alias '*\(name)' (possible 'billion laughs' attack)")
            return
        }
        if stack.count + target.height > limits.maxDepth {
            fatal(at, "nesting depth exceeds the limit of \(limits.maxDepth) levels (through alias '*\(name)')")
            return
        }
        expanded += target.size
        var node = target.node
        node.location = at
        attach(node, size: target.size, height: target.height, isAlias: true, aliasName: name)
    }

    private mutating func checkTag(_ tag: String, expected: String, at: SourceLocation) {
        guard YAMLTag.allowed.contains(tag) else {
            error(at, "unsupported tag '\(YAMLTag.shortForm(tag))'; only the standard tags !!str, !!int, !!float, !!bool, !!null, !!seq and !!map are allowed")
            return
        }
        let scalarTags: Set<String> = [YAMLTag.str, YAMLTag.int, YAMLTag.float, YAMLTag.bool, YAMLTag.null, YAMLTag.nonSpecific]
        let ok = expected == YAMLTag.str ? scalarTags.contains(tag) : (tag == expected || tag == YAMLTag.nonSpecific)
        if !ok {
            let what = expected == YAMLTag.str ? "a scalar" : expected == YAMLTag.seq ? "a sequence" : "a mapping"
            error(at, "tag '\(YAMLTag.shortForm(tag))' cannot be used on \(what)")
        }
    }

    private mutating func scalar(_ event: inout yaml_event_t, at: SourceLocation) {
        let s = event.data.scalar
        let length = Int(s.length)
        let anchor = string(s.anchor)
        var tag = string(s.tag)
        if let t = tag {
            checkTag(t, expected: YAMLTag.str, at: at)
            if !YAMLTag.allowed.contains(t) { tag = nil }
        }
        if tag == YAMLTag.nonSpecific { tag = YAMLTag.str }
        if length > limits.maxScalarBytes {
            error(at, "scalar is too long (\(length) bytes; the limit is \(limits.maxScalarBytes) bytes)")
        }
        if expanded + 1 > limits.maxExpandedNodes {
            fatal(at, "document has more than \(limits.maxExpandedNodes) nodes")
            return
        }
        expanded += 1
        let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) } ?? ""
        let style: ScalarStyle
        switch s.style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: style = .literal
        case YAML_FOLDED_SCALAR_STYLE: style = .folded
        default: style = .plain
        }
        let map = sourceMap(text: text, style: style, start: event.start_mark, end: event.end_mark, at: at)
        let node = YNode(content: .scalar(YScalar(text: text, style: style, tag: tag, sourceMap: map)), location: at)
        if let anchor { anchors[anchor] = Anchored(node: node, size: 1, height: 0) }
        attach(node, size: 1, height: 0, isAlias: false, aliasName: nil)
    }

    // MARK: positions inside scalars

    private mutating func sourceMap(text: String, style: ScalarStyle, start: yaml_mark_t, end: yaml_mark_t,
                                    at: SourceLocation) -> ScalarSourceMap {
        let textCount = text.unicodeScalars.count
        if style == .literal {
            return literalMap(text: text, start: start, end: end, at: at)
        }
        guard start.line == end.line, style != .folded else { return .approximate(start: at) }
        let endCol = Int(end.column) + 1
        if style == .plain {
            return .linear(start: SourceLocation(file: path, line: at.line, column: endCol - textCount))
        }
        // Quoted, single line: find the opening quote after any properties, then walk the raw text.
        let raw = cursor.scalars(from: Int(start.index), to: Int(end.index))
        let quote: Unicode.Scalar = style == .singleQuoted ? "'" : "\""
        guard let q = raw.firstIndex(of: quote) else { return .approximate(start: at) }
        let quoteCol = at.column + q
        var cols: [Int] = []
        cols.reserveCapacity(textCount + 1)
        var i = q + 1
        let last = raw.count - 1   // closing quote
        while i < last {
            let col = at.column + i
            if style == .singleQuoted {
                cols.append(col)
                i += (raw[i] == "'" && i + 1 < last && raw[i + 1] == "'") ? 2 : 1
            } else if raw[i] == "\\", i + 1 < last {
                cols.append(col)
                switch raw[i + 1] {
                case "x": i += 4
                case "u": i += 6
                case "U": i += 10
                default: i += 2
                }
            } else {
                cols.append(col)
                i += 1
            }
        }
        cols.append(at.column + last)
        if cols.count == textCount + 1 && cols.count == last - q {
            return .linear(start: SourceLocation(file: path, line: at.line, column: quoteCol + 1))
        }
        if cols.count == textCount + 1 {
            return .columns(file: path, line: at.line, columns: cols)
        }
        return .linear(start: SourceLocation(file: path, line: at.line, column: quoteCol + 1))
    }

    private mutating func literalMap(text: String, start: yaml_mark_t, end: yaml_mark_t, at: SourceLocation) -> ScalarSourceMap {
        // Text line j is source line (header line + 1 + j); indentation = leading spaces of the first
        // non-blank content line in the source minus those in the text.
        let raw = cursor.scalars(from: Int(start.index), to: Int(end.index))
        guard let bar = raw.firstIndex(of: "|") else { return .approximate(start: at) }
        var headerLine = at.line
        var i = 0
        while i < bar { if raw[i] == "\n" || (raw[i] == "\r" && (i + 1 >= raw.count || raw[i + 1] != "\n")) { headerLine += 1 }; i += 1 }
        // Source content lines after the header.
        var lines: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        var seenHeaderEnd = false
        i = bar
        while i < raw.count {
            let c = raw[i]
            if c == "\n" || c == "\r" {
                if c == "\r", i + 1 < raw.count, raw[i + 1] == "\n" { i += 1 }
                if seenHeaderEnd { lines.append(current) }
                seenHeaderEnd = true
                current = []
            } else if seenHeaderEnd {
                current.append(c)
            }
            i += 1
            if lines.count > 10_000 { break }
        }
        if seenHeaderEnd { lines.append(current) }
        let textLines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func leading(_ l: some Collection<Unicode.Scalar>) -> Int { l.prefix { $0 == " " }.count }
        guard let srcLine = lines.first(where: { $0.contains { $0 != " " } }),
              let txtLine = textLines.first(where: { $0.unicodeScalars.contains { $0 != " " } }) else {
            return .literalBlock(file: path, firstLine: headerLine + 1, indent: 0)
        }
        let indent = max(0, leading(srcLine) - leading(txtLine.unicodeScalars))
        return .literalBlock(file: path, firstLine: headerLine + 1, indent: indent)
    }

    // MARK: tree building

    private mutating func attach(_ node: YNode, size: Int, height: Int, isAlias: Bool, aliasName: String?,
                                 dropPair: Bool = false) {
        guard !stack.isEmpty else {
            if !stopped { root = node }
            return
        }
        let top = stack.count - 1
        stack[top].size += size
        stack[top].height = max(stack[top].height, height + 1)
        guard stack[top].isMapping else {
            stack[top].items.append(node)
            return
        }
        switch stack[top].state {
        case .expectKey:
            if isAlias {
                error(node.location, "mapping keys must be plain scalars; found an alias '*\(aliasName ?? "")' used as a key")
                stack[top].state = .dropValue
                return
            }
            guard case .scalar(let s) = node.content else {
                error(node.location, "mapping keys must be plain scalars; found \(node.isMapping ? "a mapping" : "a sequence") used as a key")
                stack[top].state = .dropValue
                return
            }
            if s.text == "<<" && s.style == .plain {
                error(node.location, "merge keys ('<<') are not supported; write the keys out")
                stack[top].state = .dropValue
                return
            }
            if let first = stack[top].seen[s.text] {
                error(node.location, "duplicate key '\(s.text)'; first defined at \(first.line):\(first.column)")
                stack[top].state = .dropValue
                return
            }
            stack[top].seen[s.text] = node.location
            stack[top].state = .expectValue(key: s.text, at: node.location)
        case .expectValue(let key, let keyAt):
            if !dropPair {
                stack[top].pairs.append(YPair(key: key, keyLocation: keyAt, value: node))
            }
            stack[top].state = .expectKey
        case .dropValue:
            stack[top].state = .expectKey
        }
    }
}
