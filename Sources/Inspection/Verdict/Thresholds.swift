/// Two thresholds on the image score: `[review, fail)` is the review band. Equal values mean
/// no band (pass/fail only).
public struct Thresholds: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Scores at or above this are at least `review`.
    public let review: Double
    /// Scores at or above this are `fail`.
    public let fail: Double

    /// Validates 0 ≤ review ≤ fail ≤ 1 (scores are probabilities).
    public init(review: Double, fail: Double) throws {
        guard review.isFinite, fail.isFinite, review >= 0, fail <= 1, review <= fail else {
            throw InspectionError.invalidSetting(
                name: "thresholds", value: "review=\(review) fail=\(fail)",
                reason: "need 0 <= review <= fail <= 1")
        }
        self.review = review
        self.fail = fail
    }

    /// AnomalyCLIP's natural cut at p = 0.5 with a review band around it.
    public static let standard = Thresholds(uncheckedReview: 0.4, fail: 0.6)

    private init(uncheckedReview review: Double, fail: Double) {
        self.review = review
        self.fail = fail
    }

    /// The verdict for `score`; a non-finite score is never a pass.
    public func verdict(for score: Double) -> Verdict {
        guard score.isFinite else { return .review }
        if score >= fail { return .fail }
        if score >= review { return .review }
        return .pass
    }

    public var description: String { "review>=\(review) fail>=\(fail)" }
}
