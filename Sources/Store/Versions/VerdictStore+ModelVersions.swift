import Inspection
import Foundation
import GRDB

extension VerdictStore {
    static let versionColumns = """
        id, station, base, status, source, parent_id, created_at, activated_at, prompts, prompts_hash, \
        memory_bank, classifier, review_threshold, fail_threshold, threshold_method, training_label_ids, \
        heldout_label_ids, metrics, decision, note
        """
    /// The same columns with the blobs left out, for listings.
    static let versionSummaryColumns = """
        id, station, base, status, source, parent_id, created_at, activated_at, NULL, prompts_hash, \
        NULL, NULL, review_threshold, fail_threshold, threshold_method, training_label_ids, \
        heldout_label_ids, metrics, decision, note
        """

    /// The version `station` runs with, blobs included.
    public func activeVersion(station: String) throws -> ModelVersionRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.versionColumns) FROM model_versions WHERE station = ? AND status = 'active'",
                             arguments: [station]).map(ModelVersionRecord.init(row:))
        }
    }

    /// Active version id per station.
    public func activeVersionIDs() throws -> [String: Int64] {
        try activeVersionSummaries().mapValues(\.id)
    }

    /// Every station's active version without blobs: what the daemon polls.
    public func activeVersionSummaries() throws -> [String: ModelVersionRecord] {
        try read { db in
            var found = [String: ModelVersionRecord]()
            for row in try Row.fetchAll(db, sql: "SELECT \(Self.versionSummaryColumns) FROM model_versions WHERE status = 'active'") {
                let record = try ModelVersionRecord(row: row)
                found[record.station] = record
            }
            return found
        }
    }

    /// One version with its blobs; `notFound` for an unknown id.
    public func version(id: Int64) throws -> ModelVersionRecord {
        let found = try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.versionColumns) FROM model_versions WHERE id = ?", arguments: [id])
                .map(ModelVersionRecord.init(row:))
        }
        guard let found else { throw InspectionError.notFound(what: "model version", id: id) }
        return found
    }

    /// Versions newest first, without blobs; one station's when given.
    public func versions(station: String? = nil, limit: Int = 100) throws -> [ModelVersionRecord] {
        var sql = "SELECT \(Self.versionSummaryColumns) FROM model_versions"
        var arguments: StatementArguments = []
        if let station {
            sql += " WHERE station = ?"
            arguments += [station]
        }
        sql += " ORDER BY id DESC LIMIT ?"
        arguments += [max(0, limit)]
        return try read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(ModelVersionRecord.init(row:)) }
    }

    /// Stores a new version. An `active` one replaces the station's active version in the same
    /// transaction (that one becomes `retired`, with `retireReason` as its note).
    @discardableResult
    public func insertVersion(_ record: ModelVersionRecord, retireReason: String? = nil) throws -> Int64 {
        try requireWritable()
        return try write { db in
            if record.status == .active {
                try retireActive(db, station: record.station, reason: retireReason ?? "replaced", at: record.createdAt)
            }
            try db.execute(sql: """
                INSERT INTO model_versions (station, base, status, source, parent_id, created_at, activated_at, prompts,
                    prompts_hash, memory_bank, classifier, review_threshold, fail_threshold, threshold_method,
                    training_label_ids, heldout_label_ids, metrics, decision, note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    record.station, record.base, record.status.rawValue, record.source.rawValue, record.parentID,
                    record.createdAt, record.status == .active ? (record.activatedAt ?? record.createdAt) : record.activatedAt,
                    record.prompts.map { Data($0) }, record.promptsHash, record.memoryBank.map { Data($0) },
                    record.classifier, Self.finite(record.reviewThreshold), Self.finite(record.failThreshold),
                    record.thresholdMethod, Self.json(record.trainingLabelIDs), Self.json(record.heldOutLabelIDs),
                    record.metrics.map(Self.json), record.decision, record.note,
                ])
            return db.lastInsertedRowID
        }
    }

    /// Makes `id` the active version of its station; the previous active one is retired.
    /// Returns the version now active and the one it replaced.
    @discardableResult
    public func activateVersion(id: Int64, reason: String, at time: Double) throws -> (active: ModelVersionRecord, previous: Int64?) {
        try requireWritable()
        let target = try version(id: id)
        guard target.status != .active else { return (target, nil) }
        let previous = try write { db -> Int64? in
            let previous = try Int64.fetchOne(db, sql: "SELECT id FROM model_versions WHERE station = ? AND status = 'active'",
                                              arguments: [target.station])
            try retireActive(db, station: target.station, reason: "replaced by version \(id): \(reason)", at: time)
            try db.execute(sql: "UPDATE model_versions SET status = 'active', activated_at = ?, note = ? WHERE id = ?",
                           arguments: [time, reason, id])
            return previous
        }
        return (try version(id: id), previous)
    }

    /// The version `station` ran before its current one: the retired version activated most
    /// recently. `notFound` (id 0) when there is none.
    public func previousVersion(station: String) throws -> ModelVersionRecord {
        let id = try read { db in
            try Int64.fetchOne(db, sql: """
                SELECT id FROM model_versions WHERE station = ? AND status = 'retired' AND activated_at IS NOT NULL
                ORDER BY activated_at DESC, id DESC LIMIT 1
                """, arguments: [station])
        }
        guard let id else { throw InspectionError.notFound(what: "earlier active version of station \(station)", id: 0) }
        return try version(id: id)
    }

    /// Records how a candidate was judged (promotion goes through `activateVersion`).
    public func updateVersionDecision(id: Int64, status: ModelVersionStatus, decision: String) throws {
        try requireWritable()
        guard status != .active else {
            throw InspectionError.invalidSetting(name: "status", value: status.rawValue,
                                                 reason: "a version becomes active only through activateVersion")
        }
        try write { db in
            try db.execute(sql: "UPDATE model_versions SET status = ?, decision = ? WHERE id = ? AND status != 'active'",
                           arguments: [status.rawValue, decision, id])
        }
    }

    /// Drops memory banks of versions that are neither active nor among the `keep` most recent
    /// others: a ViT-L bank is hundreds of MB. Such a version is rebuilt from its label ids if
    /// activated again. Returns how many banks were dropped.
    @discardableResult
    public func pruneVersionBlobs(station: String, keep: Int) throws -> Int {
        try requireWritable()
        return try write { db in
            try db.execute(sql: """
                UPDATE model_versions SET memory_bank = NULL
                WHERE station = ? AND status != 'active' AND memory_bank IS NOT NULL AND id NOT IN (
                    SELECT id FROM model_versions WHERE station = ? AND status != 'active' ORDER BY id DESC LIMIT ?)
                """, arguments: [station, station, max(0, keep)])
            return db.changesCount
        }
    }

    private func retireActive(_ db: Database, station: String, reason: String, at time: Double) throws {
        try db.execute(sql: "UPDATE model_versions SET status = 'retired', note = ? WHERE station = ? AND status = 'active'",
                       arguments: [reason, station])
    }

    func requireWritable() throws {
        guard !isReadOnly else {
            throw InspectionError.database(path: path, reason: "opened read-only; this change needs the store opened for writing")
        }
    }

    static func finite(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? $0 : nil } }

    /// JSON with non-finite numbers spelled out, so a diverged epoch loss does not lose the
    /// version's other figures.
    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
    }

    static var jsonDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}

extension ModelVersionRecord {
    /// Decodes a row selected with `versionColumns`; bad enum text is reported, not trapped.
    init(row: Row) throws {
        let id = try row.decode(Int64.self, atIndex: 0)
        let statusText = try row.decode(String.self, atIndex: 3)
        let sourceText = try row.decode(String.self, atIndex: 4)
        guard let status = ModelVersionStatus(rawValue: statusText), let source = ModelVersionSource(rawValue: sourceText) else {
            throw StoreCorruption(message: "model version \(id) has unknown status '\(statusText)' or source '\(sourceText)'")
        }
        func ids(_ index: Int) throws -> [Int64] {
            let text = try row.decode(String.self, atIndex: index)
            guard let ids = try? JSONDecoder().decode([Int64].self, from: Data(text.utf8)) else {
                throw StoreCorruption(message: "model version \(id) has unreadable label ids '\(text.prefix(40))'")
            }
            return ids
        }
        let metricsText = try row.decode(String?.self, atIndex: 17)
        self.init(
            id: id, station: try row.decode(atIndex: 1), base: try row.decode(atIndex: 2), status: status, source: source,
            parentID: try row.decode(atIndex: 5), createdAt: try row.decode(atIndex: 6),
            activatedAt: try row.decode(atIndex: 7), prompts: try row.decode(Data?.self, atIndex: 8).map { [UInt8]($0) },
            promptsHash: try row.decode(atIndex: 9), memoryBank: try row.decode(Data?.self, atIndex: 10).map { [UInt8]($0) },
            classifier: try row.decode(atIndex: 11), reviewThreshold: try row.decode(atIndex: 12),
            failThreshold: try row.decode(atIndex: 13), thresholdMethod: try row.decode(atIndex: 14),
            trainingLabelIDs: try ids(15), heldOutLabelIDs: try ids(16),
            metrics: metricsText.flatMap { try? VerdictStore.jsonDecoder.decode(VersionMetrics.self, from: Data($0.utf8)) },
            decision: try row.decode(atIndex: 18), note: try row.decode(atIndex: 19))
    }
}

extension VerdictStore {
    /// Stores few-shot parts refitted for a version whose bank had been pruned (or that was
    /// imported without them).
    public func updateVersionParts(id: Int64, memoryBank: [UInt8]?, classifier: String?, thresholds: CalibratedThresholds?) throws {
        try requireWritable()
        try write { db in
            try db.execute(sql: """
                UPDATE model_versions SET memory_bank = ?, classifier = ?, review_threshold = ?, fail_threshold = ?,
                    threshold_method = ? WHERE id = ?
                """, arguments: [memoryBank.map { Data($0) }, classifier, Self.finite(thresholds?.review),
                                 Self.finite(thresholds?.fail), thresholds?.method, id])
        }
    }
}
