import GRDB
import Inspection

extension VerdictStore {
    /// Every output's last written status, by station then name.
    public func outputStatuses() throws -> [OutputStatus] {
        try read { db in
            try OutputStatusRow.fetchAll(db, sql: "SELECT * FROM output_status ORDER BY station, name").map(\.status)
        }
    }

    /// Replaces all output rows with `statuses` in one transaction: outputs removed from the
    /// configuration disappear, and with them their cursors.
    public func replaceOutputStatuses(_ statuses: [OutputStatus]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM output_status")
            for status in statuses { try OutputStatusRow(status).insert(db) }
        }
    }

    /// Rows of `station` with an id above `afterID`, in any state, oldest first: what a file
    /// output walks. It stops at the first row not yet final, so a verdict is never skipped
    /// whatever order rows finish in.
    public func rows(station: String, afterID: Int64, limit: Int) throws -> [InspectionRecord] {
        try read { db in
            try InspectionRow.fetchAll(db, sql: """
                SELECT * FROM inspections WHERE id > ? AND station = ? ORDER BY id LIMIT ?
                """, arguments: [afterID, station, max(limit, 0)]).map { try $0.record(path: path) }
        }
    }

    /// Where a new file output of `station` starts: just before the oldest row still waiting
    /// for its verdict, else after the newest row. Earlier verdicts are history, not news.
    public func exportStart(station: String) throws -> Int64 {
        try read { db in
            if let waiting = try Int64.fetchOne(db, sql: """
                SELECT MIN(id) FROM inspections WHERE station = ? AND state IN ('queued', 'processing')
                """, arguments: [station]) {
                return waiting - 1
            }
            return try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM inspections") ?? 0
        }
    }

    /// How many done rows of `station` have an id above `afterID`.
    public func verdictCount(station: String, afterID: Int64) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inspections WHERE id > ? AND station = ? AND state = 'done'",
                             arguments: [afterID, station]) ?? 0
        }
    }

    /// The rows with these ids (those that exist), in id order.
    public func records(ids: [Int64]) throws -> [InspectionRecord] {
        guard !ids.isEmpty else { return [] }
        return try read { db in
            try InspectionRow.filter(ids.contains(Column("id"))).order(Column("id")).fetchAll(db).map { try $0.record(path: path) }
        }
    }
}
