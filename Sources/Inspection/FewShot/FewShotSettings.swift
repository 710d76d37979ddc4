/// How the few-shot parts are built and combined with the zero-shot model.
public struct FewShotSettings: Sendable {
    /// Weights of the zero-shot and memory maps/scores.
    public var fusion: FewShotFusion
    /// Coreset size per layer for large banks (nil = keep every patch, exact search).
    public var maxPatchesPerLayer: Int?
    /// Defect classes with their descriptions (from config); empty = no classifier.
    public var classes: [DefectClass]
    /// Below this top-class probability the class is "unknown".
    public var confidenceFloor: Double
    /// Coverage of the conformal prediction sets.
    public var coverage: Double
    /// False-reject rate of good parts at the review threshold.
    public var reviewFalseRejectRate: Double
    /// False-reject rate of good parts at the fail threshold (good-only calibration).
    public var failFalseRejectRate: Double
    /// Refine the zero-shot class vectors on unlabelled defect images (`ZeroShotRefinement`)
    /// before fitting the classifier, when `FewShotModel.build` is given some.
    public var refineZeroShot = false
    /// At most this many of the newest good and of the newest defect labels are fitted on
    /// (`[fewshot] max_labels_per_class`), as retraining does: it bounds a fit's time and the
    /// label query. The store applies it (`trainingLabels(station:newestPerClass:)`).
    public var maxLabelsPerClass = 64

    /// Defaults: equal fusion, exact bank up to 20k patches per layer, 90% sets, 5%/1% rates.
    public init(fusion: FewShotFusion, maxPatchesPerLayer: Int? = 20_000, classes: [DefectClass] = [],
                confidenceFloor: Double = 0.5, coverage: Double = 0.9, reviewFalseRejectRate: Double = 0.05,
                failFalseRejectRate: Double = 0.01) {
        self.fusion = fusion
        self.maxPatchesPerLayer = maxPatchesPerLayer
        self.classes = classes
        self.confidenceFloor = confidenceFloor
        self.coverage = coverage
        self.reviewFalseRejectRate = reviewFalseRejectRate
        self.failFalseRejectRate = failFalseRejectRate
    }
}
