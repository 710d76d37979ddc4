/// Everything that decides how an image is scored. Defaults follow AnomalyCLIP where it has
/// one; values that depend on the backbone are derived from its depth.
public struct InspectorConfiguration: Sendable {
    /// safetensors checkpoint (open_clip or Hugging Face naming).
    public var modelPath: String
    /// Model config file; default: found beside the checkpoint.
    public var modelConfigPath: String?
    /// AnomalyCLIP learned prompts (safetensors); when nil the prompt ensemble is used.
    public var promptsPath: String?
    /// Product name for the prompt ensemble.
    public var productName: String = "object"
    /// Model input side in pixels; nil = the checkpoint's native size (AnomalyCLIP runs its
    /// ViT-L/14@336 at 518).
    public var inputSize: Int?
    /// How the image is fitted to the square input.
    public var resizeMode: ResizeMode = .squash
    /// 1-based vision blocks whose patch tokens make the maps; nil = the four quarter depths
    /// (AnomalyCLIP: 6, 12, 18, 24 of 24).
    public var featureLayers: [Int]?
    /// First DPAM dual-path block (1-based); nil = max(2, layers/4) (AnomalyCLIP: 6 of 24,
    /// i.e. `DPAM_layer = 20`); a value above the depth disables DPAM.
    public var dpamFirstBlock: Int?
    /// Gaussian σ of the map smoothing, pixels at the input size.
    public var sigma: Double = 4
    /// How the image score is formed.
    public var scoreMode: ImageScoreMode = .cls
    /// Verdict thresholds on the image score.
    public var thresholds: Thresholds = .standard
    /// Decoder limits (pixel budget, file size, extension check).
    public var decodeLimits = DecodeLimits()

    /// A configuration for `modelPath` with defaults elsewhere.
    public init(modelPath: String) {
        self.modelPath = modelPath
    }

    /// Quarter-depth taps for `layers` blocks (deduplicated, at least block 1).
    public static func defaultFeatureLayers(layers: Int) -> [Int] {
        var taps = [Int]()
        for k in 1...4 {
            let t = max(1, layers * k / 4)
            if !taps.contains(t) { taps.append(t) }
        }
        return taps
    }

    /// max(2, layers/4), capped so a 1-block model simply has no dual path.
    public static func defaultDPAMFirstBlock(layers: Int) -> Int {
        max(2, layers / 4)
    }
}
