import ArgumentParser
import Foundation
import Inspection
import Store

/// The model flags `inspect` and `eval` share: which checkpoint, which text vectors, and the
/// encoder settings, validated and turned into an `InspectorConfiguration` in one place.
struct ModelOptions: ParsableArguments {
    @Option(help: "safetensors CLIP checkpoint (open_clip or Hugging Face naming). Default: $INSPECTD_MODEL.")
    var model: String?

    @Option(help: "AnomalyCLIP learned prompts (safetensors). Default: $INSPECTD_PROMPTS, else the prompt ensemble.")
    var prompts: String?

    @Option(help: "Product name for the hand-crafted prompt ensemble (instead of --prompts).")
    var product: String?

    @Option(name: .customLong("input-size"), help: "Model input side in pixels (default: the checkpoint's).")
    var inputSize: Int?

    @Option(name: .customLong("feature-layers"), help: "Comma-separated 1-based vision blocks for the maps.")
    var featureLayers: String?

    @Option(name: .customLong("dpam-first-block"), help: "First DPAM dual-path block (1-based); above the depth disables DPAM.")
    var dpamFirstBlock: Int?

    func validate() throws {
        if prompts != nil && product != nil { throw ValidationError("--prompts and --product are mutually exclusive") }
        if let size = inputSize, !(8...4096).contains(size) {
            throw ValidationError("--input-size: expected 8...4096 (got \(size))")
        }
        _ = try parsedLayers()
        if resolvedModel == nil { throw ValidationError("no model: pass --model FILE or set INSPECTD_MODEL") }
    }

    private var resolvedModel: String? { model ?? ProcessInfo.processInfo.environment["INSPECTD_MODEL"] }

    private func parsedLayers() throws -> [Int]? {
        guard let featureLayers else { return nil }
        let parts = featureLayers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--feature-layers: expected comma-separated positive integers (got \(featureLayers))")
        }
        return parts.compactMap { $0 }
    }

    /// The inspector configuration these flags describe (other fields at their defaults).
    func configuration() throws -> InspectorConfiguration {
        var config = InspectorConfiguration(modelPath: resolvedModel ?? "")
        config.promptsPath = prompts ?? (product == nil ? ProcessInfo.processInfo.environment["INSPECTD_PROMPTS"] : nil)
        if let product { config.productName = product }
        config.inputSize = inputSize
        config.featureLayers = try parsedLayers()
        config.dpamFirstBlock = dpamFirstBlock
        return config
    }

    /// Loads the model for `config`; a failure is reported and exits with status 3.
    static func inspector(_ config: InspectorConfiguration) throws -> Inspector {
        do {
            return try Inspector(configuration: config)
        } catch {
            FileHandle.standardError.write(Data("inspectctl: cannot load the model: \(error)\n".utf8))
            throw ExitCode(3)
        }
    }
}
