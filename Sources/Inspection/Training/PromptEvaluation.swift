/// How one text side (prompts) does on a split: the few-shot parts refitted on the training
/// labels, the held-out scores and figures.
public struct PromptEvaluation: Sendable {
    /// Held-out AUROC, F1 at the calibrated fail threshold, and that threshold.
    public var scores: VersionMetrics.Scores
    /// Memory bank, classifier and thresholds fitted on the training labels; nil when few-shot is off.
    public var fewShot: FewShotModel?
    /// Thresholds calibrated on the training labels' scores (nil = the configured ones).
    public var thresholds: CalibratedThresholds?
    /// Held-out scores in split order.
    public var heldOutScores: [Double]
}
