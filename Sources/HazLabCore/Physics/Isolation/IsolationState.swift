/// Energy isolation (lockout–tagout) — the dynamic part and its operations.

public enum ReleaseCause: UInt8, Sendable, CaseIterable {
    /// An isolation point left its safe position: the source is fed again.
    case reEnergised = 1

    public var name: String { "re-energised" }
}

public enum IsolationEvent: Sendable, Equatable {
    /// Every isolation point of the source is now safe.
    case isolated(source: Int32)
    /// An isolation point left its safe position: the source is energised again.
    case deIsolated(source: Int32)
    /// The residual of an isolated source fell to its zero threshold (dissipation done).
    case residualDissipated(source: Int32)
    /// Hazardous energy was released (someone may or may not have been in the zone).
    case energyReleased(source: Int32, cause: ReleaseCause)
    /// A person inside the danger zone when energy was released.
    case injury(person: Int32, source: Int32, cause: ReleaseCause)
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
    /// Points × persons: the length of the per-point lock and tag arrays that format 1 of the
    /// state hash covered (always zero: the step's locks are `State.lockOwner` and `tagged`).
    let legacyLockSlots: Int

    /// - Parameter safe: initial position of every point. A source isolated from the start
    ///   holds its `residualOnIsolation`.
    public init(_ spec: IsolationSpec, safe: [Bool]) {
        precondition(safe.count == spec.points.count, "safe must have one entry per isolation point")
        self.safe = ContiguousArray(safe.map { $0 ? 1 : 0 })
        let ns = spec.sources.count
        isolated = ContiguousArray(repeating: 0, count: ns)
        residual = ContiguousArray(repeating: 0, count: ns)
        verified = ContiguousArray(repeating: 0, count: ns)
        legacyLockSlots = spec.points.count * spec.personCount
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

    // MARK: per-step update

    /// Advances by `dt` seconds with the points in positions `safe` (one flag per point) and
    /// each person in zone `personZone[p]` (-1 = nowhere); returns the events of `advance`.
    public mutating func update(_ spec: IsolationSpec, safe newSafe: [Bool], personZone: [Int32],
                                dt: Double) -> [IsolationEvent] {
        precondition(newSafe.count == spec.points.count, "safe must have one entry per isolation point")
        for pt in 0..<spec.points.count { setSafe(pt, newSafe[pt]) }
        var events: [IsolationEvent] = []
        advance(spec, dt: dt, personCount: personZone.count, personZone: { personZone[$0] }) { events.append($0) }
        return events
    }

    /// Records whether isolation point `point` is in its safe position (before `advance`).
    public mutating func setSafe(_ point: Int, _ isSafe: Bool) { safe[point] = isSafe ? 1 : 0 }

    /// Advances by `dt` seconds from the positions given to `setSafe`, with person `p` in zone
    /// `personZone(p)` (-1 = nowhere). Sources change in row order (isolation changes,
    /// releases, decay); each event goes to `emit` as it happens, so the step allocates nothing.
    ///
    /// Residual while isolated decays exactly as r·e^(−k·dt), with k the sum of the source's
    /// natural rate (1/decaySeconds) and the rates (1/dissipationSeconds) of its dissipating
    /// points in their safe position; a zero-time dissipating point empties it at once.
    /// A source is not decayed in the update that isolates it.
    public mutating func advance(_ spec: IsolationSpec, dt: Double, personCount: Int, personZone: (Int) -> Int32,
                                 emit: (IsolationEvent) -> Void) {
        for s in 0..<spec.sources.count {
            let src = spec.sources[s]
            let was = isolated[s] != 0
            let iso = Self.allSafe(spec, s, safe)
            if was && !iso {
                isolated[s] = 0
                verified[s] = 0
                residual[s] = src.magnitude
                emit(.deIsolated(source: Int32(s)))
                emit(.energyReleased(source: Int32(s), cause: .reEnergised))
                for p in 0..<personCount where spec.inDangerZone(source: s, zone: personZone(p)) {
                    emit(.injury(person: Int32(p), source: Int32(s), cause: .reEnergised))
                }
            } else if !was && iso {
                isolated[s] = 1
                residual[s] = src.residualOnIsolation
                emit(.isolated(source: Int32(s)))
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
                    emit(.residualDissipated(source: Int32(s)))
                }
            } else if residual[s] != src.magnitude {
                residual[s] = src.magnitude
            }
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

    /// Format 1's bytes, in field order: safe, isolated, residual, verified, then the two
    /// all-zero lock and tag arrays it covered.
    func legacyHash(into h: inout StateHasher) {
        h.array(safe); h.array(isolated); h.array(residual); h.array(verified)
        for _ in 0..<2 {
            h.u64(UInt64(legacyLockSlots))
            for _ in 0..<legacyLockSlots { h.byte(0) }
        }
    }
}
