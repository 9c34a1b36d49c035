import HazLabCore

/// JSON Schema (draft 2020-12) generated from `Format`, for editors (VS Code + YAML extension).
public enum ScenarioSchema {
    public static func json() -> String {
        var defs: [(String, String)] = []
        defs.append(("identifier", ##"{"type":"string","pattern":"^[A-Za-z][A-Za-z0-9_]*$"}"##))
        defs.append(("localized", ##"{"oneOf":[{"type":"string"},{"type":"object","properties":{"zh":{"type":"string","description":"Simplified Chinese"},"en":{"type":"string","description":"English"}},"required":["zh"],"additionalProperties":false}]}"##))
        defs.append(("quantity", ##"{"description":"a number with an optional unit, e.g. 5 s, 2.5 MPa, 30 m3/h","oneOf":[{"type":"number"},{"type":"string","pattern":"^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*\\S*\\s*$"}]}"##))
        defs.append(("expression", ##"{"description":"an expression, e.g. TK101.level > 3.2 m and held(P101.running, 10 s)","type":["string","boolean","number"]}"##))
        for (name, keys) in Format.sections { defs.append((name, object(keys))) }
        defs.append(("entity", entity()))
        var s = "{\n"
        s += "  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
        s += "  \"$id\": \"https://hazlab.example/schema/scenario-\(HazLabSchemaVersion.current).json\",\n"
        s += "  \"title\": \"HazLab scenario\",\n"
        s += "  \"description\": \"A HazLab hazardous-operation training scenario (Scenarios/<id>/scenario.yaml).\",\n"
        let top = object(Format.top)
        s += "  " + String(top.dropFirst().dropLast()) + ",\n"
        s += "  \"$defs\": {\n" + defs.map { "    \(quote($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n  }\n}"
        return s
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    static func shape(_ v: ValueShape) -> String {
        switch v {
        case .string: return ##"{"type":"string"}"##
        case .identifier: return ##"{"$ref":"#/$defs/identifier"}"##
        case .scenarioId: return ##"{"type":"string","pattern":"^[A-Za-z0-9][A-Za-z0-9_-]*$"}"##
        case .integer(let min):
            if let min { return "{\"type\":\"integer\",\"minimum\":\(min)}" }
            return ##"{"type":"integer"}"##
        case .number: return ##"{"type":"number"}"##
        case .boolean: return ##"{"type":"boolean"}"##
        case .quantity: return ##"{"$ref":"#/$defs/quantity"}"##
        case .expression: return ##"{"$ref":"#/$defs/expression"}"##
        case .localized: return ##"{"$ref":"#/$defs/localized"}"##
        case .oneOf(let values): return "{\"enum\":[" + values.map(quote).joined(separator: ",") + "]}"
        case .list(let item): return "{\"type\":\"array\",\"items\":\(shape(item))}"
        case .dictionary(let value): return "{\"type\":\"object\",\"additionalProperties\":\(shape(value))}"
        case .section(let name): return "{\"$ref\":\"#/$defs/\(name)\"}"
        case .vetoOrPoints: return ##"{"oneOf":[{"const":"veto"},{"type":"number"}]}"##
        }
    }

    static func property(_ k: KeySpec) -> String {
        var body = shape(k.shape)
        body.removeLast()
        let sep = body.hasSuffix("{") ? "" : ","
        return "\(quote(k.name)):\(body)\(sep)\"description\":\(quote(k.help))}"
    }

    static func object(_ keys: [KeySpec], closed: Bool = true) -> String {
        var s = "{\"type\":\"object\",\"properties\":{" + keys.map(property).joined(separator: ",") + "}"
        let required = keys.filter(\.required).map { quote($0.name) }
        if !required.isEmpty { s += ",\"required\":[" + required.joined(separator: ",") + "]" }
        if closed { s += ",\"additionalProperties\":false" }
        return s + "}"
    }

    /// Common keys plus, per `type`, that type's own keys; nothing else is allowed.
    static func entity() -> String {
        var branches: [String] = []
        for t in Format.entityTypes {
            let extra = Format.entityKeys(t)
            var then = "{\"properties\":{" + extra.map(property).joined(separator: ",") + "}"
            let required = extra.filter(\.required).map { quote($0.name) }
            if !required.isEmpty { then += ",\"required\":[" + required.joined(separator: ",") + "]" }
            then += "}"
            branches.append("{\"if\":{\"properties\":{\"type\":{\"const\":\(quote(t))}},\"required\":[\"type\"]},\"then\":\(then)}")
        }
        let common = object(Format.entityCommon, closed: false)
        return String(common.dropLast()) + ",\"allOf\":[" + branches.joined(separator: ",") + "],\"unevaluatedProperties\":false}"
    }
}

public enum HazLabSchemaVersion {
    public static let current = 1
}
