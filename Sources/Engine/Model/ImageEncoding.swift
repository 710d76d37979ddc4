/// What one image forward produces.
public struct ImageEncoding: Sendable {
    /// CLIP's image embedding, `ln_post(CLS) @ proj` of the ordinary stream, not normalised.
    public let imageEmbedding: [Float]
    /// AnomalyCLIP's image feature, `CLS @ proj` of the ordinary stream WITHOUT `ln_post`
    /// (an upstream quirk its scoring depends on; see README "Reference behaviour").
    public let classFeature: [Float]
    /// Per tapped layer (in `taps` order): `ln_post(tokens) @ proj`, [1 + rows·columns, E],
    /// token 0 is CLS, token `1 + r·columns + c` the patch at grid row r, column c.
    public let patchTokens: [Tensor]
    /// The 1-based blocks the patch tokens were taken after.
    public let taps: [Int]
    /// Patch grid rows.
    public let gridRows: Int
    /// Patch grid columns.
    public let gridColumns: Int

    /// The parts of an encoding made elsewhere (an encoding cache reading one back).
    public init(imageEmbedding: [Float], classFeature: [Float], patchTokens: [Tensor], taps: [Int], gridRows: Int,
                gridColumns: Int) {
        self.imageEmbedding = imageEmbedding
        self.classFeature = classFeature
        self.patchTokens = patchTokens
        self.taps = taps
        self.gridRows = gridRows
        self.gridColumns = gridColumns
    }
}
