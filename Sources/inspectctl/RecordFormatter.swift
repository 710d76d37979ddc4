import Foundation
import Inspection
import Store

/// Renders inspection records as a table, JSON lines or CSV (RFC 4180 quoting), the same
/// columns in every format so exports and screen output agree.
struct RecordFormatter {
    static let columns = ["id", "station", "state", "verdict", "score", "image_probability", "map_max",
                          "review_threshold", "fail_threshold", "model_version", "discovered_at", "started_at",
                          "finished_at", "total_ms", "size", "content_hash", "path", "error_kind", "error",
                          "fused_score", "defect_class", "defect_probability"]

    static func dictionary(_ r: InspectionRecord) -> [String: Any] {
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

    static func jsonLine(_ r: InspectionRecord) -> String {
        json(dictionary(r))
    }

    static func json(_ obj: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func csvHeader() -> String { columns.joined(separator: ",") }

    static func csvRow(_ r: InspectionRecord) -> String {
        let d = dictionary(r)
        return columns.map { key -> String in
            let value = d[key]
            let text: String
            switch value {
            case nil, is NSNull: text = ""
            case let v as Double: text = String(v)
            case let v as String: text = v
            case let v?: text = "\(v)"
            }
            return csvQuote(text)
        }.joined(separator: ",")
    }

    static func csvQuote(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func tableHeader() -> String {
        pad("ID", 8) + pad("FINISHED", 20) + pad("STATION", 14) + pad("VERDICT", 8) + pad("SCORE", 8) + "PATH"
    }

    static func tableRow(_ r: InspectionRecord) -> String {
        let verdict = r.verdict?.rawValue ?? (r.state == .done ? "-" : r.state.rawValue)
        let score = r.score.map { String(format: "%.4f", $0) } ?? "-"
        let suffix = r.errorKind.map { "  (\($0): \(r.errorMessage ?? ""))" } ?? ""
        return pad("\(r.id)", 8) + pad(TimeExpression.format(r.finishedAt ?? r.discoveredAt), 20) + pad(r.station, 14)
            + pad(verdict, 8) + pad(score, 8) + r.path + suffix
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
