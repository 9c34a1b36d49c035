/// Stages 7–9: gas dispersion, fire and explosion, and the trainee's exposure.
///
/// - The gas field advances every `GasNet.updateEveryTicks` ticks (the plan's substeps keep it
///   stable); detectors and exposure are sampled every tick from the latest field.
/// - Oxygen is not transported: O2 = 20.9 % × (1 − Σ other species).
enum GasStage {
    static func initialiseDetectors(_ m: Model, _ s: inout State) {
        guard let net = m.gas, let field = s.gas else { return }
        for d in 0..<net.detectors.count { s.detectorValue[d] = reading(net, field, d) }
        sampleTraineeAir(net, field, &s)
    }

    /// The air at the trainee's breathing zone, before PPE (what a personal detector reads).
    static func sampleTraineeAir(_ net: GasNet, _ field: GasField, _ s: inout State) {
        let p = s.traineePosition + Vec3(0, 0, net.breathingHeight)
        var total = 0.0
        for sp in 0..<net.spec.species.count {
            let c = GasSampler.fraction(spec: net.spec, field: field, x: p.x, y: p.y, z: p.z, species: sp)
            s.traineeAir[sp] = c
            total += c
        }
        s.traineeAirOxygen = GasSpecies.airOxygenFraction * (1 - total)
    }

    /// A detector's true value in SI: fraction of LEL, or volume fraction.
    static func reading(_ net: GasNet, _ field: GasField, _ d: Int) -> Double {
        let det = net.detectors[d]
        switch det.target {
        case .species(let sp):
            let f = GasSampler.fraction(spec: net.spec, field: field, x: det.x, y: det.y, z: det.z, species: sp)
            if net.detectorReading[d] == .lelFraction, let lel = net.spec.species[sp].lel { return f / lel }
            return f
        case .oxygen:
            var others = 0.0
            for sp in 0..<net.spec.species.count {
                others += GasSampler.fraction(spec: net.spec, field: field, x: det.x, y: det.y, z: det.z, species: sp)
            }
            return GasSpecies.airOxygenFraction * (1 - others)
        }
    }

    /// Stage 7.
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        // The field is moved out of `s` and back, so updating it in place copies nothing.
        guard let net = m.gas, var field = s.gas.take() else { return }
        if s.tick % net.updateEveryTicks == 0 {
            var sources: [GasSource] = []
            swap(&sources, &field.sourceScratch)   // a buffer kept between updates: no allocation
            sources.removeAll(keepingCapacity: true)
            for l in 0..<net.leakEntities.count where s.leakRate[l] > 0 {
                var rate = s.leakRate[l]
                let v = net.leakValve[l]
                if v >= 0 { rate *= s.valvePosition[Int(v)] }
                if rate > 0 { sources.append(GasSource(cell: net.leakCell[l], species: net.leakSpecies[l], rate: rate)) }
            }
            let plan = net.plan(openingOpen: s.openingOpen, fanCount: net.fanMotorRows.count,
                                fanRunning: { s.motorRunning[Int(net.fanMotorRows[$0])] != 0 },
                                dt: Double(net.updateEveryTicks) * m.secondsPerTick)
            GasKernel.advance(net.spec, &field, plan: plan, sources: sources)
            swap(&sources, &field.sourceScratch)
        }
        for d in 0..<net.detectors.count {
            GasDetector.respond(reading: &s.detectorValue[d], target: reading(net, field, d), factor: net.detectorFactor[d])
        }
        s.gas = field
    }

    /// Stage 8: hot work in progress is an ignition source every tick.
    static func runIgnition(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        guard let net = m.gas else { return }
        for h in 0..<net.hotworkEntities.count where s.hotworkActive[h] != 0 {
            spark(m, &s, &events, entity: net.hotworkEntities[h], person: 0)
            if s.ended { return }
        }
    }

    /// A spark at an entity: an explosion if a flammable gas there lies between its LEL and UEL.
    static func spark(_ m: Model, _ s: inout State, _ events: inout [Event], entity: Int32, person: Int32) {
        guard let net = m.gas, let field = s.gas, !s.ended else { return }
        let e = Int(entity)
        let p = m.entities.position[e] + Vec3(0, 0, m.entities.size[e].z * 0.5)
        var explosive = false, rich = false
        for sp in 0..<net.spec.species.count {
            guard let lel = net.spec.species[sp].lel, let uel = net.spec.species[sp].uel else { continue }
            let c = GasSampler.fraction(spec: net.spec, field: field, x: p.x, y: p.y, z: p.z, species: sp)
            if c >= lel && c <= uel { explosive = true; break }
            if c > uel { rich = true }
        }
        if !explosive && rich {
            // Too rich to explode: the mixture burns where it meets air (a jet or flash fire).
            events.append(Event(tick: s.tick, kind: .accident, subject: entity, code: Int32(Consequence.fire.rawValue), person: person))
            Accidents.record(m, &s, &events, .injury, subject: entity, person: 0, cause: Int32(Consequence.fire.rawValue))
            return
        }
        guard explosive else { return }
        events.append(Event(tick: s.tick, kind: .accident, subject: entity, code: Int32(Consequence.explosion.rawValue), person: person))
        let r = (s.traineePosition + Vec3(0, 0, net.breathingHeight) - p).length
        if r < net.fatalRadius {
            Accidents.record(m, &s, &events, .fatality, subject: entity, person: 0, cause: Int32(Consequence.explosion.rawValue))
        } else if r < net.injuryRadius {
            Accidents.record(m, &s, &events, .injury, subject: entity, person: 0, cause: Int32(Consequence.explosion.rawValue))
        }
        if !s.ended && m.accidents.ending.contains(.explosion) {
            s.endReason = .accident
            events.append(Event(tick: s.tick, kind: .scenarioEnded, subject: entity, code: EndReason.accident.rawValue))
        }
    }

    /// Stage 9: what the trainee breathes. Unprotected exposure accumulates a dose; above
    /// IDLH for 60 s incapacitates and for 300 s kills; more than the STEL's 15-minute dose
    /// injures; oxygen below 16 % for 60 s incapacitates and for 240 s kills.
    static func runExposure(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        guard let net = m.gas, let field = s.gas, s.traineeDead == 0 else { return }
        let dt = m.secondsPerTick
        let rate = Double(m.tickRate)
        sampleTraineeAir(net, field, &s)
        for sp in 0..<net.spec.species.count {
            let c = s.traineeAir[sp]
            let inhaled = protected(m, s, species: sp) ? 0 : c
            s.traineeConcentration[sp] = inhaled
            s.traineeDose[sp] += inhaled * dt
            let g = net.spec.species[sp]
            if let stel = g.stelPPM, s.traineeStelExceeded[sp] == 0, s.traineeDose[sp] > stel * 1e-6 * 900 {
                s.traineeStelExceeded[sp] = 1
                Accidents.record(m, &s, &events, .injury, subject: -1, person: 0, cause: Int32(sp))
            }
            if let idlh = g.idlhPPM, inhaled >= idlh * 1e-6 {
                s.traineeAboveIDLH[sp] &+= 1
                let t = s.traineeAboveIDLH[sp]
                if t == Int64(60 * rate) { incapacitate(m, &s, &events, cause: Int32(sp)) }
                if t == Int64(300 * rate) {
                    Accidents.record(m, &s, &events, .fatality, subject: -1, person: 0, cause: Int32(sp))
                }
            }
            if s.ended { return }
        }
        let o2 = protectedFromOxygenDeficiency(m, s) ? GasSpecies.airOxygenFraction : s.traineeAirOxygen
        s.traineeOxygen = o2
        if o2 < 0.16 {
            s.traineeLowOxygenTicks &+= 1
            if s.traineeLowOxygenTicks == Int64(60 * rate) { incapacitate(m, &s, &events, cause: -2) }
            if s.traineeLowOxygenTicks == Int64(240 * rate) {
                Accidents.record(m, &s, &events, .fatality, subject: -1, person: 0, cause: -2)
            }
        }
    }

    static func incapacitate(_ m: Model, _ s: inout State, _ events: inout [Event], cause: Int32) {
        guard s.traineeIncapacitated == 0 else { return }
        s.traineeIncapacitated = 1
        Accidents.record(m, &s, &events, .injury, subject: -1, person: 0, cause: cause)
        if !s.ended {
            s.endReason = .accident
            events.append(Event(tick: s.tick, kind: .scenarioEnded, subject: -1, code: EndReason.accident.rawValue))
        }
    }

    /// A worn PPE item protects against a species when its `protects` lists it (SCBA: all).
    static func protected(_ m: Model, _ s: State, species: Int) -> Bool {
        for (k, list) in m.ppeProtects.enumerated() where s.ppeWorn[k] != 0 {
            if list.contains(species) || list.contains(PPEProtection.all) { return true }
        }
        return false
    }

    static func protectedFromOxygenDeficiency(_ m: Model, _ s: State) -> Bool {
        for (k, list) in m.ppeProtects.enumerated() where s.ppeWorn[k] != 0 {
            if list.contains(PPEProtection.oxygen) || list.contains(PPEProtection.all) { return true }
        }
        return false
    }
}

/// What an exposure accident was: which gas and rule, the measure that tripped it, and where.
/// Derived from the accident event and the state of the tick it happened in (no extra state).
public struct ExposureAccident: Sendable, Equatable {
    public enum Rule: Sendable, Equatable {
        /// Inhaled dose passed the STEL's 15-minute dose (STEL ppm × 15 min): injury.
        case stelDose
        /// 60 s above IDLH: incapacitated (injury); 300 s: fatality.
        case idlh(seconds: Double)
        /// Oxygen below 16 %: 60 s incapacitates, 240 s kills.
        case lowOxygen(seconds: Double)
    }
    /// Species index, or -2 for oxygen.
    public var species: Int
    public var gas: String
    public var rule: Rule
    /// Inhaled dose at the accident, ppm·min (0 for oxygen).
    public var doseppmMinutes: Double
    /// Inhaled concentration at the accident: ppm, or %vol for oxygen.
    public var inhaled: Double
    /// The trainee's zone (entity row, -1 for none) and breathing-zone position.
    public var zone: Int32
    public var position: Vec3

    /// The details of an accident event from `GasStage.runExposure`, or nil for any other accident.
    public static func from(_ e: Event, model m: Model, state s: State) -> ExposureAccident? {
        guard e.kind == .accident, e.subject == -1, e.person == 0, let net = m.gas else { return nil }
        let c = Consequence(rawValue: UInt8(truncatingIfNeeded: e.code))
        guard c == .injury || c == .fatality else { return nil }
        let where_ = s.traineePosition + Vec3(0, 0, net.breathingHeight)
        let rate = Double(m.tickRate)
        if e.detail == -2 {
            return ExposureAccident(species: -2, gas: "O2", rule: .lowOxygen(seconds: Double(s.traineeLowOxygenTicks) / rate),
                                    doseppmMinutes: 0, inhaled: s.traineeOxygen * 100, zone: s.traineeZone, position: where_)
        }
        let sp = Int(e.detail)
        guard sp >= 0, sp < net.spec.species.count, sp < s.traineeDose.count else { return nil }
        let ticks = s.traineeAboveIDLH[sp]
        // The IDLH rules fire exactly at 60 s and 300 s above it; anything else is the STEL dose.
        let idlh = ticks == Int64(60 * rate) || ticks == Int64(300 * rate)
        return ExposureAccident(species: sp, gas: net.spec.species[sp].name,
                                rule: idlh ? .idlh(seconds: Double(ticks) / rate) : .stelDose,
                                doseppmMinutes: s.traineeDose[sp] * 1e6 / 60, inhaled: s.traineeConcentration[sp] * 1e6,
                                zone: s.traineeZone, position: where_)
    }
}

/// Codes in `Model.ppeProtects` besides species indices.
public enum PPEProtection {
    /// Breathing air supply (SCBA): every gas and oxygen deficiency.
    public static let all = -1
    /// Oxygen deficiency only.
    public static let oxygen = -2
    /// Arc-flash suit: an arc flash injures instead of killing.
    public static let arcFlash = -3
    /// Insulating gloves and boots: an electric shock injures instead of killing.
    public static let shock = -4

    /// Whether any worn PPE item carries this protection code.
    static func worn(_ m: Model, _ s: State, _ code: Int) -> Bool {
        for (k, list) in m.ppeProtects.enumerated() where s.ppeWorn[k] != 0 && list.contains(code) { return true }
        return false
    }
}
