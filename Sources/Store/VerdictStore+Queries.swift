import Inspection
import Foundation
import GRDB

extension VerdictStore {
    /// Rows per state, every state present (zero when empty).
    public func counts() throws -> [InspectionState: Int] {
        try read { db in
            var result = Dictionary(uniqueKeysWithValues: InspectionState.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS count FROM inspections GROUP BY state") {
                let text = try row.decode(String.self, forColumn: "state")
                guard let state = InspectionState(rawValue: text) else {
                    throw StoreError.corrupt(path: path, reason: "rows with unknown state '\(text)'")
                }
                result[state] = try row.decode(Int.self, forColumn: "count")
            }
            return result
        }
    }

    /// Rows matching `filter`, ordered by `finishedAt ?? discoveredAt` (then id), newest first
    /// unless the filter says otherwise.
    public func records(_ filter: VerdictFilter) throws -> [InspectionRecord] {
        let condition = filter.sqlCondition()
        let direction = filter.newestFirst ? "DESC" : "ASC"
        var sql = "SELECT * FROM inspections\(condition.sql) "
            + "ORDER BY \(Self.timeExpression) \(direction), id \(direction)"
        var arguments = condition.arguments
        if let limit = filter.limit {
            sql += " LIMIT ?"
            arguments += [max(limit, 0)]
        }
        return try read { db in
            try InspectionRow.fetchAll(db, sql: sql, arguments: arguments).map { try $0.record(path: path) }
        }
    }

    /// One row; ``InspectionError/notFound(what:id:)`` when there is none.
    public func record(id: Int64) throws -> InspectionRecord {
        let found = try read { db in try fetchRecord(db, id: id) }
        guard let found else { throw InspectionError.notFound(what: "inspection", id: id) }
        return found
    }

    /// The stored anomaly map; nil when the inspection has none (an error, a verdict stored
    /// without map, or removed by retention), ``InspectionError/notFound(what:id:)`` when the
    /// inspection itself does not exist.
    public func map(id: Int64) throws -> EncodedMap? {
        let stored = try read { db -> (exists: Bool, row: MapRow?) in
            if let row = try MapRow.fetchOne(db, key: id) {
                return (true, row)
            }
            return (try InspectionRow.exists(db, key: id), nil)
        }
        guard stored.exists else { throw InspectionError.notFound(what: "inspection", id: id) }
        return try stored.row?.map(path: path)
    }

    /// Counts per station, and per UTC hour or day of `finishedAt ?? discoveredAt` when asked,
    /// sorted by station then bucket. The filter's limit and order do not apply.
    public func stats(_ filter: VerdictFilter, bucket: StatsBucket) throws -> [StationStats] {
        let condition = filter.sqlCondition()
        // Buckets are whole multiples of the width since the epoch, i.e. UTC hours and days
        // (unix time has no leap seconds). Truncation is floor for the non-negative times the
        // daemon writes.
        let bucketSQL = bucket.seconds.map { "CAST(\(Self.timeExpression) / \($0) AS INTEGER) * \($0)" } ?? "NULL"
        let sql = """
            SELECT station, \(bucketSQL) AS bucket_start, COUNT(*) AS total,
                SUM(CASE WHEN verdict = 'pass' THEN 1 ELSE 0 END) AS pass,
                SUM(CASE WHEN verdict = 'review' THEN 1 ELSE 0 END) AS review,
                SUM(CASE WHEN verdict = 'fail' THEN 1 ELSE 0 END) AS fail,
                SUM(CASE WHEN state = 'error' THEN 1 ELSE 0 END) AS errors,
                SUM(CASE WHEN state IN ('queued', 'processing') THEN 1 ELSE 0 END) AS queued,
                SUM(CASE WHEN after_state = 'failed' THEN 1 ELSE 0 END) AS after_failed
            FROM inspections\(condition.sql)
            GROUP BY station, bucket_start
            ORDER BY station, bucket_start
            """
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: condition.arguments).map { row in
                let pass = try row.decode(Int.self, forColumn: "pass")
                let review = try row.decode(Int.self, forColumn: "review")
                let fail = try row.decode(Int.self, forColumn: "fail")
                let decided = pass + review + fail
                return StationStats(
                    station: try row.decode(String.self, forColumn: "station"),
                    bucketStart: try row.decode(Double?.self, forColumn: "bucket_start"),
                    total: try row.decode(Int.self, forColumn: "total"),
                    pass: pass, review: review, fail: fail,
                    errors: try row.decode(Int.self, forColumn: "errors"),
                    queued: try row.decode(Int.self, forColumn: "queued"),
                    yield: decided > 0 ? Double(pass) / Double(decided) : nil,
                    afterFailed: try row.decode(Int.self, forColumn: "after_failed"))
            }
        }
    }
}
