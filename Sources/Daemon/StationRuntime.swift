import Config
import Inspection
import Store

/// A configured station with the pipeline that judges its images and the model version
/// behind its verdicts.
struct StationRuntime {
    let configuration: StationConfiguration
    /// Inspector and few-shot parts (memory bank, classifier, calibrated thresholds) of the version.
    let pipeline: StationPipeline
    /// Human-readable id: weights, text side and settings hash, `+v<version id>`, few-shot counts.
    let modelVersion: String
    /// `model_versions.id` of the version in force; nil while the station runs the configured
    /// text side alone, waiting for its first version's few-shot parts to be fitted.
    let versionID: Int64?
    /// `ModelVersion.identifier` of the base it runs (weights + text side + settings).
    let baseID: String
    let action: ProcessedFileAction
}
