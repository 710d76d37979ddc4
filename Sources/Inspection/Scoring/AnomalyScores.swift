/// Everything AnomalyCLIP's scoring produces for one image, in model-input coordinates.
public struct AnomalyScores: Sendable {
    /// Image-level (p_normal, p_anomalous).
    public let imageProbabilities: (normal: Float, anomalous: Float)
    /// Per map layer, [G², 2] interleaved (p_normal, p_anomalous) per patch, row-major.
    public let patchProbabilities: [[Float]]
    /// Per map layer, the upsampled anomalous-evidence map [S·S].
    public let layerMaps: [[Float]]
    /// Sum of the layer maps [S·S].
    public let summedMap: [Float]
    /// The Gaussian-smoothed sum: the final pixel anomaly map [S·S].
    public let smoothedMap: [Float]
    /// S.
    public let mapSize: Int

    /// The maximum of the smoothed map.
    public var mapMaximum: Float { smoothedMap.max() ?? 0 }

    /// One number per image per `mode` (see `ImageScoreMode`).
    public func imageScore(_ mode: ImageScoreMode) -> Double {
        let cls = Double(imageProbabilities.anomalous)
        let mapMax = Double(mapMaximum) / Double(max(layerMaps.count, 1))
        switch mode {
        case .cls: return cls
        case .mapMax: return mapMax
        case .mean: return (cls + mapMax) / 2
        }
    }
}
