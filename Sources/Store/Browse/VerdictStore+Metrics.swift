import GRDB
import Inspection

extension VerdictStore {
    /// Finished rows after `cursor`, oldest first, at most `limit` (metrics catch up in pages).
    public func finishedSamples(after cursor: FinishCursor, limit: Int = 5000) throws -> [FinishedSample] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, finished_at, station, verdict, error_kind, decode_ms, preprocess_ms, encode_ms, score_ms, total_ms
                FROM inspections
                WHERE finished_at IS NOT NULL AND (finished_at > ? OR (finished_at = ? AND id > ?))
                ORDER BY finished_at, id LIMIT ?
                """, arguments: [cursor.finishedAt, cursor.finishedAt, cursor.id, limit]).map { row in
                let verdictText: String? = try row.decode(String?.self, forColumn: "verdict")
                return FinishedSample(
                    cursor: FinishCursor(finishedAt: try row.decode(Double.self, forColumn: "finished_at"),
                                         id: try row.decode(Int64.self, forColumn: "id")),
                    station: try row.decode(String.self, forColumn: "station"),
                    verdict: verdictText.flatMap(Verdict.init(rawValue:)),
                    errorKind: try row.decode(String?.self, forColumn: "error_kind"),
                    decodeMs: try row.decode(Double?.self, forColumn: "decode_ms"),
                    preprocessMs: try row.decode(Double?.self, forColumn: "preprocess_ms"),
                    encodeMs: try row.decode(Double?.self, forColumn: "encode_ms"),
                    scoreMs: try row.decode(Double?.self, forColumn: "score_ms"),
                    totalMs: try row.decode(Double?.self, forColumn: "total_ms"))
            }
        }
    }

    /// Rows waiting (`queued`) or being scored (`processing`), per station.
    public func pendingCounts() throws -> [(station: String, state: InspectionState, count: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT station, state, COUNT(*) AS count FROM inspections
                WHERE state IN ('queued', 'processing') GROUP BY station, state ORDER BY station, state
                """).compactMap { row in
                let text = try row.decode(String.self, forColumn: "state")
                guard let state = InspectionState(rawValue: text) else { return nil }
                return (try row.decode(String.self, forColumn: "station"), state, try row.decode(Int.self, forColumn: "count"))
            }
        }
    }

    /// Scores of done rows matching `filter` (for histograms), at most `limit`, newest first.
    public func scores(_ filter: BrowseFilter, limit: Int = 100_000) throws -> [Double] {
        let condition = Self.browseCondition(filter)
        let sql = "SELECT score FROM inspections\(condition.sql.isEmpty ? " WHERE" : condition.sql + " AND") "
            + "score IS NOT NULL ORDER BY \(Self.timeExpression) DESC LIMIT ?"
        return try read { db in try Double.fetchAll(db, sql: sql, arguments: condition.arguments + [limit]) }
    }
}
