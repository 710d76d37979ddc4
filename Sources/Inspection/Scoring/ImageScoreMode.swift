/// How one number per image is formed from AnomalyCLIP's outputs.
public enum ImageScoreMode: String, Sendable, Codable, CaseIterable {
    /// The image-level text probability of "anomalous" (AnomalyCLIP's reported score).
    case cls
    /// The maximum of the smoothed anomaly map divided by the number of map layers, so it
    /// lies in [0, 1] like a probability.
    case mapMax = "map_max"
    /// The mean of `cls` and `map_max`.
    case mean
}
