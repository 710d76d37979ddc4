import Inspection
import GRDB

extension VerdictStore {
    /// Deletes finished (done / error) rows older than `verdictDays` and map blobs older than
    /// `mapDays`, by finish time, in one transaction. Queued and processing rows are never
    /// touched: retention must not lose work. nil keeps forever. Returns rows deleted and maps
    /// deleted (including the maps of deleted rows).
    @discardableResult
    public func applyRetention(verdictDays: Double?, mapDays: Double?, now: Double) throws -> (rows: Int, maps: Int) {
        for (name, days) in [("verdict_days", verdictDays), ("map_days", mapDays)] {
            if let days, !(days >= 0 && days.isFinite) {
                throw InspectionError.invalidSetting(name: "retention.\(name)", value: "\(days)",
                                                     reason: "must be a finite number of days ≥ 0")
            }
        }
        return try write { db in
            var rows = 0
            var maps = 0
            // finished_at is set exactly for done/error rows (a CHECK guarantees it), so the
            // finished_at index serves both deletes.
            if let verdictDays {
                let cutoff = now - verdictDays * 86400
                maps += try Int.fetchOne(
                    db, sql: """
                        SELECT COUNT(*) FROM maps JOIN inspections ON inspections.id = maps.inspection_id
                        WHERE inspections.state IN ('done', 'error') AND inspections.finished_at < ?
                        """,
                    arguments: [cutoff]) ?? 0
                try db.execute(
                    sql: "DELETE FROM inspections WHERE state IN ('done', 'error') AND finished_at < ?",
                    arguments: [cutoff])
                rows = db.changesCount
            }
            if let mapDays {
                let cutoff = now - mapDays * 86400
                try db.execute(
                    sql: """
                        DELETE FROM maps WHERE inspection_id IN (
                            SELECT id FROM inspections WHERE state IN ('done', 'error') AND finished_at < ?)
                        """,
                    arguments: [cutoff])
                maps += db.changesCount
            }
            return (rows: rows, maps: maps)
        }
    }
}
