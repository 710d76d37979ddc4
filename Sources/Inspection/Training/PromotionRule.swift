/// When a candidate may replace the active version: its held-out image AUROC and its F1 at
/// its calibrated threshold must each be no worse than the active version's by more than
/// `margin`. Without an active version to compare with, a candidate is promoted.
public struct PromotionRule: Sendable, Equatable {
    /// Largest tolerated drop of AUROC and of F1.
    public var margin: Double

    public init(margin: Double) {
        self.margin = margin
    }

    /// The decision and a sentence with both versions' figures, for the log and `model list`.
    public func decide(candidate: VersionMetrics.Scores, active: VersionMetrics.Scores?) -> (promote: Bool, reason: String) {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        guard let active else {
            return (true, "promoted: held-out AUROC \(f(candidate.auroc)), F1 \(f(candidate.f1)); no active version to compare with")
        }
        let aurocDrop = active.auroc - candidate.auroc
        let f1Drop = active.f1 - candidate.f1
        let figures = "held-out AUROC \(f(candidate.auroc)) vs active \(f(active.auroc)), "
            + "F1 \(f(candidate.f1)) vs \(f(active.f1)) (margin \(f(margin)))"
        // A drop equal to the margin as written (0.90 → 0.88 at 0.02) is allowed, whatever
        // the binary rounding of the difference.
        let tolerance = 1e-9
        if aurocDrop > margin + tolerance { return (false, "rejected: AUROC worse by \(f(aurocDrop)); " + figures) }
        if f1Drop > margin + tolerance { return (false, "rejected: F1 worse by \(f(f1Drop)); " + figures) }
        return (true, "promoted: " + figures)
    }
}
