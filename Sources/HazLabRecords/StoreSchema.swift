import Foundation

/// The results store's schema as ordered migrations. Each migration runs once, in its own
/// transaction, and is recorded in `schema_migrations`; `PRAGMA user_version` mirrors the
/// latest version and `PRAGMA application_id` marks the file as a HazLab store.
/// Never edit a released migration: add a new one.
public enum StoreSchema {
    /// 'HZLB' — written into the SQLite header, so `file(1)` and `restore` can tell a store.
    public static let applicationID: Int32 = 0x485A_4C42

    public struct Migration: Sendable {
        public var version: Int
        public var name: String
        public var sql: String
    }

    public static var currentVersion: Int { migrations.last?.version ?? 0 }

    public static let migrations: [Migration] = [
        Migration(version: 1, name: "attempts, results and audit", sql: """
        CREATE TABLE attempts (
            attempt          TEXT PRIMARY KEY NOT NULL,
            student          TEXT NOT NULL,
            workstation      TEXT NOT NULL,
            scenario         TEXT NOT NULL,
            scenario_sha256  TEXT NOT NULL,
            engine           TEXT NOT NULL,
            seed             TEXT NOT NULL,          -- exact decimal text of the UInt64
            mode             TEXT NOT NULL,
            total            REAL NOT NULL,
            max              REAL NOT NULL,
            passed           INTEGER NOT NULL CHECK (passed IN (0, 1)),
            evaluation       TEXT NOT NULL,
            duration         REAL NOT NULL,          -- seconds
            state_hash       TEXT NOT NULL,
            journal          TEXT NOT NULL,          -- path as given to `hazlab grade`
            journal_sha256   TEXT NOT NULL,
            record           TEXT NOT NULL,          -- the grader's JSON record, verbatim
            record_sha256    TEXT NOT NULL,          -- identity of the result (see Docs/store.md)
            graded_at        TEXT NOT NULL,
            graded_by        TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX attempts_scenario ON attempts (scenario, attempt);
        CREATE INDEX attempts_student ON attempts (student);

        CREATE TABLE step_results (
            attempt     TEXT NOT NULL REFERENCES attempts (attempt) ON DELETE CASCADE,
            seq         INTEGER NOT NULL,
            step        TEXT NOT NULL,
            completed   INTEGER NOT NULL,
            score       REAL NOT NULL,
            max_score   REAL NOT NULL,
            seconds     REAL,                        -- NULL when never completed
            evaluation  TEXT NOT NULL,
            out_of_order INTEGER NOT NULL,
            hint_used   INTEGER NOT NULL,
            PRIMARY KEY (attempt, seq)
        ) WITHOUT ROWID;

        CREATE TABLE deductions (
            attempt  TEXT NOT NULL REFERENCES attempts (attempt) ON DELETE CASCADE,
            n        INTEGER NOT NULL,               -- order in the record
            tick     INTEGER NOT NULL,
            seconds  REAL NOT NULL,
            cause    TEXT NOT NULL,                  -- rule, hazard, violation, accident, ...
            subject  TEXT NOT NULL,
            detail   TEXT NOT NULL,
            points   REAL NOT NULL,
            veto     INTEGER NOT NULL,
            PRIMARY KEY (attempt, n)
        ) WITHOUT ROWID;
        CREATE VIEW violations AS
            SELECT * FROM deductions WHERE cause IN ('violation', 'accident', 'hazard', 'rule') OR veto = 1;

        CREATE TABLE audit (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            at       TEXT NOT NULL,
            actor    TEXT NOT NULL,
            action   TEXT NOT NULL,
            subject  TEXT NOT NULL,
            detail   TEXT NOT NULL
        );
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """),
        Migration(version: 2, name: "quality, history, exports and outbox", sql: """
        CREATE TABLE quality_results (
            attempt   TEXT NOT NULL REFERENCES attempts (attempt) ON DELETE CASCADE,
            quality   TEXT NOT NULL,
            score     REAL NOT NULL,
            max_score REAL NOT NULL,
            fraction_in_band REAL NOT NULL,
            excursions INTEGER NOT NULL,
            PRIMARY KEY (attempt, quality)
        ) WITHOUT ROWID;
        INSERT INTO quality_results (attempt, quality, score, max_score, fraction_in_band, excursions)
            SELECT a.attempt, json_extract(q.value, '$.id'), json_extract(q.value, '$.score'),
                   json_extract(q.value, '$.maxScore'), json_extract(q.value, '$.fractionInBand'),
                   json_extract(q.value, '$.excursions')
            FROM attempts a, json_each(a.record, '$.quality') q;

        -- Superseded results: every record an explicit --regrade replaced, never deleted.
        CREATE TABLE attempt_history (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            attempt       TEXT NOT NULL,
            record        TEXT NOT NULL,
            record_sha256 TEXT NOT NULL,
            graded_at     TEXT NOT NULL,
            graded_by     TEXT NOT NULL,
            superseded_at TEXT NOT NULL,
            superseded_by TEXT NOT NULL
        );
        CREATE INDEX attempt_history_attempt ON attempt_history (attempt);

        -- Export status of each attempt at each destination (xAPI LRS, ilab-x, CSV, ...).
        CREATE TABLE exports (
            attempt     TEXT NOT NULL REFERENCES attempts (attempt),
            destination TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'conflict')),
            tries       INTEGER NOT NULL DEFAULT 0,
            last_error  TEXT,
            updated_at  TEXT NOT NULL,
            PRIMARY KEY (attempt, destination)
        ) WITHOUT ROWID;

        -- Payloads (e.g. xAPI statements) waiting for, or done with, delivery.
        CREATE TABLE outbox (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            destination  TEXT NOT NULL,
            item         TEXT NOT NULL,              -- e.g. the xAPI statement id
            attempt      TEXT NOT NULL REFERENCES attempts (attempt),
            payload      TEXT NOT NULL,
            status       TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'conflict')),
            tries        INTEGER NOT NULL DEFAULT 0,
            last_error   TEXT,
            next_try_at  TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            updated_at   TEXT NOT NULL,
            UNIQUE (destination, item)
        );
        CREATE INDEX outbox_due ON outbox (destination, status, next_try_at, seq);
        CREATE INDEX outbox_attempt ON outbox (attempt, destination);
        """),
        Migration(version: 3, name: "events", sql: """
        -- The simulation events of each attempt's replay, in order (the record's "events").
        CREATE TABLE events (
            attempt  TEXT NOT NULL REFERENCES attempts (attempt) ON DELETE CASCADE,
            seq      INTEGER NOT NULL,               -- order in the record, from 0
            tick     INTEGER NOT NULL,
            seconds  REAL,                           -- NULL when the record has none
            kind     TEXT NOT NULL,
            subject  TEXT NOT NULL,                  -- target, fault or hazard ('' when none)
            detail   TEXT NOT NULL,                  -- the event's JSON object
            PRIMARY KEY (attempt, seq)
        ) WITHOUT ROWID;
        CREATE INDEX events_attempt ON events (attempt, tick);
        INSERT INTO events (attempt, seq, tick, seconds, kind, subject, detail)
            \(eventRowsSQL(attempt: "a.attempt"))
            FROM attempts a, json_each(a.record, '$.events') e;
        """),
        Migration(version: 4, name: "quarantined and superseded exports", sql: """
        -- An attempt whose items cannot be delivered (invalid, or refused by the receiver) is
        -- 'quarantined' alone; items of a result replaced by a regrade are 'superseded'.
        -- SQLite cannot alter a CHECK constraint: both tables are rebuilt, rows kept.
        CREATE TABLE exports_v4 (
            attempt     TEXT NOT NULL REFERENCES attempts (attempt),
            destination TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'conflict', 'quarantined')),
            tries       INTEGER NOT NULL DEFAULT 0,
            last_error  TEXT,
            updated_at  TEXT NOT NULL,
            PRIMARY KEY (attempt, destination)
        ) WITHOUT ROWID;
        INSERT INTO exports_v4 SELECT attempt, destination, status, tries, last_error, updated_at FROM exports;
        DROP TABLE exports;
        ALTER TABLE exports_v4 RENAME TO exports;

        CREATE TABLE outbox_v4 (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            destination  TEXT NOT NULL,
            item         TEXT NOT NULL,              -- e.g. the xAPI statement id
            attempt      TEXT NOT NULL REFERENCES attempts (attempt),
            payload      TEXT NOT NULL,
            status       TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'conflict', 'quarantined', 'superseded')),
            tries        INTEGER NOT NULL DEFAULT 0,
            last_error   TEXT,
            next_try_at  TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            updated_at   TEXT NOT NULL,
            UNIQUE (destination, item)
        );
        INSERT INTO outbox_v4 SELECT seq, destination, item, attempt, payload, status, tries, last_error, next_try_at, created_at, updated_at FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_v4 RENAME TO outbox;
        CREATE INDEX outbox_due ON outbox (destination, status, next_try_at, seq);
        CREATE INDEX outbox_attempt ON outbox (attempt, destination);
        -- What `pending` reads, in seq order, without visiting delivered rows (without it every
        -- drain step scanned the whole delivered history: quadratic in the outbox's size).
        CREATE INDEX outbox_waiting ON outbox (destination, seq) WHERE status IN ('pending', 'failed');
        """),
        Migration(version: 5, name: "attempt start times", sql: """
        -- When the attempt was taken: the journal header's `started`, normalised to UTC
        -- ('YYYY-MM-DDTHH:MM:SS.SSSZ', so text order is time order); NULL when the journal had none.
        -- Triggers fill it from the stored record, so every writer of `attempts` stays as it is.
        ALTER TABLE attempts ADD COLUMN started TEXT;
        UPDATE attempts SET started = \(startedSQL("record"));
        CREATE INDEX attempts_student_started ON attempts (student, started);
        CREATE TRIGGER attempts_started_insert AFTER INSERT ON attempts
            BEGIN UPDATE attempts SET started = \(startedSQL("NEW.record")) WHERE attempt = NEW.attempt; END;
        CREATE TRIGGER attempts_started_update AFTER UPDATE OF record ON attempts
            BEGIN UPDATE attempts SET started = \(startedSQL("NEW.record")) WHERE attempt = NEW.attempt; END;
        """),
        Migration(version: auditChainVersion, name: "audit chain and store meta", sql: """
        -- Tamper evidence: audit row id's hash chains it to the row before (StoreAudit.swift).
        -- Existing rows are chained by the migration itself, in id order.
        CREATE TABLE audit_chain (
            id        INTEGER PRIMARY KEY REFERENCES audit (id),
            prev_hash TEXT NOT NULL,
            row_hash  TEXT NOT NULL
        );
        CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
            BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only'); END;
        CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
            BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only'); END;
        -- 'audit_head': "ID HASH" of the last chained row (mirrored in STORE.audit-head).
        CREATE TABLE store_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
        """),
        Migration(version: 7, name: "lab accounts, classes, workstations and sessions", sql: """
        -- The lab server (`hazlab serve`, Docs/lab.md). Users sign in with id + password (bcrypt).
        -- The lockout counts failures per *name tried* (login_failures), so an id that does not
        -- exist locks out exactly like one that does.
        CREATE TABLE lab_users (
            id            TEXT PRIMARY KEY NOT NULL,
            name          TEXT NOT NULL DEFAULT '',
            role          TEXT NOT NULL CHECK (role IN ('student', 'instructor', 'administrator', 'auditor')),
            password_hash TEXT NOT NULL,
            disabled      INTEGER NOT NULL DEFAULT 0,
            created       TEXT NOT NULL
        );
        CREATE TABLE login_failures (
            login         TEXT PRIMARY KEY NOT NULL,
            failures      INTEGER NOT NULL DEFAULT 0,
            locked_until  TEXT NOT NULL DEFAULT ''
        ) WITHOUT ROWID;
        CREATE TABLE lab_classes (
            id      TEXT PRIMARY KEY NOT NULL,
            name    TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL
        );
        -- Class membership: a student enrolled, or an instructor teaching it.
        CREATE TABLE lab_enrolments (
            class   TEXT NOT NULL REFERENCES lab_classes (id),
            user    TEXT NOT NULL REFERENCES lab_users (id),
            role    TEXT NOT NULL CHECK (role IN ('student', 'instructor')),
            PRIMARY KEY (class, user)
        ) WITHOUT ROWID;
        CREATE INDEX lab_enrolments_user ON lab_enrolments (user);
        CREATE TABLE lab_workstations (
            id         TEXT PRIMARY KEY NOT NULL,
            public_key TEXT NOT NULL,           -- base64 of the 32-byte Ed25519 public key
            added      TEXT NOT NULL,
            revoked    TEXT NOT NULL DEFAULT ''  -- ISO 8601 UTC, or empty
        );
        -- A session token is stored only as its SHA-256; `csrf` is the per-session CSRF token.
        CREATE TABLE lab_sessions (
            token_sha256 TEXT PRIMARY KEY NOT NULL,
            user         TEXT NOT NULL REFERENCES lab_users (id),
            csrf         TEXT NOT NULL,
            created      TEXT NOT NULL,
            expires      TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX lab_sessions_user ON lab_sessions (user);
        """),
        Migration(version: 8, name: "lab journal stream", sql: """
        -- The lab server's assignments (it, not the workstation, picks attempt id and seed) and
        -- every journal line streamed to it, stored once, with its arrival time (HazLabLab).
        CREATE TABLE lab_assignments (
            attempt          TEXT PRIMARY KEY NOT NULL,
            scenario         TEXT NOT NULL,
            scenario_sha256  TEXT NOT NULL,
            scenario_path    TEXT NOT NULL,
            seed             TEXT NOT NULL,          -- exact decimal text of the UInt64
            mode             TEXT NOT NULL CHECK (mode IN ('teaching', 'practice', 'exam')),
            student          TEXT NOT NULL,
            workstation      TEXT NOT NULL,
            issued           TEXT NOT NULL,
            state            TEXT NOT NULL DEFAULT 'issued' CHECK (state IN ('issued', 'streaming', 'finished', 'graded')),
            acked            INTEGER NOT NULL DEFAULT -1,   -- highest stored seq
            last_hash        TEXT NOT NULL DEFAULT '',      -- SHA-256 of the last stored line (the next line's prev)
            bytes            INTEGER NOT NULL DEFAULT 0,    -- the stored journal's size (lines + newlines)
            live             INTEGER CHECK (live IN (0, 1)), -- NULL until the trailer: 1 live, 0 uploaded after the fact
            published        INTEGER NOT NULL DEFAULT 1 CHECK (published IN (0, 1)),  -- exam results start at 0
            flagged          INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),    -- for the instructor (exam, uploaded)
            grade_error      TEXT NOT NULL DEFAULT ''
        ) WITHOUT ROWID;
        CREATE INDEX lab_assignments_student ON lab_assignments (student, issued);
        CREATE INDEX lab_assignments_workstation ON lab_assignments (workstation, issued);
        CREATE TABLE lab_lines (
            attempt  TEXT NOT NULL REFERENCES lab_assignments (attempt),
            seq      INTEGER NOT NULL CHECK (seq >= 0),
            text     TEXT NOT NULL,
            arrived  TEXT NOT NULL,                  -- ISO 8601 UTC with milliseconds
            tick     INTEGER,                        -- action lines: their tick; NULL otherwise
            PRIMARY KEY (attempt, seq)
        ) WITHOUT ROWID;
        CREATE TRIGGER lab_lines_no_update BEFORE UPDATE ON lab_lines
            BEGIN SELECT RAISE(ABORT, 'stream lines are stored once'); END;
        CREATE TRIGGER lab_lines_no_delete BEFORE DELETE ON lab_lines
            BEGIN SELECT RAISE(ABORT, 'stream lines are stored once'); END;
        """),
        Migration(version: 9, name: "lab tasks, workstation tickets and adopted uploads", sql: """
        -- What an instructor assigned to a class (Docs/lab.md, "Tasks"). `exam` is the exam id of
        -- the per-student seed plan: a student's seed is ExamPlan.seed(exam, scenario id, student).
        CREATE TABLE lab_tasks (
            task        TEXT PRIMARY KEY NOT NULL,              -- server-made: "t-" + 16 hex
            class       TEXT NOT NULL REFERENCES lab_classes (id),
            scenario    TEXT NOT NULL,                          -- the scenario's folder name on the server
            title       TEXT NOT NULL DEFAULT '',
            mode        TEXT NOT NULL CHECK (mode IN ('teaching', 'practice', 'exam')),
            state       TEXT NOT NULL CHECK (state IN ('open', 'closed')),
            exam        TEXT NOT NULL DEFAULT '',               -- exam id of the seed plan (exam tasks)
            opens       TEXT,                                   -- ISO 8601 UTC, optional
            closes      TEXT,
            created_by  TEXT NOT NULL,
            created     TEXT NOT NULL
        );
        CREATE INDEX lab_tasks_class ON lab_tasks (class, state);
        -- The task an attempt was issued for, and for a journal written offline and uploaded
        -- later the workstation's own attempt id and the SHA-256 of the uploaded bytes.
        ALTER TABLE lab_assignments ADD COLUMN task TEXT;
        ALTER TABLE lab_assignments ADD COLUMN client_attempt TEXT;
        ALTER TABLE lab_assignments ADD COLUMN upload_sha256 TEXT;
        CREATE UNIQUE INDEX lab_assignments_exam_once ON lab_assignments (task, student)
            WHERE task IS NOT NULL AND mode = 'exam';
        CREATE UNIQUE INDEX lab_assignments_client ON lab_assignments (workstation, client_attempt)
            WHERE client_attempt IS NOT NULL;
        -- A student signed in at a workstation: the ticket is stored only as its SHA-256 and is
        -- bound to (workstation, student).
        CREATE TABLE lab_tickets (
            token_sha256 TEXT PRIMARY KEY NOT NULL,
            workstation  TEXT NOT NULL,
            student      TEXT NOT NULL REFERENCES lab_users (id),
            created      TEXT NOT NULL,
            expires      TEXT NOT NULL
        ) WITHOUT ROWID;
        """),
        Migration(version: 10, name: "voided exam attempts", sql: """
        -- An instructor may void an unfinished attempt (an exam whose workstation failed for good):
        -- its lines stay, its stream is refused, and the student may take the exam again.
        ALTER TABLE lab_assignments ADD COLUMN voided TEXT;     -- ISO 8601 UTC when voided, else NULL
        DROP INDEX lab_assignments_exam_once;
        CREATE UNIQUE INDEX lab_assignments_exam_once ON lab_assignments (task, student)
            WHERE task IS NOT NULL AND mode = 'exam' AND voided IS NULL;
        """),
        Migration(version: 11, name: "instructor commands", sql: """
        -- An instructor's intervention in a running attempt (Docs/lab.md, "Instructor commands"):
        -- queued, sent to the workstation over its stream, and journaled by it as an action line
        -- carrying "cmd" = id (then `seq` is that line's seq).
        CREATE TABLE lab_commands (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            attempt  TEXT NOT NULL REFERENCES lab_assignments (attempt),
            kind     TEXT NOT NULL,                          -- fault, clear, freeze, run, message, hint, pause, resume, submit
            verb     TEXT NOT NULL,                          -- its journal verb
            target   TEXT NOT NULL DEFAULT '',
            text     TEXT NOT NULL DEFAULT '',
            by       TEXT NOT NULL,                          -- the instructor's user id
            created  TEXT NOT NULL,                          -- ISO 8601 UTC
            state    TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'journaled')),
            seq      INTEGER                                 -- the journal line's seq once journaled
        );
        CREATE INDEX lab_commands_attempt ON lab_commands (attempt, id);
        """),
        Migration(version: 12, name: "exam sessions", sql: """
        -- An exam session (Docs/lab.md, "Exam sessions"): an exam task with a set of scenarios to
        -- draw from, a roster, the workstations allowed and an exam seed. Each rostered student's
        -- draw (scenario and seed) is made once, when the exam is created, and kept here.
        -- lab_tasks is rebuilt to allow the state 'ended' (an exam that ended: never opened again).
        CREATE TABLE lab_tasks_v12 (
            task        TEXT PRIMARY KEY NOT NULL,
            class       TEXT NOT NULL REFERENCES lab_classes (id),
            scenario    TEXT NOT NULL,
            title       TEXT NOT NULL DEFAULT '',
            mode        TEXT NOT NULL CHECK (mode IN ('teaching', 'practice', 'exam')),
            state       TEXT NOT NULL CHECK (state IN ('open', 'closed', 'ended')),
            exam        TEXT NOT NULL DEFAULT '',
            opens       TEXT,
            closes      TEXT,
            created_by  TEXT NOT NULL,
            created     TEXT NOT NULL
        );
        INSERT INTO lab_tasks_v12 (task, class, scenario, title, mode, state, exam, opens, closes, created_by, created)
            SELECT task, class, scenario, title, mode, state, exam, opens, closes, created_by, created FROM lab_tasks;
        DROP TABLE lab_tasks;
        ALTER TABLE lab_tasks_v12 RENAME TO lab_tasks;
        CREATE INDEX lab_tasks_class ON lab_tasks (class, state);
        CREATE TABLE lab_exams (
            task          TEXT PRIMARY KEY NOT NULL REFERENCES lab_tasks (task),
            seed          TEXT NOT NULL,            -- the exam seed: exact decimal text of the UInt64
            scenarios     TEXT NOT NULL,            -- JSON array of scenario folder names, in the instructor's order
            workstations  TEXT NOT NULL,            -- JSON array of workstation ids; [] = any registered, unrevoked one
            ended         TEXT,                     -- ISO 8601 UTC when the exam was ended, else NULL
            ended_by      TEXT
        ) WITHOUT ROWID;
        CREATE TABLE lab_exam_students (
            task      TEXT NOT NULL REFERENCES lab_exams (task),
            student   TEXT NOT NULL,
            ordinal   INTEGER NOT NULL,             -- the roster's order
            scenario  TEXT NOT NULL,                -- the draw: a folder name from lab_exams.scenarios
            seed      TEXT NOT NULL,                -- the draw: exact decimal text of the UInt64
            PRIMARY KEY (task, student)
        ) WITHOUT ROWID;
        -- Stream sessions welcomed for an attempt: more than one is a reconnect (an exam result flag).
        ALTER TABLE lab_assignments ADD COLUMN streams INTEGER NOT NULL DEFAULT 0;
        """),
        Migration(version: 13, name: "backtracks", sql: """
        -- A backtrack (teaching, issue 15 debrief): a practice attempt offered to a student that
        -- continues a finished attempt from one of its ticks (same scenario and seed).
        CREATE TABLE lab_backtracks (
            id          TEXT PRIMARY KEY NOT NULL,    -- "b-" + 16 hex digits
            parent      TEXT NOT NULL REFERENCES lab_assignments (attempt),
            from_tick   INTEGER NOT NULL,
            student     TEXT NOT NULL,
            scenario    TEXT NOT NULL,
            seed        TEXT NOT NULL,                -- the parent's seed: exact decimal text of the UInt64
            created     TEXT NOT NULL,
            created_by  TEXT NOT NULL,
            attempt     TEXT                          -- the attempt issued for it; NULL while it is offered
        ) WITHOUT ROWID;
        CREATE INDEX lab_backtracks_student ON lab_backtracks (student, attempt);
        """),
    ]

    /// The migration that adds the audit chain; it also chains the rows already there.
    public static let auditChainVersion = 6

    /// The record's `started` in UTC (SQLite applies a `±HH:MM` suffix), NULL when absent or unreadable.
    static func startedSQL(_ record: String) -> String {
        "strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(\(record), '$.started'))"
    }

    /// The SELECT list that turns `json_each(record, '$.events') e` into `events` rows; shared by
    /// migration 3 and `ResultsStore.insert`, so both store the same rows.
    static func eventRowsSQL(attempt: String) -> String {
        """
        SELECT \(attempt), e.key, json_extract(e.value, '$.tick'), json_extract(e.value, '$.seconds'),
                   coalesce(json_extract(e.value, '$.kind'), ''),
                   coalesce(json_extract(e.value, '$.target'), json_extract(e.value, '$.fault'), json_extract(e.value, '$.hazard'), ''),
                   json(e.value)
        """
    }
}
