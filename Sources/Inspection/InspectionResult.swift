import Engine

/// One image's outcome: verdict, scores, the anomaly map and where time went.
public struct InspectionResult: Sendable {
    /// The file (or name) inspected.
    public let path: String
    /// pass / review / fail.
    public let verdict: Verdict
    /// The image score the verdict was taken on.
    public let score: Double
    /// All of AnomalyCLIP's outputs.
    public let scores: AnomalyScores
    /// The smoothed anomaly map in model-input coordinates.
    public let map: AnomalyMap
    /// How input pixels map onto the original image.
    public let geometry: InputGeometry
    /// What was decoded (format and variant).
    public let source: String
    /// Seconds spent per stage.
    public let timings: Timings
    /// The encoder's outputs (patch tokens per tap, embeddings), kept so few-shot scoring and
    /// classification reuse this forward pass instead of running the model again.
    public let encoding: ImageEncoding

    /// Wall-clock seconds per stage.
    public struct Timings: Sendable, Codable, Equatable {
        /// Reading and decoding the file.
        public var decode: Double = 0
        /// Resize and normalisation.
        public var preprocess: Double = 0
        /// Image encoder forward.
        public var encode: Double = 0
        /// Maps, smoothing, verdict.
        public var score: Double = 0
        /// All zero.
        public init() {}

        /// Sum of the stages.
        public var total: Double { decode + preprocess + encode + score }
    }
}
