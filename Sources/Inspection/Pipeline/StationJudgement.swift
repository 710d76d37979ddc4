/// What a station decided about one image: the zero-shot result it started from and the
/// verdict after few-shot fusion and calibrated thresholds.
public struct StationJudgement: Sendable {
    /// The zero-shot inspection (scores, timings, geometry).
    public let result: InspectionResult
    /// Final verdict on ``score`` with ``thresholds``.
    public let verdict: Verdict
    /// Final image score: fused with the memory bank when there is one, else zero-shot.
    public let score: Double
    /// Calibrated thresholds when the station has them, else the configured ones.
    public let thresholds: Thresholds
    /// Final map in model-input coordinates.
    public let map: AnomalyMap
    /// The fused score, only when a memory bank took part.
    public let fusedScore: Double?
    /// Defect type, for review/fail verdicts when a classifier is configured.
    public let defect: DefectPrediction?
}
