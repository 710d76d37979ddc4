import Engine
import Foundation

/// Retrains a station's AnomalyCLIP prompts on its own labels and judges the result: every
/// labeled image is encoded once (the image side is frozen), the labels are split into
/// training and held-out, prompts are tuned on the training side only, and candidate and
/// active prompts are scored on the held-out side with their few-shot parts refitted on the
/// same training labels, so the comparison isolates the prompts.
public struct PromptTuning: Sendable {
    public var settings: PromptTuningSettings
    /// Few-shot settings when the station uses labels for a memory bank and classifier.
    public var fewShot: FewShotSettings?

    public init(settings: PromptTuningSettings, fewShot: FewShotSettings?) {
        self.settings = settings
        self.fewShot = fewShot
    }

    /// The labels a job uses: the newest `maxLabelsPerClass` good and defect labels, in their
    /// original order.
    public func selectLabels(_ labels: [Label]) -> [Label] {
        let cap = max(1, settings.maxLabelsPerClass)
        var keep = Set<Int64>()
        for kind in [LabelKind.good, .defect] {
            let newest = labels.filter { $0.kind == kind }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.prefix(cap)
            keep.formUnion(newest.map(\.id))
        }
        return labels.filter { keep.contains($0.id) }
    }

    /// Encodes every labeled image with `inspector`, reading it as `image` resolves it (the
    /// evidence store's copy first; by default the label's path) and never other bytes than
    /// the labelled ones; with `cache` (same base as `inspector`) an image encoded before is
    /// not encoded again. An image that is gone everywhere, unreadable or whose content no
    /// longer matches its label is skipped with the reason; so is a bad mask.
    public static func examples(inspector: Inspector, labels: [Label], cache: EncodingCache? = nil,
                                image: (Label) -> LabeledImage = { LabeledImage(path: $0.path, isDefect: $0.kind == .defect,
                                                                               defectClass: $0.defectClass,
                                                                               contentHash: $0.contentHash) },
                                shouldContinue: () -> Bool = { true }) -> (examples: [TrainingExample], skipped: [(path: String, reason: String)]) {
        var examples = [TrainingExample]()
        var skipped = [(path: String, reason: String)]()
        for label in labels {
            guard shouldContinue() else { break }
            do {
                let result = try image(label).inspect(with: inspector, cache: cache)
                var mask: [Float]?
                if label.kind == .good {
                    mask = [Float](repeating: 0, count: result.geometry.inputSize * result.geometry.inputSize)
                } else if let png = label.mask {
                    mask = try MaskProjection.project(png: png, geometry: result.geometry, name: "mask of label \(label.id)")
                }
                let image = LabeledImage(path: label.path, isDefect: label.kind == .defect, defectClass: label.defectClass)
                examples.append(TrainingExample(labelID: label.id, contentHash: label.contentHash, image: image,
                                                result: result, mask: mask))
            } catch {
                skipped.append((label.path, "\(error)"))
            }
        }
        return (examples, skipped)
    }

    /// Where training starts: the active prompts, or AnomalyCLIP's random init (also when the
    /// active version has no learned prompts, i.e. runs the prompt ensemble).
    public func initialPrompts(active: LearnedPrompts?, model: CLIPModel) throws -> LearnedPrompts {
        if let active, !settings.startFromScratch { return active }
        let textLayers = model.architecture.textLayers
        do {
            return try LearnedPrompts.random(
                contextLength: settings.contextLength,
                deepPromptCount: max(0, min(settings.deepPromptDepth, textLayers) - 1),
                deepPromptLength: settings.deepPromptLength, width: model.architecture.textWidth, seed: settings.seed)
        } catch let error as EngineError {
            throw InspectionError.engine(error)
        }
    }

    /// The training batches: images with pixel ground truth (good images, masked defects) get
    /// AnomalyCLIP's full loss; defects without a mask only the image-level term.
    public func batches(_ examples: [TrainingExample], indices: [Int]) -> [(batch: AnomalyCLIPLoss.Batch, loss: AnomalyCLIPLoss)] {
        let pixelLabeled = indices.filter { examples[$0].mask != nil }
        let imageOnly = indices.filter { examples[$0].mask == nil }
        var imageLoss = AnomalyCLIPLoss()
        imageLoss.segmentationWeight = 0
        var groups = [(batch: AnomalyCLIPLoss.Batch, loss: AnomalyCLIPLoss)]()
        let size = max(1, settings.batchSize)
        for (members, loss) in [(pixelLabeled, AnomalyCLIPLoss()), (imageOnly, imageLoss)] {
            var start = 0
            while start < members.count {
                let chunk = members[start..<min(start + size, members.count)].map { examples[$0] }
                groups.append((Self.batch(chunk), loss))
                start += size
            }
        }
        return groups
    }

    static func batch(_ chunk: [TrainingExample]) -> AnomalyCLIPLoss.Batch {
        let first = chunk.first?.result
        let side = first?.geometry.inputSize ?? 0
        return AnomalyCLIPLoss.Batch(
            imageFeatures: chunk.map(\.result.encoding.classFeature),
            patchTokens: chunk.map(\.result.encoding.patchTokens),
            gridRows: first?.encoding.gridRows ?? 0, gridColumns: first?.encoding.gridColumns ?? 0,
            groundTruth: chunk.map { $0.mask ?? [Float](repeating: 0, count: side * side) },
            mapHeight: side, mapWidth: side, labels: chunk.map { $0.image.isDefect ? 1 : 0 })
    }

    /// Tunes `initial` on the training examples. `progress` sees each epoch; returning false
    /// from it or from `shouldContinue` (checked before every step) stops early.
    public func train(initial: LearnedPrompts, model: CLIPModel, examples: [TrainingExample], training: [Int],
                      progress: (PromptTrainer.Epoch) -> Bool = { _ in true },
                      shouldContinue: () -> Bool = { true }) throws -> (prompts: LearnedPrompts, epochs: [PromptTrainer.Epoch]) {
        var trainer = PromptTrainer()
        trainer.learningRate = settings.learningRate
        do {
            return try trainer.train(prompts: initial, tower: model.text, tokenizer: try CLIPTokenizer(),
                                     batches: batches(examples, indices: training), epochs: settings.epochs,
                                     progress: progress, shouldContinue: shouldContinue)
        } catch let error as EngineError {
            throw InspectionError.engine(error)
        }
    }

    /// Scores `inspector`'s text side on the split: few-shot parts (when configured) and
    /// thresholds are fitted on the training examples, then the held-out examples are scored.
    public func evaluate(inspector: Inspector, examples: [TrainingExample], training: [Int],
                         heldOut: [Int]) throws -> PromptEvaluation {
        let rescored = try examples.map { try inspector.rescore($0.result) }
        let fewShotModel = try fewShot.map {
            try FewShotModel.build(inspector: inspector, encoded: training.map { (rescored[$0], examples[$0].image) },
                                   settings: $0)
        }
        let pipeline = StationPipeline(inspector: inspector, fewShot: fewShotModel)
        let trainingScores = try training.map { try pipeline.judge(rescored[$0]).score }
        let heldOutScores = try heldOut.map { try pipeline.judge(rescored[$0]).score }
        var thresholds = fewShotModel?.thresholds
        if thresholds == nil {
            let rates = fewShot.map { ($0.reviewFalseRejectRate, $0.failFalseRejectRate) } ?? (0.05, 0.01)
            thresholds = try? ThresholdCalibration.calibrate(
                goodScores: zip(training, trainingScores).filter { !examples[$0.0].image.isDefect }.map(\.1),
                defectScores: zip(training, trainingScores).filter { examples[$0.0].image.isDefect }.map(\.1),
                reviewFalseRejectRate: rates.0, failFalseRejectRate: rates.1)
        }
        let fail = thresholds?.fail ?? inspector.configuration.thresholds.fail
        let labels = heldOut.map { examples[$0].image.isDefect }
        let auroc = AnomalyMetrics.auroc(scores: heldOutScores, labels: labels) ?? 0.5
        let f1 = AnomalyMetrics.f1(scores: heldOutScores, labels: labels, threshold: fail) ?? 0
        return PromptEvaluation(scores: .init(auroc: auroc, f1: f1, failThreshold: fail), fewShot: fewShotModel,
                                thresholds: thresholds, heldOutScores: heldOutScores)
    }
}
