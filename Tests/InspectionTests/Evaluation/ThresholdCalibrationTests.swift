import Foundation
import Inspection
import Store
import Testing

/// Seeded SplitMix64, so the Monte Carlo checks are reproducible.
private struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal (Box–Muller).
    mutating func gaussian() -> Double {
        let u = 1 - uniform()  // (0, 1], log stays finite
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * uniform())
    }
}

@Suite struct ThresholdCalibrationTests {
    // MARK: conformal threshold

    @Test func conformalThresholdIsTheKthOrderStatisticNextUp() throws {
        let scores = [0.7, 0.2, 0.9, 0.4, 0.1, 0.8, 0.3, 0.6, 0.5]  // n = 9
        // α = 0.2: k = ⌈10 · 0.8⌉ = 8 → 8th smallest = 0.8; rejecting at >= 0.8.nextUp keeps
        // a good score equal to 0.8 (it is not above the order statistic).
        let t = try #require(ThresholdCalibration.conformalThreshold(goodScores: scores, falseRejectRate: 0.2))
        #expect(t == 0.8.nextUp)
        let rule = try Thresholds(review: t, fail: t)
        #expect(rule.verdict(for: 0.8) == .pass)
        #expect(rule.verdict(for: 0.9) == .fail)
        // α = 0.1: k = ⌈10 · 0.9⌉ = 9 → the maximum.
        #expect(ThresholdCalibration.conformalThreshold(goodScores: scores, falseRejectRate: 0.1) == 0.9.nextUp)
        // α = 0.1 with n = 8: k = ⌈9 · 0.9⌉ = ⌈8.1⌉ = 9 > 8 → too few.
        #expect(ThresholdCalibration.conformalThreshold(goodScores: Array(scores.dropLast()), falseRejectRate: 0.1) == nil)
    }

    @Test func conformalThresholdWithTiesRejectsOnlyAbove() {
        // Ten equal scores, α = 0.2: k = ⌈11 · 0.8⌉ = 9 → 0.5, threshold 0.5.nextUp: a new good
        // 0.5 passes (rejecting at >= 0.5 would reject every good image).
        let t = ThresholdCalibration.conformalThreshold(goodScores: [Double](repeating: 0.5, count: 10), falseRejectRate: 0.2)
        #expect(t == 0.5.nextUp)
    }

    @Test func conformalThresholdInvalidInputs() {
        #expect(ThresholdCalibration.conformalThreshold(goodScores: [], falseRejectRate: 0.1) == nil)
        #expect(ThresholdCalibration.conformalThreshold(goodScores: [0.1, 0.2], falseRejectRate: 0) == nil)
        #expect(ThresholdCalibration.conformalThreshold(goodScores: [0.1, 0.2], falseRejectRate: 1) == nil)
        #expect(ThresholdCalibration.conformalThreshold(goodScores: [0.1, .nan], falseRejectRate: 0.9) == nil)
    }

    @Test func minimumGoodSamples() {
        // n >= (1−α)/α: 0.95/0.05 = 19, 0.99/0.01 = 99, 0.9/0.1 = 9, 0.8/0.2 = 4, 0.5/0.5 = 1,
        // 0.7/0.3 = 2.33 → 3.
        #expect(ThresholdCalibration.minimumGoodSamples(falseRejectRate: 0.05) == 19)
        #expect(ThresholdCalibration.minimumGoodSamples(falseRejectRate: 0.01) == 99)
        #expect(ThresholdCalibration.minimumGoodSamples(falseRejectRate: 0.1) == 9)
        #expect(ThresholdCalibration.minimumGoodSamples(falseRejectRate: 0.2) == 4)
        #expect(ThresholdCalibration.minimumGoodSamples(falseRejectRate: 0.5) == 1)
        #expect(ThresholdCalibration.minimumGoodSamples(falseRejectRate: 0.3) == 3)
        #expect(ThresholdCalibration.minimumGoodSamples(falseRejectRate: 0) == .max)
        #expect(ThresholdCalibration.minimumGoodSamples(falseRejectRate: .nan) == .max)
        // Agrees with conformalThreshold at the boundary for many rates.
        for alpha in stride(from: 0.005, to: 0.6, by: 0.005) {
            let n = ThresholdCalibration.minimumGoodSamples(falseRejectRate: alpha)
            let scores = (0..<n).map(Double.init)
            #expect(ThresholdCalibration.conformalThreshold(goodScores: scores, falseRejectRate: alpha) != nil)
            #expect(ThresholdCalibration.conformalThreshold(goodScores: Array(scores.dropLast()), falseRejectRate: alpha) == nil)
        }
    }

    // MARK: coverage (Monte Carlo)

    /// Mean false-reject rate over `repetitions`: calibrate on 50 good scores at α = 0.1,
    /// count fresh good scores at or above the threshold (the verdict rule).
    private func meanFalseRejectRate(repetitions: Int, seed: UInt64, draw: (inout SplitMix64) -> Double) -> Double {
        var rng = SplitMix64(state: seed)
        var total = 0.0
        for _ in 0..<repetitions {
            let calibration = (0..<50).map { _ in draw(&rng) }
            guard let threshold = ThresholdCalibration.conformalThreshold(goodScores: calibration, falseRejectRate: 0.1) else {
                return .nan
            }
            var rejected = 0
            for _ in 0..<2000 where draw(&rng) >= threshold { rejected += 1 }
            total += Double(rejected) / 2000
        }
        return total / Double(repetitions)
    }

    @Test func conformalCoverageUniform() {
        // Continuous scores: E[FRR] = 1 − k/(n+1) = 1 − 46/51 = 0.0980 (k = ⌈51 · 0.9⌉ = 46);
        // Monte Carlo s.e. over 2000 repetitions ≈ 0.001.
        let frr = meanFalseRejectRate(repetitions: 2000, seed: 1) { $0.uniform() }
        #expect(frr <= 0.1 + 0.005)
        #expect(frr >= 0.1 - 0.04)
    }

    @Test func conformalCoverageGaussian() {
        // Distribution-free: the same bound for N(0.3, 0.05²) scores.
        let frr = meanFalseRejectRate(repetitions: 1000, seed: 2) { 0.3 + 0.05 * $0.gaussian() }
        #expect(frr <= 0.1 + 0.005)
        #expect(frr >= 0.1 - 0.04)
    }

    @Test func conformalCoverageWithHeavyTies() {
        // Ten discrete levels (as from quantised scores): the bound still holds because the
        // threshold rejects only scores strictly above the order statistic. (Rejecting at
        // >= s₍ₖ₎ itself would give about 0.14 here: s₍₄₆₎ is 0.9 or 0.8.)
        let frr = meanFalseRejectRate(repetitions: 1000, seed: 3) { Double(Int($0.uniform() * 10)) / 10 }
        #expect(frr <= 0.1 + 0.005)
    }

    // MARK: calibrate

    @Test func calibrateGoodOnly() throws {
        // Goods 0.001 … 0.100 (n = 100). Fail α = 0.01: k = ⌈101 · 0.99⌉ = ⌈99.99⌉ = 100 → 0.100;
        // review α = 0.05: k = ⌈101 · 0.95⌉ = ⌈95.95⌉ = 96 → 0.096.
        let goods = (1...100).map { Double($0) / 1000 }
        let result = try ThresholdCalibration.calibrate(goodScores: goods.reversed(), defectScores: [])
        #expect(result.method == "conformal-good-only")
        #expect(result.fail == goods[99].nextUp)
        #expect(result.review == goods[95].nextUp)
        #expect(result.goodCount == 100 && result.defectCount == 0)
        #expect(result.targetFalseRejectRate == 0.01 && result.reviewFalseRejectRate == 0.05)
    }

    @Test func calibrateBothClasses() throws {
        // Goods 0.01 … 0.20 (n = 20), defects {0.15, 0.5, 0.6, 0.7} (P = 4). F1 = 2TP/(TP+FP+P):
        // t=0.7: 2/5; 0.6: 4/6; 0.5: 6/7 ← max; 0.2: 6/8; … lower only adds false positives
        // faster than it adds the 4th defect (t=0.15: 8/14). Fail = 0.5.
        // Review α = 0.05: k = ⌈21 · 0.95⌉ = 20 → 0.20.nextUp, below fail, kept.
        let goods = (1...20).map { Double($0) / 100 }
        let result = try ThresholdCalibration.calibrate(goodScores: goods, defectScores: [0.15, 0.5, 0.6, 0.7])
        #expect(result.method == "f1+conformal")
        #expect(result.fail == 0.5)
        #expect(result.review == 0.2.nextUp)
        #expect(result.goodCount == 20 && result.defectCount == 4)
        #expect(result.targetFalseRejectRate == nil && result.reviewFalseRejectRate == 0.05)
    }

    @Test func calibrateClampsReviewToFail() throws {
        // Goods 0.01 … 0.20, defects {0.05, 0.12, 0.13, 0.14}: t=0.14: TP 1, FP 7 → 2/12;
        // 0.13: 4/14; 0.12: TP 3, FP 9 → 6/16 = 0.375 ← max; 0.05: 8/24. Fail = 0.12 is below
        // the conformal review 0.20.nextUp, so review = fail (no band).
        let goods = (1...20).map { Double($0) / 100 }
        let result = try ThresholdCalibration.calibrate(goodScores: goods, defectScores: [0.05, 0.12, 0.13, 0.14])
        #expect(result.fail == 0.12)
        #expect(result.review == 0.12)
    }

    @Test func calibrateF1OnlyWhenTooFewGoodsForTheReviewRate() throws {
        // 5 goods < 19 needed for α = 0.05: no conformal review band. F1 (P = 2): t=0.9: 2/3;
        // t=0.8: 4/4 = 1 ← max. Review = fail = 0.8.
        let result = try ThresholdCalibration.calibrate(goodScores: [0.1, 0.2, 0.3, 0.4, 0.5], defectScores: [0.8, 0.9])
        #expect(result.method == "f1")
        #expect(result.fail == 0.8 && result.review == 0.8)
        #expect(result.reviewFalseRejectRate == nil && result.targetFalseRejectRate == nil)
    }

    @Test func calibrateErrors() {
        func error(_ body: () throws -> CalibratedThresholds) -> InspectionError? {
            do { _ = try body(); return nil } catch { return error as? InspectionError }
        }
        // No good scores, in both modes.
        for defects in [[Double](), [0.9]] {
            guard case .invalidLabel(let item, _)? = error({ try ThresholdCalibration.calibrate(goodScores: [], defectScores: defects) }) else {
                Issue.record("expected invalidLabel for no good scores")
                continue
            }
            #expect(item == "good images")
        }
        // Too few for 1 %: the message says how many are needed.
        let tooFew = error { try ThresholdCalibration.calibrate(goodScores: [Double](repeating: 0.1, count: 50), defectScores: []) }
        guard case .invalidLabel(let item, let reason)? = tooFew else {
            Issue.record("expected invalidLabel, got \(String(describing: tooFew))")
            return
        }
        #expect(item == "good images")
        #expect(reason.contains("50") && reason.contains("need at least 99"))
        // Rates outside (0, 1) and a review rate below the fail rate.
        for (review, fail) in [(0.0, 0.01), (1.0, 0.01), (0.05, -0.1), (0.05, .nan), (0.01, 0.05)] {
            let thrown = error { try ThresholdCalibration.calibrate(goodScores: [Double](repeating: 0.1, count: 200), defectScores: [],
                                                                   reviewFalseRejectRate: review, failFalseRejectRate: fail) }
            guard case .invalidSetting? = thrown else {
                Issue.record("expected invalidSetting for review=\(review) fail=\(fail), got \(String(describing: thrown))")
                continue
            }
        }
        // A non-finite score names its position.
        let nan = error { try ThresholdCalibration.calibrate(goodScores: [0.1, .nan], defectScores: []) }
        #expect(nan == .invalidLabel(item: "good image score #2", reason: "not a finite number (nan)"))
    }

    @Test func calibratedThresholdsRoundTripJSON() throws {
        let value = CalibratedThresholds(review: 0.2, fail: 0.5, method: "f1+conformal", goodCount: 20, defectCount: 4,
                                         targetFalseRejectRate: nil, reviewFalseRejectRate: 0.05)
        let decoded = try JSONDecoder().decode(CalibratedThresholds.self, from: JSONEncoder().encode(value))
        #expect(decoded == value)
    }
}
