import Inspection

/// Where a model version stands. Exactly one version per station is `active`; a trained
/// version starts as `candidate` and becomes `active` or `rejected` on its held-out scores;
/// an active version that another replaces is `retired` (and can be activated again).
public enum ModelVersionStatus: String, Sendable, Codable, CaseIterable {
    case active
    case candidate
    case rejected
    case retired
}

/// How a model version came to be.
public enum ModelVersionSource: String, Sendable, Codable, CaseIterable {
    /// The configured text side (prompt ensemble or prompts file) with few-shot parts from the labels.
    case configured
    /// Prompts tuned on the station's labels by a retraining job.
    case trained
    /// Prompts imported with `inspectctl model import-prompts`.
    case imported
}
