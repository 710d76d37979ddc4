/// One category's evaluation: each metric's mean and standard deviation over the runs.
public struct EvaluationReport: Sendable, Codable, Equatable {
    /// Mean and sample standard deviation.
    public struct MeanStd: Sendable, Codable, Equatable {
        /// Mean over runs.
        public var mean: Double
        /// Sample standard deviation over runs (0 for one run).
        public var std: Double

        /// The mean of the means and of the stds of non-empty `values` (the cross-category row).
        static func average(_ values: [MeanStd]) -> MeanStd {
            MeanStd(mean: values.map(\.mean).reduce(0, +) / Double(values.count),
                    std: values.map(\.std).reduce(0, +) / Double(values.count))
        }
    }

    /// Category folder name, or "mean".
    public var category: String
    /// Labeled shots per class (0 = zero-shot).
    public var shots: Int
    /// Number of runs.
    public var runs: Int
    /// Test images in the category.
    public var testImages: Int
    /// image_auroc, image_ap, image_f1_max, pixel_auroc, aupro, class_accuracy (those that apply).
    public var metrics: [String: MeanStd]
    /// Defect-type accuracy and macro-F1 of every classifier method side by side (see
    /// `MethodScores`); empty without defect classes.
    public var methods: [MethodScores]

    /// Metric names in report order.
    public static let metricNames = ["image_auroc", "image_ap", "image_f1_max", "pixel_auroc", "aupro", "class_accuracy"]

    /// The mean over categories of each metric's mean (and of the stds).
    static func mean(of reports: [EvaluationReport]) -> EvaluationReport {
        var metrics = [String: MeanStd]()
        for name in metricNames {
            let values = reports.compactMap { $0.metrics[name] }
            guard !values.isEmpty else { continue }
            metrics[name] = MeanStd.average(values)
        }
        var methods = [MethodScores]()
        for name in MethodScores.order {
            let rows = reports.compactMap { $0.methods.first { $0.method == name } }
            guard !rows.isEmpty else { continue }
            var chosen = [String: Int]()
            for row in rows { chosen.merge(row.chosen, uniquingKeysWith: +) }
            methods.append(MethodScores(method: name, accuracy: MeanStd.average(rows.map(\.accuracy)),
                                        macroF1: MeanStd.average(rows.map(\.macroF1)), chosen: chosen))
        }
        return EvaluationReport(category: "mean", shots: reports.first?.shots ?? 0, runs: reports.first?.runs ?? 0,
                                testImages: reports.map(\.testImages).reduce(0, +), metrics: metrics, methods: methods)
    }
}
