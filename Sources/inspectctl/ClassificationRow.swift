import Foundation
import Inspection

/// One line of `inspectctl classify` output: a query file's predicted class, or why it has none.
struct ClassificationRow {
    /// CSV header; JSON lines use the same keys.
    static let columns = ["path", "predicted_class", "probability", "prediction_set", "method", "error"]

    let path: String
    let prediction: DefectPrediction?
    let method: ClassifierMethod
    let error: String?

    /// RFC 4180 line; the prediction set is joined with ";" (class names cannot be split by it
    /// because they are folder names, and a name containing ";" is quoted like any other field).
    var csv: String {
        let fields = [path, prediction?.className ?? "", prediction.map { String(format: "%.6f", $0.probability) } ?? "",
                      prediction?.predictionSet.joined(separator: ";") ?? "", method.rawValue, error ?? ""]
        return fields.map(RecordFormatter.csvQuote).joined(separator: ",")
    }

    /// One JSON object; absent values are null, the prediction set an array.
    var json: String {
        RecordFormatter.json([
            "path": path, "predicted_class": prediction?.className ?? NSNull(),
            "probability": prediction?.probability ?? NSNull(), "prediction_set": prediction?.predictionSet ?? NSNull(),
            "method": method.rawValue, "error": error ?? NSNull(),
        ])
    }
}
