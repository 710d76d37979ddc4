import Foundation
import GRDB
import Inspection

extension VerdictStore {
    /// One page of rows matching `filter` (newest first unless it says otherwise) and how
    /// many match in all, read in one snapshot so the count and the page agree.
    public func browse(_ filter: BrowseFilter) throws -> (records: [InspectionRecord], total: Int) {
        let condition = Self.browseCondition(filter)
        let direction = filter.base.newestFirst ? "DESC" : "ASC"
        var sql = "SELECT * FROM inspections\(condition.sql) ORDER BY \(Self.timeExpression) \(direction), id \(direction)"
        var arguments = condition.arguments
        sql += " LIMIT ? OFFSET ?"
        arguments += [max(filter.base.limit ?? 50, 0), max(filter.offset, 0)]
        return try read { db in
            let rows = try InspectionRow.fetchAll(db, sql: sql, arguments: arguments).map { try $0.record(path: path) }
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inspections\(condition.sql)",
                                         arguments: condition.arguments) ?? 0
            return (rows, total)
        }
    }

    /// Rows matching `filter` that finished after the cursor (finished_at, id), oldest
    /// first, at most `limit`: the live list's cheap poll of the WAL file.
    public func finished(after cursor: FinishCursor, matching filter: BrowseFilter = BrowseFilter(),
                         limit: Int = 200) throws -> [InspectionRecord] {
        let condition = Self.browseCondition(filter)
        let sql = "SELECT * FROM inspections\(condition.sql.isEmpty ? " WHERE" : condition.sql + " AND") "
            + "finished_at IS NOT NULL AND (finished_at > ? OR (finished_at = ? AND id > ?)) "
            + "ORDER BY finished_at, id LIMIT ?"
        let arguments = condition.arguments + [cursor.finishedAt, cursor.finishedAt, cursor.id, limit]
        return try read { db in
            try InspectionRow.fetchAll(db, sql: sql, arguments: arguments).map { try $0.record(path: path) }
        }
    }

    /// The newest finish in the log: where a live list starts following.
    public func latestFinish() throws -> FinishCursor {
        try read { db in
            let row = try Row.fetchOne(db, sql: "SELECT finished_at, id FROM inspections WHERE finished_at IS NOT NULL "
                                           + "ORDER BY finished_at DESC, id DESC LIMIT 1")
            guard let row else { return FinishCursor(finishedAt: 0, id: 0) }
            return FinishCursor(finishedAt: try row.decode(Double.self, forColumn: "finished_at"),
                                id: try row.decode(Int64.self, forColumn: "id"))
        }
    }

    /// Which of these contents have a current label, and of what kind.
    public func currentLabelKinds(contentHashes: [String]) throws -> [String: Label] {
        guard !contentHashes.isEmpty else { return [:] }
        let unique = Array(Set(contentHashes))
        let marks = Array(repeating: "?", count: unique.count).joined(separator: ", ")
        return try read { db in
            let rows = try LabelRow.fetchAll(db, sql: "SELECT * FROM labels WHERE superseded_at IS NULL "
                                                + "AND content_hash IN (\(marks))", arguments: StatementArguments(unique))
            var result: [String: Label] = [:]
            for row in rows {
                let label = try row.label(path: path)
                result[label.contentHash] = label
            }
            return result
        }
    }

    /// Distinct station names in the log (for filters when the configuration is not readable).
    public func stationNames() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT station FROM inspections ORDER BY station") }
    }

    /// ``VerdictFilter``'s condition with the browse filters added; values always bound.
    static func browseCondition(_ filter: BrowseFilter) -> (sql: String, arguments: StatementArguments) {
        let base = filter.base.sqlCondition()
        var clauses: [String] = base.sql.isEmpty ? [] : [String(base.sql.dropFirst(" WHERE ".count))]
        var arguments = base.arguments
        if let maxScore = filter.maxScore {
            clauses.append("score < ?")
            arguments += [maxScore]
        }
        if let defectClass = filter.defectClass {
            clauses.append("defect_class = ?")
            arguments += [defectClass]
        }
        if let labelled = filter.labelled {
            clauses.append("\(labelled ? "" : "NOT ")EXISTS (SELECT 1 FROM labels WHERE labels.content_hash = "
                           + "inspections.content_hash AND labels.superseded_at IS NULL)")
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), arguments)
    }
}
