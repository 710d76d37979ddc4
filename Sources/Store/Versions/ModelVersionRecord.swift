import Inspection

/// One row of `model_versions`: everything needed to score with a version again (prompts,
/// memory bank, classifier, thresholds), what it learned from, and how it was judged.
public struct ModelVersionRecord: Sendable, Equatable {
    public var id: Int64
    public var station: String
    /// Model weights + configured text side + scoring settings (`ModelVersion.identifier`):
    /// a version only applies while the daemon runs the same base.
    public var base: String
    public var status: ModelVersionStatus
    public var source: ModelVersionSource
    /// The active version it was trained from or compared with.
    public var parentID: Int64?
    public var createdAt: Double
    /// Last time it became active.
    public var activatedAt: Double?
    /// Learned prompts as safetensors (AnomalyCLIP names); nil = the configured text side.
    public var prompts: [UInt8]?
    /// SHA-256 of `prompts`.
    public var promptsHash: String?
    /// `NormalMemoryBank.serialized()`; nil without good labels or after pruning.
    public var memoryBank: [UInt8]?
    /// `DefectClassifier` as JSON.
    public var classifier: String?
    /// Calibrated thresholds (nil = the configured ones).
    public var reviewThreshold: Double?
    public var failThreshold: Double?
    public var thresholdMethod: String?
    /// Label ids the few-shot parts (and prompts, when trained) were fitted on.
    public var trainingLabelIDs: [Int64]
    /// Label ids it was evaluated on.
    public var heldOutLabelIDs: [Int64]
    public var metrics: VersionMetrics?
    /// Why it was promoted, rejected, activated or retired (one sentence with the figures).
    public var decision: String?
    public var note: String?

    public init(id: Int64 = 0, station: String, base: String, status: ModelVersionStatus, source: ModelVersionSource,
                parentID: Int64? = nil, createdAt: Double, activatedAt: Double? = nil, prompts: [UInt8]? = nil,
                promptsHash: String? = nil, memoryBank: [UInt8]? = nil, classifier: String? = nil,
                reviewThreshold: Double? = nil, failThreshold: Double? = nil, thresholdMethod: String? = nil,
                trainingLabelIDs: [Int64] = [], heldOutLabelIDs: [Int64] = [], metrics: VersionMetrics? = nil,
                decision: String? = nil, note: String? = nil) {
        self.id = id
        self.station = station
        self.base = base
        self.status = status
        self.source = source
        self.parentID = parentID
        self.createdAt = createdAt
        self.activatedAt = activatedAt
        self.prompts = prompts
        self.promptsHash = promptsHash
        self.memoryBank = memoryBank
        self.classifier = classifier
        self.reviewThreshold = reviewThreshold
        self.failThreshold = failThreshold
        self.thresholdMethod = thresholdMethod
        self.trainingLabelIDs = trainingLabelIDs
        self.heldOutLabelIDs = heldOutLabelIDs
        self.metrics = metrics
        self.decision = decision
        self.note = note
    }
}
