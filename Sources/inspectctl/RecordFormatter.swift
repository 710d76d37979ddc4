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

    /// The same fields as result outputs send (`VerdictDocument`), so the two agree.
    static func dictionary(_ r: InspectionRecord) -> [String: Any] {
        VerdictDocument.fields(r)
    }

    static func jsonLine(_ r: InspectionRecord) -> String {
        json(dictionary(r))
    }

    static func json(_ obj: [String: Any]) -> String {
        VerdictDocument.json(obj)
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
