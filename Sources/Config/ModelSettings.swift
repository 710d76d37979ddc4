import Inspection

/// The `[model]` table: one model shared by all stations, because loading AnomalyCLIP's
/// ViT-L/14 twice would double the daemon's memory on a line PC.
public struct ModelSettings: Sendable, Equatable {
    /// Absolute path of the safetensors checkpoint.
    public var path: String
    /// Model config JSON; nil = found beside the checkpoint.
    public var configPath: String?
    /// AnomalyCLIP learned prompts; nil = the prompt ensemble.
    public var promptsPath: String?
    /// Default product name for the prompt ensemble (stations may override it).
    public var product: String
    /// Model input side; nil = the checkpoint's native size.
    public var inputSize: Int?
    public var resize: ResizeMode
    /// 1-based blocks tapped for the maps; nil = the quarter depths.
    public var featureLayers: [Int]?
    /// First DPAM block (1-based); nil = derived from the depth.
    public var dpamFirstBlock: Int?
    public var score: ImageScoreMode
    /// Gaussian σ of the map smoothing in input pixels.
    public var sigma: Double
    /// Decoder pixel budget per image.
    public var maxPixels: Int

    public static let defaultProduct = "object"
    public static let defaultSigma = 4.0
    public static let defaultMaxPixels = 50_000_000

    public init(path: String, configPath: String? = nil, promptsPath: String? = nil,
                product: String = ModelSettings.defaultProduct, inputSize: Int? = nil,
                resize: ResizeMode = .squash, featureLayers: [Int]? = nil, dpamFirstBlock: Int? = nil,
                score: ImageScoreMode = .cls, sigma: Double = ModelSettings.defaultSigma,
                maxPixels: Int = ModelSettings.defaultMaxPixels) {
        self.path = path
        self.configPath = configPath
        self.promptsPath = promptsPath
        self.product = product
        self.inputSize = inputSize
        self.resize = resize
        self.featureLayers = featureLayers
        self.dpamFirstBlock = dpamFirstBlock
        self.score = score
        self.sigma = sigma
        self.maxPixels = maxPixels
    }
}
