import Inspection
import Foundation
import GRDB

/// One row of `model_versions`. Label ids and metrics are JSON text in the file (metrics with
/// non-finite numbers spelled out); ``ModelVersionRecord`` is what callers see.
struct ModelVersionRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "model_versions"

    var id: Int64?
    var station: String
    var base: String
    var status: String
    var source: String
    var parentID: Int64?
    var createdAt: Double
    var activatedAt: Double?
    var prompts: Data?
    var promptsHash: String?
    var memoryBank: Data?
    var classifier: String?
    var reviewThreshold: Double?
    var failThreshold: Double?
    var thresholdMethod: String?
    var trainingLabelIDs: String
    var heldOutLabelIDs: String
    var metrics: String?
    var decision: String?
    var note: String?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, station, base, status, source, prompts, classifier, metrics, decision, note
        case parentID = "parent_id"
        case createdAt = "created_at"
        case activatedAt = "activated_at"
        case promptsHash = "prompts_hash"
        case memoryBank = "memory_bank"
        case reviewThreshold = "review_threshold"
        case failThreshold = "fail_threshold"
        case thresholdMethod = "threshold_method"
        case trainingLabelIDs = "training_label_ids"
        case heldOutLabelIDs = "heldout_label_ids"
    }

    /// Every column but the blobs (selected as NULL), for listings and the daemon's polling.
    static var summarySelection: [any SQLSelectable] { [
        SQL("NULL AS prompts"), SQL("NULL AS memory_bank"), SQL("NULL AS classifier"),
        CodingKeys.id, CodingKeys.station, CodingKeys.base, CodingKeys.status, CodingKeys.source, CodingKeys.parentID,
        CodingKeys.createdAt, CodingKeys.activatedAt, CodingKeys.promptsHash, CodingKeys.reviewThreshold,
        CodingKeys.failThreshold, CodingKeys.thresholdMethod, CodingKeys.trainingLabelIDs, CodingKeys.heldOutLabelIDs,
        CodingKeys.metrics, CodingKeys.decision, CodingKeys.note,
    ] }

    /// The row for a new version (the id is left to SQLite); an active one is active from now
    /// unless it says when. Non-finite thresholds are stored as NULL.
    init(inserting record: ModelVersionRecord) {
        id = nil
        station = record.station
        base = record.base
        status = record.status.rawValue
        source = record.source.rawValue
        parentID = record.parentID
        createdAt = record.createdAt
        activatedAt = record.status == .active ? (record.activatedAt ?? record.createdAt) : record.activatedAt
        prompts = record.prompts.map { Data($0) }
        promptsHash = record.promptsHash
        memoryBank = record.memoryBank.map { Data($0) }
        classifier = record.classifier
        reviewThreshold = VerdictStore.finite(record.reviewThreshold)
        failThreshold = VerdictStore.finite(record.failThreshold)
        thresholdMethod = record.thresholdMethod
        trainingLabelIDs = VerdictStore.json(record.trainingLabelIDs)
        heldOutLabelIDs = VerdictStore.json(record.heldOutLabelIDs)
        metrics = record.metrics.map(VerdictStore.json)
        decision = record.decision
        note = record.note
    }

    /// The caller's view; unknown enum text or unreadable label ids are reported, not trapped.
    func record(path databasePath: String) throws -> ModelVersionRecord {
        let id = self.id ?? 0
        guard let known = ModelVersionStatus(rawValue: status), let origin = ModelVersionSource(rawValue: source) else {
            throw StoreError.corrupt(path: databasePath,
                                     reason: "model version \(id) has unknown status '\(status)' or source '\(source)'")
        }
        func ids(_ text: String) throws -> [Int64] {
            guard let ids = try? JSONDecoder().decode([Int64].self, from: Data(text.utf8)) else {
                throw StoreError.corrupt(path: databasePath,
                                         reason: "model version \(id) has unreadable label ids '\(text.prefix(40))'")
            }
            return ids
        }
        return ModelVersionRecord(
            id: id, station: station, base: base, status: known, source: origin, parentID: parentID,
            createdAt: createdAt, activatedAt: activatedAt, prompts: prompts.map { [UInt8]($0) }, promptsHash: promptsHash,
            memoryBank: memoryBank.map { [UInt8]($0) }, classifier: classifier, reviewThreshold: reviewThreshold,
            failThreshold: failThreshold, thresholdMethod: thresholdMethod, trainingLabelIDs: try ids(trainingLabelIDs),
            heldOutLabelIDs: try ids(heldOutLabelIDs),
            metrics: metrics.flatMap { try? VerdictStore.jsonDecoder.decode(VersionMetrics.self, from: Data($0.utf8)) },
            decision: decision, note: note)
    }
}
