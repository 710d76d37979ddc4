/// How a station's prompts are retrained. Defaults follow AnomalyCLIP's train.py where it has
/// one (Adam 1e-3, batch 8, 12 context tokens, prompt depth 9 with 4 deep tokens).
public struct PromptTuningSettings: Sendable, Equatable {
    /// Passes over the training labels.
    public var epochs = 15
    /// Images per Adam step.
    public var batchSize = 8
    /// Adam step size.
    public var learningRate: Float = 1e-3
    /// Share of each class held out to judge the candidate.
    public var heldOutFraction = 0.25
    /// Fewest labels per class (good, defect) before a retraining is attempted.
    public var minimumPerClass = 4
    /// Newest labels per class a job uses: the frozen image side costs memory per image
    /// (about 25 MB for ViT-L at 518), so this bounds the training process.
    public var maxLabelsPerClass = 64
    /// Largest tolerated drop of held-out AUROC / F1 against the active version.
    public var margin = 0.02
    /// Start from AnomalyCLIP's random init instead of the active version's prompts.
    public var startFromScratch = false
    /// Context tokens per prompt for a from-scratch start.
    public var contextLength = 12
    /// Text blocks that get deep prompts (AnomalyCLIP's prompt depth, block 1 included).
    public var deepPromptDepth = 9
    /// Deep tokens per block.
    public var deepPromptLength = 4
    /// Seed of the split and of a from-scratch init.
    public var seed: UInt64 = 1

    public init() {}
}
