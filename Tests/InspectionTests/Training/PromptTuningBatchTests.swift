import Engine
import Foundation
import Inspection
import Store
import Testing

/// How labeled examples become training batches, and where training starts. Uses real
/// encodings of the fixture model (its input size from the manifest) and, for the prompt
/// sizes, a random model of fixed text shape.
@Suite struct PromptTuningBatchTests {
    let fx: TrainingFixture
    let side: Int

    init() throws {
        fx = try TrainingFixture.load()
        side = try fx.reference.int("image_size")
    }

    private func tuning(batchSize: Int = 2, configure: (inout PromptTuningSettings) -> Void = { _ in }) -> PromptTuning {
        var settings = PromptTuningSettings()
        settings.batchSize = batchSize
        configure(&settings)
        return PromptTuning(settings: settings, fewShot: nil)
    }

    /// A mask with ones at the first `n` pixels, so each masked example is recognisable.
    private func mask(ones n: Int) -> [Float] {
        (0..<(side * side)).map { $0 < n ? 1 : 0 }
    }

    private var zeros: [Float] { [Float](repeating: 0, count: side * side) }

    /// 0 good, 1 defect without mask, 2 masked defect, 3 good, 4 defect without mask,
    /// 5 good (left out of the indices), 6 masked defect, 7 defect without mask.
    private func mixed() -> [TrainingExample] {
        [fx.example(0, defect: false, mask: zeros), fx.example(1, defect: true),
         fx.example(2, defect: true, mask: mask(ones: 3)), fx.example(3, defect: false, mask: zeros),
         fx.example(4, defect: true), fx.example(5, defect: false, mask: zeros),
         fx.example(6, defect: true, mask: mask(ones: 7)), fx.example(7, defect: true)]
    }

    /// The batch carries exactly `members`' image sides, in order (same tensors, not copies).
    private func expectBatch(_ batch: AnomalyCLIPLoss.Batch, holds members: [Int], of examples: [TrainingExample],
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(batch.imageFeatures.count == members.count, sourceLocation: sourceLocation)
        #expect(batch.labels == members.map { examples[$0].image.isDefect ? 1 : 0 }, sourceLocation: sourceLocation)
        #expect(batch.mapHeight == side && batch.mapWidth == side, sourceLocation: sourceLocation)
        for (slot, index) in members.enumerated() {
            let encoding = examples[index].result.encoding
            #expect(batch.imageFeatures[slot] == encoding.classFeature, "slot \(slot)", sourceLocation: sourceLocation)
            #expect(batch.patchTokens[slot].count == encoding.patchTokens.count, sourceLocation: sourceLocation)
            #expect(zip(batch.patchTokens[slot], encoding.patchTokens).allSatisfy { $0 === $1 }, sourceLocation: sourceLocation)
            #expect(batch.groundTruth[slot].count == side * side, sourceLocation: sourceLocation)
            #expect(batch.groundTruth[slot] == (examples[index].mask ?? zeros), "slot \(slot)", sourceLocation: sourceLocation)
        }
        let first = examples[members[0]].result.encoding
        #expect(batch.gridRows == first.gridRows && batch.gridColumns == first.gridColumns, sourceLocation: sourceLocation)
    }

    @Test func pixelLabeledFirstWithFullLossThenImageOnlyWithoutSegmentation() throws {
        let examples = mixed()
        // The three results really differ, so a swapped example would be seen.
        #expect(fx.results[0].encoding.classFeature != fx.results[1].encoding.classFeature)
        #expect(fx.results[1].encoding.classFeature != fx.results[2].encoding.classFeature)
        let groups = tuning(batchSize: 2).batches(examples, indices: [0, 1, 2, 3, 4, 6, 7])
        // Pixel ground truth: 0, 2, 3, 6 → [0, 2], [3, 6]. Image only: 1, 4, 7 → [1, 4], [7].
        try #require(groups.count == 4)
        expectBatch(groups[0].batch, holds: [0, 2], of: examples)
        expectBatch(groups[1].batch, holds: [3, 6], of: examples)
        expectBatch(groups[2].batch, holds: [1, 4], of: examples)
        expectBatch(groups[3].batch, holds: [7], of: examples)
        #expect(groups.map(\.batch.labels) == [[0, 1], [0, 1], [1, 1], [1]])
        #expect(groups.map(\.loss.segmentationWeight) == [4, 4, 0, 0])
        // Only the segmentation weight differs between the two losses.
        for group in groups {
            #expect(group.loss.temperature == 0.07 && group.loss.focalGamma == 2 && group.loss.focalSmooth == 1e-5)
        }
        // The masked defects keep their masks; unmasked defects get an all-zero (ignored) map.
        #expect(groups[0].batch.groundTruth[1].reduce(0, +) == 3)
        #expect(groups[1].batch.groundTruth[1].reduce(0, +) == 7)
        #expect(groups[2].batch.groundTruth.allSatisfy { $0 == zeros })
    }

    @Test func chunksFollowTheBatchSize() throws {
        let examples = mixed()
        let all = Array(examples.indices)   // pixel: 0, 2, 3, 5, 6; image only: 1, 4, 7
        let three = tuning(batchSize: 3).batches(examples, indices: all)
        #expect(three.map(\.batch.imageFeatures.count) == [3, 2, 3])
        #expect(three.map(\.batch.labels) == [[0, 1, 0], [0, 1], [1, 1, 1]])
        #expect(three.map(\.loss.segmentationWeight) == [4, 4, 0])
        let large = tuning(batchSize: 64).batches(examples, indices: all)
        #expect(large.map(\.batch.imageFeatures.count) == [5, 3])
        // A batch size below 1 is treated as 1: one example per step.
        let zero = tuning(batchSize: 0).batches(examples, indices: all)
        #expect(zero.count == 8 && zero.allSatisfy { $0.batch.labels.count == 1 })
        #expect(zero.map { $0.batch.labels[0] } == [0, 1, 0, 0, 1, 1, 1, 1])
    }

    @Test func onlyTheGivenIndicesAreUsed() throws {
        let examples = mixed()
        #expect(tuning().batches(examples, indices: []).isEmpty)
        let goodOnly = tuning(batchSize: 8).batches(examples, indices: [5, 0])
        try #require(goodOnly.count == 1)
        // Index order is kept within a kind.
        expectBatch(goodOnly[0].batch, holds: [5, 0], of: examples)
        #expect(goodOnly[0].loss.segmentationWeight == 4)
        let unmaskedOnly = tuning(batchSize: 8).batches(examples, indices: [7, 1])
        try #require(unmaskedOnly.count == 1)
        expectBatch(unmaskedOnly[0].batch, holds: [7, 1], of: examples)
        #expect(unmaskedOnly[0].loss.segmentationWeight == 0)
    }

    // MARK: initial prompts

    private func fixturePrompts() throws -> LearnedPrompts {
        try LearnedPrompts.load(path: fx.reference.path("prompts.safetensors"), width: fx.inspector.model.architecture.textWidth)
    }

    @Test func activePromptsAreTheStartUnlessFromScratch() throws {
        let active = try fixturePrompts()
        let start = try tuning().initialPrompts(active: active, model: fx.inspector.model)
        #expect(try start.serialized() == active.serialized())
        let scratch = try tuning { $0.startFromScratch = true }.initialPrompts(active: active, model: fx.inspector.model)
        #expect(try scratch.serialized() != active.serialized())
    }

    /// A random model with its own text shape (width 16, 3 layers), independent of whichever
    /// fixture set the tests run on: the prompt sizes below are checked against these numbers.
    static let textShaped: Result<CLIPModel, Error> = Result {
        try RandomCheckpoint(RandomCheckpoint.architecture(imageSize: 16, patchSize: 8, visionWidth: 16, visionLayers: 2,
                                                           visionHeads: 2, textWidth: 16, textLayers: 3, textHeads: 2,
                                                           embedDim: 8), seed: 5).load()
    }

    @Test func randomInitFollowsTheSettingsAndTheModel() throws {
        let model = try Self.textShaped.get()
        #expect(model.architecture.textWidth == 16 && model.architecture.textLayers == 3)
        let t = tuning {
            $0.contextLength = 5
            $0.deepPromptDepth = 9
            $0.deepPromptLength = 3
            $0.seed = 42
        }
        let prompts = try t.initialPrompts(active: nil, model: model)
        #expect(prompts.width == 16 && prompts.contextLength == 5)
        #expect(prompts.normalContext.count == 5 * 16 && prompts.anomalousContext.count == 5 * 16)
        // Depth 9 on a 3-layer text tower: min(9, 3) − 1 = 2 deep prompts of 3 tokens.
        #expect(prompts.deepPrompts.count == 2 && prompts.deepPrompts.allSatisfy { $0.count == 3 * 16 })
        // The same draw as AnomalyCLIP's init with those sizes and the configured seed.
        let expected = try LearnedPrompts.random(contextLength: 5, deepPromptCount: 2, deepPromptLength: 3, width: 16, seed: 42)
        #expect(prompts.normalContext == expected.normalContext && prompts.anomalousContext == expected.anomalousContext)
        #expect(prompts.deepPrompts == expected.deepPrompts)
        // std 0.02 draws: small, not all zero.
        #expect(prompts.normalContext.allSatisfy { abs($0) < 0.2 } && prompts.normalContext.contains { $0 != 0 })
        // Another seed, another draw; the same seed again, the same draw.
        let again = try t.initialPrompts(active: nil, model: model)
        #expect(again.normalContext == prompts.normalContext)
        let other = try tuning { $0.contextLength = 5; $0.deepPromptLength = 3; $0.seed = 43 }.initialPrompts(active: nil, model: model)
        #expect(other.normalContext != prompts.normalContext)
    }

    @Test func deepPromptCountIsDepthCappedByTheTextLayersMinusOne() throws {
        let model = try Self.textShaped.get()
        for (depth, expected) in [(1, 0), (2, 1), (3, 2), (4, 2), (9, 2)] {
            let prompts = try tuning { $0.deepPromptDepth = depth }.initialPrompts(active: nil, model: model)
            #expect(prompts.deepPrompts.count == expected, "depth \(depth)")
            #expect(prompts.contextLength == 12, "default context length")
            #expect(prompts.deepPrompts.allSatisfy { $0.count == 4 * 16 }, "default deep prompt length 4")
        }
    }

    /// The fixture's own model: the initial prompts take its text width.
    @Test func initialPromptsTakeTheFixtureModelsTextWidth() throws {
        let model = fx.inspector.model
        #expect(model.architecture.textWidth == (try fx.reference.int("text_width")))
        let prompts = try tuning { $0.contextLength = 3 }.initialPrompts(active: nil, model: model)
        #expect(prompts.width == model.architecture.textWidth)
        #expect(prompts.normalContext.count == 3 * model.architecture.textWidth)
    }

    @Test func impossibleSizesAreAnEngineError() throws {
        let model = fx.inspector.model
        do {
            _ = try tuning { $0.contextLength = 0 }.initialPrompts(active: nil, model: model)
            Issue.record("context length 0 was accepted")
        } catch let InspectionError.engine(.invalidArgument(name, _)) {
            #expect(name == "contextLength")
        }
        // Not reached when the active prompts are used.
        #expect(throws: Never.self) {
            try tuning { $0.contextLength = 0 }.initialPrompts(active: try fixturePrompts(), model: model)
        }
    }
}
