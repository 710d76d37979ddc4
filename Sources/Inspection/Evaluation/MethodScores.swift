/// One defect-type classifier method's scores in an evaluation, mean ± std over the runs, so
/// integrators can compare zero-shot, prototypes, probe and cache on their own data under the
/// k-shot × n-runs protocol before trusting the leave-one-out choice.
public struct MethodScores: Sendable, Codable, Equatable {
    /// `method` of the row that lets leave-one-out choose among all methods, as the daemon does.
    public static let selectedName = "loo_selected"
    /// `method` of zero-shot refined transductively on the run's unlabelled test defects.
    public static let refinedName = "refined_zero_shot"

    /// A `ClassifierMethod` raw value, `refinedName` or `selectedName`.
    public var method: String
    /// Top-class accuracy on the test defects (the unknown floor is an operating choice, not
    /// part of the method, so it is not applied).
    public var accuracy: EvaluationReport.MeanStd
    /// Macro-averaged F1 of the top class.
    public var macroF1: EvaluationReport.MeanStd
    /// For `selectedName`: how many runs leave-one-out chose each method; empty otherwise.
    public var chosen: [String: Int]

    enum CodingKeys: String, CodingKey {
        case method, accuracy, chosen
        case macroF1 = "macro_f1"
    }

    /// Row order in reports: zero-shot, the methods by simplicity, then the selected one.
    public static let order: [String] = [ClassifierMethod.zeroShot.rawValue, refinedName]
        + ClassifierMethod.allCases.filter { $0 != .zeroShot }.sorted { $0.simplicity < $1.simplicity }.map(\.rawValue)
        + [selectedName]
}
