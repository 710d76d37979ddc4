/// What the few-shot parts add to one image's zero-shot result.
public struct FewShotOutcome: Sendable {
    /// Fused image score (zero-shot and memory), or the zero-shot score without a memory bank.
    public let score: Double
    /// Verdict on `score` with `thresholds`.
    public let verdict: Verdict
    /// Calibrated thresholds when available, else the configured ones.
    public let thresholds: Thresholds
    /// Fused pixel map in model-input coordinates (values in [0, 1]).
    public let map: AnomalyMap
    /// The memory map alone, when there is a bank.
    public let memoryMap: [Float]?
    /// Defect type, for review/fail verdicts when a classifier is configured.
    public let defect: DefectPrediction?
}
