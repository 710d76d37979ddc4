import Engine
import Foundation

/// The few-shot parts learned from a station's labels: the normal memory bank (good images),
/// the defect-type classifier (labeled defects) and thresholds calibrated on the labeled
/// scores. Built once from the labels, then applied to every result of the zero-shot model.
public struct FewShotModel: Sendable {
    /// Normal patches per map layer; nil without good labels.
    public let memory: NormalMemoryBank?
    /// How it was built.
    public let settings: FewShotSettings
    /// Defect-type classifier; nil without configured classes.
    public let classifier: DefectClassifier?
    /// Thresholds from labels; nil when there were too few (see `calibrationNote`).
    public let thresholds: CalibratedThresholds?
    /// Why thresholds were or were not calibrated.
    public let calibrationNote: String
    /// Good images used.
    public let goodCount: Int
    /// Defect images used.
    public let defectCount: Int
    /// Labeled files that could not be used (path and reason).
    public let skipped: [(path: String, reason: String)]

    /// Encodes every labeled image once with `inspector`, builds the bank from the good ones,
    /// fits the classifier on the labeled defects, and calibrates thresholds on leave-one-out
    /// scores of the good images (a good image's own patches never score it) and the scores of
    /// the defects. Each image is read from its evidence copy or its path (only if the bytes
    /// are still the labelled ones, see `LabeledImage.readBytes`); with `cache` (built on the
    /// same base as `inspector`) an image encoded before is not encoded again.
    ///
    /// `unlabelled` are paths of recent images judged defective, encoded after the labels for
    /// the zero-shot refinement (`settings.refineZeroShot`); an unreadable one is left out.
    /// `progress(done, total)` runs after every image (labels first, then `unlabelled`); it may
    /// throw to stop the build (a background fit being cancelled).
    public static func build(inspector: Inspector, images: [LabeledImage], settings: FewShotSettings,
                             unlabelled: [String] = [], cache: EncodingCache? = nil,
                             progress: (_ done: Int, _ total: Int) throws -> Void = { _, _ in }) throws -> FewShotModel {
        var encoded = [(result: InspectionResult, label: LabeledImage)]()
        var skipped = [(path: String, reason: String)]()
        let total = images.count + unlabelled.count
        for (index, image) in images.enumerated() {
            do {
                encoded.append((try image.inspect(with: inspector, cache: cache), image))
            } catch {
                skipped.append((image.path, "\(error)"))
            }
            try progress(index + 1, total)
        }
        var unlabelledResults = [InspectionResult]()
        for (index, path) in unlabelled.enumerated() {
            if let result = try? inspector.inspect(file: path) { unlabelledResults.append(result) }
            try progress(images.count + index + 1, total)
        }
        return try build(inspector: inspector, encoded: encoded, settings: settings, skipped: skipped,
                         unlabelled: unlabelledResults)
    }

    /// The same from results already computed (evaluation reuses one forward pass per image).
    /// `unlabelled` are recent results judged defective; with `settings.refineZeroShot` the
    /// zero-shot class vectors are refined on them first (too few keep plain zero-shot).
    public static func build(inspector: Inspector, encoded: [(result: InspectionResult, label: LabeledImage)],
                             settings: FewShotSettings,
                             skipped: [(path: String, reason: String)] = [],
                             unlabelled: [InspectionResult] = []) throws -> FewShotModel {
        let goods = encoded.filter { !$0.label.isDefect }.map(\.result)
        let defects = encoded.filter { $0.label.isDefect }
        let layers = inspector.scorer.mapLayers
        let embed = inspector.model.architecture.embedDim
        var memory: NormalMemoryBank?
        var everyGood = NormalMemoryBank(embedDim: embed, layerCount: layers.count)
        if !goods.isEmpty {
            for g in goods { try everyGood.add(g.encoding, layers: layers) }
            memory = everyGood
            if let cap = settings.maxPatchesPerLayer, everyGood.patchCounts.contains(where: { $0 > cap }) {
                memory = everyGood.coreset(maxPatchesPerLayer: cap)
            }
        }

        // Calibration scores: leave-one-out for goods — one pass over the bank of every good
        // image, each skipping its own patches — and the full bank for defects.
        var goodScores = [Double]()
        if goods.count >= 2 {
            for i in goods.indices {
                goodScores.append(try fusedScore(goods[i], bank: everyGood, inspector: inspector, settings: settings,
                                                 excludingImage: i))
            }
        }
        let defectScores = try defects.map { try fusedScore($0.result, bank: memory, inspector: inspector, settings: settings) }
        var thresholds: CalibratedThresholds?
        var note: String
        do {
            thresholds = try ThresholdCalibration.calibrate(
                goodScores: goodScores, defectScores: defectScores,
                reviewFalseRejectRate: settings.reviewFalseRejectRate, failFalseRejectRate: settings.failFalseRejectRate)
            note = "calibrated (\(thresholds?.method ?? "")) on \(goodScores.count) good and \(defectScores.count) defect scores"
        } catch {
            note = "not calibrated: \(error); using the configured thresholds"
        }

        var classifier: DefectClassifier?
        if !settings.classes.isEmpty {
            let tokenizer = try Self.tokenizer()
            var c = try DefectClassifier.zeroShot(classes: settings.classes, tokenizer: tokenizer,
                                                  encoder: inspector.model.textEncoder)
            c.confidenceFloor = settings.confidenceFloor
            c.coverage = settings.coverage
            if settings.refineZeroShot, !unlabelled.isEmpty {
                try c.refineZeroShot(unlabelled: unlabelled.map { try defectFeature($0, bank: memory, inspector: inspector) })
            }
            let known = Set(settings.classes.map(\.name))
            let labeled = defects.filter { $0.label.defectClass.map(known.contains) ?? false }
            if !labeled.isEmpty {
                try c.fit(features: labeled.map { try defectFeature($0.result, bank: memory, inspector: inspector) },
                          labels: labeled.compactMap(\.label.defectClass))
            }
            classifier = c
        }
        return FewShotModel(memory: memory, settings: settings, classifier: classifier, thresholds: thresholds,
                            calibrationNote: note, goodCount: goods.count, defectCount: defects.count, skipped: skipped)
    }

    static func tokenizer() throws -> CLIPTokenizer {
        do { return try CLIPTokenizer() } catch let e as EngineError { throw InspectionError.engine(e) }
    }

    /// The classifier's input for one result (see `DefectFeature`): the defect region is where
    /// the memory bank finds the least normal patches, or, without a bank, where the zero-shot
    /// model is most sure of "anomalous" at the deepest map layer.
    static func defectFeature(_ result: InspectionResult, bank: NormalMemoryBank?, inspector: Inspector) throws -> [Float] {
        let layers = inspector.scorer.mapLayers
        guard let deepest = layers.last else { return VectorMath.normalized(result.encoding.imageEmbedding) }
        var ranking: [Float]
        if let bank {
            let distances = try bank.patchDistances(result.encoding, layers: layers)
            ranking = [Float](repeating: 0, count: distances.first?.count ?? 0)
            for layer in distances { for j in ranking.indices { ranking[j] += layer[j] } }
        } else {
            let probs = result.scores.patchProbabilities.last ?? []
            ranking = stride(from: 1, to: probs.count, by: 2).map { probs[$0] }
        }
        return DefectFeature.compute(encoding: result.encoding, layer: deepest, patchScores: ranking)
    }

    /// Defect type of one zero-shot result, when a classifier is configured.
    public func classify(_ result: InspectionResult, inspector: Inspector) throws -> DefectPrediction? {
        guard let classifier else { return nil }
        return try classifier.predict(try Self.defectFeature(result, bank: memory, inspector: inspector))
    }

    /// Smoothed memory map for `result` against `bank` (same smoothing as the zero-shot map).
    static func memoryMap(_ result: InspectionResult, bank: NormalMemoryBank, inspector: Inspector,
                          excludingImage: Int? = nil) throws -> [Float] {
        let size = inspector.scorer.mapSize
        let raw = try bank.anomalyMap(result.encoding, layers: inspector.scorer.mapLayers, mapSize: size,
                                      excludingImage: excludingImage)
        return inspector.scorer.smoothing.apply(raw, width: size, height: size)
    }

    static func fusedScore(_ result: InspectionResult, bank: NormalMemoryBank?, inspector: Inspector,
                           settings: FewShotSettings, excludingImage: Int? = nil) throws -> Double {
        guard let bank else { return result.score }
        return settings.fusion.fuseScore(zeroShotScore: result.score,
                                         memoryMap: try memoryMap(result, bank: bank, inspector: inspector,
                                                                  excludingImage: excludingImage))
    }

    /// Adds the few-shot view to a zero-shot result: fused map and score, verdict on the
    /// calibrated (else configured) thresholds, and the defect type for review/fail.
    public func apply(to result: InspectionResult, inspector: Inspector) throws -> FewShotOutcome {
        let layers = max(result.scores.layerMaps.count, 1)
        var memoryMap: [Float]?
        var score = result.score
        var fused = result.map.values.map { $0 / Float(layers) }
        if let memory {
            let m = try Self.memoryMap(result, bank: memory, inspector: inspector)
            memoryMap = m
            score = settings.fusion.fuseScore(zeroShotScore: result.score, memoryMap: m)
            fused = settings.fusion.fuseMaps(zeroShot: result.map.values, zeroShotLayers: layers, memory: m)
        }
        // A conformal threshold can sit just above 1 (no good image rejected); scores never reach it.
        let t = thresholds.flatMap { try? Thresholds(review: min($0.review, 1), fail: min($0.fail, 1)) }
            ?? inspector.configuration.thresholds
        let verdict = t.verdict(for: score)
        var defect: DefectPrediction?
        if verdict != .pass {
            defect = try classify(result, inspector: inspector)
        }
        return FewShotOutcome(score: score, verdict: verdict, thresholds: t,
                              map: try AnomalyMap(width: result.map.width, height: result.map.height, values: fused),
                              memoryMap: memoryMap, defect: defect)
    }
}
