import Foundation
import Inspection

/// The JSON form of a row: what `inspectctl verdicts -o json` prints and, with a few more
/// keys, what result outputs send to the line. One function so the two can never disagree.
public enum VerdictDocument {
    /// `schema` of output documents; bumped only when a key changes meaning or disappears.
    public static let schema = "inspectd.verdict/1"

    /// Every column of the row, snake_case keys, ISO 8601 UTC times, JSON null when unset.
    public static func fields(_ r: InspectionRecord) -> [String: Any] {
        func opt(_ v: Any?) -> Any { v ?? NSNull() }
        var d: [String: Any] = [
            "id": r.id, "station": r.station, "state": r.state.rawValue, "verdict": opt(r.verdict?.rawValue),
            "score": opt(r.score), "image_probability": opt(r.imageProbability), "map_max": opt(r.mapMaximum),
            "review_threshold": opt(r.reviewThreshold), "fail_threshold": opt(r.failThreshold),
            "score_mode": opt(r.scoreMode), "model_version": opt(r.modelVersion),
            "discovered_at": opt(TimeExpression.iso(r.discoveredAt)), "started_at": opt(TimeExpression.iso(r.startedAt)),
            "finished_at": opt(TimeExpression.iso(r.finishedAt)), "attempts": r.attempts,
            "decode_ms": opt(r.decodeMs), "preprocess_ms": opt(r.preprocessMs), "encode_ms": opt(r.encodeMs),
            "score_ms": opt(r.scoreMs), "total_ms": opt(r.totalMs), "size": r.size, "mtime": r.mtime,
            "content_hash": r.contentHash, "path": r.path, "original_width": opt(r.originalWidth),
            "original_height": opt(r.originalHeight), "error_kind": opt(r.errorKind), "error": opt(r.errorMessage),
            "fused_score": opt(r.fusedScore), "defect_class": opt(r.defectClass),
            "defect_probability": opt(r.defectProbability), "defect_set": opt(r.defectSet),
        ]
        // The model version (`inspectctl model show`) that scored it; absent on rows from before versions.
        if let version = r.versionID { d["version_id"] = version }
        // What became of the file (moved/deleted, or why not); absent while nothing was tried.
        if let after = r.afterState { d["after_state"] = after }
        if let moved = r.afterPath { d["after_path"] = moved }
        if let reason = r.afterError { d["after_error"] = reason }
        return d
    }

    /// `fields` plus `schema`, the image's file `name`, and `map`: where the anomaly map is
    /// (`inspectctl show ID --overlay FILE` renders it from that database). Without
    /// `after_state`/`after_path`/`after_error`: whether the move has happened when the row is read is a
    /// race, and a document must not depend on it.
    public static func output(_ r: InspectionRecord, database: String) -> [String: Any] {
        var d = fields(r)
        d["after_state"] = nil
        d["after_path"] = nil
        d["after_error"] = nil
        d["schema"] = schema
        d["name"] = (r.path as NSString).lastPathComponent
        d["map"] = ["inspection_id": r.id, "database": database] as [String: Any]
        return d
    }

    /// One line of compact JSON, keys sorted, `/` not escaped.
    public static func json(_ obj: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
