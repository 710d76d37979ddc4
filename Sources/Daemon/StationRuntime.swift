import Inspection

/// A configured station with the inspector that scores its images and the version id that
/// names the model + text vectors + settings behind its verdicts.
struct StationRuntime {
    let configuration: StationConfiguration
    let inspector: Inspector
    let modelVersion: String
    let action: ProcessedFileAction
    /// Memory bank, classifier and calibrated thresholds from this station's labels.
    var fewShot: FewShotModel?
}
