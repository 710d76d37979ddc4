import Inspection
import Foundation
import GRDB

extension VerdictStore {
    /// The version `station` runs with, blobs included.
    public func activeVersion(station: String) throws -> ModelVersionRecord? {
        try read { db in
            typealias Columns = ModelVersionRow.CodingKeys
            return try ModelVersionRow
                .filter(Columns.station == station && Columns.status == ModelVersionStatus.active.rawValue)
                .fetchOne(db)?
                .record(path: path)
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
            let active = ModelVersionRow
                .select(ModelVersionRow.summarySelection)
                .filter(ModelVersionRow.CodingKeys.status == ModelVersionStatus.active.rawValue)
            for row in try active.fetchAll(db) {
                let record = try row.record(path: path)
                found[record.station] = record
            }
            return found
        }
    }

    /// One version with its blobs; `notFound` for an unknown id.
    public func version(id: Int64) throws -> ModelVersionRecord {
        let found = try read { db in
            try ModelVersionRow.fetchOne(db, key: id)?.record(path: path)
        }
        guard let found else { throw InspectionError.notFound(what: "model version", id: id) }
        return found
    }

    /// Versions newest first, without blobs; one station's when given.
    public func versions(station: String? = nil, limit: Int = 100) throws -> [ModelVersionRecord] {
        typealias Columns = ModelVersionRow.CodingKeys
        var request = ModelVersionRow.select(ModelVersionRow.summarySelection)
        if let station {
            request = request.filter(Columns.station == station)
        }
        request = request.order(Columns.id.desc).limit(max(0, limit))
        return try read { db in try request.fetchAll(db).map { try $0.record(path: path) } }
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
            try ModelVersionRow(inserting: record).insert(db)
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
            throw StoreError.other(path: path, reason: "opened read-only; this change needs the store opened for writing")
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
