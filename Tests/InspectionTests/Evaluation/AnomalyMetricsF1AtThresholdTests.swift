import Inspection
import Store
import Testing

/// F1 of "score ≥ threshold means defect" at a fixed threshold (the promotion rule's F1 at
/// the calibrated fail threshold). F1 = 2TP / (2TP + FP + FN), worked out by hand per case.
@Suite struct AnomalyMetricsF1AtThresholdTests {
    private func f1(_ scores: [Double], _ labels: [Bool], _ threshold: Double) -> Double? {
        AnomalyMetrics.f1(scores: scores, labels: labels, threshold: threshold)
    }

    @Test func handExample() throws {
        // t = 0.38: 0.4 (good) flagged → FP; 0.8 (defect) → TP; 0.35 (defect) missed → FN;
        // 0.1 good, not flagged → TN. 2·1 / (2 + 1 + 1) = 0.5.
        let value = try #require(f1([0.1, 0.4, 0.35, 0.8], [false, false, true, true], 0.38))
        #expect(abs(value - 0.5) < 1e-12)
        // t = 0.3: both defects and 0.4 flagged: TP 2, FP 1 → 4 / 5 = 0.8.
        #expect(abs((f1([0.1, 0.4, 0.35, 0.8], [false, false, true, true], 0.3) ?? -1) - 0.8) < 1e-12)
        // t = 0.5: only 0.8 flagged: TP 1, FN 1 → 2 / 3.
        #expect(abs((f1([0.1, 0.4, 0.35, 0.8], [false, false, true, true], 0.5) ?? -1) - 2.0 / 3.0) < 1e-12)
    }

    @Test func scoresEqualToTheThresholdAreFlagged() throws {
        // t = 0.5: both 0.5 scores flagged (one defect TP, one good FP), 0.9 TP, 0.2 TN.
        // TP 2, FP 1, FN 0 → 4 / 5 = 0.8.
        let scores = [0.5, 0.5, 0.2, 0.9]
        let labels = [true, false, false, true]
        #expect(abs((f1(scores, labels, 0.5) ?? -1) - 0.8) < 1e-12)
        // Just above: the tied 0.5s drop out. TP 1 (0.9), FN 1 → 2 / 3.
        #expect(abs((f1(scores, labels, 0.5.nextUp) ?? -1) - 2.0 / 3.0) < 1e-12)
        // Just below: the same as at 0.5, since nothing lies in between.
        #expect(abs((f1(scores, labels, 0.5.nextDown) ?? -1) - 0.8) < 1e-12)
    }

    @Test func perfectAndInvertedSeparation() {
        let labels = [false, false, true, true]
        #expect(f1([0.1, 0.2, 0.8, 0.9], labels, 0.5) == 1)
        // Every good flagged and every defect missed: TP 0 → 0.
        #expect(f1([0.8, 0.9, 0.1, 0.2], labels, 0.5) == 0)
    }

    @Test func extremeThresholds() {
        // −∞ flags all: TP 1, FP 2 → 2 / 4. +∞ flags none: TP 0, FN 1 → 0.
        let scores = [0.3, 0.6, 0.9]
        let labels = [false, false, true]
        #expect(f1(scores, labels, -.infinity) == 0.5)
        #expect(f1(scores, labels, .infinity) == 0)
    }

    @Test func withoutPositivesItIsZeroNotNil() {
        // No defect labels: a flagged good is an FP → 2·0 / 1 = 0.
        #expect(f1([0.1, 0.9], [false, false], 0.5) == 0)
        // No defect labels and nothing flagged: 0/0, reported as 0.
        #expect(f1([0.1, 0.2], [false, false], 0.5) == 0)
        // Defects present but nothing flagged: FN 2 → 0.
        #expect(f1([0.1, 0.2], [true, true], 0.5) == 0)
        // A single flagged defect alone: TP 1 → 1.
        #expect(f1([0.7], [true], 0.5) == 1)
    }

    @Test func emptyOrMismatchedInputIsNil() {
        #expect(f1([], [], 0.5) == nil)
        #expect(f1([0.1, 0.9], [true], 0.5) == nil)
        #expect(f1([0.1], [true, false], 0.5) == nil)
        #expect(f1([], [true], 0.5) == nil)
    }

    @Test func atTheF1MaxThresholdItReproducesF1Max() throws {
        // f1Max reports the threshold as the smallest flagged score, so "score ≥ threshold"
        // at that threshold must give the same F1.
        let scores = [0.1, 0.4, 0.35, 0.8, 0.62, 0.62, 0.05]
        let labels = [false, false, true, true, true, false, false]
        let best = try #require(AnomalyMetrics.f1Max(scores: scores, labels: labels))
        let value = try #require(f1(scores, labels, best.threshold))
        #expect(abs(value - best.f1) < 1e-12)
    }
}
