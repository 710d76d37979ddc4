import Config
import Inspection
import Store

/// A configured station with the inspector that scores its images and the model version
/// behind its verdicts.
struct StationRuntime {
    let configuration: StationConfiguration
    let inspector: Inspector
    /// Human-readable id: weights, text side and settings hash, `+v<version id>`, few-shot counts.
    let modelVersion: String
    /// `model_versions.id` of the version in force.
    let versionID: Int64
    let action: ProcessedFileAction
    /// Memory bank, classifier and calibrated thresholds of the version.
    var fewShot: FewShotModel?
}
