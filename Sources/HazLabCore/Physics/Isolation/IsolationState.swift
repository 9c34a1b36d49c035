/// Energy isolation (lockout–tagout) — the dynamic part and its operations.

public enum ReleaseCause: UInt8, Sendable, CaseIterable {
    /// An isolation point left its safe position: the source is fed again.
    case reEnergised = 1
    /// Someone started the equipment while its source was not isolated.
    case unexpectedStart
    /// Containment was broken (flange opened, guard removed) before zero energy.
    case residualRelease
    /// Containment was broken on a source that is not isolated at all.
    case workedLive

    public var name: String {
        switch self {
        case .reEnergised: return "re-energised"
        case .unexpectedStart: return "unexpected-start"
        case .residualRelease: return "residual-release"
        case .workedLive: return "worked-live"
        }
    }
}

public enum IsolationEvent: Sendable, Equatable {
    /// Every isolation point of the source is now safe.
    case isolated(source: Int32)
    /// An isolation point left its safe position: the source is energised again.
    case deIsolated(source: Int32)
    /// The residual of an isolated source fell to its zero threshold (dissipation done).
    case residualDissipated(source: Int32)
    /// A locked point was found out of its safe position (the caller skipped `canMove`, or a
    /// scripted fault forced it). The position is accepted: physics does not respect locks.
    case lockedPointMoved(point: Int32)
    /// A tagged point changed position.
    case taggedPointOperated(point: Int32)
    /// A start attempt failed because the source is isolated: "try-out confirmed isolation".
    case tryOutConfirmedIsolation(source: Int32, by: Int32)
    /// A start attempt succeeded: the source was not isolated.
    case equipmentStarted(source: Int32, by: Int32)
    /// Hazardous energy was released (someone may or may not have been in the zone).
    case energyReleased(source: Int32, cause: ReleaseCause)
    /// A person inside the danger zone when energy was released.
    case injury(person: Int32, source: Int32, cause: ReleaseCause)
}

/// Why a lock/tag/move request was refused. Names match the core's `RejectReason` names.
public enum LockoutRefusal: UInt8, Sendable, CaseIterable {
    case locked = 1          // only the requester's own lock is on the point: remove it first
    case lockedByOther       // someone else's lock is on the point
    case notLocked           // removing a lock the requester does not hold
    case alreadyLocked       // the requester already holds a lock (or tag) there
    case notInSafePosition   // locks go on isolation points in their safe position only
    case unknownPerson
    case unknownPoint

    public var name: String {
        switch self {
        case .locked: return "locked"
        case .lockedByOther: return "locked-by-other"
        case .notLocked: return "not-locked"
        case .alreadyLocked: return "already-locked"
        case .notInSafePosition: return "invalid-value"
        case .unknownPerson: return "unknown-person"
        case .unknownPoint: return "unknown-target"
        }
    }
}

public enum LockoutResult: Sendable, Equatable {
    case ok
    case refused(LockoutRefusal)
}

public struct IsolationState: Sendable, Hashable {
    /// Per point: in its safe position, as given to the last `update` (or `init`).
    public private(set) var safe: ContiguousArray<UInt8>
    /// Per source: every isolating point safe.
    public private(set) var isolated: ContiguousArray<UInt8>
    /// Per source: stored energy level in the kind's unit (= magnitude while fed).
    public private(set) var residual: ContiguousArray<Double>
    /// Per source: zero energy was verified, and the source has stayed isolated since.
    public private(set) var verified: ContiguousArray<UInt8>
    /// Per point × person (`point * personCount + person`): the person's lock is on it.
    public private(set) var locks: ContiguousArray<UInt8>
    /// Per point × person: the person's tag is on it.
    public private(set) var tags: ContiguousArray<UInt8>

    /// - Parameter safe: initial position of every point. A source isolated from the start
    ///   holds its `residualOnIsolation`.
    public init(_ spec: IsolationSpec, safe: [Bool]) {
        precondition(safe.count == spec.points.count, "safe must have one entry per isolation point")
        self.safe = ContiguousArray(safe.map { $0 ? 1 : 0 })
        let ns = spec.sources.count
        isolated = ContiguousArray(repeating: 0, count: ns)
        residual = ContiguousArray(repeating: 0, count: ns)
        verified = ContiguousArray(repeating: 0, count: ns)
        locks = ContiguousArray(repeating: 0, count: spec.points.count * spec.personCount)
        tags = locks
        for s in 0..<ns {
            let iso = Self.allSafe(spec, s, self.safe)
            isolated[s] = iso ? 1 : 0
            residual[s] = iso ? spec.sources[s].residualOnIsolation : spec.sources[s].magnitude
        }
    }

    static func allSafe(_ spec: IsolationSpec, _ s: Int, _ safe: ContiguousArray<UInt8>) -> Bool {
        for k in Int(spec.isoStart[s])..<Int(spec.isoStart[s + 1]) where safe[Int(spec.isoPoint[k])] == 0 {
            return false
        }
        return true
    }

    // MARK: queries

    public func isIsolated(_ source: Int) -> Bool { isolated[source] != 0 }

    /// Isolated and residual at or below the threshold: safe to work on (before verification).
    public func isZeroEnergy(_ spec: IsolationSpec, _ source: Int) -> Bool {
        isolated[source] != 0 && residual[source] <= spec.sources[source].zeroThreshold
    }

    public func lockCount(_ spec: IsolationSpec, point: Int) -> Int {
        var n = 0
        for p in 0..<spec.personCount where locks[point * spec.personCount + p] != 0 { n += 1 }
        return n
    }

    public func holdsLock(_ spec: IsolationSpec, point: Int, person: Int) -> Bool {
        locks[point * spec.personCount + person] != 0
    }

    public func isTagged(_ spec: IsolationSpec, point: Int) -> Bool {
        for p in 0..<spec.personCount where tags[point * spec.personCount + p] != 0 { return true }
        return false
    }

    /// Persons (ascending) whose zone lies in the danger zone of `source`.
    public func peopleInDanger(_ spec: IsolationSpec, source: Int, personZone: [Int32]) -> [Int32] {
        var out: [Int32] = []
        for p in 0..<personZone.count where spec.inDangerZone(source: source, zone: personZone[p]) {
            out.append(Int32(p))
        }
        return out
    }

    // MARK: locks and tags

    /// May `person` move `point` to the given position? Moving to the safe position is always
    /// allowed. Moving out of it is refused while any lock is on the point: `.lockedByOther`
    /// if someone else's lock is there, `.locked` if only the person's own.
    public func canMove(_ spec: IsolationSpec, point: Int, toSafe: Bool, person: Int) -> LockoutResult {
        guard point >= 0 && point < spec.points.count else { return .refused(.unknownPoint) }
        if toSafe { return .ok }
        var own = false
        for p in 0..<spec.personCount where locks[point * spec.personCount + p] != 0 {
            if p == person { own = true } else { return .refused(.lockedByOther) }
        }
        return own ? .refused(.locked) : .ok
    }

    /// Applies `person`'s lock. The point must be in its safe position (as last updated).
    public mutating func applyLock(_ spec: IsolationSpec, point: Int, person: Int) -> LockoutResult {
        guard point >= 0 && point < spec.points.count else { return .refused(.unknownPoint) }
        guard person >= 0 && person < spec.personCount else { return .refused(.unknownPerson) }
        let i = point * spec.personCount + person
        if locks[i] != 0 { return .refused(.alreadyLocked) }
        if safe[point] == 0 { return .refused(.notInSafePosition) }
        locks[i] = 1
        return .ok
    }

    /// Removes `person`'s own lock; nobody can remove another person's lock.
    public mutating func removeLock(_ spec: IsolationSpec, point: Int, person: Int) -> LockoutResult {
        guard point >= 0 && point < spec.points.count else { return .refused(.unknownPoint) }
        guard person >= 0 && person < spec.personCount else { return .refused(.unknownPerson) }
        let i = point * spec.personCount + person
        if locks[i] == 0 { return .refused(lockCount(spec, point: point) > 0 ? .lockedByOther : .notLocked) }
        locks[i] = 0
        return .ok
    }

    public mutating func applyTag(_ spec: IsolationSpec, point: Int, person: Int) -> LockoutResult {
        guard point >= 0 && point < spec.points.count else { return .refused(.unknownPoint) }
        guard person >= 0 && person < spec.personCount else { return .refused(.unknownPerson) }
        let i = point * spec.personCount + person
        if tags[i] != 0 { return .refused(.alreadyLocked) }
        tags[i] = 1
        return .ok
    }

    public mutating func removeTag(_ spec: IsolationSpec, point: Int, person: Int) -> LockoutResult {
        guard point >= 0 && point < spec.points.count else { return .refused(.unknownPoint) }
        guard person >= 0 && person < spec.personCount else { return .refused(.unknownPerson) }
        let i = point * spec.personCount + person
        if tags[i] == 0 { return .refused(.notLocked) }
        tags[i] = 0
        return .ok
    }

    // MARK: per-step update

    /// Advances by `dt` seconds with the points in positions `safe` (one flag per point) and
    /// each person in zone `personZone[p]` (-1 = nowhere). Order: points in row order
    /// (lock/tag events), then sources in row order (isolation changes, releases, decay).
    ///
    /// Residual while isolated decays exactly as r·e^(−k·dt), with k the sum of the source's
    /// natural rate (1/decaySeconds) and the rates (1/dissipationSeconds) of its dissipating
    /// points in their safe position; a zero-time dissipating point empties it at once.
    /// A source is not decayed in the update that isolates it.
    public mutating func update(_ spec: IsolationSpec, safe newSafe: [Bool], personZone: [Int32],
                                dt: Double) -> [IsolationEvent] {
        precondition(newSafe.count == spec.points.count, "safe must have one entry per isolation point")
        var events: [IsolationEvent] = []
        for pt in 0..<spec.points.count {
            let now: UInt8 = newSafe[pt] ? 1 : 0
            if now == safe[pt] { continue }
            if now == 0 && lockCount(spec, point: pt) > 0 { events.append(.lockedPointMoved(point: Int32(pt))) }
            if isTagged(spec, point: pt) { events.append(.taggedPointOperated(point: Int32(pt))) }
            safe[pt] = now
        }
        for s in 0..<spec.sources.count {
            let src = spec.sources[s]
            let was = isolated[s] != 0
            let iso = Self.allSafe(spec, s, safe)
            if was && !iso {
                isolated[s] = 0
                verified[s] = 0
                residual[s] = src.magnitude
                events.append(.deIsolated(source: Int32(s)))
                release(spec, s, .reEnergised, personZone, &events)
            } else if !was && iso {
                isolated[s] = 1
                residual[s] = src.residualOnIsolation
                events.append(.isolated(source: Int32(s)))
            } else if iso {
                let before = residual[s]
                var rate = src.decaySeconds > 0 ? 1 / src.decaySeconds : 0
                var instant = false
                for k in Int(spec.dissStart[s])..<Int(spec.dissStart[s + 1]) {
                    let p = Int(spec.dissPoint[k])
                    guard safe[p] != 0 else { continue }
                    let tau = spec.points[p].dissipationSeconds
                    if tau > 0 { rate += 1 / tau } else { instant = true }
                }
                if instant { residual[s] = 0 } else if rate > 0 && dt > 0 { residual[s] = before * DetMath.exp(-rate * dt) }
                if before > src.zeroThreshold && residual[s] <= src.zeroThreshold {
                    events.append(.residualDissipated(source: Int32(s)))
                }
            } else {
                residual[s] = src.magnitude
            }
        }
        return events
    }

    private func release(_ spec: IsolationSpec, _ s: Int, _ cause: ReleaseCause, _ personZone: [Int32],
                         _ events: inout [IsolationEvent]) {
        events.append(.energyReleased(source: Int32(s), cause: cause))
        for p in peopleInDanger(spec, source: s, personZone: personZone) {
            events.append(.injury(person: p, source: Int32(s), cause: cause))
        }
    }

    // MARK: checks and work actions

    /// The explicit "verify zero energy" check (验证零能量): true only when the source is
    /// isolated AND its residual is at or below the zero threshold. Records the result; a
    /// verification stays valid until the source is de-isolated.
    public mutating func verifyZeroEnergy(_ spec: IsolationSpec, source: Int) -> Bool {
        let ok = isZeroEnergy(spec, source)
        verified[source] = ok ? 1 : 0
        return ok
    }

    /// Someone (`by`, a person row) tries to start the equipment fed by `source`.
    /// Isolated: the start fails — `.tryOutConfirmedIsolation`. Not isolated: it starts —
    /// `.equipmentStarted`, and if anyone is in the danger zone an unexpected-start release
    /// with an injury per person in the zone. Pure: starting the machine is the caller's job.
    public func attemptStart(_ spec: IsolationSpec, source: Int, by person: Int32, personZone: [Int32]) -> [IsolationEvent] {
        if isolated[source] != 0 { return [.tryOutConfirmedIsolation(source: Int32(source), by: person)] }
        var events: [IsolationEvent] = [.equipmentStarted(source: Int32(source), by: person)]
        if !peopleInDanger(spec, source: source, personZone: personZone).isEmpty {
            release(spec, source, .unexpectedStart, personZone, &events)
        }
        return events
    }

    /// Someone breaks containment on `source` (opens a flange, removes a guard, touches a
    /// conductor). Without zero energy the stored (or fed) energy is released: an injury per
    /// person in the danger zone, and an isolated source's residual drops to zero.
    /// With zero energy nothing happens (empty result).
    public mutating func breakContainment(_ spec: IsolationSpec, source: Int, personZone: [Int32]) -> [IsolationEvent] {
        if isZeroEnergy(spec, source) { return [] }
        var events: [IsolationEvent] = []
        release(spec, source, isolated[source] != 0 ? .residualRelease : .workedLive, personZone, &events)
        if isolated[source] != 0 { residual[source] = 0 }
        return events
    }

    /// Canonical bytes, in field order: safe, isolated, residual, verified, locks, tags.
    public func hash(into h: inout StateHasher) {
        h.array(safe); h.array(isolated); h.array(residual); h.array(verified); h.array(locks); h.array(tags)
    }
}
