/// Per-method accuracies and macro-F1s collected over an evaluation's runs, and which method
/// leave-one-out chose in each run.
struct MethodTally {
    private var accuracy = [String: [Double]]()
    private var macroF1 = [String: [Double]]()
    private var chosen = [String: Int]()

    /// Scores `predicted` against `truth` for `method`.
    mutating func record(_ method: String, predicted: [String], truth: [String]) {
        if let value = ClassificationMetrics.accuracy(predicted: predicted, truth: truth) {
            accuracy[method, default: []].append(value)
        }
        if let value = ClassificationMetrics.macroF1(predicted: predicted, truth: truth) {
            macroF1[method, default: []].append(value)
        }
    }

    /// Notes that leave-one-out chose `method` in one run.
    mutating func choose(_ method: ClassifierMethod) {
        chosen[method.rawValue, default: 0] += 1
    }

    /// One row per method that was scored, in `MethodScores.order`.
    func scores() -> [MethodScores] {
        MethodScores.order.compactMap { method in
            guard let accuracies = accuracy[method], let f1s = macroF1[method] else { return nil }
            let a = AnomalyMetrics.meanAndStd(accuracies), f = AnomalyMetrics.meanAndStd(f1s)
            return MethodScores(method: method, accuracy: .init(mean: a.mean, std: a.std),
                                macroF1: .init(mean: f.mean, std: f.std),
                                chosen: method == MethodScores.selectedName ? chosen : [:])
        }
    }
}
