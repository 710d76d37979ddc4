import Inspection
import GRDB

extension VerdictStore {
    /// Journal mode, pragmas, applied migrations and schema objects as this connection sees them.
    public func diagnostics() throws -> StoreDiagnostics {
        try read { db in
            StoreDiagnostics(
                journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "unknown",
                foreignKeys: try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false,
                synchronous: try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1,
                migrations: try Self.schemaMigrator.completedMigrations(db),
                tables: try String.fetchAll(
                    db, sql: """
                        SELECT name FROM sqlite_master
                        WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                        ORDER BY name
                        """),
                indexes: try String.fetchAll(
                    db, sql: """
                        SELECT name FROM sqlite_master
                        WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%' ORDER BY name
                        """))
        }
    }
}
