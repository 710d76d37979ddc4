/// One category's evaluation: each metric's mean and standard deviation over the runs.
public struct EvaluationReport: Sendable, Codable, Equatable {
    /// Mean and sample standard deviation.
    public struct MeanStd: Sendable, Codable, Equatable {
        /// Mean over runs.
        public var mean: Double
        /// Sample standard deviation over runs (0 for one run).
        public var std: Double
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

    /// Metric names in report order.
    public static let metricNames = ["image_auroc", "image_ap", "image_f1_max", "pixel_auroc", "aupro", "class_accuracy"]

    /// The mean over categories of each metric's mean (and of the stds).
    static func mean(of reports: [EvaluationReport]) -> EvaluationReport {
        var metrics = [String: MeanStd]()
        for name in metricNames {
            let values = reports.compactMap { $0.metrics[name] }
            guard !values.isEmpty else { continue }
            metrics[name] = MeanStd(mean: values.map(\.mean).reduce(0, +) / Double(values.count),
                                    std: values.map(\.std).reduce(0, +) / Double(values.count))
        }
        return EvaluationReport(category: "mean", shots: reports.first?.shots ?? 0, runs: reports.first?.runs ?? 0,
                                testImages: reports.map(\.testImages).reduce(0, +), metrics: metrics)
    }
}
