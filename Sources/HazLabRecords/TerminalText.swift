/// Text that came from outside (a journal, a scenario, a record, a network reply) made safe to
/// print on a terminal or as one field of a line-based listing.
///
/// Control characters (C0, DEL, C1) and the Unicode line and paragraph separators would let
/// such text move the cursor, clear the screen, recolour output or start a forged line, so
/// each becomes a visible escape: `\n`, `\r`, `\t`, `\e` for ESC, else `\u{XX}`. A backslash
/// is doubled, so an escape in the output is never ambiguous. Everything else (Chinese
/// included) passes unchanged.
public enum TerminalText {
    public static func escape(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: needsEscape) else { return s }
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count + 8)
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{1B}": out += "\\e"
            default:
                if isControl(u) {
                    out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    /// One field of a tab-separated listing: escaped, so a tab or newline in it cannot add a
    /// column or a row.
    public static func field(_ s: String) -> String { escape(s) }

    static func isControl(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029
    }

    static func needsEscape(_ u: Unicode.Scalar) -> Bool { u == "\\" || isControl(u) }
}
