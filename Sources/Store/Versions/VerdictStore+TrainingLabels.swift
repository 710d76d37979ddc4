import Inspection
import GRDB

extension VerdictStore {
    /// The labels a station learns from: its own and those imported without a station.
    public func trainingLabels(station: String) throws -> [Label] {
        try read { db in
            typealias Columns = LabelRow.CodingKeys
            return try LabelRow
                .filter(Columns.supersededAt == nil && (Columns.station == station || Columns.station == nil))
                .order(Columns.createdAt, Columns.id)
                .fetchAll(db).map { try $0.label(path: path) }
        }
    }

    /// Labels by id (superseded ones included), to refit a version on exactly what it was fitted on.
    public func labels(ids: [Int64]) throws -> [Label] {
        guard !ids.isEmpty else { return [] }
        return try read { db in
            var found = [Label]()
            // Chunks stay under SQLite's bound-parameter limit.
            var start = 0
            while start < ids.count {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                found += try LabelRow.filter(keys: chunk).order(LabelRow.CodingKeys.id)
                    .fetchAll(db).map { try $0.label(path: path) }
                start += 500
            }
            return found
        }
    }

    /// Labels of `station` (or without one) recorded at or after `time`: the "retrain after N
    /// new labels" count. Relabels count as new information.
    public func labelCount(station: String, since time: Double) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM labels WHERE created_at >= ? AND (station = ? OR station IS NULL)",
                             arguments: [time, station]) ?? 0
        }
    }

    /// Current label ids of `station` (or without one), sorted, to tell whether a configured
    /// version's few-shot parts are out of date.
    public func currentLabelIDs(station: String) throws -> [Int64] {
        try read { db in
            try Int64.fetchAll(db, sql: """
                SELECT id FROM labels WHERE superseded_at IS NULL AND (station = ? OR station IS NULL) ORDER BY id
                """, arguments: [station])
        }
    }
}
