import Inspection
import Foundation
import GRDB

extension VerdictStore {
    /// Rows per state, every state present (zero when empty).
    public func counts() throws -> [InspectionState: Int] {
        try read { db in
            var result = Dictionary(uniqueKeysWithValues: InspectionState.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM inspections GROUP BY state") {
                let text = try row.decode(String.self, atIndex: 0)
                guard let state = InspectionState(rawValue: text) else {
                    throw StoreCorruption(message: "rows with unknown state '\(text)'")
                }
                result[state] = try row.decode(Int.self, atIndex: 1)
            }
            return result
        }
    }

    /// Rows matching `filter`, ordered by `finishedAt ?? discoveredAt` (then id), newest first
    /// unless the filter says otherwise.
    public func records(_ filter: VerdictFilter) throws -> [InspectionRecord] {
        let condition = filter.sqlCondition()
        let direction = filter.newestFirst ? "DESC" : "ASC"
        var sql = "SELECT \(InspectionRecord.selection) FROM inspections\(condition.sql) "
            + "ORDER BY \(Self.timeExpression) \(direction), id \(direction)"
        var arguments = condition.arguments
        if let limit = filter.limit {
            sql += " LIMIT ?"
            arguments += [max(limit, 0)]
        }
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { try InspectionRecord(row: $0) }
        }
    }

    /// One row; ``InspectionError/notFound(what:id:)`` when there is none.
    public func record(id: Int64) throws -> InspectionRecord {
        let found = try read { db in try Self.fetchRecord(db, id: id) }
        guard let found else { throw InspectionError.notFound(what: "inspection", id: id) }
        return found
    }

    /// The stored anomaly map; nil when the inspection has none (an error, a verdict stored
    /// without map, or removed by retention), ``InspectionError/notFound(what:id:)`` when the
    /// inspection itself does not exist.
    public func map(id: Int64) throws -> EncodedMap? {
        let stored = try read { db -> (exists: Bool, row: Row?) in
            if let row = try Row.fetchOne(
                db, sql: "SELECT width, height, minimum, maximum, format_version, png FROM maps WHERE inspection_id = ?",
                arguments: [id]) {
                return (true, row)
            }
            let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM inspections WHERE id = ?)",
                                           arguments: [id]) ?? false
            return (exists, nil)
        }
        guard stored.exists else { throw InspectionError.notFound(what: "inspection", id: id) }
        guard let row = stored.row else { return nil }
        do {
            let version = try row.decode(Int.self, atIndex: 4)
            guard version == EncodedMap.formatVersion else {
                throw StoreCorruption(message: "map of inspection \(id) has format version \(version); this inspectd reads \(EncodedMap.formatVersion)")
            }
            let png = try row.decode(Data.self, atIndex: 5)
            return EncodedMap(width: try row.decode(Int.self, atIndex: 0), height: try row.decode(Int.self, atIndex: 1),
                              minimum: Float(try row.decode(Double.self, atIndex: 2)),
                              maximum: Float(try row.decode(Double.self, atIndex: 3)),
                              png: [UInt8](png))
        } catch {
            throw Self.mapError(error, path: path)
        }
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
            SELECT station, \(bucketSQL) AS bucket_start, COUNT(*),
                SUM(CASE WHEN verdict = 'pass' THEN 1 ELSE 0 END),
                SUM(CASE WHEN verdict = 'review' THEN 1 ELSE 0 END),
                SUM(CASE WHEN verdict = 'fail' THEN 1 ELSE 0 END),
                SUM(CASE WHEN state = 'error' THEN 1 ELSE 0 END),
                SUM(CASE WHEN state IN ('queued', 'processing') THEN 1 ELSE 0 END)
            FROM inspections\(condition.sql)
            GROUP BY station, bucket_start
            ORDER BY station, bucket_start
            """
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: condition.arguments).map { row in
                let pass = try row.decode(Int.self, atIndex: 3)
                let review = try row.decode(Int.self, atIndex: 4)
                let fail = try row.decode(Int.self, atIndex: 5)
                let decided = pass + review + fail
                return StationStats(
                    station: try row.decode(String.self, atIndex: 0),
                    bucketStart: try row.decode(Double?.self, atIndex: 1),
                    total: try row.decode(Int.self, atIndex: 2),
                    pass: pass, review: review, fail: fail,
                    errors: try row.decode(Int.self, atIndex: 6),
                    queued: try row.decode(Int.self, atIndex: 7),
                    yield: decided > 0 ? Double(pass) / Double(decided) : nil)
            }
        }
    }
}
