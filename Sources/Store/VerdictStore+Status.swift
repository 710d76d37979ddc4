import Inspection
import GRDB

extension VerdictStore {
    /// Replaces the daemon's single status row. A non-finite rate is stored as 0 so a status
    /// write can never fail on arithmetic from an idle first minute.
    public func updateStatus(_ status: DaemonStatus) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO daemon_status
                        (id, pid, started_at, heartbeat_at, state, processed, images_per_minute, config_path, model_version)
                    VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                        pid = excluded.pid, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
                        state = excluded.state, processed = excluded.processed,
                        images_per_minute = excluded.images_per_minute, config_path = excluded.config_path,
                        model_version = excluded.model_version
                    """,
                arguments: [status.pid, status.startedAt, status.heartbeatAt, status.state, status.processed,
                            status.imagesPerMinute.isFinite ? status.imagesPerMinute : 0,
                            status.configPath, status.modelVersion])
        }
    }

    /// The last status the daemon wrote; nil if no daemon ever ran on this file. A stale
    /// `heartbeatAt` means the daemon is gone (or hung), whatever `state` says.
    public func status() throws -> DaemonStatus? {
        try read { db in
            guard let row = try Row.fetchOne(
                db, sql: """
                    SELECT pid, started_at, heartbeat_at, state, processed, images_per_minute, config_path, model_version
                    FROM daemon_status WHERE id = 1
                    """)
            else { return nil }
            return DaemonStatus(
                pid: try row.decode(Int32.self, atIndex: 0),
                startedAt: try row.decode(Double.self, atIndex: 1),
                heartbeatAt: try row.decode(Double.self, atIndex: 2),
                state: try row.decode(String.self, atIndex: 3),
                processed: try row.decode(Int.self, atIndex: 4),
                imagesPerMinute: try row.decode(Double.self, atIndex: 5),
                configPath: try row.decode(String.self, atIndex: 6),
                modelVersion: try row.decode(String.self, atIndex: 7))
        }
    }
}
