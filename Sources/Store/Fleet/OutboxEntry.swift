import Inspection

/// One change waiting in the local fleet outbox, with the current state of what it names.
/// The payload is read when the batch is taken, so several changes of one row ship its
/// newest state, and an upsert of it is idempotent. A nil payload means the row is gone
/// (retention removed the inspection) and there is nothing left to ship.
public struct OutboxEntry: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case verdict, label, version
    }

    /// Outbox row id: deleted once the server committed the batch.
    public var id: Int64
    public var kind: Kind
    /// Id of the inspection, label or model version in this SQLite file.
    public var localID: Int64
    public var enqueuedAt: Double
    /// The station the row belongs to ("" for a label imported without one).
    public var station: String
    /// JSON of the row as readers see it (`InspectionRecord`, `Label` without its mask,
    /// `FleetVersion`); nil when the row no longer exists.
    public var payload: String?
    /// Typed columns the central schema indexes.
    public var columns: OutboxColumns

    public init(id: Int64, kind: Kind, localID: Int64, enqueuedAt: Double, station: String, payload: String?,
                columns: OutboxColumns) {
        self.id = id
        self.kind = kind
        self.localID = localID
        self.enqueuedAt = enqueuedAt
        self.station = station
        self.payload = payload
        self.columns = columns
    }
}
