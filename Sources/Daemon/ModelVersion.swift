import Foundation
import Config
import Inspection
import Store

/// A short, stable id for "which model produced this verdict": the weights' content hash,
/// the text side (prompts file hash or ensemble product name) and the scoring settings. Two
/// verdicts with the same id were produced by the same arithmetic.
enum ModelVersion {
    static func identifier(modelHash: String, promptsHash: String?, configuration c: InspectorConfiguration) -> String {
        let text = promptsHash.map { "p\($0.prefix(10))" } ?? "e:\(c.productName)"
        let settings = [
            "\(c.inputSize ?? 0)", c.resizeMode.rawValue, (c.featureLayers ?? []).map(String.init).joined(separator: "."),
            "\(c.dpamFirstBlock ?? 0)", "\(c.sigma)", c.scoreMode.rawValue,
        ].joined(separator: ",")
        let settingsHash = ContentHash.sha256(Array(settings.utf8)).prefix(8)
        return "m\(modelHash.prefix(12))-\(text)-s\(settingsHash)"
    }
}
