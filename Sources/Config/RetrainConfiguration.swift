import Inspection

/// The `[retrain]` table: when the daemon retrains a station's prompts from new labels, how,
/// and how a candidate is judged. Retraining runs in a child process at idle priority with
/// its own BLAS thread budget, so inspection keeps its latency.
public struct RetrainConfiguration: Sendable, Equatable {
    /// Retrain at all (label count and schedule triggers; `inspectctl retrain --now` too).
    public var enabled = true
    /// Retrain after this many new labels of a station (0 = never on label count).
    public var afterLabels = 20
    /// Retrain every this many hours (0 = no schedule).
    public var everyHours = 0.0
    /// BLAS and worker threads of the training process.
    public var threads = 1
    /// Nice value of the training process (it also runs SCHED_IDLE).
    public var niceness: Int32 = 19
    /// Non-active versions whose memory banks are kept (the rest are refitted if reactivated).
    public var keepVersions = 3
    /// Prompt tuning and promotion settings.
    public var tuning = PromptTuningSettings()

    public init() {}
}
