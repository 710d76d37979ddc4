import Foundation
import Inspection
import Store

/// Prints inspection results as an aligned table or as JSON lines (one object per file).
struct ResultPrinter {
    enum Format { case table, json }
    let format: Format

    func header(inspector: Inspector) {
        guard format == .table else { return }
        let a = inspector.model.architecture
        print("model \(inspector.configuration.modelPath) (\(a.visionLayers) blocks, patch \(a.patchSize)), "
              + "input \(inspector.inputSize) \(inspector.configuration.resizeMode.rawValue), \(inspector.textSource), "
              + "thresholds \(inspector.configuration.thresholds)")
        print(pad("VERDICT", 8) + pad("SCORE", 8) + pad("P(ANOM)", 9) + pad("MAPMAX", 8) + pad("DECODE", 9)
              + pad("PREP", 8) + pad("ENCODE", 9) + pad("TOTAL", 9) + "PATH")
    }

    /// One judged image: verdict and score are the pipeline's final ones.
    func result(_ j: StationJudgement, overlay: String?) {
        let r = j.result
        switch format {
        case .table:
            let t = r.timings
            print(pad(j.verdict.rawValue, 8) + pad(String(format: "%.4f", j.score), 8)
                  + pad(String(format: "%.4f", r.scores.imageProbabilities.anomalous), 9)
                  + pad(String(format: "%.3f", r.scores.mapMaximum), 8)
                  + pad(ms(t.decode), 9) + pad(ms(t.preprocess), 8) + pad(ms(t.encode), 9) + pad(ms(t.total), 9)
                  + r.path + (overlay.map { "  -> \($0)" } ?? ""))
        case .json:
            var obj: [String: Any] = [
                "path": r.path, "verdict": j.verdict.rawValue, "score": j.score,
                "image_probability": Double(r.scores.imageProbabilities.anomalous),
                "map_max": Double(r.scores.mapMaximum), "source": r.source,
                "original_size": [r.geometry.originalWidth, r.geometry.originalHeight],
                "input_size": r.geometry.inputSize, "resize": r.geometry.mode.rawValue,
                "timings_ms": ["decode": r.timings.decode * 1000, "preprocess": r.timings.preprocess * 1000,
                               "encode": r.timings.encode * 1000, "score": r.timings.score * 1000,
                               "total": r.timings.total * 1000],
                "error": NSNull(),
            ]
            if let overlay { obj["overlay"] = overlay }
            printJSON(obj)
        }
    }

    func failure(path: String, error: Error) {
        switch format {
        case .table:
            print(pad("error", 8) + pad("-", 8) + pad("-", 9) + pad("-", 8) + pad("-", 9) + pad("-", 8) + pad("-", 9)
                  + pad("-", 9) + path + "  (\(error))")
        case .json:
            printJSON(["path": path, "verdict": NSNull(), "score": NSNull(), "error": "\(error)",
                       "error_kind": errorKind(error)])
        }
    }

    func footer(total: Int, failures: Int) {
        guard format == .table else { return }
        print("\(total - failures) of \(total) files scored" + (failures > 0 ? ", \(failures) failed" : ""))
    }

    private func errorKind(_ error: Error) -> String {
        (error as? InspectionError)?.kind ?? "other"
    }

    private func printJSON(_ obj: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes]),
           let line = String(data: data, encoding: .utf8) {
            print(line)
        }
    }

    private func ms(_ seconds: Double) -> String { String(format: "%.1fms", seconds * 1000) }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
