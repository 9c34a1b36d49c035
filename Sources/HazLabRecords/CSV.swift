import Foundation

/// RFC 4180 CSV: UTF-8 with a byte-order mark (so Excel reads Chinese text as UTF-8), CRLF
/// line ends, and a field quoted only when it holds a comma, a quote, CR or LF.
public enum CSV {
    public static let bom = "\u{FEFF}"

    public static func field(_ s: String) -> String {
        let needsQuotes = s.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        return needsQuotes ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Text that came from a trainee or a workstation (names, ids, paths): a leading `= + - @`,
    /// tab or CR would make a spreadsheet read the cell as a formula, so such text gets a
    /// leading apostrophe (the usual defence against CSV injection). Numbers never pass here.
    public static func text(_ s: String) -> String {
        guard let c = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(c) else { return s }
        return "'" + s
    }

    public static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }

    public static func document(_ rows: [[String]]) -> String { bom + rows.map(row).joined() }

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses RFC 4180 text (a leading BOM is skipped; CRLF or LF line ends).
    public static func parse(_ text: String) throws -> [[String]] {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var rows: [[String]] = [], row: [String] = [], field = String.UnicodeScalarView()
        var i = 0, quoted = false, fieldStarted = false
        func endField() { row.append(String(field)); field = String.UnicodeScalarView(); fieldStarted = false }
        while i < scalars.count {
            let c = scalars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < scalars.count && scalars[i + 1] == "\"" { field.append("\""); i += 2; continue }
                    quoted = false; i += 1; continue
                }
                field.append(c); i += 1; continue
            }
            switch c {
            case "\"":
                guard !fieldStarted && field.isEmpty else { throw ParseError(description: "quote inside an unquoted field (row \(rows.count + 1))") }
                quoted = true; fieldStarted = true
            case ",": endField()
            case "\r" where i + 1 < scalars.count && scalars[i + 1] == "\n": endField(); rows.append(row); row = []; i += 1
            case "\n": endField(); rows.append(row); row = []
            default: field.append(c); fieldStarted = true
            }
            i += 1
        }
        if quoted { throw ParseError(description: "unterminated quoted field") }
        if fieldStarted || !field.isEmpty || !row.isEmpty { endField(); rows.append(row) }
        return rows
    }
}
