import Inspection

/// What `inspectctl` (and the tests) can learn about the log file itself, to tell a healthy
/// file from one opened in the wrong mode or left behind by another version.
public struct StoreDiagnostics: Sendable, Equatable, Codable {
    /// "wal" for a log the daemon has opened.
    public var journalMode: String
    /// Whether this connection enforces foreign keys (maps cascade with their inspection).
    public var foreignKeys: Bool
    /// PRAGMA synchronous of this connection (1 = NORMAL, 2 = FULL).
    public var synchronous: Int
    /// Applied migrations, in order.
    public var migrations: [String]
    /// User tables, sorted.
    public var tables: [String]
    /// Named indexes, sorted (SQLite's automatic ones excluded).
    public var indexes: [String]

    public init(journalMode: String, foreignKeys: Bool, synchronous: Int, migrations: [String],
                tables: [String], indexes: [String]) {
        self.journalMode = journalMode
        self.foreignKeys = foreignKeys
        self.synchronous = synchronous
        self.migrations = migrations
        self.tables = tables
        self.indexes = indexes
    }
}
