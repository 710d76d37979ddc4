/// How `DefectClassifier` turns an image embedding into class scores. Ordered by simplicity:
/// when leave-one-out accuracies tie, the simpler method wins because it has fewer ways to be
/// fooled by the few labelled samples.
public enum ClassifierMethod: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    /// Cosine to each class's text embedding; needs no labels.
    case zeroShot = "zero_shot"
    /// Prototypical network: cosine to the normalised mean of each class's labelled features.
    case prototype = "prototype"
    /// Text-initialised linear probe trained on the labelled features.
    case linearProbe = "linear_probe"
    /// Tip-Adapter cache model: zero-shot plus similarity-weighted votes of the labelled features.
    case cache = "cache"

    /// Rank used to break ties: lower is simpler.
    var simplicity: Int {
        switch self {
        case .zeroShot: return 0
        case .prototype: return 1
        case .cache: return 2
        case .linearProbe: return 3
        }
    }
}
