import Inspection
import GRDB

/// The single row of `daemon_status` (id 1, a CHECK keeps it single); ``DaemonStatus`` is what
/// callers see.
struct DaemonStatusRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "daemon_status"
    /// The only id the table allows.
    static let singletonID: Int64 = 1

    var id: Int64
    var pid: Int32
    var startedAt: Double
    var heartbeatAt: Double
    var state: String
    var processed: Int
    var imagesPerMinute: Double
    var configPath: String
    var modelVersion: String

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, pid, state, processed
        case startedAt = "started_at"
        case heartbeatAt = "heartbeat_at"
        case imagesPerMinute = "images_per_minute"
        case configPath = "config_path"
        case modelVersion = "model_version"
    }

    /// The row for `status`; a non-finite rate is stored as 0 so a status write never fails on
    /// arithmetic from an idle first minute.
    init(_ status: DaemonStatus) {
        id = Self.singletonID
        pid = status.pid
        startedAt = status.startedAt
        heartbeatAt = status.heartbeatAt
        state = status.state
        processed = status.processed
        imagesPerMinute = status.imagesPerMinute.isFinite ? status.imagesPerMinute : 0
        configPath = status.configPath
        modelVersion = status.modelVersion
    }

    /// The caller's view.
    var status: DaemonStatus {
        DaemonStatus(pid: pid, startedAt: startedAt, heartbeatAt: heartbeatAt, state: state, processed: processed,
                     imagesPerMinute: imagesPerMinute, configPath: configPath, modelVersion: modelVersion)
    }
}
