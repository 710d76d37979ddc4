import Inspection
import Foundation
import GRDB

extension VerdictStore {
    /// The trigger of a job that judges an imported published version instead of training.
    public static let publishedTrigger = "published"

    /// The newest published version of `product` this station has imported, if any.
    public func lastFollowed(station: String, product: String) throws -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT max(published_id) FROM fleet_followed WHERE station = ? AND product = ?",
                               arguments: [station, product])
        }
    }

    /// Stores a version published in the fleet as a `candidate` of `station` and asks for a
    /// judging job, in one transaction: the station adopts it only if it does at least as
    /// well as its active version on the station's own held-out labels. A published id that
    /// was already imported is not imported again (returns nil).
    public func importPublished(_ record: ModelVersionRecord, product: String, publishedID: Int64,
                                at time: Double) throws -> (version: Int64, job: Int64)? {
        try requireWritable()
        guard record.status == .candidate else {
            throw InspectionError.invalidSetting(name: "status", value: record.status.rawValue,
                                                 reason: "a published version is imported as a candidate")
        }
        return try write { db in
            try db.execute(sql: """
                INSERT INTO fleet_followed (station, product, published_id, imported_at) VALUES (?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, arguments: [record.station, product, publishedID, time])
            guard db.changesCount == 1 else { return nil }
            try ModelVersionRow(inserting: record).insert(db)
            let version = db.lastInsertedRowID
            try db.execute(sql: "UPDATE fleet_followed SET version_id = ? WHERE station = ? AND product = ? AND published_id = ?",
                           arguments: [version, record.station, product, publishedID])
            var job = TrainingJobRow(requestedFor: record.station, trigger: Self.publishedTrigger, at: time)
            job.candidateID = version
            try job.insert(db)
            return (version, db.lastInsertedRowID)
        }
    }

    /// Records how a published candidate did on the station's held-out labels: the few-shot
    /// parts fitted on its training labels, the label ids, the metrics and the decision.
    /// Promotion then goes through ``activateVersion(id:reason:at:)``; a rejection through
    /// ``updateVersionDecision(id:status:decision:)``.
    public func recordJudgement(id: Int64, memoryBank: [UInt8]?, classifier: String?, thresholds: CalibratedThresholds?,
                                trainingLabelIDs: [Int64], heldOutLabelIDs: [Int64], metrics: VersionMetrics,
                                decision: String) throws {
        try requireWritable()
        try write { db in
            try db.execute(sql: """
                UPDATE model_versions SET memory_bank = ?, classifier = ?, review_threshold = ?, fail_threshold = ?,
                    threshold_method = ?, training_label_ids = ?, heldout_label_ids = ?, metrics = ?, decision = ?
                WHERE id = ?
                """, arguments: [memoryBank.map { Data($0) }, classifier, Self.finite(thresholds?.review),
                                 Self.finite(thresholds?.fail), thresholds?.method, Self.json(trainingLabelIDs),
                                 Self.json(heldOutLabelIDs), Self.json(metrics), decision, id])
        }
    }
}
