
/// How a candidate and the version it would replace did on the same held-out labels, with
/// the few-shot parts of both refitted on the same training labels so only the prompts differ.
public struct VersionMetrics: Sendable, Codable, Equatable {
    /// One version's held-out figures.
    public struct Scores: Sendable, Codable, Equatable {
        /// Image AUROC on the held-out labels.
        public var auroc: Double
        /// F1 of "fail" at the threshold calibrated on the training labels.
        public var f1: Double
        /// That threshold.
        public var failThreshold: Double

        public init(auroc: Double, f1: Double, failThreshold: Double) {
            self.auroc = auroc
            self.f1 = f1
            self.failThreshold = failThreshold
        }
    }

    /// The trained (or imported) version.
    public var candidate: Scores
    /// The active version at the time, when there was one to compare with.
    public var active: Scores?
    /// Held-out images (good, defect).
    public var heldOutGood: Int
    public var heldOutDefect: Int
    /// Mean training loss per epoch.
    public var epochLosses: [Double]
    /// Seconds spent training (after the image side was encoded).
    public var trainingSeconds: Double

    public init(candidate: Scores, active: Scores?, heldOutGood: Int, heldOutDefect: Int, epochLosses: [Double],
                trainingSeconds: Double) {
        self.candidate = candidate
        self.active = active
        self.heldOutGood = heldOutGood
        self.heldOutDefect = heldOutDefect
        self.epochLosses = epochLosses
        self.trainingSeconds = trainingSeconds
    }
}
