import GRDB

/// A row of `output_status`; ``OutputStatus`` is what callers see.
struct OutputStatusRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "output_status"

    var station: String
    var name: String
    var kind: String
    var target: String
    var delivered: Int
    var failed: Int
    var dropped: Int
    var pending: Int
    var clients: Int?
    var cursor: Int64?
    var lastError: String?
    var lastErrorAt: Double?
    var updatedAt: Double

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case station, name, kind, target, delivered, failed, dropped, pending, clients, cursor
        case lastError = "last_error"
        case lastErrorAt = "last_error_at"
        case updatedAt = "updated_at"
    }

    init(_ s: OutputStatus) {
        (station, name, kind, target) = (s.station, s.name, s.kind, s.target)
        (delivered, failed, dropped, pending) = (s.delivered, s.failed, s.dropped, s.pending)
        (clients, cursor, lastError, lastErrorAt) = (s.clients, s.cursor, s.lastError, s.lastErrorAt)
        updatedAt = s.updatedAt.isFinite ? s.updatedAt : 0
    }

    /// The caller's view.
    var status: OutputStatus {
        var s = OutputStatus(station: station, name: name, kind: kind, target: target)
        (s.delivered, s.failed, s.dropped, s.pending) = (delivered, failed, dropped, pending)
        (s.clients, s.cursor, s.lastError, s.lastErrorAt) = (clients, cursor, lastError, lastErrorAt)
        s.updatedAt = updatedAt
        return s
    }
}
