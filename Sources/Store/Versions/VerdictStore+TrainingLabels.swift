import Inspection
import GRDB

extension VerdictStore {
    /// The labels a station learns from: its own and those imported without a station, oldest
    /// first. With `newestPerClass`, only the newest that many good and the newest that many
    /// defect labels (by creation time, then id), as `PromptTuning.selectLabels` picks them.
    public func trainingLabels(station: String, newestPerClass: Int? = nil) throws -> [Label] {
        try read { db in
            try LabelRow.fetchAll(db, sql: Self.trainingLabelSQL(columns: "*", newestPerClass: newestPerClass),
                                  arguments: Self.trainingLabelArguments(station, newestPerClass))
                .map { try $0.label(path: path) }
        }
    }

    /// Current labels of `station` (or without one); ranked per kind when capped.
    private static func trainingLabelSQL(columns: String, newestPerClass: Int?) -> String {
        let current = "superseded_at IS NULL AND (station = ? OR station IS NULL)"
        guard newestPerClass != nil else {
            return "SELECT \(columns) FROM labels WHERE \(current) ORDER BY created_at, id"
        }
        return """
            SELECT \(columns) FROM (
                SELECT *, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY created_at DESC, id DESC) AS newest_rank
                FROM labels WHERE \(current))
            WHERE newest_rank <= ? ORDER BY created_at, id
            """
    }

    private static func trainingLabelArguments(_ station: String, _ newestPerClass: Int?) -> StatementArguments {
        newestPerClass.map { [station, max(1, $0)] } ?? [station]
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
    /// version's few-shot parts are out of date; `newestPerClass` as in `trainingLabels`.
    public func currentLabelIDs(station: String, newestPerClass: Int? = nil) throws -> [Int64] {
        try read { db in
            try Int64.fetchAll(db, sql: Self.trainingLabelSQL(columns: "id", newestPerClass: newestPerClass),
                               arguments: Self.trainingLabelArguments(station, newestPerClass)).sorted()
        }
    }
}
