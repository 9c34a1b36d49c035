import Foundation

/// The outbox: payloads (e.g. xAPI statements) per destination, delivered by an exporter and
/// tracked per attempt in `exports`. Exporters use only this API:
///
///     try store.enqueue(attempt: "a1", destination: "lrs", items: [(id: stmtId, payload: json)], actor: "ops")
///     for item in try store.pending(destination: "lrs", limit: 50) {
///         … send item.payload …
///         try store.markDelivered(item.seq)          // or:
///         try store.markFailed(item.seq, error: "HTTP 503", retryAfter: 60)
///         try store.markConflict(item.seq, error: "LRS holds a different statement with this id")
///     }
///     let summary = try store.exportStatus()
extension ResultsStore {
    public enum ExportStatus: String, Sendable, CaseIterable {
        case pending, delivered, failed, conflict
        /// Held back alone: an item is invalid or the receiver refused it for good (4xx).
        case quarantined
    }

    public struct OutboxItem: Sendable, Equatable {
        /// The handle for `markDelivered` / `markFailed` / `markConflict`.
        public var seq: Int64
        public var destination: String
        /// The exporter's id of the payload (e.g. the xAPI statement id); unique per destination.
        public var id: String
        public var attempt: String
        public var payload: String
        /// Delivery attempts so far.
        public var tries: Int
    }

    public struct DestinationSummary: Sendable, Equatable {
        public var destination: String
        /// Attempts by export status.
        public var pending = 0, delivered = 0, failed = 0, conflict = 0, quarantined = 0
        /// Outbox items not yet delivered.
        public var queuedItems = 0
        /// The latest errors: (attempt, status, error, when), newest first.
        public var lastErrors: [(attempt: String, status: String, error: String, at: String)] = []

        public static func == (a: Self, b: Self) -> Bool {
            a.destination == b.destination && a.pending == b.pending && a.delivered == b.delivered && a.failed == b.failed
                && a.conflict == b.conflict && a.quarantined == b.quarantined && a.queuedItems == b.queuedItems
                && a.lastErrors.map { "\($0)" } == b.lastErrors.map { "\($0)" }
        }
    }

    /// Queues `items` for `destination` and marks the attempt pending there. The attempt must
    /// be in the store. Re-queuing an item with the same id and payload is a no-op; the same id
    /// with another payload is refused (one truth per statement).
    public func enqueue(attempt: String, destination: String, items: [(id: String, payload: String)], actor: String) throws {
        try db.transaction {
            guard try db.scalar("SELECT 1 FROM attempts WHERE attempt = ?", [attempt]) != nil else {
                throw StoreError.io(path: path, "cannot export attempt '\(attempt)': it is not in the store")
            }
            let now = clock()
            var added = 0
            for item in items {
                if let old = try db.query("SELECT payload FROM outbox WHERE destination = ? AND item = ?", [destination, item.id]).first {
                    if old[0].string == item.payload { continue }
                    throw StoreError.io(path: path, "outbox item '\(item.id)' for \(destination) already queued with a different payload")
                }
                try db.run("""
                    INSERT INTO outbox (destination, item, attempt, payload, status, tries, next_try_at, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)
                    """, [destination, item.id, attempt, item.payload, now, now, now])
                added += 1
            }
            // Nothing new (the same items queued again): the status stays as it is.
            guard added > 0 else { return }
            try db.run("""
                INSERT INTO exports (attempt, destination, status, tries, updated_at) VALUES (?, ?, 'pending', 0, ?)
                ON CONFLICT (attempt, destination) DO UPDATE SET status = 'pending', updated_at = excluded.updated_at
                """, [attempt, destination, now])
            try audit(actor: actor, action: "export-queued", subject: attempt, detail: "\(added) item(s) for \(destination)")
        }
    }

    /// What `pending` runs: it must walk `outbox_waiting`, never the delivered rows.
    static let pendingSQL = """
        SELECT seq, destination, item, attempt, payload, tries FROM outbox
        WHERE destination = ?1 AND status IN ('pending', 'failed') AND (status = 'pending' OR next_try_at <= ?2)
        ORDER BY seq LIMIT ?3
        """
    /// What `overallStatus` runs: one attempt's rows only.
    static let attemptStatusSQL = "SELECT DISTINCT status FROM outbox INDEXED BY outbox_attempt WHERE attempt = ? AND destination = ?"

    /// Items due for `destination`, oldest first: pending ones, and failed ones whose retry
    /// time has come. Conflicts wait for a person.
    public func pending(destination: String, limit: Int = 100, now: String? = nil) throws -> [OutboxItem] {
        let at = now ?? clock()
        return try db.query(Self.pendingSQL, [destination, at, limit]).map {
            OutboxItem(seq: $0[0].int ?? 0, destination: $0[1].string ?? "", id: $0[2].string ?? "", attempt: $0[3].string ?? "",
                       payload: $0[4].string ?? "", tries: Int($0[5].int ?? 0))
        }
    }

    public func markDelivered(_ seq: Int64, actor: String = "exporter") throws {
        try mark(seq, .delivered, error: nil, retryAfter: 0, actor: actor)
    }

    /// A failed delivery: retried by `pending` after `retryAfter` seconds.
    public func markFailed(_ seq: Int64, error: String, retryAfter: Double, actor: String = "exporter") throws {
        try mark(seq, .failed, error: error, retryAfter: retryAfter, actor: actor)
    }

    /// The destination holds something different for this item: needs a person.
    public func markConflict(_ seq: Int64, error: String, actor: String = "exporter") throws {
        try mark(seq, .conflict, error: error, retryAfter: 0, actor: actor)
    }

    private func mark(_ seq: Int64, _ status: ExportStatus, error: String?, retryAfter: Double, actor: String) throws {
        try db.transaction {
            guard let row = try db.query("SELECT attempt, destination FROM outbox WHERE seq = ?", [seq]).first,
                  let attempt = row[0].string, let destination = row[1].string else {
                throw StoreError.io(path: path, "no outbox item \(seq)")
            }
            let now = clock()
            let next = ResultsStore.timestamp(after: retryAfter, from: now)
            try db.run("UPDATE outbox SET status = ?, tries = tries + 1, last_error = ?, next_try_at = ?, updated_at = ? WHERE seq = ?",
                       [status.rawValue, error, next, now, seq])
            let overall = try overallStatus(attempt: attempt, destination: destination)
            try db.run("""
                UPDATE exports SET status = ?1, tries = tries + 1,
                    last_error = CASE WHEN ?1 = 'delivered' THEN NULL ELSE coalesce(?2, last_error) END, updated_at = ?3
                WHERE attempt = ?4 AND destination = ?5
                """, [overall.rawValue, error, now, attempt, destination])
            if status == .delivered && overall == .delivered {
                try audit(actor: actor, action: "exported", subject: attempt, detail: "delivered to \(destination)")
            }
            if status == .conflict {
                try audit(actor: actor, action: "export-conflict", subject: attempt, detail: "\(destination): \(error ?? "")")
            }
        }
    }

    /// The attempt's status at the destination from its items' (superseded ones left out):
    /// quarantined > conflict > failed > pending > delivered.
    func overallStatus(attempt: String, destination: String) throws -> ExportStatus {
        let states = Set(try db.query(Self.attemptStatusSQL, [attempt, destination])
            .compactMap { $0[0].string })
        return states.contains("quarantined") ? .quarantined : states.contains("conflict") ? .conflict : states.contains("failed") ? .failed
            : states.contains("pending") ? .pending : .delivered
    }

    /// Items delivered together (one batch): one transaction, one UPDATE per item and one
    /// status update and audit row per attempt that is now wholly delivered.
    public func markDelivered(_ seqs: [Int64], actor: String = "exporter") throws {
        guard !seqs.isEmpty else { return }
        try db.transaction {
            let now = clock()
            let update = try db.prepare("UPDATE outbox SET status = 'delivered', tries = tries + 1, last_error = NULL, updated_at = ? WHERE seq = ?")
            let owner = try db.prepare("SELECT attempt, destination FROM outbox WHERE seq = ?")
            var touched: [(String, String)] = [], seen = Set<String>()
            for seq in seqs {
                update.reset(); try update.bind([now, seq]); _ = try update.step()
                owner.reset(); try owner.bind([seq])
                if try owner.step(), let a = owner.column(0).string, let d = owner.column(1).string, seen.insert(a + "\u{0}" + d).inserted {
                    touched.append((a, d))
                }
            }
            for (attempt, destination) in touched {
                let overall = try overallStatus(attempt: attempt, destination: destination)
                try db.run("""
                    UPDATE exports SET status = ?1, tries = tries + 1,
                        last_error = CASE WHEN ?1 = 'delivered' THEN NULL ELSE last_error END, updated_at = ?2
                    WHERE attempt = ?3 AND destination = ?4
                    """, [overall.rawValue, now, attempt, destination])
                if overall == .delivered {
                    try audit(actor: actor, action: "exported", subject: attempt, detail: "delivered to \(destination)")
                }
            }
        }
    }

    /// Holds one attempt back at `destination`: its undelivered items are not sent, the
    /// attempt's export status is `quarantined` with the reason (shown by `export --status`),
    /// and an `export-quarantined` audit row is written. Other attempts are not affected.
    public func quarantine(attempt: String, destination: String, reason: String, actor: String = "exporter") throws {
        try db.transaction {
            guard try db.scalar("SELECT 1 FROM attempts WHERE attempt = ?", [attempt]) != nil else {
                throw StoreError.io(path: path, "cannot quarantine attempt '\(attempt)': it is not in the store")
            }
            let now = clock()
            try db.run("""
                UPDATE outbox SET status = 'quarantined', last_error = ?, updated_at = ?
                WHERE attempt = ? AND destination = ? AND status IN ('pending', 'failed', 'conflict')
                """, [reason, now, attempt, destination])
            try db.run("""
                INSERT INTO exports (attempt, destination, status, tries, last_error, updated_at) VALUES (?1, ?2, 'quarantined', 0, ?3, ?4)
                ON CONFLICT (attempt, destination) DO UPDATE SET status = 'quarantined', last_error = ?3, updated_at = ?4
                """, [attempt, destination, reason, now])
            try audit(actor: actor, action: "export-quarantined", subject: attempt, detail: "\(destination): \(reason)")
        }
    }

    /// Every item of one attempt at `destination`, in enqueue order: (seq, id, status).
    public func items(attempt: String, destination: String) throws -> [(seq: Int64, id: String, status: String)] {
        try db.query("SELECT seq, item, status FROM outbox WHERE attempt = ? AND destination = ? ORDER BY seq", [attempt, destination])
            .map { ($0[0].int ?? 0, $0[1].string ?? "", $0[2].string ?? "") }
    }

    /// Items of a result that a regrade replaced, not yet delivered: never sent.
    public func markSuperseded(_ seqs: [Int64], actor: String = "exporter") throws {
        guard !seqs.isEmpty else { return }
        try db.transaction {
            let now = clock()
            for seq in seqs {
                try db.run("UPDATE outbox SET status = 'superseded', updated_at = ? WHERE seq = ? AND status != 'delivered'", [now, seq])
            }
        }
    }

    /// `now + seconds` in the store's timestamp form, without a date formatter (one formatter per
    /// call cost more than the write it timed).
    static func timestamp(after seconds: Double, from now: String) -> String {
        guard let ms = ExportTime.parseISO8601(now) else { return now }
        return ExportTime.iso8601(millis: ms + Int64((max(0, seconds) * 1000).rounded()))
    }

    /// Per destination (sorted by name): attempts by export status, queued items, and the last
    /// `errors` errors.
    public func exportStatus(errors: Int = 3) throws -> [DestinationSummary] {
        var out: [DestinationSummary] = []
        let destinations = try db.query("SELECT DISTINCT destination FROM exports ORDER BY destination").compactMap { $0[0].string }
        for d in destinations {
            var s = DestinationSummary(destination: d)
            for row in try db.query("SELECT status, count(*) FROM exports WHERE destination = ? GROUP BY status", [d]) {
                let n = Int(row[1].int ?? 0)
                switch ExportStatus(rawValue: row[0].string ?? "") {
                case .pending: s.pending = n
                case .delivered: s.delivered = n
                case .failed: s.failed = n
                case .conflict: s.conflict = n
                case .quarantined: s.quarantined = n
                case nil: break
                }
            }
            s.queuedItems = Int(try db.scalar("SELECT count(*) FROM outbox WHERE destination = ? AND status NOT IN ('delivered', 'superseded')", [d])?.int ?? 0)
            s.lastErrors = try db.query("""
                SELECT attempt, status, last_error, updated_at FROM exports
                WHERE destination = ? AND status IN ('failed', 'conflict', 'quarantined') AND last_error IS NOT NULL
                ORDER BY updated_at DESC, attempt LIMIT ?
                """, [d, errors]).map { ($0[0].string ?? "", $0[1].string ?? "", $0[2].string ?? "", $0[3].string ?? "") }
            out.append(s)
        }
        return out
    }
}
