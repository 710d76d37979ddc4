import Engine
@testable import Inspection
import Testing

/// AnomalyCLIP's test.py scoring recipe on the reference inputs: image probabilities, per-patch
/// probabilities, per-layer maps, their sum and the Gaussian-smoothed map.
@Suite struct ScoringParityTests {
    let fx: ReferenceFixture
    let model: CLIPModel
    let scorer: AnomalyScorer
    let encoder: ImageEncoder

    init() throws {
        fx = try ReferenceFixture.load()
        model = try CLIPModel.load(path: fx.path("model-openclip.safetensors"))
        let prompts = try LearnedPrompts.load(path: fx.path("prompts.safetensors"), width: model.architecture.textWidth)
        let text = try prompts.textFeatures(tokenizer: try CLIPTokenizer(), encoder: model.textEncoder)
        let taps = try fx.ints("features_list")
        let threshold = try fx.ints("feature_map_layer").first ?? 0
        let size = try fx.int("image_size")
        scorer = try AnomalyScorer(textFeatures: text, mapLayers: taps.indices.filter { $0 >= threshold },
                                   mapSize: size, sigma: try fx.double("sigma"))
        encoder = try model.imageEncoder(
            inputSize: size, taps: taps,
            dualPath: .anomalyCLIP(dpamLayer: try fx.int("dpam_layer"), layers: model.architecture.visionLayers))
    }

    @Test func scoresMatchReference() throws {
        let input = try fx.input
        let count = try fx.reference.info(input).shape[0]
        var textProbs = [Float](), patchProbs = [Float](), layerMaps = [Float](), sums = [Float](), smoothed = [Float]()
        for i in 0..<count {
            let scores = try scorer.score(try encoder.encode(try fx.slice(input, i)))
            textProbs += [scores.imageProbabilities.normal, scores.imageProbabilities.anomalous]
            patchProbs += scores.patchProbabilities.flatMap { $0 }
            layerMaps += scores.layerMaps.flatMap { $0 }
            sums += scores.summedMap
            smoothed += scores.smoothedMap
        }
        try fx.check("acl.text_probs", textProbs)
        try fx.check("acl.patch_probs", patchProbs)
        try fx.check("acl.anomaly_maps_per_layer", layerMaps)
        try fx.check("acl.anomaly_map_sum", sums)
        try fx.check("acl.anomaly_map_smoothed", smoothed)
    }

    @Test func smoothingOfReferenceSumMatchesScipy() throws {
        let size = try fx.int("image_size")
        let count = try fx.reference.info("acl.anomaly_map_sum").shape[0]
        var out = [Float]()
        for i in 0..<count {
            out += scorer.smoothing.apply(try fx.slice("acl.anomaly_map_sum", i), width: size, height: size)
        }
        try fx.check("acl.anomaly_map_smoothed", out)
    }
}

/// The Gaussian filter's boundary handling and normalisation on hand-checkable inputs.
@Suite struct GaussianFilterTests {
    @Test func reflectIndexIsHalfSampleSymmetric() {
        // d c b a | a b c d | d c b a  for n = 4
        #expect((-4..<8).map { GaussianFilter.reflect($0, 4) } == [3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0])
        #expect(GaussianFilter.reflect(-9, 4) == 0)  // period 8: -5…-8 → 3,2,1,0, then -9 → 0
        #expect(GaussianFilter.reflect(5, 1) == 0)
    }

    @Test func constantMapStaysConstantAndMassIsPreserved() {
        let g = GaussianFilter(sigma: 4)
        #expect(g.radius == 16)
        let flat = g.apply([Float](repeating: 2.5, count: 64 * 64), width: 64, height: 64)
        #expect(flat.allSatisfy { abs($0 - 2.5) < 1e-5 })
        var impulse = [Float](repeating: 0, count: 41 * 41)
        impulse[20 * 41 + 20] = 1
        let blurred = g.apply(impulse, width: 41, height: 41)
        #expect(abs(blurred.reduce(0, +) - 1) < 1e-5)
        #expect(blurred[20 * 41 + 20] == blurred.max())
    }

    @Test func smallMapsReflectRepeatedly() {
        // radius 16 on a 3×3 map must not index out of bounds and keeps a constant map constant.
        let out = GaussianFilter(sigma: 4).apply([Float](repeating: 1, count: 9), width: 3, height: 3)
        #expect(out.allSatisfy { abs($0 - 1) < 1e-6 })
    }

    /// The fast separable kernel against scipy's arithmetic on odd sizes, maps narrower than the
    /// kernel, and the 518² production size.
    @Test(arguments: [(1, 1), (3, 5), (7, 40), (41, 37), (130, 9), (518, 518)])
    func fastMatchesNaiveTwin(size: (Int, Int)) {
        let (width, height) = size
        var rng = RandomWeights(seed: UInt64(width * 1000 + height))
        let map = (0..<(width * height)).map { _ in 2 + rng.normal() }
        for sigma in [1.0, 4.0] {
            let g = GaussianFilter(sigma: sigma)
            let fast = g.apply(map, width: width, height: height)
            let twin = g.applyNaive(map, width: width, height: height)
            let diff = zip(fast, twin).map { abs($0 - $1) }.max() ?? 0
            #expect(diff <= 1e-5, "sigma \(sigma) \(width)x\(height): \(diff)")
        }
    }
}

/// The vectorised per-patch probabilities and the combine-then-resize layer map against their
/// twins (scalar loop; upstream's resize-both-planes order).
@Suite struct AnomalyScorerTwinTests {
    @Test(arguments: [(1, 1, 5), (3, 4, 13), (8, 8, 64), (37, 37, 768)])
    func patchProbabilitiesAndLayerMapMatchTwins(shape: (Int, Int, Int)) throws {
        let (rows, columns, e) = shape
        var rng = RandomWeights(seed: UInt64(rows * 7 + e))
        let text = [rng.tensor([e], std: 1).values, rng.tensor([e], std: 1).values]
        let scorer = try AnomalyScorer(textFeatures: text, mapLayers: [0], mapSize: 4 * rows + 3)
        let tokens = rng.tensor([1 + rows * columns, e], std: 1)
        let fast = scorer.patchProbabilities(tokens)
        let twin = scorer.patchProbabilitiesNaive(tokens)
        #expect(fast.count == twin.count)
        #expect((zip(fast, twin).map { abs($0 - $1) }.max() ?? 0) <= 1e-5)
        let map = scorer.layerMap(patchProbabilities: fast, gridRows: rows, gridColumns: columns)
        let mapTwin = scorer.layerMapNaive(patchProbabilities: fast, gridRows: rows, gridColumns: columns)
        #expect(map.count == mapTwin.count)
        #expect((zip(map, mapTwin).map { abs($0 - $1) }.max() ?? 0) <= 2e-6)
    }
}
