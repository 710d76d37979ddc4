import Inspection

/// Everything the daemon records when an image is done: enough to explain the verdict later
/// (thresholds, score mode and model in force at the time), not just the verdict itself.
public struct StoredVerdict: Sendable {
    public var verdict: Verdict
    /// The score the verdict was taken on.
    public var score: Double
    /// AnomalyCLIP's image-level probability.
    public var imageProbability: Double
    /// Maximum of the anomaly map.
    public var mapMaximum: Double
    public var reviewThreshold: Double
    public var failThreshold: Double
    /// Which score the thresholds applied to (ImageScoreMode's raw value).
    public var scoreMode: String
    public var modelVersion: String
    /// Seconds per stage; stored as milliseconds.
    public var timings: InspectionResult.Timings
    public var originalWidth: Int
    public var originalHeight: Int
    /// InputGeometry, JSON-encoded by the caller (the log does not interpret it).
    public var geometryJSON: String
    /// The anomaly map; nil stores the verdict without one.
    public var map: EncodedMap?
    /// Zero-shot and memory-bank fusion, when labels provided a memory bank (`score` is then this).
    public var fusedScore: Double?
    /// Predicted defect type ("unknown" below the confidence floor), for review/fail verdicts.
    public var defectClass: String?
    /// Probability of `defectClass`.
    public var defectProbability: Double?
    /// Conformal prediction set of defect types.
    public var defectSet: [String]?
    /// The model version (`model_versions.id`) that produced it.
    public var versionID: Int64?

    public init(verdict: Verdict, score: Double, imageProbability: Double, mapMaximum: Double,
                reviewThreshold: Double, failThreshold: Double, scoreMode: String, modelVersion: String,
                timings: InspectionResult.Timings, originalWidth: Int, originalHeight: Int,
                geometryJSON: String, map: EncodedMap? = nil) {
        self.verdict = verdict
        self.score = score
        self.imageProbability = imageProbability
        self.mapMaximum = mapMaximum
        self.reviewThreshold = reviewThreshold
        self.failThreshold = failThreshold
        self.scoreMode = scoreMode
        self.modelVersion = modelVersion
        self.timings = timings
        self.originalWidth = originalWidth
        self.originalHeight = originalHeight
        self.geometryJSON = geometryJSON
        self.map = map
    }
}
