/// A loaded CLIP model: its architecture and both towers, shareable across threads. Encoders are
/// cheap views configured per input size / tap list. How much stays in memory is chosen at load
/// (`TowerResidency`): a lean model converts the image tower on first use and the text tower
/// for each use, so an inspecting process holds only the image tower between text computations.
public struct CLIPModel: Sendable {
    /// Shapes inferred from the checkpoint.
    public let architecture: CLIPArchitecture
    /// `logit_scale` in log space, when the checkpoint has it.
    public let logitScale: Float?
    /// Naming the checkpoint used.
    public let naming: CheckpointNaming
    /// File the weights came from.
    public let path: String
    private let towers: ModelTowers

    init(architecture: CLIPArchitecture, towers: ModelTowers, logitScale: Float?, naming: CheckpointNaming, path: String) {
        self.architecture = architecture
        self.towers = towers
        self.logitScale = logitScale
        self.naming = naming
        self.path = path
    }

    /// Loads a safetensors checkpoint in either naming (see `CheckpointLoader`).
    public static func load(path: String, options: CheckpointLoader.Options = .init()) throws -> CLIPModel {
        try CheckpointLoader.load(path: path, options: options)
    }

    /// Image tower weights (converted now if the model is lean and this is the first use).
    public var vision: VisionTower {
        get throws { try towers.visionTower() }
    }

    /// Text tower weights: the resident tower, or for a lean model (or after
    /// `releaseTextTower`) a fresh conversion from the checkpoint that lives as long as the
    /// caller holds it.
    public var text: TextTower {
        get throws { try towers.textTower() }
    }

    /// Whether each tower is in memory right now (for tests and diagnostics).
    public var residentTowers: (vision: Bool, text: Bool) {
        let r = towers.resident
        return (r.vision, r.text)
    }

    /// How many times a lean model converted its text tower since load (for tests and diagnostics).
    public var textTowerConversions: Int { towers.resident.textConversions }

    /// Drops the resident text tower for every copy of this model. Later text work converts it
    /// again from the checkpoint when the model is lean, and fails otherwise.
    public func releaseTextTower() { towers.releaseText() }

    /// An image encoder for square `inputSize` input.
    public func imageEncoder(inputSize: Int, taps: [Int] = [], dualPath: DualPathSetting? = nil) throws -> ImageEncoder {
        try ImageEncoder(tower: try vision, inputHeight: inputSize, inputWidth: inputSize, taps: taps, dualPath: dualPath)
    }

    /// The text encoder (see `text` for where its weights come from).
    public var textEncoder: TextEncoder {
        get throws { TextEncoder(tower: try text) }
    }

    /// The text vectors of the text side named `key`: remembered from an earlier call on this
    /// model (any copy), else `compute`d with the text encoder and remembered. A lean model
    /// then converts its text tower only for a text side it has not seen, so a reload with
    /// unchanged prompts does not bring the text tower back beside the image tower. `key` must
    /// identify everything `compute` depends on besides the weights (e.g. a hash of the prompts).
    public func textVectors(key: String, _ compute: (TextEncoder) throws -> [[Float]]) throws -> [[Float]] {
        if let known = towers.rememberedTextVectors(key) { return known }
        let vectors = try compute(try textEncoder)
        towers.remember(vectors, key: key)
        return vectors
    }
}

