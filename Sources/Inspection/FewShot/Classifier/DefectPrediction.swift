/// The classifier's answer for one image, with enough context for QA to judge it: the full
/// distribution and a conformal set that contains the true type at the configured coverage.
public struct DefectPrediction: Sendable, Codable, Equatable {
    /// A class name, or `DefectClassifier.unknownClassName` when the top probability is below the
    /// confidence floor, so low-confidence guesses are never reported as a type.
    public var className: String
    /// Probability of the top class (also when `className` is "unknown").
    public var probability: Double
    /// Probability of every class, keyed by name.
    public var probabilities: [String: Double]
    /// Split-conformal prediction set, most probable first; holds only the top class until the
    /// classifier has been calibrated by `fit`.
    public var predictionSet: [String]

    public init(className: String, probability: Double, probabilities: [String: Double], predictionSet: [String]) {
        self.className = className
        self.probability = probability
        self.probabilities = probabilities
        self.predictionSet = predictionSet
    }
}
