import Inspection
import Foundation
import GRDB

extension VerdictStore {
    /// Queues a newly found image. Returns nil when (station, path, contentHash) is already in
    /// the log in any state: a re-scan, a restart or a duplicate file event never doubles an
    /// image, while a file rewritten with new content is queued again.
    @discardableResult
    public func recordDiscovered(_ file: DiscoveredFile, at time: Double) throws -> Int64? {
        try write { db in
            // ON CONFLICT DO NOTHING targets only the dedup key; unlike INSERT OR IGNORE it still
            // reports NOT NULL / CHECK violations.
            try db.execute(
                sql: """
                    INSERT INTO inspections (station, path, size, mtime, content_hash, state, attempts, discovered_at)
                    VALUES (?, ?, ?, ?, ?, 'queued', 0, ?)
                    ON CONFLICT (station, path, content_hash) DO NOTHING
                    """,
                arguments: [file.station, file.path, file.size, file.mtime, file.contentHash, time])
            return db.changesCount == 0 ? nil : db.lastInsertedRowID
        }
    }

    /// The most recent fingerprint recorded for a path, so the start-up scan can skip hashing a
    /// file whose size and mtime have not changed.
    public func latestFingerprint(station: String, path: String) throws -> (size: Int64, mtime: Double, contentHash: String)? {
        try read { db in
            typealias Columns = InspectionRow.CodingKeys
            guard let row = try InspectionRow
                .filter(Columns.station == station && Columns.path == path)
                .order(Columns.id.desc)
                .fetchOne(db)
            else { return nil }
            return (size: row.size, mtime: row.mtime, contentHash: row.contentHash)
        }
    }

    /// Moves the oldest queued image to processing and returns it. An image that was already
    /// claimed `maxAttempts` times without finishing (each time the daemon died on it) is
    /// marked error instead, so a poison image cannot crash-loop the daemon.
    public func claimNext(at time: Double, maxAttempts: Int = 3) throws -> InspectionRecord? {
        guard maxAttempts >= 1 else {
            throw InspectionError.invalidSetting(name: "max_attempts", value: "\(maxAttempts)", reason: "must be at least 1")
        }
        return try write { db in
            typealias Columns = InspectionRow.CodingKeys
            while let row = try InspectionRow
                .filter(Columns.state == InspectionState.queued.rawValue)
                .order(Columns.id)
                .fetchOne(db), let id = row.id {
                let attempts = row.attempts
                if attempts >= maxAttempts {
                    try db.execute(
                        sql: """
                            UPDATE inspections SET state = 'error', finished_at = ?, error_kind = ?, error_message = ?
                            WHERE id = ?
                            """,
                        arguments: [time, Self.gaveUpErrorKind,
                                    "gave up after \(attempts) attempts (the daemon stopped while processing it each time)", id])
                    continue
                }
                try db.execute(
                    sql: "UPDATE inspections SET state = 'processing', attempts = attempts + 1, started_at = ? WHERE id = ?",
                    arguments: [time, id])
                return try fetchRecord(db, id: id)
            }
            return nil
        }
    }

    /// Records the verdict (and its map) of a claimed image in one transaction: either the row is
    /// done with its map or it is still processing. Only a processing row can complete, so a
    /// verdict is never recorded twice.
    public func complete(id: Int64, with verdict: StoredVerdict, at time: Double) throws {
        let numbers: [(String, Double)] = [
            ("score", verdict.score), ("image probability", verdict.imageProbability),
            ("map maximum", verdict.mapMaximum), ("review threshold", verdict.reviewThreshold),
            ("fail threshold", verdict.failThreshold),
        ]
        // SQLite stores NaN as NULL, which would leave a done row without a score.
        if let bad = numbers.first(where: { !$0.1.isFinite }) {
            throw StoreError.constraint(path: path, reason: "inspection \(id): \(bad.0) is \(bad.1); not recording a verdict")
        }
        let timings = verdict.timings
        try write { db in
            try db.execute(
                sql: """
                    UPDATE inspections SET
                        state = 'done', finished_at = ?, verdict = ?, score = ?, image_probability = ?,
                        map_maximum = ?, review_threshold = ?, fail_threshold = ?, score_mode = ?,
                        model_version = ?, decode_ms = ?, preprocess_ms = ?, encode_ms = ?, score_ms = ?,
                        total_ms = ?, original_width = ?, original_height = ?, geometry_json = ?,
                        fused_score = ?, defect_class = ?, defect_probability = ?, defect_set = ?, version_id = ?,
                        error_kind = NULL, error_message = NULL
                    WHERE id = ? AND state = 'processing'
                    """,
                arguments: [
                    time, verdict.verdict.rawValue, verdict.score, verdict.imageProbability,
                    verdict.mapMaximum, verdict.reviewThreshold, verdict.failThreshold, verdict.scoreMode,
                    verdict.modelVersion, timings.decode * 1000, timings.preprocess * 1000,
                    timings.encode * 1000, timings.score * 1000, timings.total * 1000,
                    verdict.originalWidth, verdict.originalHeight, verdict.geometryJSON,
                    verdict.fusedScore.flatMap { $0.isFinite ? $0 : nil }, verdict.defectClass,
                    verdict.defectProbability.flatMap { $0.isFinite ? $0 : nil },
                    verdict.defectSet.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) },
                    verdict.versionID, id,
                ])
            try requireTransition(db, id: id, to: "done")
            if let map = verdict.map {
                try MapRow(inspectionID: id, map: map).insert(db, onConflict: .replace)
            }
        }
    }

    /// Records that a claimed image could not be inspected. `kind` is InspectionError.kind (or
    /// similar), `timings` what was measured before the failure, if anything.
    public func fail(id: Int64, kind: String, message: String, timings: InspectionResult.Timings?, at time: Double) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE inspections SET
                        state = 'error', finished_at = ?, error_kind = ?, error_message = ?,
                        decode_ms = ?, preprocess_ms = ?, encode_ms = ?, score_ms = ?, total_ms = ?
                    WHERE id = ? AND state = 'processing'
                    """,
                arguments: [
                    time, kind, message, timings.map { $0.decode * 1000 }, timings.map { $0.preprocess * 1000 },
                    timings.map { $0.encode * 1000 }, timings.map { $0.score * 1000 }, timings.map { $0.total * 1000 },
                    id,
                ])
            try requireTransition(db, id: id, to: "error")
        }
    }

    /// Puts images a previous run was processing back in the queue; call once at start-up,
    /// before the first claim. Their attempt counts are kept, which is what stops poison images.
    @discardableResult
    public func requeueInterrupted() throws -> Int {
        try write { db in
            try db.execute(sql: "UPDATE inspections SET state = 'queued', started_at = NULL WHERE state = 'processing'")
            return db.changesCount
        }
    }

    /// Puts a claimed image back in the queue and gives back its attempt: its verdict could
    /// not be written because of the storage (full disk, lock, I/O), which says nothing about
    /// the image, so it must neither end as an error nor come closer to `gave_up`.
    public func releaseClaim(id: Int64) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE inspections SET state = 'queued', started_at = NULL, attempts = MAX(attempts - 1, 0)
                    WHERE id = ? AND state = 'processing'
                    """,
                arguments: [id])
            try requireTransition(db, id: id, to: "queued")
        }
    }

    /// Records what became of the file after its verdict: moved (to `movedTo`) or deleted
    /// (`error` nil), or the reason it was not.
    public func recordAfterProcessing(id: Int64, error: String?, movedTo: String? = nil) throws {
        try write { db in
            try db.execute(sql: "UPDATE inspections SET after_state = ?, after_error = ?, after_path = ? WHERE id = ?",
                           arguments: [error == nil ? "done" : "failed", error, movedTo, id])
        }
    }

    /// Finished rows whose move or delete failed, oldest first: retried on the next start.
    public func failedAfterProcessing(limit: Int = 10_000) throws -> [InspectionRecord] {
        try read { db in
            try InspectionRow.filter(InspectionRow.CodingKeys.afterState == "failed")
                .order(InspectionRow.CodingKeys.id).limit(limit).fetchAll(db).map { try $0.record(path: path) }
        }
    }

    /// How many finished files could not be moved or deleted (for `inspectctl status`).
    public func afterProcessingFailures() throws -> Int {
        try read { db in
            try InspectionRow.filter(InspectionRow.CodingKeys.afterState == "failed").fetchCount(db)
        }
    }

    /// Images waiting to be claimed (not counting the ones being processed).
    public func queueDepth() throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inspections WHERE state = 'queued'") ?? 0
        }
    }

    /// Throws when the preceding UPDATE … WHERE state = 'processing' touched nothing: unknown
    /// id, or a row that is not (or no longer) being processed.
    private func requireTransition(_ db: Database, id: Int64, to target: String) throws {
        guard db.changesCount == 0 else { return }
        guard let row = try InspectionRow.fetchOne(db, key: id) else {
            throw InspectionError.notFound(what: "inspection", id: id)
        }
        let state = row.state
        throw StoreError.constraint(
            path: path, reason: "inspection \(id) is \(state), not processing; it cannot become \(target)")
    }

    /// One row by id, inside an open transaction.
    func fetchRecord(_ db: Database, id: Int64) throws -> InspectionRecord? {
        try InspectionRow.fetchOne(db, key: id)?.record(path: path)
    }
}
