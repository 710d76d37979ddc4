import Inspection
import GRDB

extension VerdictStore {
    /// Named, append-only migrations. Never edit one that has shipped: add another.
    static var schemaMigrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        // The queue and the log are one table, so "discovered" and "has a verdict" can never
        // disagree. The CHECKs make "done ⇔ verdict and score", "final ⇔ finished_at" and
        // "error ⇔ error_kind" properties of the file, not just of this code.
        migrator.registerMigration("v1-inspections") { db in
            try db.execute(sql: """
                CREATE TABLE inspections (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    station TEXT NOT NULL,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    mtime REAL NOT NULL,
                    content_hash TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'processing', 'done', 'error')),
                    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    discovered_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    verdict TEXT CHECK (verdict IN ('pass', 'review', 'fail')),
                    score REAL,
                    image_probability REAL,
                    map_maximum REAL,
                    review_threshold REAL,
                    fail_threshold REAL,
                    score_mode TEXT,
                    model_version TEXT,
                    decode_ms REAL,
                    preprocess_ms REAL,
                    encode_ms REAL,
                    score_ms REAL,
                    total_ms REAL,
                    original_width INTEGER,
                    original_height INTEGER,
                    geometry_json TEXT,
                    error_kind TEXT,
                    error_message TEXT,
                    UNIQUE (station, path, content_hash),
                    CHECK ((state = 'done') = (verdict IS NOT NULL AND score IS NOT NULL)),
                    CHECK ((state IN ('done', 'error')) = (finished_at IS NOT NULL)),
                    CHECK ((state = 'error') = (error_kind IS NOT NULL))
                );
                CREATE INDEX inspections_on_state_id ON inspections (state, id);
                CREATE INDEX inspections_on_finished_at ON inspections (finished_at);
                CREATE INDEX inspections_on_station_finished_at ON inspections (station, finished_at);
                CREATE INDEX inspections_on_time ON inspections (\(timeExpression));
                """)
        }

        // Maps live apart so scans of the log never page through PNG blobs.
        migrator.registerMigration("v1-maps") { db in
            try db.execute(sql: """
                CREATE TABLE maps (
                    inspection_id INTEGER PRIMARY KEY REFERENCES inspections (id) ON DELETE CASCADE,
                    width INTEGER NOT NULL CHECK (width > 0),
                    height INTEGER NOT NULL CHECK (height > 0),
                    minimum REAL NOT NULL,
                    maximum REAL NOT NULL,
                    format_version INTEGER NOT NULL,
                    png BLOB NOT NULL
                )
                """)
        }

        migrator.registerMigration("v1-daemon-status") { db in
            try db.execute(sql: """
                CREATE TABLE daemon_status (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    pid INTEGER NOT NULL,
                    started_at REAL NOT NULL,
                    heartbeat_at REAL NOT NULL,
                    state TEXT NOT NULL,
                    processed INTEGER NOT NULL,
                    images_per_minute REAL NOT NULL,
                    config_path TEXT NOT NULL,
                    model_version TEXT NOT NULL
                )
                """)
        }

        // QA labels, keyed by content so a label follows the bytes across stations and
        // imports. History is kept: a relabel sets superseded_at, and the partial unique index
        // allows one current label per content. ON DELETE SET NULL lets retention remove old
        // verdicts without losing the labels, which are the expensive part.
        migrator.registerMigration("v2-labels") { db in
            try db.execute(sql: """
                CREATE TABLE labels (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    inspection_id INTEGER REFERENCES inspections (id) ON DELETE SET NULL,
                    station TEXT,
                    path TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('good', 'defect')),
                    defect_class TEXT,
                    note TEXT,
                    mask BLOB,
                    author TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    superseded_at REAL,
                    source TEXT NOT NULL,
                    CHECK (kind = 'defect' OR (defect_class IS NULL AND mask IS NULL))
                );
                CREATE UNIQUE INDEX labels_current_by_content ON labels (content_hash) WHERE superseded_at IS NULL;
                CREATE INDEX labels_on_content_hash ON labels (content_hash, id);
                CREATE INDEX labels_on_inspection_id ON labels (inspection_id);
                CREATE INDEX labels_on_created_at ON labels (created_at);
                """)
        }
        migrator.registerMigration("v3-fewshot") { db in
            // What the few-shot parts added to a verdict: the fused score it was taken on, and
            // the defect type with its probability and conformal prediction set (JSON array).
            try db.execute(sql: """
                ALTER TABLE inspections ADD COLUMN fused_score REAL;
                ALTER TABLE inspections ADD COLUMN defect_class TEXT;
                ALTER TABLE inspections ADD COLUMN defect_probability REAL;
                ALTER TABLE inspections ADD COLUMN defect_set TEXT;
                """)
        }
        migrator.registerMigration("v4-station-calibration") { db in
            // The few-shot state each station runs with: calibrated thresholds (or why not) and
            // how many labels they rest on, for `inspectctl status`.
            try db.execute(sql: """
                CREATE TABLE station_calibration (
                    station TEXT PRIMARY KEY,
                    review REAL,
                    fail REAL,
                    method TEXT,
                    good_count INTEGER NOT NULL,
                    defect_count INTEGER NOT NULL,
                    classifier TEXT,
                    note TEXT NOT NULL,
                    updated_at REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("v5-model-versions") { db in
            // Versions of a station's model: the learned prompts and few-shot parts behind its
            // verdicts, how they were judged, and which one is in force (at most one active per
            // station, enforced by the partial unique index). Training jobs carry the progress
            // `inspectctl retrain --status` shows; a verdict names its version by id.
            try db.execute(sql: """
                CREATE TABLE model_versions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    station TEXT NOT NULL,
                    base TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('active', 'candidate', 'rejected', 'retired')),
                    source TEXT NOT NULL CHECK (source IN ('configured', 'trained', 'imported')),
                    parent_id INTEGER REFERENCES model_versions (id) ON DELETE SET NULL,
                    created_at REAL NOT NULL,
                    activated_at REAL,
                    prompts BLOB,
                    prompts_hash TEXT,
                    memory_bank BLOB,
                    classifier TEXT,
                    review_threshold REAL,
                    fail_threshold REAL,
                    threshold_method TEXT,
                    training_label_ids TEXT NOT NULL DEFAULT '[]',
                    heldout_label_ids TEXT NOT NULL DEFAULT '[]',
                    metrics TEXT,
                    decision TEXT,
                    note TEXT
                );
                CREATE UNIQUE INDEX model_versions_one_active ON model_versions (station) WHERE status = 'active';
                CREATE INDEX model_versions_on_station ON model_versions (station, id);
                ALTER TABLE inspections ADD COLUMN version_id INTEGER;
                CREATE TABLE training_jobs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    station TEXT NOT NULL,
                    trigger TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('requested', 'running', 'finished', 'failed', 'cancelled')),
                    requested_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    pid INTEGER,
                    phase TEXT,
                    epoch INTEGER,
                    epochs INTEGER,
                    loss REAL,
                    progress_at REAL,
                    cancel_requested INTEGER NOT NULL DEFAULT 0,
                    candidate_id INTEGER REFERENCES model_versions (id) ON DELETE SET NULL,
                    message TEXT,
                    CHECK ((state IN ('finished', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
                );
                CREATE INDEX training_jobs_on_state ON training_jobs (state, id);
                """)
        }
        migrator.registerMigration("v6-after-processing") { db in
            // What became of the file after its verdict: 'done' (moved or deleted) or 'failed'
            // with the reason, so a move or delete that did not happen is visible in the log
            // and retried on the next start instead of being known only to the journal.
            try db.execute(sql: """
                ALTER TABLE inspections ADD COLUMN after_state TEXT CHECK (after_state IN ('done', 'failed'));
                ALTER TABLE inspections ADD COLUMN after_error TEXT;
                CREATE INDEX inspections_after_failed ON inspections (after_state) WHERE after_state = 'failed';
                """)
        }
        migrator.registerMigration("v7-fewshot-fits") { db in
            // The daemon's background fit of a station's few-shot parts, one row per station:
            // what it fits (`fit_key`), how many times it was started for that key, and its
            // progress. A fit killed with the daemon stays 'running'; the next start counts it
            // as an attempt, so a fit that keeps crashing the daemon backs off instead of looping.
            try db.execute(sql: """
                CREATE TABLE fewshot_fits (
                    station TEXT PRIMARY KEY,
                    fit_key TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('running', 'failed', 'done')),
                    attempts INTEGER NOT NULL CHECK (attempts >= 1),
                    started_at REAL NOT NULL,
                    finished_at REAL,
                    done_images INTEGER NOT NULL DEFAULT 0,
                    total_labels INTEGER NOT NULL DEFAULT 0,
                    total_images INTEGER NOT NULL DEFAULT 0,
                    message TEXT,
                    CHECK ((state = 'running') = (finished_at IS NULL))
                );
                """)
        }
        migrator.registerMigration("v8-evidence") { db in
            // The image bytes kept for labels (and, per station, for review/fail verdicts) in
            // the content-addressed evidence folder beside the database: one row per content,
            // so retention can cap the folder without reading it. `after_path` is where
            // `after = "move"` put the file, so a label given later still finds its bytes.
            try db.execute(sql: """
                CREATE TABLE evidence (
                    content_hash TEXT PRIMARY KEY NOT NULL,
                    bytes INTEGER NOT NULL CHECK (bytes >= 0),
                    reason TEXT NOT NULL CHECK (reason IN ('labelled', 'pass', 'review', 'fail')),
                    stored_as TEXT NOT NULL CHECK (stored_as IN ('link', 'copy')),
                    kept_at REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX evidence_by_age ON evidence (kept_at);
                ALTER TABLE inspections ADD COLUMN after_path TEXT;
                """)
        }
        migrator.registerMigration("v9-outputs") { db in
            // Per `[[station.output]]`: counters for `inspectctl status`, and the file output's
            // export cursor (the last inspection id written), so verdicts that could not be
            // written (folder full or missing) are exported after a restart too.
            try db.execute(sql: """
                CREATE TABLE output_status (
                    station TEXT NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('file', 'socket', 'exec')),
                    target TEXT NOT NULL,
                    delivered INTEGER NOT NULL DEFAULT 0 CHECK (delivered >= 0),
                    failed INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),
                    dropped INTEGER NOT NULL DEFAULT 0 CHECK (dropped >= 0),
                    pending INTEGER NOT NULL DEFAULT 0 CHECK (pending >= 0),
                    clients INTEGER,
                    cursor INTEGER,
                    last_error TEXT,
                    last_error_at REAL,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (station, name)
                )
                """)
        }
        migrator.registerMigration("v10-outbox") { db in
            // Fleet replication (docs/fleet.md): triggers append a reference to every final
            // inspection, label and model version change to `fleet_outbox` inside the very
            // transaction that makes the change, whatever code path wrote it (daemon, training
            // child, inspectctl). They do so only while `fleet_outbox_settings.enabled` is set
            // (the daemon sets it from `[fleet]`), and the newest `capacity` rows are kept so
            // that an outbox nobody drains cannot grow without bound; what the cap drops is
            // counted in `dropped`. The shipper reads the rows' current state when it ships.
            try db.execute(sql: """
                CREATE TABLE fleet_outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL CHECK (kind IN ('verdict', 'label', 'version')),
                    local_id INTEGER NOT NULL,
                    enqueued_at REAL NOT NULL
                );
                CREATE TABLE fleet_outbox_settings (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    enabled INTEGER NOT NULL DEFAULT 0,
                    capacity INTEGER NOT NULL DEFAULT 1000000 CHECK (capacity > 0),
                    dropped INTEGER NOT NULL DEFAULT 0,
                    shipped INTEGER NOT NULL DEFAULT 0,
                    last_shipped_at REAL,
                    last_error TEXT
                );
                INSERT INTO fleet_outbox_settings (id) VALUES (1);
                CREATE TABLE fleet_followed (
                    station TEXT NOT NULL,
                    product TEXT NOT NULL,
                    published_id INTEGER NOT NULL,
                    version_id INTEGER REFERENCES model_versions (id) ON DELETE SET NULL,
                    imported_at REAL NOT NULL,
                    PRIMARY KEY (station, product, published_id)
                );
                CREATE TRIGGER fleet_outbox_cap AFTER INSERT ON fleet_outbox
                BEGIN
                    UPDATE fleet_outbox_settings
                    SET dropped = dropped + (SELECT COUNT(*) FROM fleet_outbox WHERE id <= NEW.id - capacity)
                    WHERE id = 1;
                    DELETE FROM fleet_outbox
                    WHERE id <= NEW.id - (SELECT capacity FROM fleet_outbox_settings WHERE id = 1);
                END;
                """)
            // (trigger, event, kind, extra condition): a verdict only once final.
            let changes = [
                ("fleet_outbox_verdict", "UPDATE OF state, after_state ON inspections", "verdict", "NEW.state IN ('done', 'error') AND "),
                ("fleet_outbox_label_insert", "INSERT ON labels", "label", ""),
                ("fleet_outbox_label_update", "UPDATE OF superseded_at ON labels", "label", ""),
                ("fleet_outbox_version_insert", "INSERT ON model_versions", "version", ""),
                ("fleet_outbox_version_update", "UPDATE OF status, decision, metrics, activated_at ON model_versions", "version", ""),
            ]
            for (name, event, kind, condition) in changes {
                try db.execute(sql: """
                    CREATE TRIGGER \(name) AFTER \(event)
                    WHEN \(condition)(SELECT enabled FROM fleet_outbox_settings WHERE id = 1)
                    BEGIN
                        INSERT INTO fleet_outbox (kind, local_id, enqueued_at)
                        VALUES ('\(kind)', NEW.id, (julianday('now') - 2440587.5) * 86400.0);
                    END
                    """)
            }
        }
        return migrator
    }

    /// The time that filters, ordering and buckets use. Spelled once so the expression index
    /// `inspections_on_time` matches the queries exactly.
    static let timeExpression = "coalesce(finished_at, discovered_at)"
}
