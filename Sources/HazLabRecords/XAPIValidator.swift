import Foundation

/// Client-side checks of a statement against the xAPI 1.0.3 data rules (Data, part two §2.4),
/// run before anything is sent: the test LRS accepts invalid statements, a real one may not,
/// and a bad statement must never reach the data center.
///
/// Checked: top-level members (known names only; actor, verb and object required); `id` and
/// `context.registration` UUIDs; the actor (Agent or Group with exactly one identifier; mbox
/// `mailto:`, mbox_sha1sum 40 hex, openid and account.homePage IRIs); the verb (IRI id,
/// language-map display); the object (Activity with an IRI id, definition with language maps,
/// an IRI type and IRI extension keys; Agent, Group, StatementRef or SubStatement); result
/// (score: scaled within −1…1, min < max, raw within min…max; success/completion booleans;
/// an ISO 8601 duration; IRI extension keys); context (contextActivities parent/grouping/
/// category/other holding activities; IRI extension keys; a language tag); timestamps in
/// ISO 8601; version 1.0.x; language maps keyed by RFC 5646 tags with non-empty string values.
public enum XAPIValidator {
    public static func validate(_ body: String) -> [String] {
        guard let v = try? JSONText.parse(Array(body.utf8)) else { return ["statement: not valid JSON"] }
        return validate(v)
    }

    public static func validate(_ s: JSONText.Value) -> [String] {
        var e: [String] = []
        statement(s, "statement", sub: false, &e)
        return e
    }

    static func members(_ v: JSONText.Value) -> [JSONText.Member]? {
        if case .object(let ms) = v { return ms }
        return nil
    }

    static func statement(_ s: JSONText.Value, _ path: String, sub: Bool, _ e: inout [String]) {
        guard let ms = members(s) else { e.append("\(path): not an object"); return }
        let allowed = sub ? ["objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"]
            : ["id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments"]
        unknownAndDuplicate(ms, allowed, path, &e)
        for req in ["actor", "verb", "object"] where s[req] == nil { e.append("\(path).\(req): required") }
        if let id = s["id"] { uuid(id, "\(path).id", &e) }
        if let a = s["actor"] { agent(a, "\(path).actor", allowGroup: true, &e) }
        if let v = s["verb"] { verb(v, "\(path).verb", &e) }
        if let o = s["object"] { object(o, "\(path).object", sub: sub, &e) }
        if let r = s["result"] { result(r, "\(path).result", &e) }
        if let c = s["context"] { context(c, "\(path).context", objectIsActivity: isActivity(s["object"]), &e) }
        for t in ["timestamp", "stored"] {
            if let x = s[t] {
                if let str = x.string, ExportTime.parseISO8601(str) != nil {} else { e.append("\(path).\(t): not an ISO 8601 timestamp") }
            }
        }
        if let v = s["version"] {
            if let str = v.string, str.hasPrefix("1.0."), Int(str.dropFirst(4)) != nil || str == "1.0.0" {} else {
                e.append("\(path).version: must be 1.0.x")
            }
        }
        if let a = s["authority"] { agent(a, "\(path).authority", allowGroup: true, &e) }
    }

    static func unknownAndDuplicate(_ ms: [JSONText.Member], _ allowed: [String], _ path: String, _ e: inout [String]) {
        var seen: [String] = []
        for m in ms {
            if seen.contains(m.key) { e.append("\(path).\(m.key): duplicate member") }
            seen.append(m.key)
            if !allowed.contains(m.key) { e.append("\(path).\(m.key): not a member of this object in xAPI 1.0.3") }
            if m.value == .null { e.append("\(path).\(m.key): null is not allowed") }
        }
    }

    static func isActivity(_ o: JSONText.Value?) -> Bool {
        guard let o else { return false }
        return o["objectType"] == nil || o["objectType"]?.string == "Activity"
    }

    // MARK: - Scalars

    public static func isIRI(_ s: String) -> Bool {
        // Byte by byte: every character this test looks at is ASCII, and UTF-8 never puts an
        // ASCII byte inside a multi-byte character.
        var sawColon = false, schemeLength = 0, count = 0
        for b in s.utf8 {
            count += 1
            if b <= 0x20 || b == 0x7F { return false }
            switch b {
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "}"),
                 UInt8(ascii: "|"), UInt8(ascii: "\\"), UInt8(ascii: "^"), UInt8(ascii: "`"):
                return false
            default: break
            }
            if sawColon { continue }
            if b == UInt8(ascii: ":") { sawColon = true; continue }
            let letter = (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
            if schemeLength == 0 {
                guard letter else { return false }
            } else if !(letter || (0x30...0x39).contains(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")) {
                return false
            }
            schemeLength += 1
        }
        // A scheme, a colon, and something after it.
        return sawColon && schemeLength > 0 && count > schemeLength + 1
    }

    /// RFC 4122 text form (any version; the variant bits are not checked, as xAPI allows any UUID).
    public static func isUUID(_ s: String) -> Bool { UUIDv5.parse(s) != nil }

    /// ISO 8601 durations as xAPI uses them: `P[nY][nM][nD][T[nH][nM][n[.n]S]]` or `PnW`.
    public static func isDuration(_ s: String) -> Bool {
        var u = Array(s.utf8)[...]
        guard u.first == UInt8(ascii: "P"), u.count > 1 else { return false }
        u = u.dropFirst()
        if u.last == UInt8(ascii: "W") {
            return !u.dropLast().isEmpty && u.dropLast().allSatisfy { (48...57).contains($0) }
        }
        var inTime = false, any = false, lastDesignator: UInt8 = 0
        let dateOrder: [UInt8] = Array("YMD".utf8), timeOrder: [UInt8] = Array("HMS".utf8)
        var number: [UInt8] = []
        for c in u {
            if c == UInt8(ascii: "T") {
                guard !inTime, number.isEmpty else { return false }
                inTime = true; lastDesignator = 0; continue
            }
            if (48...57).contains(c) || c == UInt8(ascii: ".") { number.append(c); continue }
            let order = inTime ? timeOrder : dateOrder
            guard let i = order.firstIndex(of: c), !number.isEmpty else { return false }
            if lastDesignator != 0, let j = order.firstIndex(of: lastDesignator), j >= i { return false }
            let dots = number.filter { $0 == UInt8(ascii: ".") }.count
            guard dots == 0 || (dots == 1 && c == UInt8(ascii: "S") && number.first != 46 && number.last != 46) else { return false }
            lastDesignator = c; number = []; any = true
        }
        return number.isEmpty && any && !(inTime && lastDesignator == 0)
    }

    /// RFC 5646 language tags, loosely: alphanumeric subtags of 1–8 separated by '-', the first alphabetic.
    public static func isLanguageTag(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (1...8).contains(first.count), first.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) }) else { return false }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0) } }
    }

    static func uuid(_ v: JSONText.Value, _ path: String, _ e: inout [String]) {
        guard let s = v.string, isUUID(s) else { e.append("\(path): not a UUID"); return }
    }

    static func iri(_ v: JSONText.Value?, _ path: String, _ e: inout [String]) {
        guard let s = v?.string, isIRI(s) else { e.append("\(path): not an IRI"); return }
    }

    static func languageMap(_ v: JSONText.Value, _ path: String, _ e: inout [String]) {
        guard let ms = members(v) else { e.append("\(path): a language map must be an object"); return }
        // Empty values are not allowed outside extensions (as Ralph's models hold too).
        if ms.isEmpty { e.append("\(path): an empty language map") }
        for m in ms {
            if !isLanguageTag(m.key) { e.append("\(path): \"\(m.key)\" is not a language tag") }
            if m.value.string == nil { e.append("\(path).\(m.key): must be a string") }
            if m.value.string == "" { e.append("\(path).\(m.key): an empty text (leave the language out)") }
        }
    }

    static func extensions(_ v: JSONText.Value, _ path: String, _ e: inout [String]) {
        guard let ms = members(v) else { e.append("\(path): extensions must be an object"); return }
        for m in ms where !isIRI(m.key) { e.append("\(path): key \"\(m.key)\" is not an IRI") }
    }

    static func number(_ v: JSONText.Value?) -> Double? { v?.numberText.flatMap(Double.init) }

    // MARK: - Parts

    static func agent(_ a: JSONText.Value, _ path: String, allowGroup: Bool, _ e: inout [String]) {
        guard let ms = members(a) else { e.append("\(path): not an object"); return }
        let type = a["objectType"]?.string ?? "Agent"
        guard type == "Agent" || (allowGroup && type == "Group") else { e.append("\(path).objectType: must be Agent or Group"); return }
        unknownAndDuplicate(ms, ["objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member"], path, &e)
        let ifis = ["mbox", "mbox_sha1sum", "openid", "account"].filter { a[$0] != nil }
        if type == "Agent" && ifis.count != 1 { e.append("\(path): an Agent needs exactly one of mbox, mbox_sha1sum, openid, account") }
        if type == "Group" && ifis.count > 1 { e.append("\(path): a Group has at most one identifier") }
        if type == "Group" && ifis.isEmpty && a["member"] == nil { e.append("\(path): an anonymous Group needs member") }
        if a["member"] != nil && type == "Agent" { e.append("\(path).member: only a Group has members") }
        if let n = a["name"], n.string == nil { e.append("\(path).name: must be a string") }
        if let m = a["mbox"] { if let s = m.string, s.hasPrefix("mailto:"), s.count > 7 {} else { e.append("\(path).mbox: must be a mailto: IRI") } }
        if let m = a["mbox_sha1sum"] {
            if let s = m.string, s.count == 40, s.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit }) {} else { e.append("\(path).mbox_sha1sum: must be 40 hex digits") }
        }
        if let o = a["openid"] { iri(o, "\(path).openid", &e) }
        if let acc = a["account"] {
            if let ams = members(acc) {
                unknownAndDuplicate(ams, ["homePage", "name"], "\(path).account", &e)
                iri(acc["homePage"], "\(path).account.homePage", &e)
                if let n = acc["name"]?.string, !n.isEmpty {} else { e.append("\(path).account.name: required, a non-empty string") }
            } else { e.append("\(path).account: not an object") }
        }
        if let mem = a["member"] {
            if let arr = mem.array { for (i, x) in arr.enumerated() { agent(x, "\(path).member[\(i)]", allowGroup: false, &e) } } else { e.append("\(path).member: must be an array") }
        }
    }

    static func verb(_ v: JSONText.Value, _ path: String, _ e: inout [String]) {
        guard let ms = members(v) else { e.append("\(path): not an object"); return }
        unknownAndDuplicate(ms, ["id", "display"], path, &e)
        iri(v["id"], "\(path).id", &e)
        if let d = v["display"] { languageMap(d, "\(path).display", &e) }
    }

    static func activity(_ o: JSONText.Value, _ path: String, _ e: inout [String]) {
        guard let ms = members(o) else { e.append("\(path): not an object"); return }
        unknownAndDuplicate(ms, ["objectType", "id", "definition"], path, &e)
        iri(o["id"], "\(path).id", &e)
        guard let d = o["definition"] else { return }
        guard let dms = members(d) else { e.append("\(path).definition: not an object"); return }
        unknownAndDuplicate(dms, ["name", "description", "type", "moreInfo", "extensions", "interactionType",
                                  "correctResponsesPattern", "choices", "scale", "source", "target", "steps"], "\(path).definition", &e)
        if let n = d["name"] { languageMap(n, "\(path).definition.name", &e) }
        if let n = d["description"] { languageMap(n, "\(path).definition.description", &e) }
        if let t = d["type"] { iri(t, "\(path).definition.type", &e) }
        if let m = d["moreInfo"] { iri(m, "\(path).definition.moreInfo", &e) }
        if let x = d["extensions"] { extensions(x, "\(path).definition.extensions", &e) }
    }

    static func object(_ o: JSONText.Value, _ path: String, sub: Bool, _ e: inout [String]) {
        guard members(o) != nil else { e.append("\(path): not an object"); return }
        switch o["objectType"]?.string ?? "Activity" {
        case "Activity": activity(o, path, &e)
        case "Agent", "Group": agent(o, path, allowGroup: true, &e)
        case "StatementRef":
            if let ms = members(o) { unknownAndDuplicate(ms, ["objectType", "id"], path, &e) }
            if let id = o["id"] { uuid(id, "\(path).id", &e) } else { e.append("\(path).id: required") }
        case "SubStatement":
            if sub { e.append("\(path): a SubStatement cannot contain a SubStatement") } else { statement(o, path, sub: true, &e) }
        default: e.append("\(path).objectType: unknown object type")
        }
    }

    static func result(_ r: JSONText.Value, _ path: String, _ e: inout [String]) {
        guard let ms = members(r) else { e.append("\(path): not an object"); return }
        unknownAndDuplicate(ms, ["score", "success", "completion", "response", "duration", "extensions"], path, &e)
        if let sc = r["score"] {
            if let sms = members(sc) {
                unknownAndDuplicate(sms, ["scaled", "raw", "min", "max"], "\(path).score", &e)
                for k in ["scaled", "raw", "min", "max"] where sc[k] != nil && number(sc[k]) == nil { e.append("\(path).score.\(k): must be a number") }
                if let s = number(sc["scaled"]), !(-1...1).contains(s) { e.append("\(path).score.scaled: \(s) is outside -1…1") }
                let mn = number(sc["min"]), mx = number(sc["max"])
                if let mn, let mx, !(mn < mx) { e.append("\(path).score: min must be less than max") }
                if let raw = number(sc["raw"]) {
                    if let mn, raw < mn { e.append("\(path).score.raw: \(raw) is below min \(mn)") }
                    if let mx, raw > mx { e.append("\(path).score.raw: \(raw) is above max \(mx)") }
                }
            } else { e.append("\(path).score: not an object") }
        }
        for k in ["success", "completion"] where r[k] != nil && r[k]?.bool == nil { e.append("\(path).\(k): must be true or false") }
        if let d = r["response"], d.string == nil { e.append("\(path).response: must be a string") }
        if let d = r["duration"] { if let s = d.string, isDuration(s) {} else { e.append("\(path).duration: not an ISO 8601 duration") } }
        if let x = r["extensions"] { extensions(x, "\(path).extensions", &e) }
    }

    static func context(_ c: JSONText.Value, _ path: String, objectIsActivity: Bool, _ e: inout [String]) {
        guard let ms = members(c) else { e.append("\(path): not an object"); return }
        unknownAndDuplicate(ms, ["registration", "instructor", "team", "contextActivities", "revision", "platform",
                                 "language", "statement", "extensions"], path, &e)
        if let r = c["registration"] { uuid(r, "\(path).registration", &e) }
        if let i = c["instructor"] { agent(i, "\(path).instructor", allowGroup: true, &e) }
        if let t = c["team"] { if t["objectType"]?.string != "Group" { e.append("\(path).team: must be a Group") } else { agent(t, "\(path).team", allowGroup: true, &e) } }
        if let ca = c["contextActivities"] {
            if let cms = members(ca) {
                for m in cms {
                    guard ["parent", "grouping", "category", "other"].contains(m.key) else { e.append("\(path).contextActivities.\(m.key): not a context activity kind"); continue }
                    let items = m.value.array ?? [m.value]
                    for (i, x) in items.enumerated() {
                        if x["objectType"] != nil && x["objectType"]?.string != "Activity" { e.append("\(path).contextActivities.\(m.key)[\(i)]: must be an Activity") }
                        activity(x, "\(path).contextActivities.\(m.key)[\(i)]", &e)
                    }
                }
            } else { e.append("\(path).contextActivities: not an object") }
        }
        for k in ["revision", "platform"] where c[k] != nil {
            if c[k]?.string == nil { e.append("\(path).\(k): must be a string") }
            if !objectIsActivity { e.append("\(path).\(k): only allowed when the object is an Activity") }
        }
        if let l = c["language"] { if let s = l.string, isLanguageTag(s) {} else { e.append("\(path).language: not a language tag") } }
        if let st = c["statement"] {
            if st["objectType"]?.string != "StatementRef" { e.append("\(path).statement: must be a StatementRef") } else if let id = st["id"] { uuid(id, "\(path).statement.id", &e) }
        }
        if let x = c["extensions"] { extensions(x, "\(path).extensions", &e) }
    }
}
