/// One journal line read by the project's JSON reader (`JSONText`), with the typed lookups the
/// journal's members need. Numbers are read from their exact text, so a 64-bit seed or command
/// id keeps every digit; a whole number written with a fraction or exponent (`3.0`, `1e3`) is
/// still accepted as an integer.
struct JournalObject {
    enum LineError: Error {
        case syntax(JSONText.SyntaxError)
        case notAnObject
        /// A top-level member's number overflows a Double (1e999).
        case numberOutOfRange(key: String)
    }

    let members: [JSONText.Member]

    /// A copy saved by an editor that writes a byte order mark still reads (the chain check then
    /// names the BOM rather than calling the journal tampered).
    static func parse(_ raw: ArraySlice<UInt8>) -> Result<JournalObject, LineError> {
        let bom = raw.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let value: JSONText.Value
        do { value = try JSONText.parse(Array(raw.dropFirst(bom))) } catch var e as JSONText.SyntaxError {
            e.offset += bom
            return .failure(.syntax(e))
        } catch {
            return .failure(.syntax(JSONText.SyntaxError(offset: 0, message: "\(error)")))
        }
        guard case .object(let members) = value else { return .failure(.notAnObject) }
        for m in members {
            if let text = m.value.numberText, !(Double(text)?.isFinite ?? false) {
                return .failure(.numberOutOfRange(key: m.key))
            }
        }
        return .success(JournalObject(members: members))
    }

    subscript(key: String) -> JSONText.Value? { members.first { $0.key == key }?.value }

    func has(_ key: String) -> Bool { members.contains { $0.key == key } }

    func string(_ key: String) -> String? { self[key]?.string }

    func int64(_ key: String) -> Int64? { self[key]?.int64 }

    func int(_ key: String) -> Int? { int64(key).flatMap { Int(exactly: $0) } }

    func uint64(_ key: String) -> UInt64? {
        guard let text = self[key]?.numberText else { return nil }
        return UInt64(text) ?? Double(text).flatMap { UInt64(exactly: $0) }
    }
}
