import Testing
@testable import Inspection

@Suite struct ClassificationMetricsTests {
    /// truth a a b c, predicted a b b b: accuracy 2/4; F1 a = 2/3 (TP 1, FN 1), b = 1/2
    /// (TP 1, FP 2), c = 0 (FN 1) → macro (2/3 + 1/2 + 0) / 3 = 7/18.
    @Test func handComputed() throws {
        let truth = ["a", "a", "b", "c"], predicted = ["a", "b", "b", "b"]
        #expect(ClassificationMetrics.accuracy(predicted: predicted, truth: truth) == 0.5)
        let f1 = try #require(ClassificationMetrics.macroF1(predicted: predicted, truth: truth))
        #expect(abs(f1 - 7.0 / 18) < 1e-12)
        #expect(ClassificationMetrics.macroF1(predicted: [], truth: []) == nil)
        #expect(ClassificationMetrics.accuracy(predicted: ["a"], truth: ["a", "b"]) == nil)
    }
}
