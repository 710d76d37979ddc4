import Inspection
import GRDB

extension VerdictStore {
    /// Replaces the daemon's single status row. A non-finite rate is stored as 0 so a status
    /// write can never fail on arithmetic from an idle first minute.
    public func updateStatus(_ status: DaemonStatus) throws {
        try write { db in try DaemonStatusRow(status).upsert(db) }
    }

    /// The last status the daemon wrote; nil if no daemon ever ran on this file. A stale
    /// `heartbeatAt` means the daemon is gone (or hung), whatever `state` says.
    public func status() throws -> DaemonStatus? {
        try read { db in try DaemonStatusRow.fetchOne(db, key: DaemonStatusRow.singletonID)?.status }
    }
}
