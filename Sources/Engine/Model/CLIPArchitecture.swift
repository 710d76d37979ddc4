/// The shape of a CLIP model, inferred from checkpoint tensor shapes (heads and activation
/// from the config file beside it). Nothing here is hard-coded per model family.
public struct CLIPArchitecture: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Vision transformer width.
    public var visionWidth: Int
    /// Number of vision residual blocks.
    public var visionLayers: Int
    /// Vision attention heads.
    public var visionHeads: Int
    /// Vision MLP hidden width.
    public var visionMLPWidth: Int
    /// Patch edge in pixels (conv1 kernel and stride).
    public var patchSize: Int
    /// Patch grid edge of the checkpoint's positional embedding.
    public var gridSize: Int
    /// Shared image/text embedding width.
    public var embedDim: Int
    /// Text transformer width.
    public var textWidth: Int
    /// Number of text residual blocks.
    public var textLayers: Int
    /// Text attention heads.
    public var textHeads: Int
    /// Text MLP hidden width.
    public var textMLPWidth: Int
    /// Maximum number of text tokens.
    public var contextLength: Int
    /// Token vocabulary size.
    public var vocabSize: Int
    /// MLP non-linearity.
    public var activation: Activation
    /// LayerNorm epsilon.
    public var layerNormEps: Float

    /// Input edge the checkpoint was trained at.
    public var imageSize: Int { gridSize * patchSize }

    public var description: String {
        "vision \(visionWidth)w/\(visionLayers)L/\(visionHeads)h patch \(patchSize) grid \(gridSize) (\(imageSize)px), "
            + "text \(textWidth)w/\(textLayers)L/\(textHeads)h ctx \(contextLength) vocab \(vocabSize), "
            + "embed \(embedDim), \(activation.rawValue)"
    }
}
