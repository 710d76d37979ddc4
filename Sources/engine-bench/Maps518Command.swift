import ArgumentParser
import Engine
import Foundation
import Inspection

/// `engine-bench maps_518`: the four ViT-L/14 tap maps at 518 (patch probabilities, bilinear
/// upsample of both class planes, sum) and the Gaussian smoothing, as `AnomalyScorer.score`
/// runs them after every encode.
struct Maps518Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maps_518", abstract: "4 tap maps -> upsample to 518 -> Gaussian (sigma 4), ViT-L/14 shapes.")

    @OptionGroup var options: BenchOptions

    func run() throws {
        _ = BenchSupport.applyThreads(options.threads)
        let a = CLIPArchitecture.vitL14at336
        let size = 518
        let grid = size / a.patchSize
        let tokens = 1 + grid * grid
        let e = a.embedDim
        var rng = RandomWeights(seed: 5)
        let text = [rng.tensor([e], std: 1).values, rng.tensor([e], std: 1).values]
        let scorer = try AnomalyScorer(textFeatures: text, mapLayers: [0, 1, 2, 3], mapSize: size, sigma: 4)
        let taps = (0..<4).map { _ in rng.tensor([tokens, e], std: 1) }
        var times = [Double]()
        var checksum: Float = 0
        for run in 0...options.runs(default: 20) {
            let start = BenchSupport.now()
            var sum = [Float](repeating: 0, count: size * size)
            for tap in taps {
                let probs = scorer.patchProbabilities(tap)
                let map = scorer.layerMap(patchProbabilities: probs, gridRows: grid, gridColumns: grid)
                AnomalyScorer.accumulate(map, into: &sum)
            }
            let smoothed = scorer.smoothing.apply(sum, width: size, height: size)
            let t = BenchSupport.now() - start
            checksum += smoothed[size * size / 2]
            if run > 0 { times.append(t) }
        }
        guard checksum.isFinite else { throw ValidationError("maps_518: non-finite map") }
        // Counted work: the 3 dot products per patch and tap (element-wise work is not).
        let flops = 4 * Double(grid * grid) * 3 * 2 * Double(e)
        let rate = SgemmProbe(m: grid * grid, n: 2, k: e).measure(batches: 3)
        var row = BenchSupport.timingFields(times: times, flops: flops, sgemm: rate)
        row["model"] = "maps_518"
        row["median_ms"] = BenchSupport.round3(BenchSupport.median(times) * 1000)
        row["maps"] = 4
        row["map_size"] = size
        BenchSupport.emit(BenchSupport.jsonLine(row))
    }
}
