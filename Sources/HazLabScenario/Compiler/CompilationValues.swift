import Foundation
import HazLabCore

/// The readers every section uses: a key set, localized text, quantities with units, vectors,
/// expressions, entity references and ids.
extension Compilation {
    mutating func reader(_ node: YNode, _ what: String, _ keys: [KeySpec]) -> MappingReader? {
        guard let r = MappingReader(node, what: what, bag: &bag) else { return nil }
        r.checkKeys(allowed: keys.map(\.name), bag: &bag)
        for k in keys where k.required { _ = r.required(k.name, bag: &bag) }
        return r
    }

    mutating func localized(_ node: YNode?, _ what: String) -> LocalizedText {
        guard let node else { return .empty }
        if case .scalar = node.content {
            let s = node.string(&bag, what: what) ?? ""
            return LocalizedText(zh: s, en: s)
        }
        guard let r = reader(node, what, Format.localized) else { return .empty }
        let zh = r.node("zh").flatMap { $0.string(&bag, what: "\(what).zh") } ?? ""
        let en = r.node("en").flatMap { $0.string(&bag, what: "\(what).en") } ?? ""
        return LocalizedText(zh: zh, en: en)
    }

    /// A quantity such as `5 s` or `3.2 m`; a bare number is taken in SI units.
    mutating func quantity(_ node: YNode, _ dimension: HazLabCore.Dimension, _ what: String) -> Double? {
        guard case .scalar(let scalar) = node.content, !scalar.isNull else {
            bag.error(node.location, "expected a \(dimension) quantity for '\(what)', found \(node.kindName)")
            return nil
        }
        switch Units.quantity(scalar.text, expecting: dimension) {
        case .success(let v):
            guard v.isFinite else {
                bag.error(node.location, "'\(what)' must be finite")
                return nil
            }
            return v
        case .failure(let e):
            bag.error(node.location, "\(e.message) for '\(what)'")
            return nil
        }
    }

    mutating func nonNegative(_ node: YNode?, _ dimension: HazLabCore.Dimension, _ what: String, default d: Double) -> Double {
        guard let node, let v = quantity(node, dimension, what) else { return d }
        if v < 0 { bag.error(node.location, "'\(what)' must not be negative"); return d }
        return v
    }

    mutating func positive(_ node: YNode?, _ dimension: HazLabCore.Dimension, _ what: String, default d: Double) -> Double {
        guard let node, let v = quantity(node, dimension, what) else { return d }
        if v <= 0 { bag.error(node.location, "'\(what)' must be positive"); return d }
        return v
    }

    /// `[x, y, z]` lengths.
    /// A relative path to an `.obj` file, inside the scenario's folder or Assets/meshes.
    mutating func meshPath(_ node: YNode?, _ what: String) -> String {
        guard let node, let text = node.string(&bag, what: what) else { return "" }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if text.isEmpty || text.hasPrefix("/") || parts.contains("..") || parts.contains("") || !text.lowercased().hasSuffix(".obj") {
            bag.error(node.location, "'\(what)' must be a relative path to an .obj file without '..', e.g. meshes/pump.obj")
            return ""
        }
        return text
    }

    mutating func vector(_ node: YNode, _ what: String, nonNegative: Bool) -> Vec3? {
        guard let list = node.sequence(&bag, what: what) else { return nil }
        guard list.count == 3 else {
            bag.error(node.location, "'\(what)' needs three lengths, [x, y, z]")
            return nil
        }
        var v: [Double] = []
        for item in list {
            guard let q = quantity(item, .length, what) else { return nil }
            if nonNegative && q < 0 { bag.error(item.location, "'\(what)' must not be negative"); return nil }
            v.append(q)
        }
        return Vec3(v[0], v[1], v[2])
    }

    /// Seconds to ticks, saturating (times beyond a week are rejected where they are read).
    func ticks(_ seconds: Double) -> Int64 {
        let t = (seconds * Double(tickRate)).rounded(.toNearestOrAwayFromZero)
        guard t.isFinite else { return t < 0 ? -Int64(1) << 52 : Int64(1) << 52 }
        return Int64(max(-4.5e15, min(4.5e15, t)))
    }

    /// Where an expression's first character is, for mapping parser offsets to the file.
    func expressionStart(_ node: YNode) -> SourceLocation {
        guard case .scalar(let s) = node.content else { return node.location }
        return s.location(ofOffset: 0)
    }

    func environment() -> ExprEnvironment {
        let rows = entityRow
        let kinds = declared.map(\.kind)
        let locals = local
        let used = usage
        let ids = declared.map(\.id)
        return ExprEnvironment(resolveField: { entity, field in
            if entity == "trainee" && rows[entity] == nil {
                let specs = FieldCatalog.trainee
                for (k, g) in used.gasSpecies.enumerated() {
                    for f in FieldCatalog.traineeGas(g) where f.name == field {
                        return .found(FieldRef(f.kind, Int32(k)), f.type)
                    }
                }
                guard let spec = specs.first(where: { $0.name == field }) else {
                    let names = specs.map(\.name) + used.gasSpecies.flatMap { FieldCatalog.traineeGas($0).map(\.name) }
                    return .unknownField(entityKind: "trainee", available: names, suggestion: Suggest.closest(to: field, among: names))
                }
                return .found(FieldRef(spec.kind, 0), spec.type ?? .number(.none))
            }
            if entity == "ticket" && rows[entity] == nil && used.hasTicket {
                guard let spec = FieldCatalog.ticket.first(where: { $0.name == field }) else {
                    let names = FieldCatalog.ticket.map(\.name)
                    return .unknownField(entityKind: "ticket", available: names, suggestion: Suggest.closest(to: field, among: names))
                }
                return .found(FieldRef(spec.kind, 0), spec.type ?? .number(.none))
            }
            guard let row = rows[entity] else {
                return .unknownEntity(suggestion: Suggest.closest(to: entity, among: ids))
            }
            let kind = kinds[Int(row)]
            used.entities[Int(row)] = true
            let specs = FieldCatalog.fields(of: kind, lockable: FieldCatalog.isLockable(kind))
            guard let spec = specs.first(where: { $0.name == field }) else {
                let names = specs.map(\.name)
                return .unknownField(entityKind: kind.name, available: names, suggestion: Suggest.closest(to: field, among: names))
            }
            let index = spec.byEntity ? row : locals[Int(row)]
            let type: ValueType
            if let t = spec.type {
                type = t
            } else if kind == .detector {
                let k = Int(locals[Int(row)])
                type = .number(k < used.detectorDimensions.count ? used.detectorDimensions[k] : .none)
            } else if let d = used.sensorDimensions[Int(locals[Int(row)])] {
                type = .number(d)
            } else {
                type = .number(.none)
            }
            return .found(FieldRef(spec.kind, index), type)
        }, variables: variables)
    }

    /// Keeps an expression's text as written under `key` (see `ScenarioText.sources`).
    mutating func keepSource(_ key: String, _ node: YNode?) {
        guard let node, case .scalar(let s) = node.content, !s.isNull else { return }
        sources[key] = s.text
    }

    /// Compiles an expression node and assigns its temporal memory in the state.
    mutating func expression(_ node: YNode, boolean: Bool, _ what: String) -> Program? {
        guard case .scalar(let scalar) = node.content, !scalar.isNull else {
            bag.error(node.location, "expected an expression for '\(what)', found \(node.kindName)")
            return nil
        }
        if session == nil { session = ExprCompilerSession(env: environment()) }
        return session!.compile(scalar.text, at: expressionStart(node), expecting: boolean ? .bool : nil, bag: &bag)
    }

    mutating func allocateMemory(_ p: Program) -> Int32 {
        let base = memorySlots
        memorySlots += p.memorySlots
        initialMemory.append(contentsOf: p.initialMemory())
        return Int32(base)
    }

    /// Resolves an entity id and checks its kind.
    mutating func entityRef(_ node: YNode?, _ what: String, kinds: [EntityKind]) -> Int32? {
        guard let node, let id = node.string(&bag, what: what) else { return nil }
        guard let row = entityRow[id] else {
            var msg = "unknown entity '\(id)' in '\(what)'"
            if let s = Suggest.closest(to: id, among: declared.map(\.id)) { msg += "; did you mean '\(s)'?" }
            bag.error(node.location, msg)
            return nil
        }
        let kind = declared[Int(row)].kind
        if !kinds.isEmpty && !kinds.contains(kind) {
            let want = kinds.map(\.name).joined(separator: " or ")
            bag.error(node.location, "'\(id)' is a \(declared[Int(row)].type), expected a \(want) for '\(what)'")
            return nil
        }
        usage.entities[Int(row)] = true
        return row
    }

    /// Scenario ids double as folder names: ASCII letters and digits, then also '-' and '_'.
    static func isIdentifier(_ s: String) -> Bool {
        let u = Array(s.utf8)
        func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        guard let f = u.first, alnum(f) else { return false }
        return u.allSatisfy { alnum($0) || $0 == 45 || $0 == 95 }
    }

    mutating func oneOfError(_ node: YNode, _ value: String, _ allowed: [String], _ what: String) {
        var msg = "unknown value '\(value)' for '\(what)'; expected one of: \(allowed.joined(separator: ", "))"
        if let s = Suggest.closest(to: value, among: allowed) { msg = "unknown value '\(value)' for '\(what)'; did you mean '\(s)'?" }
        bag.error(node.location, msg)
    }

    /// Reads an `id` and reports duplicates against `seen` (which maps ids to first locations).
    mutating func readId(_ r: MappingReader, _ what: String, seen: inout [String: SourceLocation], expressionSafe: Bool = true) -> String? {
        guard let n = r.node("id"), let id = n.string(&bag, what: "\(what) id") else { return nil }
        let valid = expressionSafe ? ExpressionCompilerNames.isValidName(id) : Self.isIdentifier(id)
        if !valid {
            bag.error(n.location, "invalid id '\(id)': use letters, digits and '_', starting with a letter")
            return nil
        }
        if let first = seen[id] {
            bag.error(n.location, "duplicate id '\(id)'; first declared at \(first.line):\(first.column)")
            return nil
        }
        seen[id] = n.location
        return id
    }
}
