/// A small, byte-stable writer for XML-compatible HTML and SVG.
///
/// Every element is closed, every attribute is quoted and escaped, and attributes are written
/// in the order given, so the same calls always give the same bytes. HTML elements are always
/// written with an end tag (`<td></td>`), because an HTML parser ignores `/>` on them; SVG
/// elements may be self-closing (`leaf`), which HTML parsers accept inside `<svg>`.
public struct Markup: Sendable {
    public private(set) var text = ""
    private var stack: [String] = []

    public init() {}

    /// Escapes text and attribute values for XML and HTML: `& < > " '`. Characters that XML 1.0
    /// forbids (most C0 controls, U+FFFE, U+FFFF, lone surrogates) become U+FFFD, so hostile
    /// input can never make a report unparsable.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default:
                let v = u.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF || (v >= 0x7F && v < 0xA0) {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    public typealias Attributes = [(String, String)]

    private static func attributes(_ attrs: Attributes) -> String {
        var s = ""
        for (k, v) in attrs { s += " \(k)=\"\(escape(v))\"" }
        return s
    }

    /// `<name attrs>`; close it with `close()`.
    public mutating func open(_ name: String, _ attrs: Attributes = []) {
        text += "<\(name)\(Self.attributes(attrs))>"
        stack.append(name)
    }

    /// Closes the innermost open element.
    public mutating func close() {
        let name = stack.removeLast()
        text += "</\(name)>"
    }

    /// Closes open elements until `depth` remain.
    public mutating func close(to depth: Int) {
        while stack.count > depth { close() }
    }

    public var depth: Int { stack.count }

    /// `<name attrs>escaped text</name>`.
    public mutating func element(_ name: String, _ attrs: Attributes = [], _ content: String = "") {
        text += "<\(name)\(Self.attributes(attrs))>\(Self.escape(content))</\(name)>"
    }

    /// `<name attrs/>` (SVG and HTML void elements only).
    public mutating func leaf(_ name: String, _ attrs: Attributes = []) {
        text += "<\(name)\(Self.attributes(attrs))/>"
    }

    /// Escaped character data.
    public mutating func content(_ s: String) { text += Self.escape(s) }

    /// Markup written by another `Markup` (already escaped and balanced).
    public mutating func raw(_ s: String) { text += s }

    public mutating func newline() { text += "\n" }
}
