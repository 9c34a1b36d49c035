import HazLabCore

/// Compiles the electrical network and lockout-tagout energy isolation from entity keys.
extension Compilation {
    /// Builds the network when the scenario declares any bus. Node 0 is earth; bus k is node k + 1.
    mutating func readElectrical(_ topReader: MappingReader, switches: SwitchTable, zoneEntities: [Int32]) -> ElectricalNet? {
        let busRows = declared.indices.filter { declared[$0].kind == .bus }
        guard !busRows.isEmpty else {
            for d in declared where d.kind == .supply || d.kind == .load || d.kind == .indicator || d.kind == .link {
                bag.error(d.node.location, "'\(d.id)' is a \(d.type), but the scenario declares no bus")
            }
            return nil
        }
        var nodeOfEntity: [Int32] = Array(repeating: -1, count: declared.count)
        for (k, row) in busRows.enumerated() { nodeOfEntity[row] = Int32(k + 1) }
        let e = readElectricalEntities(switches: switches, nodeOfEntity: nodeOfEntity)
        for d in declared where d.kind == .zone && d.reader.node("requireEarthed") != nil && d.reader.node("compartment") == nil {
            bag.warning(d.reader.node("requireEarthed")!.location, "'requireEarthed' has no effect without 'compartment'")
        }
        let settings = readInterlockSettings(topReader)
        if bag.hasErrors { return nil }
        do {
            let spec = try ElectricalSpec(nodeCount: busRows.count + 1, branches: e.branches, sources: e.sources, loads: e.loads,
                                          indicators: e.indicators, compartments: e.compartments)
            return ElectricalNet(spec: spec, branchOfSwitch: e.branchOfSwitch, switchOfBranch: e.switchOfBranch,
                                 busEntities: busRows.map { Int32($0) }, busNode: busRows.map { nodeOfEntity[$0] },
                                 supplyEntities: e.supplyEntities, loadEntities: e.loadEntities,
                                 indicatorEntities: e.indicatorEntities, compartmentOfEntity: e.compartmentOfEntity,
                                 settings: settings)
        } catch {
            let at: SourceLocation
            switch error {
            case .branchSelfLoop(let row), .earthingSwitchNotToEarth(let row), .linkToEarth(let row),
                 .breakerOrDisconnectorToEarth(let row):
                at = e.locationOfBranch[row]
            case .sourceOnEarth(let row), .nonPositiveVoltage(let row):
                at = declared[Int(e.supplyEntities[row])].node.location
            case .negativeLoad(let row):
                at = declared[Int(e.loadEntities[row])].node.location
            default:
                at = busRows.first.map { declared[$0].node.location } ?? SourceLocation(file: path, line: 1, column: 1)
            }
            bag.error(at, "invalid electrical network: \(error)")
            return nil
        }
    }

    /// What the electrical entities compile to (declaration order).
    struct ElectricalParts {
        var branches: [ElectricalBranch] = []
        var switchOfBranch: [Int32] = []
        var branchOfSwitch: [Int32]
        var sources: [ElectricalSource] = [], loads: [ElectricalLoad] = [], indicators: [Int32] = []
        var supplyEntities: [Int32] = [], loadEntities: [Int32] = [], indicatorEntities: [Int32] = []
        var compartments: [ElectricalCompartment] = []
        var compartmentOfEntity: [Int32]
        var locationOfBranch: [SourceLocation] = []
    }

    /// Switches and links (branches between buses), supplies, loads, indicators and switchgear
    /// compartments (zones with `compartment`).
    mutating func readElectricalEntities(switches: SwitchTable, nodeOfEntity: [Int32]) -> ElectricalParts {
        func node(_ n: YNode?, _ what: String) -> Int32? {
            guard let n, let e = entityRef(n, what, kinds: [.bus]) else { return nil }
            return nodeOfEntity[Int(e)]
        }
        var p = ElectricalParts(branchOfSwitch: [Int32](repeating: -1, count: switches.count),
                                compartmentOfEntity: [Int32](repeating: -1, count: declared.count))
        var bays: [String] = []
        for (row, d) in declared.enumerated() {
            let r = d.reader
            switch d.kind {
            case .switchgear:
                let sw = Int(local[row])
                if r.node("from") != nil || r.node("to") != nil || r.node("bus") != nil { usage.entities[row] = true }
                let role = switches.role[sw]
                if role == .earthing {
                    guard let bn = r.node("bus") ?? r.node("from") else { continue }
                    if let a = node(bn, "\(d.id).bus") {
                        p.branchOfSwitch[sw] = Int32(p.branches.count)
                        p.branches.append(ElectricalBranch(.earthingSwitch, a, ElectricalSpec.earth, bay: bay(r, &bays)))
                        p.switchOfBranch.append(Int32(sw)); p.locationOfBranch.append(d.node.location)
                    }
                } else if r.node("from") != nil || r.node("to") != nil {
                    guard let a = node(r.required("from", bag: &bag), "\(d.id).from"),
                          let b = node(r.required("to", bag: &bag), "\(d.id).to") else { continue }
                    let kind: ElectricalBranchKind = role == .disconnector ? .disconnector : .breaker
                    p.branchOfSwitch[sw] = Int32(p.branches.count)
                    p.branches.append(ElectricalBranch(kind, a, b, bay: bay(r, &bays)))
                    p.switchOfBranch.append(Int32(sw)); p.locationOfBranch.append(d.node.location)
                }
            case .link:
                if let a = node(r.node("from"), "\(d.id).from"), let b = node(r.node("to"), "\(d.id).to") {
                    p.branches.append(ElectricalBranch(.link, a, b))
                    p.switchOfBranch.append(-1); p.locationOfBranch.append(d.node.location)
                }
            case .supply:
                let volts = positive(r.node("voltage"), .voltage, "\(d.id).voltage", default: 1)
                var fed: Int32 = -1
                if let f = r.node("fedFrom") { fed = node(f, "\(d.id).fedFrom") ?? -1 }
                if let n = node(r.node("bus"), "\(d.id).bus") {
                    p.sources.append(ElectricalSource(node: n, volts: volts, fedFrom: fed))
                    p.supplyEntities.append(Int32(row))
                }
            case .load:
                let watts = nonNegative(r.node("power"), .power, "\(d.id).power", default: 0)
                if let n = node(r.node("bus"), "\(d.id).bus") {
                    p.loads.append(ElectricalLoad(node: n, watts: watts))
                    p.loadEntities.append(Int32(row))
                }
            case .indicator:
                if let n = node(r.node("bus"), "\(d.id).bus") {
                    p.indicators.append(n)
                    p.indicatorEntities.append(Int32(row))
                }
            case .zone:
                if let c = r.node("compartment"), let list = c.sequence(&bag, what: "\(d.id).compartment") {
                    let nodes = list.compactMap { node($0, "\(d.id).compartment") }
                    let earthed = r.node("requireEarthed").flatMap { $0.bool(&bag, what: "\(d.id).requireEarthed") } ?? true
                    p.compartmentOfEntity[row] = Int32(p.compartments.count)
                    p.compartments.append(ElectricalCompartment(nodes: nodes, requireEarthed: earthed))
                }
            default:
                break
            }
        }
        return p
    }

    /// `interlocks`: the five-prevention rules disabled, and `earthAdjacency`.
    mutating func readInterlockSettings(_ topReader: MappingReader) -> InterlockSettings {
        var settings = InterlockSettings()
        if let n = topReader.node("interlocks"), let r = reader(n, "interlocks", Format.interlocks) {
            if let list = r.node("disabled").flatMap({ $0.sequence(&bag, what: "interlocks.disabled") }) {
                for item in list {
                    guard let name = item.string(&bag, what: "interlocks.disabled") else { continue }
                    if let rule = FivePrevention.allCases.first(where: { $0.name == name }) {
                        settings.enabled = settings.enabled.removing(rule)
                    } else {
                        oneOfError(item, name, Format.fivePreventionRules, "interlocks.disabled")
                    }
                }
            }
            if let e = r.node("earthAdjacency").flatMap({ $0.bool(&bag, what: "interlocks.earthAdjacency") }) {
                settings.earthAdjacency = e
            }
        }
        return settings
    }

    private func bay(_ r: MappingReader, _ bays: inout [String]) -> Int32 {
        guard let n = r.node("bay"), case .scalar(let s) = n.content else { return -1 }
        if let k = bays.firstIndex(of: s.text) { return Int32(k) }
        bays.append(s.text)
        return Int32(bays.count - 1)
    }

    static func dimension(of kind: EnergyKind) -> HazLabCore.Dimension {
        switch kind {
        case .electrical: return .voltage
        case .hydraulic, .pneumatic: return .pressure
        case .thermal: return .temperature
        case .spring, .flywheel, .gravity: return .energy
        }
    }

    /// Energy sources are entities of type `energy`; isolation points are equipment with `isolates`.
    mutating func readIsolation() -> IsolationNet? {
        let energyRows = declared.indices.filter { declared[$0].kind == .energy }
        guard !energyRows.isEmpty else {
            for d in declared where d.reader.node("isolates") != nil {
                bag.error(d.reader.node("isolates")!.location, "'\(d.id).isolates' names energy sources, but the scenario declares none")
            }
            return nil
        }
        var sourceOfEntity = [Int32](repeating: -1, count: declared.count)
        for (k, row) in energyRows.enumerated() { sourceOfEntity[row] = Int32(k) }
        var sources: [EnergySource] = []
        for row in energyRows {
            let d = declared[row], r = d.reader
            var kind = EnergyKind.electrical
            if let n = r.node("kind"), let s = n.string(&bag, what: "\(d.id).kind") {
                if let k = EnergyKind.allCases.first(where: { $0.name == s }) { kind = k }
                else { oneOfError(n, s, Format.energyKinds, "\(d.id).kind") }
            }
            let dim = Self.dimension(of: kind)
            let magnitude = nonNegative(r.node("magnitude"), dim, "\(d.id).magnitude", default: 0)
            var zones: [Int32] = []
            if let z = r.node("zones"), let list = z.sequence(&bag, what: "\(d.id).zones") {
                zones = list.compactMap { entityRef($0, "\(d.id).zones", kinds: [.zone]) }
            }
            let residual = r.node("residual").map { nonNegative($0, dim, "\(d.id).residual", default: 0) }
            let decay = nonNegative(r.node("decayTime"), .time, "\(d.id).decayTime", default: 0)
            let threshold = r.node("zeroThreshold").map { nonNegative($0, dim, "\(d.id).zeroThreshold", default: 0) }
            sources.append(EnergySource(kind: kind, magnitude: magnitude, zones: zones, residualOnIsolation: residual,
                                        decaySeconds: decay, zeroThreshold: threshold))
        }
        var points: [IsolationPoint] = []
        var pointEntities: [Int32] = []
        for (row, d) in declared.enumerated() where d.reader.node("isolates") != nil || d.reader.node("dissipates") != nil {
            let r = d.reader
            func refs(_ key: String) -> [Int32] {
                guard let n = r.node(key), let list = n.sequence(&bag, what: "\(d.id).\(key)") else { return [] }
                return list.compactMap { entityRef($0, "\(d.id).\(key)", kinds: [.energy]).map { sourceOfEntity[Int($0)] } }
            }
            let isolates = refs("isolates"), dissipates = refs("dissipates")
            let time = nonNegative(r.node("dissipationTime"), .time, "\(d.id).dissipationTime", default: 0)
            let kind: IsolationPointKind
            switch d.kind {
            case .switchgear: kind = .breaker
            case .valve: kind = isolates.isEmpty ? .bleed : .valve
            default: kind = .mechanicalBlock
            }
            points.append(IsolationPoint(kind: kind, isolates: isolates, dissipates: dissipates, dissipationSeconds: time))
            pointEntities.append(Int32(row))
        }
        for (k, row) in energyRows.enumerated() where !points.contains(where: { $0.isolates.contains(Int32(k)) }) {
            bag.warning(declared[row].node.location, "energy source '\(declared[row].id)' has no isolation point: nothing 'isolates' it")
        }
        if bag.hasErrors { return nil }
        do {
            let spec = try IsolationSpec(sources: sources, points: points, personCount: persons.count)
            return IsolationNet(spec: spec, energyEntities: energyRows.map { Int32($0) }, pointEntities: pointEntities)
        } catch {
            bag.error(declared[energyRows[0]].node.location, "invalid energy isolation: \(error)")
            return nil
        }
    }

    /// `accidents: {endScenario: [...]}`.
    mutating func readAccidentPolicy(_ topReader: MappingReader) -> AccidentPolicy {
        guard let n = topReader.node("accidents"), let r = reader(n, "accidents", Format.accidents) else { return AccidentPolicy() }
        guard let list = r.node("endScenario").flatMap({ $0.sequence(&bag, what: "accidents.endScenario") }) else { return AccidentPolicy() }
        var ending: [Consequence] = []
        for item in list {
            guard let name = item.string(&bag, what: "accidents.endScenario") else { continue }
            if let c = Consequence.allCases.first(where: { $0.name == name }) { ending.append(c) }
            else { oneOfError(item, name, Format.consequences, "accidents.endScenario") }
        }
        return AccidentPolicy(ending: ending)
    }
}

/// Compiles reactors: kinetics from kRef at TRef, heat transfer, and the equipment that
/// drives feed, cooling, quench and dump.
extension Compilation {
    mutating func readReactors() -> ReactorPlant? {
        let rows = declared.indices.filter { declared[$0].kind == .reactor }
        guard !rows.isEmpty else { return nil }
        let energy = HazLabCore.Dimension(length: 2, mass: 1, time: -2, amount: -1)
        let ua = HazLabCore.Dimension(length: 2, mass: 1, time: -3, temperature: -1)
        let molar = HazLabCore.Dimension(length: -3, amount: 1)
        var specs: [ReactorSpec] = [], feed: [ReactorPlant.Stream?] = [], coolant: [ReactorPlant.Stream?] = []
        var quench: [ReactorPlant.Stream?] = [], dump: [ReactorPlant.Stream?] = [], agitator: [Int32] = []
        for row in rows {
            let d = declared[row], r = d.reader
            var spec = ReactorSpec()
            let volume = positive(r.node("volume"), .volume, "\(d.id).volume", default: 1)
            spec.initialVolume = volume
            spec.minVolume = volume * 0.01
            spec.maxVolume = volume * 1.5
            spec.initialTemperature = positive(r.node("temperature"), .temperature, "\(d.id).temperature", default: 293.15)
            spec.initialJacketTemperature = positive(r.node("jacketTemperature"), .temperature, "\(d.id).jacketTemperature",
                                                     default: spec.initialTemperature)
            spec.initialConcentration = nonNegative(r.node("concentration"), molar, "\(d.id).concentration", default: 0)
            let ea = positive(r.node("activationEnergy"), energy, "\(d.id).activationEnergy", default: 80_000)
            let kRef = positive(r.node("kRef"), .frequency, "\(d.id).kRef", default: 1e-3)
            let tRef = positive(r.node("TRef"), .temperature, "\(d.id).TRef", default: 353.15)
            spec.activationEnergy = ea
            spec.preExponential = kRef / DetMath.exp(-ea / (8.314462618 * tRef))
            if let n = r.node("heatOfReaction"), let h = quantity(n, energy, "\(d.id).heatOfReaction") { spec.heatOfReaction = h }
            if let n = r.node("density"), let x = n.double(&bag, what: "\(d.id).density") {
                if x <= 0 { bag.error(n.location, "'\(d.id).density' must be positive") } else { spec.density = x }
            }
            if let n = r.node("heatCapacity"), let x = n.double(&bag, what: "\(d.id).heatCapacity") {
                if x <= 0 { bag.error(n.location, "'\(d.id).heatCapacity' must be positive") } else { spec.heatCapacity = x }
            }
            spec.ua = nonNegative(r.node("ua"), ua, "\(d.id).ua", default: 5_000)
            spec.uaLoss = nonNegative(r.node("uaLoss"), ua, "\(d.id).uaLoss", default: 0)
            if let n = r.node("agitatorOffFactor"), let x = n.double(&bag, what: "\(d.id).agitatorOffFactor") {
                if x < 0 || x > 1 { bag.error(n.location, "'\(d.id).agitatorOffFactor' must be between 0 and 1") } else { spec.agitatorOffFactor = x }
            }
            spec.ambientTemperature = positive(r.node("ambientTemperature"), .temperature, "\(d.id).ambientTemperature", default: 293.15)
            spec.jacketVolume = positive(r.node("jacketVolume"), .volume, "\(d.id).jacketVolume", default: 0.2)
            spec.constantVolume = r.node("constantVolume").flatMap { $0.bool(&bag, what: "\(d.id).constantVolume") } ?? true
            for message in spec.validate() { bag.error(d.node.location, "reactor '\(d.id)': \(message)") }
            specs.append(spec)
            feed.append(stream(r.node("feed"), "\(d.id).feed"))
            coolant.append(stream(r.node("coolant"), "\(d.id).coolant"))
            quench.append(stream(r.node("quench"), "\(d.id).quench"))
            dump.append(stream(r.node("dump"), "\(d.id).dump"))
            agitator.append(r.node("agitator").flatMap { entityRef($0, "\(d.id).agitator", kinds: [.motor]) }.map { local[Int($0)] } ?? -1)
        }
        return ReactorPlant(entities: rows.map { Int32($0) }, specs: specs, feed: feed, coolant: coolant,
                            quench: quench, dump: dump, agitator: agitator)
    }

    private mutating func stream(_ node: YNode?, _ what: String) -> ReactorPlant.Stream? {
        guard let node, let r = reader(node, what, Format.stream) else { return nil }
        var s = ReactorPlant.Stream()
        if let v = r.node("valve"), let e = entityRef(v, "\(what).valve", kinds: [.valve]) { s.valve = local[Int(e)] }
        if let p = r.node("pumps"), let list = p.sequence(&bag, what: "\(what).pumps") {
            s.pumps = list.compactMap { entityRef($0, "\(what).pumps", kinds: [.motor]).map { local[Int($0)] } }
        }
        s.flow = nonNegative(r.node("flow"), .volumeFlow, "\(what).flow", default: 0)
        s.temperature = positive(r.node("temperature"), .temperature, "\(what).temperature", default: 293.15)
        s.concentration = nonNegative(r.node("concentration"), HazLabCore.Dimension(length: -3, amount: 1), "\(what).concentration", default: 0)
        return s
    }
}
