import Foundation

/// The central database's schema: named, append-only migrations like the local one, applied
/// by `inspectctl fleet init` (never by the daemons, which need only INSERT/UPDATE rights on
/// the tables). Each replicated table is keyed by (site, station, local_id): that key is what
/// makes a re-sent outbox entry an update of the same row, never a second row.
public enum CentralSchema {
    /// (name, SQL), oldest first. Never edit one that has shipped: add another.
    static let migrations: [(name: String, sql: String)] = [
        ("c1-fleet", """
            CREATE TABLE verdicts (
                site TEXT NOT NULL,
                station TEXT NOT NULL,
                local_id BIGINT NOT NULL,
                time DOUBLE PRECISION NOT NULL,
                state TEXT NOT NULL,
                verdict TEXT,
                score DOUBLE PRECISION,
                content_hash TEXT,
                version_id BIGINT,
                after_state TEXT,
                has_map BOOLEAN NOT NULL,
                map_ref TEXT,
                record JSONB NOT NULL,
                shipped_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (site, station, local_id)
            );
            CREATE INDEX verdicts_on_time ON verdicts (time);
            CREATE INDEX verdicts_on_site_station_time ON verdicts (site, station, time);
            CREATE INDEX verdicts_on_station_time ON verdicts (station, time);
            CREATE INDEX verdicts_on_verdict_time ON verdicts (verdict, time);
            CREATE TABLE labels (
                site TEXT NOT NULL,
                station TEXT NOT NULL,
                local_id BIGINT NOT NULL,
                time DOUBLE PRECISION NOT NULL,
                kind TEXT NOT NULL,
                defect_class TEXT,
                content_hash TEXT NOT NULL,
                inspection_id BIGINT,
                has_mask BOOLEAN NOT NULL,
                superseded_at DOUBLE PRECISION,
                record JSONB NOT NULL,
                shipped_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (site, station, local_id)
            );
            CREATE INDEX labels_on_time ON labels (time);
            CREATE INDEX labels_on_content_hash ON labels (content_hash);
            CREATE TABLE model_versions (
                site TEXT NOT NULL,
                station TEXT NOT NULL,
                local_id BIGINT NOT NULL,
                time DOUBLE PRECISION NOT NULL,
                status TEXT NOT NULL,
                decision TEXT,
                prompts_hash TEXT,
                parent_id BIGINT,
                record JSONB NOT NULL,
                shipped_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (site, station, local_id)
            );
            CREATE INDEX model_versions_on_time ON model_versions (time);
            CREATE TABLE published_versions (
                id BIGSERIAL PRIMARY KEY,
                product TEXT NOT NULL,
                site TEXT NOT NULL,
                station TEXT NOT NULL,
                local_id BIGINT NOT NULL,
                base TEXT NOT NULL,
                prompts BYTEA,
                prompts_hash TEXT,
                classifier TEXT,
                review_threshold DOUBLE PRECISION,
                fail_threshold DOUBLE PRECISION,
                threshold_method TEXT,
                metrics JSONB,
                published_by TEXT NOT NULL,
                published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                UNIQUE (product, site, station, local_id)
            );
            CREATE INDEX published_versions_on_product ON published_versions (product, id);
            """),
    ]

    /// Applies the missing migrations in one transaction each; returns the names applied.
    /// Refuses a database with migrations this inspectctl does not know (a newer schema).
    @discardableResult
    public static func migrate(_ connection: FleetConnection) throws(FleetError) -> [String] {
        let action = "migrating the central schema"
        try connection.run("""
            CREATE TABLE IF NOT EXISTS fleet_schema_migrations (
                name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """, action: action)
        let applied = try appliedNames(connection)
        let unknown = Set(applied).subtracting(migrations.map(\.name))
        guard unknown.isEmpty else {
            throw FleetError(url: connection.url.redacted, action: action,
                             reason: "the database has migrations this version does not know (\(unknown.sorted().joined(separator: ", "))); upgrade inspectctl")
        }
        var done = [String]()
        for migration in migrations where !applied.contains(migration.name) {
            try connection.transaction(action: "\(action) (\(migration.name))") { () throws(FleetError) in
                // One statement per round trip: the extended protocol takes no lists.
                for statement in migration.sql.components(separatedBy: ";\n") where !statement.allSatisfy(\.isWhitespace) {
                    try connection.run(statement, action: "\(action) (\(migration.name))")
                }
                var binds = PostgresBindingsBuilder()
                binds.add(migration.name)
                try connection.run("INSERT INTO fleet_schema_migrations (name) VALUES ($1)", binds.bindings,
                                   action: "\(action) (\(migration.name))")
            }
            done.append(migration.name)
        }
        return done
    }

    /// Names of the migrations already applied; empty for a database never initialised.
    public static func appliedNames(_ connection: FleetConnection) throws(FleetError) -> [String] {
        let action = "reading the central schema version"
        let exists = try connection.run("SELECT to_regclass('fleet_schema_migrations') IS NOT NULL AS present", action: action)
        guard let row = exists.first, try connection.decode(row, "present", as: Bool.self, action: action) else { return [] }
        return try connection.run("SELECT name FROM fleet_schema_migrations ORDER BY name", action: action).map { row throws(FleetError) in
            try connection.decode(row, "name", as: String.self, action: action)
        }
    }

    /// Throws a clear error when `fleet init` has not been run (or is out of date).
    public static func requireCurrent(_ connection: FleetConnection) throws(FleetError) {
        let names = Set(try appliedNames(connection))
        let missing = migrations.map(\.name).filter { !names.contains($0) }
        guard missing.isEmpty else {
            throw FleetError(url: connection.url.redacted, action: "checking the central schema",
                             reason: "not initialised or out of date (missing \(missing.joined(separator: ", "))); run inspectctl fleet init --db URL")
        }
    }
}
