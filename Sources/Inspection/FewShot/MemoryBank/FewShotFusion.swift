/// How the zero-shot (text-prompt) evidence and the few-shot memory evidence are combined
/// (WinCLIP+): a convex combination, so the fused map and score stay in the same [0, 1] range
/// as either source and thresholds keep their meaning when the weights change.
public struct FewShotFusion: Sendable, Codable, Equatable {
    /// Weight of the zero-shot map / score (the two weights sum to 1 after `init`).
    public var zeroShotWeight: Double = 0.5
    /// Weight of the memory map / its maximum.
    public var memoryWeight: Double = 0.5

    /// Weights that are finite, ≥ 0 and not both 0; they are rescaled to sum to 1.
    public init(zeroShotWeight: Double = 0.5, memoryWeight: Double = 0.5) throws {
        for (name, w) in [("zeroShotWeight", zeroShotWeight), ("memoryWeight", memoryWeight)]
        where !(w.isFinite && w >= 0) {
            throw InspectionError.invalidSetting(name: name, value: "\(w)", reason: "must be a finite number >= 0")
        }
        let sum = zeroShotWeight + memoryWeight
        guard sum > 0 else {
            throw InspectionError.invalidSetting(
                name: "memoryWeight", value: "\(memoryWeight)", reason: "the two fusion weights cannot both be 0")
        }
        self.zeroShotWeight = zeroShotWeight / sum
        self.memoryWeight = memoryWeight / sum
    }

    private enum CodingKeys: String, CodingKey {
        case zeroShotWeight, memoryWeight
    }

    /// Decoded weights go through the same validation and normalisation as `init`, so a
    /// stored configuration cannot smuggle in negative or unnormalised weights.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(zeroShotWeight: c.decodeIfPresent(Double.self, forKey: .zeroShotWeight) ?? 0.5,
                      memoryWeight: c.decodeIfPresent(Double.self, forKey: .memoryWeight) ?? 0.5)
    }

    /// The fused pixel map: `zeroShotWeight · zeroShot / zeroShotLayers + memoryWeight · memory`.
    /// The zero-shot map is a sum of `zeroShotLayers` layer maps in [0, 1] (AnomalyScorer), so
    /// dividing brings it to the memory map's [0, 1]. Both maps must have the same size (same
    /// `mapSize`); should they not, only the common prefix is fused.
    public func fuseMaps(zeroShot: [Float], zeroShotLayers: Int, memory: [Float]) -> [Float] {
        assert(zeroShot.count == memory.count, "fusing maps of \(zeroShot.count) and \(memory.count) pixels")
        let n = min(zeroShot.count, memory.count)
        let a = Float(zeroShotWeight) / Float(max(zeroShotLayers, 1))
        let b = Float(memoryWeight)
        var fused = [Float](repeating: 0, count: n)
        zeroShot.withUnsafeBufferPointer { z in
            memory.withUnsafeBufferPointer { m in
                fused.withUnsafeMutableBufferPointer { out in
                    for i in 0..<n { out[i] = a * z[i] + b * m[i] }
                }
            }
        }
        return fused
    }

    /// The fused image score: `zeroShotWeight · zeroShotScore + memoryWeight · max(memoryMap)`,
    /// WinCLIP+'s pairing of the image-level zero-shot score with the strongest few-shot
    /// evidence anywhere in the image. An empty memory map contributes 0.
    public func fuseScore(zeroShotScore: Double, memoryMap: [Float]) -> Double {
        zeroShotWeight * zeroShotScore + memoryWeight * Double(memoryMap.max() ?? 0)
    }
}
