import Foundation
import Inspection
import Store

/// `inspectctl verdicts|stats|export --db postgres://…`: the same filters over the fleet's
/// `verdicts` table, returning the same types as the SQLite queries so that the printers
/// (and so the output formats) are shared. A fleet row's station is shown as `SITE/STATION`.
public struct FleetQueries {
    let connection: FleetConnection

    public init(connection: FleetConnection) throws(FleetError) {
        self.connection = connection
        try CentralSchema.requireCurrent(connection)
    }

    /// Rows matching `filter` (and `sites`, when given), ordered like ``VerdictStore/records(_:)``.
    public func records(_ filter: VerdictFilter, sites: [String]) throws(FleetError) -> [InspectionRecord] {
        var b = PostgresBindingsBuilder()
        let condition = Self.condition(filter, sites: sites, &b)
        let direction = filter.newestFirst ? "DESC" : "ASC"
        var sql = "SELECT site, record::text AS record FROM verdicts\(condition) "
            + "ORDER BY time \(direction), site \(direction), station \(direction), local_id \(direction)"
        if let limit = filter.limit { sql += " LIMIT \(b.add(Int64(max(limit, 0))))" }
        let action = "querying verdicts"
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try connection.run(sql, b.bindings, action: action).map { row throws(FleetError) in
            let site = try connection.decode(row, "site", as: String.self, action: action)
            let text = try connection.decode(row, "record", as: String.self, action: action)
            do {
                var record = try decoder.decode(InspectionRecord.self, from: Data(text.utf8))
                record.station = "\(site)/\(record.station)"
                return record
            } catch {
                throw FleetError(url: connection.url.redacted, action: action, reason: "unreadable record from \(site): \(error)")
            }
        }
    }

    /// Counts per SITE/STATION (and hour or day), like ``VerdictStore/stats(_:bucket:)``.
    /// The fleet holds finished rows only, so `queued` is always 0.
    public func stats(_ filter: VerdictFilter, bucket: StatsBucket, sites: [String]) throws(FleetError) -> [StationStats] {
        var b = PostgresBindingsBuilder()
        let condition = Self.condition(filter, sites: sites, &b)
        let bucketSQL = bucket.seconds.map { "(floor(time / \(Int($0))) * \(Int($0)))::double precision" } ?? "NULL::double precision"
        let sql = """
            SELECT site || '/' || station AS name, \(bucketSQL) AS bucket_start, COUNT(*) AS total,
                COUNT(*) FILTER (WHERE verdict = 'pass') AS pass,
                COUNT(*) FILTER (WHERE verdict = 'review') AS review,
                COUNT(*) FILTER (WHERE verdict = 'fail') AS fail,
                COUNT(*) FILTER (WHERE state = 'error') AS errors,
                COUNT(*) FILTER (WHERE state IN ('queued', 'processing')) AS queued,
                COUNT(*) FILTER (WHERE after_state = 'failed') AS after_failed
            FROM verdicts\(condition)
            GROUP BY name, bucket_start
            ORDER BY name, bucket_start
            """
        let action = "querying stats"
        return try connection.run(sql, b.bindings, action: action).map { row throws(FleetError) in
            func count(_ column: String) throws(FleetError) -> Int {
                Int(try connection.decode(row, column, as: Int64.self, action: action))
            }
            let pass = try count("pass"), review = try count("review"), fail = try count("fail")
            let decided = pass + review + fail
            return StationStats(
                station: try connection.decode(row, "name", as: String.self, action: action),
                bucketStart: try connection.decode(row, "bucket_start", as: Double?.self, action: action),
                total: try count("total"), pass: pass, review: review, fail: fail, errors: try count("errors"),
                queued: try count("queued"), yield: decided > 0 ? Double(pass) / Double(decided) : nil,
                afterFailed: try count("after_failed"))
        }
    }

    /// The WHERE clause for `filter`, mirroring `VerdictFilter.sqlCondition()` of the store.
    static func condition(_ filter: VerdictFilter, sites: [String], _ b: inout PostgresBindingsBuilder) -> String {
        var clauses = [String]()
        func list(_ column: String, _ items: [String]) -> String {
            "\(column) IN (" + items.map { b.add($0) }.joined(separator: ", ") + ")"
        }
        if let since = filter.since { clauses.append("time >= \(b.add(since))") }
        if let until = filter.until { clauses.append("time < \(b.add(until))") }
        if !sites.isEmpty { clauses.append(list("site", sites)) }
        if !filter.stations.isEmpty { clauses.append(list("station", filter.stations)) }
        if !filter.verdicts.isEmpty {
            let verdicts = list("verdict", filter.verdicts.map(\.rawValue))
            clauses.append(filter.includeErrors ? "(\(verdicts) OR state = 'error')" : verdicts)
        }
        if !filter.states.isEmpty { clauses.append(list("state", filter.states.map(\.rawValue))) }
        if let minScore = filter.minScore { clauses.append("score >= \(b.add(minScore))") }
        return clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
    }
}
