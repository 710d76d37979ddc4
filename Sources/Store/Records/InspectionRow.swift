import Inspection
import Foundation
import GRDB

/// One row of `inspections` exactly as the file holds it. Columns are named by ``CodingKeys``,
/// never by position, so adding a column (as v3 and v5 did) cannot shift another one.
/// ``InspectionRecord`` is what callers see; this type only crosses the SQLite boundary.
struct InspectionRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "inspections"

    var id: Int64?
    var station: String
    var path: String
    var size: Int64
    var mtime: Double
    var contentHash: String
    var state: String
    var attempts: Int
    var discoveredAt: Double
    var startedAt: Double?
    var finishedAt: Double?
    var verdict: String?
    var score: Double?
    var imageProbability: Double?
    var mapMaximum: Double?
    var reviewThreshold: Double?
    var failThreshold: Double?
    var scoreMode: String?
    var modelVersion: String?
    var decodeMs: Double?
    var preprocessMs: Double?
    var encodeMs: Double?
    var scoreMs: Double?
    var totalMs: Double?
    var originalWidth: Int?
    var originalHeight: Int?
    var geometryJSON: String?
    var errorKind: String?
    var errorMessage: String?
    var fusedScore: Double?
    var defectClass: String?
    var defectProbability: Double?
    /// JSON array of class names.
    var defectSet: String?
    var versionID: Int64?
    var afterState: String?
    var afterError: String?
    var afterPath: String?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, station, path, size, mtime, state, attempts, verdict, score
        case contentHash = "content_hash"
        case discoveredAt = "discovered_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case imageProbability = "image_probability"
        case mapMaximum = "map_maximum"
        case reviewThreshold = "review_threshold"
        case failThreshold = "fail_threshold"
        case scoreMode = "score_mode"
        case modelVersion = "model_version"
        case decodeMs = "decode_ms"
        case preprocessMs = "preprocess_ms"
        case encodeMs = "encode_ms"
        case scoreMs = "score_ms"
        case totalMs = "total_ms"
        case originalWidth = "original_width"
        case originalHeight = "original_height"
        case geometryJSON = "geometry_json"
        case errorKind = "error_kind"
        case errorMessage = "error_message"
        case fusedScore = "fused_score"
        case defectClass = "defect_class"
        case defectProbability = "defect_probability"
        case defectSet = "defect_set"
        case versionID = "version_id"
        case afterState = "after_state"
        case afterError = "after_error"
        case afterPath = "after_path"
    }

    /// The caller's view; a state or verdict the schema should have prevented (a hand-edited
    /// file) throws ``StoreError/corrupt(path:reason:)`` instead of trapping.
    func record(path databasePath: String) throws -> InspectionRecord {
        let id = self.id ?? 0
        guard let known = InspectionState(rawValue: state) else {
            throw StoreError.corrupt(path: databasePath, reason: "inspection \(id) has unknown state '\(state)'")
        }
        var decided: Verdict?
        if let verdict {
            guard let value = Verdict(rawValue: verdict) else {
                throw StoreError.corrupt(path: databasePath, reason: "inspection \(id) has unknown verdict '\(verdict)'")
            }
            decided = value
        }
        var record = InspectionRecord(
            id: id, station: station, path: path, size: size, mtime: mtime, contentHash: contentHash, state: known,
            attempts: attempts, discoveredAt: discoveredAt, startedAt: startedAt, finishedAt: finishedAt,
            verdict: decided, score: score, imageProbability: imageProbability, mapMaximum: mapMaximum,
            reviewThreshold: reviewThreshold, failThreshold: failThreshold, scoreMode: scoreMode,
            modelVersion: modelVersion, decodeMs: decodeMs, preprocessMs: preprocessMs, encodeMs: encodeMs,
            scoreMs: scoreMs, totalMs: totalMs, originalWidth: originalWidth, originalHeight: originalHeight,
            geometryJSON: geometryJSON, errorKind: errorKind, errorMessage: errorMessage)
        record.fusedScore = fusedScore
        record.defectClass = defectClass
        record.defectProbability = defectProbability
        record.defectSet = defectSet.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
        record.versionID = versionID
        record.afterState = afterState
        record.afterError = afterError
        record.afterPath = afterPath
        return record
    }
}
