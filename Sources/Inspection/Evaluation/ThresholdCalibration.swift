/// Thresholds from labeled data instead of guesses, also when only good parts are labeled
/// (the usual situation at line start: defects are rare, good parts are plentiful).
///
/// The good-only thresholds are split-conformal: with n good calibration scores and the
/// k-th smallest s₍ₖ₎, k = ⌈(n+1)(1−α)⌉, a new good image whose score is exchangeable with the
/// calibration scores satisfies P(score > s₍ₖ₎) ≤ α, for any score distribution and with
/// ties. Verdicts reject at `score >= threshold`, so the threshold is `s₍ₖ₎.nextUp`: the
/// smallest value that rejects exactly the scores strictly above s₍ₖ₎ and keeps the bound.
public enum ThresholdCalibration {
    /// Split-conformal threshold on good-only calibration scores (see the type's comment):
    /// P(good score >= threshold) <= alpha. nil when k > n (too few samples for that alpha;
    /// `minimumGoodSamples` says how many are needed), when alpha is outside (0, 1), or when
    /// a score is not finite.
    public static func conformalThreshold(goodScores: [Double], falseRejectRate alpha: Double) -> Double? {
        guard isRate(alpha), !goodScores.isEmpty, goodScores.allSatisfy(\.isFinite) else { return nil }
        let k = orderIndex(count: goodScores.count, alpha: alpha)
        guard k <= goodScores.count else { return nil }
        return goodScores.sorted()[k - 1].nextUp
    }

    /// Smallest n with ⌈(n+1)(1−α)⌉ <= n, i.e. n >= (1−α)/α: 19 for 5 %, 99 for 1 %.
    /// `Int.max` for alpha outside (0, 1): no sample count makes such a rate usable.
    public static func minimumGoodSamples(falseRejectRate alpha: Double) -> Int {
        guard isRate(alpha) else { return .max }
        let estimate = (1 - alpha) / alpha
        guard estimate < 1e15 else { return .max }
        var n = max(1, Int(estimate.rounded(.up)))
        // The estimate can be off by one in floating point; settle it with the exact rule
        // `conformalThreshold` uses, so the two never disagree.
        while orderIndex(count: n, alpha: alpha) > n { n += 1 }
        while n > 1, orderIndex(count: n - 1, alpha: alpha) <= n - 1 { n -= 1 }
        return n
    }

    /// Both classes labeled: fail = the F1-optimal threshold; review = the conformal good-only
    /// threshold at `reviewFalseRejectRate`, clamped so review <= fail ("f1+conformal"). With
    /// too few good scores for that rate there is no review band: review = fail ("f1").
    /// Good only: fail = conformal threshold at `failFalseRejectRate`, review = conformal
    /// threshold at `reviewFalseRejectRate` ("conformal-good-only").
    ///
    /// Throws `.invalidSetting` for a rate outside (0, 1) (or, good-only, a review rate below
    /// the fail rate, which would put review above fail) and `.invalidLabel` naming what is
    /// missing: no good scores, too few good scores for the rates, non-finite scores.
    public static func calibrate(goodScores: [Double], defectScores: [Double],
                                 reviewFalseRejectRate: Double = 0.05,
                                 failFalseRejectRate: Double = 0.01) throws -> CalibratedThresholds {
        try validateRate(reviewFalseRejectRate, name: "review_false_reject_rate")
        try validateRate(failFalseRejectRate, name: "fail_false_reject_rate")
        try validateScores(goodScores, item: "good image")
        try validateScores(defectScores, item: "defect image")
        guard !goodScores.isEmpty else {
            let needed = minimumGoodSamples(falseRejectRate: defectScores.isEmpty
                                            ? min(failFalseRejectRate, reviewFalseRejectRate)
                                            : reviewFalseRejectRate)
            throw InspectionError.invalidLabel(
                item: "good images",
                reason: "none labeled; calibration needs good-image scores (at least \(needed) for the requested false-reject rates)")
        }
        let reviewThreshold = conformalThreshold(goodScores: goodScores, falseRejectRate: reviewFalseRejectRate)

        if defectScores.isEmpty {
            guard reviewFalseRejectRate >= failFalseRejectRate else {
                throw InspectionError.invalidSetting(
                    name: "review_false_reject_rate", value: "\(reviewFalseRejectRate)",
                    reason: "must be >= fail_false_reject_rate (\(failFalseRejectRate)), else review would lie above fail")
            }
            guard let fail = conformalThreshold(goodScores: goodScores, falseRejectRate: failFalseRejectRate),
                  let review = reviewThreshold else {
                throw tooFew(goodScores.count, rate: failFalseRejectRate, note: "or label defect images too")
            }
            return CalibratedThresholds(review: min(review, fail), fail: fail, method: "conformal-good-only",
                                        goodCount: goodScores.count, defectCount: 0,
                                        targetFalseRejectRate: failFalseRejectRate,
                                        reviewFalseRejectRate: reviewFalseRejectRate)
        }

        let labels = [Bool](repeating: false, count: goodScores.count)
            + [Bool](repeating: true, count: defectScores.count)
        guard let best = AnomalyMetrics.f1Max(scores: goodScores + defectScores, labels: labels) else {
            // Unreachable: defects are present and scores were validated.
            throw InspectionError.invalidLabel(item: "defect images", reason: "no usable defect scores")
        }
        if let review = reviewThreshold {
            return CalibratedThresholds(review: min(review, best.threshold), fail: best.threshold,
                                        method: "f1+conformal", goodCount: goodScores.count,
                                        defectCount: defectScores.count, targetFalseRejectRate: nil,
                                        reviewFalseRejectRate: reviewFalseRejectRate)
        }
        return CalibratedThresholds(review: best.threshold, fail: best.threshold, method: "f1",
                                    goodCount: goodScores.count, defectCount: defectScores.count,
                                    targetFalseRejectRate: nil, reviewFalseRejectRate: nil)
    }

    /// The error an operator can act on: how many good images to label.
    private static func tooFew(_ count: Int, rate: Double, note: String) -> InspectionError {
        .invalidLabel(item: "good images",
                      reason: "\(count) good scores are too few for a false-reject rate of \(rate); "
                          + "need at least \(minimumGoodSamples(falseRejectRate: rate)) (\(note))")
    }

    /// k = ⌈(n+1)(1−α)⌉, 1-based. The small tolerance keeps decimal rates such as 0.1 on
    /// their intended integer (10 · 0.9 must be 9, not 9.000000000000002 → 10); it loosens
    /// the bound by at most 1e-9 / (n+1).
    private static func orderIndex(count n: Int, alpha: Double) -> Int {
        let exact = Double(n + 1) * (1 - alpha)
        return max(1, Int((exact - 1e-9).rounded(.up)))
    }

    private static func isRate(_ alpha: Double) -> Bool { alpha > 0 && alpha < 1 }

    private static func validateRate(_ alpha: Double, name: String) throws {
        guard isRate(alpha) else {
            throw InspectionError.invalidSetting(name: name, value: "\(alpha)",
                                                 reason: "a false-reject rate must lie strictly between 0 and 1")
        }
    }

    private static func validateScores(_ scores: [Double], item: String) throws {
        if let index = scores.firstIndex(where: { !$0.isFinite }) {
            throw InspectionError.invalidLabel(item: "\(item) score #\(index + 1)",
                                               reason: "not a finite number (\(scores[index]))")
        }
    }
}
