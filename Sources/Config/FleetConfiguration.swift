/// `[fleet]`: replication of this line PC's verdicts, labels and model versions to a central
/// PostgreSQL (docs/fleet.md). Absent = no replication, and no outbox.
public struct FleetConfiguration: Sendable, Equatable {
    /// The central database.
    public var url: FleetURL
    /// This line PC's name in the fleet, e.g. "plant-a/line-3"; with the station and the local
    /// row id it is the key of every replicated row.
    public var site: String
    /// Rows per upsert batch.
    public var batchSize = 200
    /// The outbox cap: beyond it the oldest waiting entries are dropped (and counted).
    public var outboxMaxRows = FleetConfiguration.defaultOutboxMaxRows
    public static let defaultOutboxMaxRows = 1_000_000
    /// Entries older than this are dropped (and counted); 0 = no age limit.
    public var outboxMaxAgeDays = 30.0
    /// Seconds between checks for newly published versions (stations with `follow_published`).
    public var followInterval = 60.0
    /// Longest wait between reconnection attempts while the server is unreachable.
    public var maxBackoff = 30.0

    public init(url: FleetURL, site: String) {
        self.url = url
        self.site = site
    }
}
