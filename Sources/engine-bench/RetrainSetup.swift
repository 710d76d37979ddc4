import Engine
import Foundation

/// The retraining acceptance setup shared by the parent and the worker, so both build the same
/// model shapes and batches.
enum RetrainSetup {
    static let architecture = CLIPArchitecture.vitL14at336
    static let inputSize = 518
    static let taps = [6, 12, 18, 24]
    static let dpamLayer = 20
    static let images = 16
    static let batchSize = 8
    static let inspectionRuns = 3

    /// The frozen image side of 16 labelled images (even index good, odd defect with a
    /// rectangle), as encoding them with the ViT-L image tower at 518 would give in shape.
    static func batches() -> [(batch: AnomalyCLIPLoss.Batch, loss: AnomalyCLIPLoss)] {
        let e = architecture.embedDim
        let grid = inputSize / architecture.patchSize
        let tokens = 1 + grid * grid
        let pixels = inputSize * inputSize
        var rng = RandomWeights(seed: 99)
        var result = [(batch: AnomalyCLIPLoss.Batch, loss: AnomalyCLIPLoss)]()
        for start in stride(from: 0, to: images, by: batchSize) {
            var features = [[Float]](), patchTokens = [[Tensor]](), masks = [[Float]](), labels = [Int]()
            for i in start..<min(start + batchSize, images) {
                features.append(rng.tensor([e], std: 1).values)
                patchTokens.append(taps.map { _ in rng.tensor([tokens, e], std: 1) })
                var mask = [Float](repeating: 0, count: pixels)
                let defect = i % 2 == 1
                if defect {
                    let top = 40 + 23 * i, left = 60 + 17 * i
                    for y in top..<min(top + 120, inputSize) {
                        for x in left..<min(left + 160, inputSize) { mask[y * inputSize + x] = 1 }
                    }
                }
                masks.append(mask)
                labels.append(defect ? 1 : 0)
            }
            let batch = AnomalyCLIPLoss.Batch(imageFeatures: features, patchTokens: patchTokens, gridRows: grid,
                                              gridColumns: grid, groundTruth: masks, mapHeight: inputSize,
                                              mapWidth: inputSize, labels: labels)
            result.append((batch, AnomalyCLIPLoss()))
        }
        return result
    }
}
