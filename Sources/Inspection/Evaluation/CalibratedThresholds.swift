/// Review/fail thresholds derived from labeled scores, with enough provenance (method, sample
/// counts, target rates) that an operator can tell later how much data they rest on.
/// Same rule as `Thresholds`: fail when score >= `fail`, review when score >= `review`.
public struct CalibratedThresholds: Sendable, Codable, Equatable {
    public var review: Double
    public var fail: Double
    /// "f1" | "conformal-good-only" | "f1+conformal".
    public var method: String
    public var goodCount: Int
    public var defectCount: Int
    /// The false-reject rate `fail` was chosen to bound (good-only calibration), else nil.
    public var targetFalseRejectRate: Double?
    /// The false-reject rate `review` was chosen to bound, nil when no conformal review
    /// threshold could be derived.
    public var reviewFalseRejectRate: Double?

    public init(review: Double, fail: Double, method: String, goodCount: Int, defectCount: Int,
                targetFalseRejectRate: Double?, reviewFalseRejectRate: Double?) {
        self.review = review
        self.fail = fail
        self.method = method
        self.goodCount = goodCount
        self.defectCount = defectCount
        self.targetFalseRejectRate = targetFalseRejectRate
        self.reviewFalseRejectRate = reviewFalseRejectRate
    }
}
