import Inspection

/// The `[fewshot]` table: how labels turn into a memory bank, a defect classifier and
/// calibrated thresholds, and the defect classes QA names (`[fewshot.classes]`,
/// `scratch = "a thin bright line scratched into the metal surface"`).
public struct FewShotConfiguration: Sendable, Equatable {
    /// Use labels at all (default true; with no labels nothing changes).
    public var enabled = true
    /// Weight of the zero-shot map/score in the fusion.
    public var zeroShotWeight = 0.5
    /// Weight of the memory-bank map/score in the fusion.
    public var memoryWeight = 0.5
    /// Coreset size per layer for large banks; nil keeps every patch.
    public var coresetPatches: Int? = 20_000
    /// Defect classes in file order.
    public var classes: [DefectClass] = []
    /// Below this probability the defect class is "unknown".
    public var confidenceFloor = 0.5
    /// Coverage of the conformal prediction sets.
    public var coverage = 0.9
    /// Good parts sent to review at most this often (calibrated threshold).
    public var reviewFalseRejectRate = 0.05
    /// Good parts failed at most this often (good-only calibration).
    public var failFalseRejectRate = 0.01
    /// `refine_zero_shot`: refine the description vectors on unlabelled defect images (InMaP).
    public var refineZeroShot = false
    /// `refine_window`: how many of the station's newest unlabelled images judged `fail` the
    /// background fit encodes for the refinement. Each costs one forward pass in the fit, so
    /// it is bounded; 64 gives the refinement (at least 8 images, 2 per class) room at a
    /// minute of fitting on ViT-B/16.
    public var refineWindow = 64
    /// Upper bound of `refine_window`.
    public static let maxRefineWindow = 10_000

    /// `max_labels_per_class`: fit on at most this many newest good and newest defect labels.
    public var maxLabelsPerClass = 64
    /// `encoding_cache_mb`: cap of the encoding cache beside the database (`encodings/`),
    /// shared by refits and retraining; 0 turns it off.
    public var encodingCacheMB = 2048

    /// Defaults.
    public init() {}

    /// The few-shot settings for `Inspection`.
    public func settings() throws -> FewShotSettings {
        var settings = FewShotSettings(
            fusion: try FewShotFusion(zeroShotWeight: zeroShotWeight, memoryWeight: memoryWeight),
            maxPatchesPerLayer: coresetPatches, classes: classes, confidenceFloor: confidenceFloor,
            coverage: coverage, reviewFalseRejectRate: reviewFalseRejectRate, failFalseRejectRate: failFalseRejectRate)
        settings.refineZeroShot = refineZeroShot
        settings.maxLabelsPerClass = maxLabelsPerClass
        return settings
    }
}
