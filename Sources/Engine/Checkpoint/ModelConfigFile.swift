import Foundation

/// What a model config file beside the weights tells us that tensor shapes cannot: head
/// counts, the activation and LayerNorm eps. Reads transformers' `config.json` (CLIPConfig)
/// and open_clip's model JSON (`vision_cfg`/`text_cfg`, optionally under `model_cfg`).
public struct ModelConfigFile: Sendable, Equatable {
    /// Where it was read from.
    public var path: String
    /// Vision heads, if stated.
    public var visionHeads: Int?
    /// Text heads, if stated.
    public var textHeads: Int?
    /// Activation, if stated.
    public var activation: Activation?
    /// LayerNorm eps, if stated.
    public var layerNormEps: Float?
    /// Widths and layer counts the file claims, checked against the tensors.
    public var claims: [String: Int] = [:]

    /// File names looked for beside a checkpoint, in order, after `<stem>.json`.
    public static let candidateNames = ["config.json", "open_clip_config.json", "config-openclip.json"]

    /// The first existing config beside `checkpoint`, or nil.
    public static func locate(nextTo checkpoint: String) -> String? {
        let url = URL(fileURLWithPath: checkpoint)
        let dir = url.deletingLastPathComponent()
        let stem = url.deletingPathExtension().lastPathComponent
        for name in ["\(stem).json"] + candidateNames {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Parses either format; a field of the wrong type is an error naming it.
    public static func load(path: String) throws -> ModelConfigFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EngineError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        guard let json = try? JSONSerialization.jsonObject(with: data), var root = json as? [String: Any] else {
            throw EngineError.invalidConfig(path: path, field: "(root)", reason: "not a JSON object")
        }
        if let nested = root["model_cfg"] as? [String: Any] { root = nested }
        var config = ModelConfigFile(path: path)
        if let vision = root["vision_config"] as? [String: Any] {
            try config.readHuggingFace(root: root, vision: vision, text: root["text_config"] as? [String: Any] ?? [:])
        } else if let vision = root["vision_cfg"] as? [String: Any] {
            try config.readOpenCLIP(root: root, vision: vision, text: root["text_cfg"] as? [String: Any] ?? [:])
        } else {
            throw EngineError.invalidConfig(
                path: path, field: "vision_config",
                reason: "neither a transformers CLIPConfig (vision_config) nor an open_clip config (vision_cfg)")
        }
        return config
    }

    private mutating func readHuggingFace(root: [String: Any], vision: [String: Any], text: [String: Any]) throws {
        visionHeads = try int(vision, "num_attention_heads", "vision_config")
        textHeads = try int(text, "num_attention_heads", "text_config")
        if let act = vision["hidden_act"] {
            activation = try activationValue(act, field: "vision_config.hidden_act")
        }
        if let eps = vision["layer_norm_eps"] {
            guard let value = eps as? Double else {
                throw EngineError.invalidConfig(path: path, field: "vision_config.layer_norm_eps", reason: "not a number (got \(eps))")
            }
            layerNormEps = Float(value)
        }
        for (key, field) in [("hidden_size", "visionWidth"), ("num_hidden_layers", "visionLayers"),
                             ("patch_size", "patchSize"), ("intermediate_size", "visionMLPWidth")] {
            if let v = try int(vision, key, "vision_config") { claims[field] = v }
        }
        for (key, field) in [("hidden_size", "textWidth"), ("num_hidden_layers", "textLayers"),
                             ("max_position_embeddings", "contextLength"), ("vocab_size", "vocabSize"),
                             ("intermediate_size", "textMLPWidth")] {
            if let v = try int(text, key, "text_config") { claims[field] = v }
        }
        if let v = try int(root, "projection_dim", "") { claims["embedDim"] = v }
    }

    private mutating func readOpenCLIP(root: [String: Any], vision: [String: Any], text: [String: Any]) throws {
        let width = try int(vision, "width", "vision_cfg")
        let headWidth = try int(vision, "head_width", "vision_cfg") ?? 64
        if let width {
            guard headWidth > 0, width % headWidth == 0 else {
                throw EngineError.invalidConfig(path: path, field: "vision_cfg.head_width",
                                                reason: "\(headWidth) does not divide width \(width)")
            }
            visionHeads = width / headWidth
            claims["visionWidth"] = width
        }
        textHeads = try int(text, "heads", "text_cfg")
        if let quick = root["quick_gelu"] {
            guard let flag = quick as? Bool else {
                throw EngineError.invalidConfig(path: path, field: "quick_gelu", reason: "not a boolean (got \(quick))")
            }
            activation = flag ? .quickGELU : .gelu
        }
        for (key, field) in [("layers", "visionLayers"), ("patch_size", "patchSize")] {
            if let v = try int(vision, key, "vision_cfg") { claims[field] = v }
        }
        for (key, field) in [("width", "textWidth"), ("layers", "textLayers"), ("context_length", "contextLength"),
                             ("vocab_size", "vocabSize")] {
            if let v = try int(text, key, "text_cfg") { claims[field] = v }
        }
        if let v = try int(root, "embed_dim", "") { claims["embedDim"] = v }
    }

    private func int(_ dict: [String: Any], _ key: String, _ section: String) throws -> Int? {
        guard let raw = dict[key] else { return nil }
        let field = section.isEmpty ? key : "\(section).\(key)"
        guard let number = raw as? NSNumber, !Self.isBoolean(number),
              number.doubleValue == Double(number.intValue), number.intValue > 0 else {
            throw EngineError.invalidConfig(path: path, field: field, reason: "not a positive integer (got \(raw))")
        }
        return number.intValue
    }

    /// Whether a parsed JSON number was `true`/`false`: Foundation stores those as Objective-C
    /// type `c`. (`raw is Bool` is no test: on Linux it also holds for the numbers 0 and 1.)
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    private func activationValue(_ raw: Any, field: String) throws -> Activation {
        switch raw as? String {
        case "quick_gelu"?: return .quickGELU
        case "gelu"?: return .gelu
        default:
            throw EngineError.invalidConfig(path: path, field: field,
                                            reason: "unsupported activation \(raw) (supported: quick_gelu, gelu)")
        }
    }
}
