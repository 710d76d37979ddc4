/// Scores of a multi-class prediction against the truth, as the few-shot classification papers
/// report them: accuracy, and macro-F1 so a rare defect type weighs as much as a common one.
public enum ClassificationMetrics {
    /// Fraction of positions where `predicted` equals `truth`; nil without samples.
    public static func accuracy(predicted: [String], truth: [String]) -> Double? {
        guard !truth.isEmpty, predicted.count == truth.count else { return nil }
        return Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(truth.count)
    }

    /// Unweighted mean over classes of `2TP / (2TP + FP + FN)`, over the classes that occur in
    /// `truth` or `predicted` (a class never seen nor predicted has no F1); nil without samples.
    public static func macroF1(predicted: [String], truth: [String]) -> Double? {
        guard !truth.isEmpty, predicted.count == truth.count else { return nil }
        var truePositives = [String: Int](), falsePositives = [String: Int](), falseNegatives = [String: Int]()
        for (p, t) in zip(predicted, truth) {
            if p == t {
                truePositives[p, default: 0] += 1
            } else {
                falsePositives[p, default: 0] += 1
                falseNegatives[t, default: 0] += 1
            }
        }
        let classes = Set(predicted).union(truth)
        let f1 = classes.map { c -> Double in
            let tp = Double(truePositives[c] ?? 0)
            return 2 * tp / (2 * tp + Double(falsePositives[c] ?? 0) + Double(falseNegatives[c] ?? 0))
        }
        return f1.reduce(0, +) / Double(f1.count)
    }
}
