import Inspection

/// One row of the verdict log as readers see it (the map blob is fetched separately with
/// ``VerdictStore/map(id:)``). Times are unix seconds, durations milliseconds.
public struct InspectionRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var station: String
    public var path: String
    public var size: Int64
    public var mtime: Double
    public var contentHash: String
    public var state: InspectionState
    /// How many times a daemon claimed it; above 1 means earlier attempts were interrupted.
    public var attempts: Int
    public var discoveredAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?

    // Set when done.
    public var verdict: Verdict?
    public var score: Double?
    public var imageProbability: Double?
    public var mapMaximum: Double?
    public var reviewThreshold: Double?
    public var failThreshold: Double?
    public var scoreMode: String?
    public var modelVersion: String?
    /// Also set for errors when the daemon got that far.
    public var decodeMs: Double?
    public var preprocessMs: Double?
    public var encodeMs: Double?
    public var scoreMs: Double?
    /// Few-shot fusion score (the verdict's score when set).
    public var fusedScore: Double?
    /// Predicted defect type.
    public var defectClass: String?
    /// Its probability.
    public var defectProbability: Double?
    /// Conformal prediction set of defect types.
    public var defectSet: [String]?
    /// The model version (`model_versions.id`) that produced the verdict.
    public var versionID: Int64?
    public var totalMs: Double?
    public var originalWidth: Int?
    public var originalHeight: Int?
    public var geometryJSON: String?

    /// After-processing of the file: "done" (moved or deleted), "failed" (see ``afterError``),
    /// nil when the station keeps files or nothing was tried yet.
    public var afterState: String?
    /// Why the move or delete failed.
    public var afterError: String?
    /// Where `after = "move"` put the file (nil when it was not moved).
    public var afterPath: String?

    // Set when error.
    /// InspectionError.kind, or ``VerdictStore/gaveUpErrorKind``.
    public var errorKind: String?
    public var errorMessage: String?

    public init(id: Int64, station: String, path: String, size: Int64, mtime: Double, contentHash: String,
                state: InspectionState, attempts: Int, discoveredAt: Double, startedAt: Double? = nil,
                finishedAt: Double? = nil, verdict: Verdict? = nil, score: Double? = nil,
                imageProbability: Double? = nil, mapMaximum: Double? = nil, reviewThreshold: Double? = nil,
                failThreshold: Double? = nil, scoreMode: String? = nil, modelVersion: String? = nil,
                decodeMs: Double? = nil, preprocessMs: Double? = nil, encodeMs: Double? = nil,
                scoreMs: Double? = nil, totalMs: Double? = nil, originalWidth: Int? = nil,
                originalHeight: Int? = nil, geometryJSON: String? = nil, errorKind: String? = nil,
                errorMessage: String? = nil) {
        self.id = id
        self.station = station
        self.path = path
        self.size = size
        self.mtime = mtime
        self.contentHash = contentHash
        self.state = state
        self.attempts = attempts
        self.discoveredAt = discoveredAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.verdict = verdict
        self.score = score
        self.imageProbability = imageProbability
        self.mapMaximum = mapMaximum
        self.reviewThreshold = reviewThreshold
        self.failThreshold = failThreshold
        self.scoreMode = scoreMode
        self.modelVersion = modelVersion
        self.decodeMs = decodeMs
        self.preprocessMs = preprocessMs
        self.encodeMs = encodeMs
        self.scoreMs = scoreMs
        self.totalMs = totalMs
        self.originalWidth = originalWidth
        self.originalHeight = originalHeight
        self.geometryJSON = geometryJSON
        self.errorKind = errorKind
        self.errorMessage = errorMessage
    }

    /// The time filters and buckets use: when it finished, or when it was found if pending.
    public var time: Double { finishedAt ?? discoveredAt }
}
