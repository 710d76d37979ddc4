import Engine

/// The feature the defect-type classifier sees: the mean of the most anomalous patch tokens
/// of the deepest map layer minus the image's mean patch token, normalised. A defect covers a
/// few patches, so the global image embedding is dominated by the part's background; this
/// local contrast keeps what the defect looks like and drops what every image shares.
public enum DefectFeature {
    /// Fraction of patches treated as "the defect region" (at least one).
    public static let regionFraction = 1.0 / 16

    /// Feature for one encoded image; `patchScores` ranks patches (higher = more anomalous),
    /// one per patch of the grid (CLS excluded), e.g. per-patch anomaly probabilities.
    public static func compute(encoding: ImageEncoding, layer: Int, patchScores: [Float]) -> [Float] {
        guard encoding.patchTokens.indices.contains(layer) else { return VectorMath.normalized(encoding.imageEmbedding) }
        let tokens = encoding.patchTokens[layer]
        let e = tokens.shape.last ?? 0
        let patches = (tokens.shape.first ?? 1) - 1
        guard patches > 0, patchScores.count == patches else { return VectorMath.normalized(encoding.imageEmbedding) }
        let k = max(1, Int(Double(patches) * regionFraction))
        let top = patchScores.indices.sorted { patchScores[$0] > patchScores[$1] }.prefix(k)
        var region = [Float](repeating: 0, count: e)
        var mean = [Float](repeating: 0, count: e)
        let base = tokens.pointer
        for p in 0..<patches {
            let row = base + (p + 1) * e
            for c in 0..<e { mean[c] += row[c] }
        }
        for p in top {
            let row = base + (p + 1) * e
            for c in 0..<e { region[c] += row[c] }
        }
        for c in 0..<e { region[c] = region[c] / Float(k) - mean[c] / Float(patches) }
        return VectorMath.normalized(region)
    }
}
