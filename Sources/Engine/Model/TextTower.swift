/// The causal text transformer's weights. Immutable after load.
public struct TextTower: Sendable {
    /// Token embedding table [vocab, W].
    public let tokenEmbedding: Tensor
    /// Positional table [context, W].
    public let positionalEmbedding: Tensor
    /// Residual blocks, block 1 first.
    public let blocks: [ResidualBlock]
    /// Final LayerNorm.
    public let lnFinal: LayerNorm
    /// Projection [W, E] into the joint embedding space.
    public let projection: Tensor

    /// Assembles loaded parameters.
    public init(tokenEmbedding: Tensor, positionalEmbedding: Tensor, blocks: [ResidualBlock], lnFinal: LayerNorm,
                projection: Tensor) {
        self.tokenEmbedding = tokenEmbedding
        self.positionalEmbedding = positionalEmbedding
        self.blocks = blocks
        self.lnFinal = lnFinal
        self.projection = projection
    }

    /// Transformer width W.
    public var width: Int { lnFinal.width }
    /// Joint embedding width E.
    public var embedDim: Int { projection.shape.last ?? 0 }
    /// Maximum tokens per sequence.
    public var contextLength: Int { positionalEmbedding.shape.first ?? 0 }
    /// Vocabulary size.
    public var vocabularySize: Int { tokenEmbedding.shape.first ?? 0 }
}
