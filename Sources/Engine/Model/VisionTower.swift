/// The ViT image tower's weights: patch embedding, class token, positional table, blocks,
/// final LayerNorm and projection. Immutable after load; encoders read it concurrently.
public struct VisionTower: Sendable {
    /// conv1 as a [W, 3·P·P] matrix (channel, row, column order of the conv kernel).
    public let patchEmbedding: Tensor
    /// Class token [W].
    public let classEmbedding: Tensor
    /// Positional table [1 + G·G, W] at the checkpoint's grid.
    public let positionalEmbedding: Tensor
    /// LayerNorm before the blocks.
    public let lnPre: LayerNorm
    /// Residual blocks, block 1 first.
    public let blocks: [ResidualBlock]
    /// LayerNorm after the blocks.
    public let lnPost: LayerNorm
    /// Projection [W, E] into the joint embedding space.
    public let projection: Tensor
    /// Patch edge in pixels.
    public let patchSize: Int
    /// Checkpoint grid edge.
    public let gridSize: Int

    /// Assembles loaded parameters.
    public init(patchEmbedding: Tensor, classEmbedding: Tensor, positionalEmbedding: Tensor, lnPre: LayerNorm,
                blocks: [ResidualBlock], lnPost: LayerNorm, projection: Tensor, patchSize: Int, gridSize: Int) {
        self.patchEmbedding = patchEmbedding
        self.classEmbedding = classEmbedding
        self.positionalEmbedding = positionalEmbedding
        self.lnPre = lnPre
        self.blocks = blocks
        self.lnPost = lnPost
        self.projection = projection
        self.patchSize = patchSize
        self.gridSize = gridSize
    }

    /// Transformer width W.
    public var width: Int { classEmbedding.count }
    /// Joint embedding width E.
    public var embedDim: Int { projection.shape.last ?? 0 }

    /// The positional table for a `rows`×`columns` patch grid: the checkpoint's table when the
    /// grid matches, else its patch part bilinearly resized (PyTorch `align_corners=False`)
    /// with the class row kept — what AnomalyCLIP does for 518 px input on a 336 px model.
    public func positionalEmbedding(gridRows rows: Int, gridColumns columns: Int) -> Tensor {
        let w = width
        if rows == gridSize && columns == gridSize { return positionalEmbedding }
        let table = Tensor(zeros: [1 + rows * columns, w])
        table.pointer.update(from: positionalEmbedding.pointer, count: w)
        BilinearResize.resize(
            channels: w,
            input: positionalEmbedding.pointer + w, inHeight: gridSize, inWidth: gridSize,
            inLayout: .interleaved(width: gridSize, channels: w),
            output: table.pointer + w, outHeight: rows, outWidth: columns,
            outLayout: .interleaved(width: columns, channels: w))
        return table
    }
}
