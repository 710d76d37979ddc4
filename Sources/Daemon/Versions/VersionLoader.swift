import Engine
import Foundation
import Config
import Inspection
import Store
import Logging

/// Turns model versions into running stations: makes sure each station has an active
/// version for the model and settings it is configured with, and rebuilds a station's
/// inspector and few-shot parts from a version row (prompts, memory bank, classifier,
/// thresholds), refitting the few-shot parts from the version's label ids when their blobs
/// were pruned.
struct VersionLoader {
    let store: VerdictStore
    let tokenizer: CLIPTokenizer
    /// Nil when `[fewshot] enabled = false`.
    let fewShot: FewShotSettings?
    let logger: Logger
    var status: (String) -> Void = { _ in }
    /// Evidence folder and encoding cache; nil reads labels from their paths and encodes all.
    var inputs: LabelInputs?

    /// What a station is built on: loaded weights, inspector settings and the base id.
    struct Base {
        let station: StationConfiguration
        let configuration: InspectorConfiguration
        let model: CLIPModel
        /// `ModelVersion.identifier` of weights + configured text side + settings.
        let id: String
        let action: ProcessedFileAction
    }

    /// The station with its active version. A station without one, or whose active version
    /// was made for another base, gets a new `configured` version; so does a configured
    /// version whose labels changed (trained versions only change by retraining).
    func runtime(_ base: Base, now: Double) throws -> StationRuntime {
        let name = base.station.name
        if let active = try store.activeVersion(station: name), active.base == base.id {
            var stale = false
            if active.source == .configured, fewShot != nil {
                stale = try store.currentLabelIDs(station: name, newestPerClass: fewShot?.maxLabelsPerClass)
                    != active.trainingLabelIDs.sorted()
            }
            if !stale { return try runtime(base, version: active) }
            return try configuredVersion(base, reason: "labels changed since version \(active.id)", now: now)
        } else if let active = try store.activeVersion(station: name) {
            return try configuredVersion(base, reason: "model or settings changed (was \(active.base))", now: now)
        }
        return try configuredVersion(base, reason: "first version of the station", now: now)
    }

    /// Builds and stores a `configured` version: the configured text side with few-shot
    /// parts fitted on all current labels.
    private func configuredVersion(_ base: Base, reason: String, now: Double) throws -> StationRuntime {
        let name = base.station.name
        let inspector = try Inspector(model: base.model, configuration: base.configuration, tokenizer: tokenizer)
        var model: FewShotModel?
        var ids = [Int64]()
        if let fewShot {
            let labels = try store.trainingLabels(station: name, newestPerClass: fewShot.maxLabelsPerClass)
            if !labels.isEmpty {
                status("learning from \(labels.count) labels for station \(name)")
                let cache = inputs?.cache(baseID: base.id, logger: logger)
                let built = try FewShotModel.build(inspector: inspector, images: images(labels), settings: fewShot,
                                                   cache: cache)
                inputs?.report(cache, logger: logger, metadata: ["inspection.station": "\(name)"])
                for skipped in built.skipped.prefix(5) {
                    logger.warning("labeled image not used: \(skipped.reason)", metadata: ["inspection.path": "\(skipped.path)"])
                }
                model = built
                ids = labels.map(\.id).sorted()
            }
        }
        let record = ModelVersionRecord(
            station: name, base: base.id, status: .active, source: .configured,
            parentID: try store.activeVersion(station: name)?.id, createdAt: now, activatedAt: now,
            memoryBank: model?.memory?.serialized(), classifier: try model?.classifierJSON(),
            reviewThreshold: model?.thresholds?.review, failThreshold: model?.thresholds?.fail,
            thresholdMethod: model?.thresholds?.method, trainingLabelIDs: ids,
            decision: "configured: \(inspector.textSource)" + (model.map { ", few-shot \($0.calibrationNote)" } ?? ""),
            note: reason)
        let id = try store.insertVersion(record, retireReason: reason)
        logger.info("model version created", metadata: [
            "inspection.station": "\(name)", "version.id": "\(id)", "version.source": "configured",
            "version.reason": "\(reason)", "fewshot.good": "\(model?.goodCount ?? 0)",
            "fewshot.defect": "\(model?.defectCount ?? 0)",
        ])
        return finish(base, inspector: inspector, fewShot: model, versionID: id)
    }

    /// The station running `version` (which must be for `base`).
    func runtime(_ base: Base, version: ModelVersionRecord) throws -> StationRuntime {
        guard version.base == base.id else {
            throw DaemonError.version(id: version.id, problem: "was made for \(version.base), the station runs \(base.id)")
        }
        let inspector = try Self.inspector(base.model, configuration: base.configuration, tokenizer: tokenizer,
                                           version: version)
        let model = try fewShotModel(version, inspector: inspector)
        return finish(base, inspector: inspector, fewShot: model, versionID: version.id)
    }

    /// An inspector with the version's prompts (or the configured text side).
    static func inspector(_ model: CLIPModel, configuration: InspectorConfiguration, tokenizer: CLIPTokenizer,
                          version: ModelVersionRecord) throws -> Inspector {
        guard let bytes = version.prompts else {
            return try Inspector(model: model, configuration: configuration, tokenizer: tokenizer)
        }
        let prompts: LearnedPrompts
        do {
            prompts = try LearnedPrompts.load(bytes: bytes, name: "prompts of model version \(version.id)",
                                              width: model.architecture.textWidth)
        } catch let error as EngineError {
            throw DaemonError.inspection(.engine(error))
        }
        return try Inspector(model: model, configuration: configuration, tokenizer: tokenizer, prompts: prompts,
                             promptsSource: "model version \(version.id)")
    }

    /// The version's few-shot parts: from its blobs, else refitted on its label ids (and
    /// stored back), else none.
    private func fewShotModel(_ version: ModelVersionRecord, inspector: Inspector) throws -> FewShotModel? {
        guard let fewShot, !version.trainingLabelIDs.isEmpty else { return nil }
        let labels = try store.labels(ids: version.trainingLabelIDs)
        let good = labels.filter { $0.kind == .good }.count
        if version.memoryBank != nil || version.classifier != nil || version.failThreshold != nil {
            let memory = try version.memoryBank.map { try NormalMemoryBank(serialized: $0) }
            let classifier = try version.classifier.map { try FewShotModel.classifier(json: $0, item: "model version \(version.id)") }
            var thresholds: CalibratedThresholds?
            if let review = version.reviewThreshold, let fail = version.failThreshold {
                thresholds = CalibratedThresholds(review: review, fail: fail, method: version.thresholdMethod ?? "stored",
                                                  goodCount: good, defectCount: labels.count - good,
                                                  targetFalseRejectRate: nil, reviewFalseRejectRate: nil)
            }
            return FewShotModel(memory: memory, settings: fewShot, classifier: classifier, thresholds: thresholds,
                                goodCount: good, defectCount: labels.count - good,
                                note: thresholds.map { "stored (\($0.method))" } ?? "not calibrated; using the configured thresholds")
        }
        status("refitting few-shot parts of model version \(version.id) from \(labels.count) labels")
        let cache = inputs?.cache(baseID: version.base, logger: logger)
        let model = try FewShotModel.build(inspector: inspector, images: images(labels), settings: fewShot, cache: cache)
        inputs?.report(cache, logger: logger, metadata: ["version.id": "\(version.id)"])
        try store.updateVersionParts(id: version.id, memoryBank: model.memory?.serialized(),
                                     classifier: try model.classifierJSON(), thresholds: model.thresholds)
        logger.info("few-shot parts refitted", metadata: ["version.id": "\(version.id)", "fewshot.good": "\(model.goodCount)",
                                                          "fewshot.defect": "\(model.defectCount)"])
        return model
    }

    private func images(_ labels: [Label]) -> [LabeledImage] {
        inputs?.images(labels) ?? labels.map {
            LabeledImage(path: $0.path, isDefect: $0.kind == .defect, defectClass: $0.defectClass, contentHash: $0.contentHash)
        }
    }

    private func finish(_ base: Base, inspector: Inspector, fewShot: FewShotModel?, versionID: Int64) -> StationRuntime {
        var label = "\(base.id)+v\(versionID)"
        if let fewShot { label += "+fs\(fewShot.goodCount)g\(fewShot.defectCount)d" }
        return StationRuntime(configuration: base.station, pipeline: StationPipeline(inspector: inspector, fewShot: fewShot),
                              modelVersion: label, versionID: versionID, action: base.action)
    }
}

extension VersionLoader.Base {
    /// The base of `station` under `config`, on an already loaded model.
    init(station: StationConfiguration, config: InspectdConfiguration, model: CLIPModel, modelHash: String,
         promptsHash: String?) {
        let ic = config.inspectorConfiguration(for: station)
        self.init(station: station, configuration: ic, model: model,
                  id: ModelVersion.identifier(modelHash: modelHash, promptsHash: ic.promptsPath == nil ? nil : promptsHash,
                                              configuration: ic),
                  action: ProcessedFileAction(station: station))
    }
}
