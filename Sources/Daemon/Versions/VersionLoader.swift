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
/// were pruned. Fitting few-shot parts on labels is planned here and run in the background
/// (`FewShotFitter`): `plan` (loop) → `fit` (worker) → `install` (loop).
struct VersionLoader {
    let store: VerdictStore
    let tokenizer: CLIPTokenizer
    /// Nil when `[fewshot] enabled = false`.
    let fewShot: FewShotSettings?
    let logger: Logger
    /// The stations as they ran before this build (a reload): a station on the same base and
    /// version keeps its inspector, so a reload does not encode its prompts again.
    var previous: [String: StationRuntime] = [:]
    /// `[fewshot] refine_window`: unlabelled `fail` images a fit refines the zero-shot classes on.
    var refineWindow = 64
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

    /// What the daemon does for a station now.
    enum Plan {
        /// Run this: the version is complete.
        case ready(StationRuntime)
        /// Run `interim` (the current version, or the configured text side without few-shot
        /// parts when there is none for this base) until `job` has fitted them in the background.
        case fit(interim: StationRuntime, job: FewShotFitJob)
    }

    /// What the worker thread hands back: the fitted parts and the inspector they go with.
    struct FitOutput: Sendable {
        let inspector: Inspector
        /// Nil: the text side only (no labels).
        let model: FewShotModel?
        /// `model.memory` serialised on the worker, so the loop only writes it.
        let memoryBank: [UInt8]?
        let classifierJSON: String?

        init(inspector: Inspector, model: FewShotModel?) throws {
            self.inspector = inspector
            self.model = model
            memoryBank = model?.memory?.serialized()
            classifierJSON = try model?.classifierJSON()
        }
    }

    /// The station's active version when it is complete. A station without one, or whose
    /// active version was made for another base, needs a new `configured` version; so does a
    /// configured version whose labels changed (trained versions only change by retraining);
    /// a version whose few-shot blobs were pruned needs them refitted. Without labels a new
    /// version is made here (the text side only, nothing to encode); with labels the encoding
    /// is a `FewShotFitJob` for the background, and the station runs an interim meanwhile.
    func plan(_ base: Base, now: Double) throws -> Plan {
        let name = base.station.name
        let active = try store.activeVersion(station: name)
        if let active, active.base == base.id {
            if active.source == .configured, fewShot != nil,
               try store.currentLabelIDs(station: name, newestPerClass: fewShot?.maxLabelsPerClass)
                   != active.trainingLabelIDs.sorted() {
                return try newVersion(base, reason: "labels changed since version \(active.id)", now: now,
                                      interim: try runtime(base, version: active), activeID: active.id)
            }
            return try plan(base, version: active)
        }
        let reason = active.map { "model or settings changed (was \($0.base))" } ?? "first version of the station"
        return try newVersion(base, reason: reason, now: now, interim: nil, activeID: active?.id)
    }

    /// The station running `version` (activated in the database, or its active one): ready
    /// when its few-shot parts are stored, else without them until a background fit restores
    /// them from the version's label ids.
    func plan(_ base: Base, version: ModelVersionRecord) throws -> Plan {
        guard let fewShot, needsRefit(version) else { return .ready(try runtime(base, version: version)) }
        let labels = try store.labels(ids: version.trainingLabelIDs)
        let interim = try runtime(base, version: version)
        let job = FewShotFitJob(base: base, target: .refitParts(version), inspector: interim.pipeline.inspector,
                                labels: labels, images: images(labels), unlabelled: [], settings: fewShot,
                                cache: inputs?.cache(baseID: base.id, logger: logger),
                                activeAtPlan: version.id)
        return .fit(interim: interim, job: job)
    }

    /// A new `configured` version: made now without labels, else planned as a background fit.
    private func newVersion(_ base: Base, reason: String, now: Double, interim: StationRuntime?,
                            activeID: Int64?) throws -> Plan {
        let name = base.station.name
        let labels = try fewShot.map { try store.trainingLabels(station: name, newestPerClass: $0.maxLabelsPerClass) } ?? []
        guard let fewShot, !labels.isEmpty else {
            let inspector = try Inspector(model: base.model, configuration: base.configuration, tokenizer: tokenizer)
            let output = try FitOutput(inspector: inspector, model: nil)
            return .ready(try install(base, target: .newVersion(reason: reason), labels: [], output: output, now: now))
        }
        var unlabelled = [String]()
        if fewShot.refineZeroShot, !fewShot.classes.isEmpty {
            unlabelled = try store.recentUnlabelledFailures(station: name, limit: refineWindow)
        }
        // Without a version for this base: the configured text side alone (the same text side
        // the new version gets, so the fit reuses its text vectors either way).
        let running = try interim ?? finish(base, inspector: previousInspector(base, versionID: nil)
                                                ?? Inspector(model: base.model, configuration: base.configuration,
                                                             tokenizer: tokenizer),
                                            fewShot: nil, versionID: nil)
        let job = FewShotFitJob(base: base, target: .newVersion(reason: reason), inspector: running.pipeline.inspector,
                                labels: labels, images: images(labels), unlabelled: unlabelled, settings: fewShot,
                                cache: inputs?.cache(baseID: base.id, logger: logger), activeAtPlan: activeID)
        return .fit(interim: running, job: job)
    }

    /// The inspector the station already runs for `base` and `versionID`, if any.
    private func previousInspector(_ base: Base, versionID: Int64?) -> Inspector? {
        guard let old = previous[base.station.name], old.baseID == base.id, old.versionID == versionID else { return nil }
        return old.pipeline.inspector
    }

    /// Labels as the images the fit encodes — the evidence copy first (see `LabelInputs`): the
    /// one place label rows become images.
    private func images(_ labels: [Label]) -> [LabeledImage] {
        inputs?.images(labels) ?? labels.map {
            LabeledImage(path: $0.path, isDefect: $0.kind == .defect, defectClass: $0.defectClass, contentHash: $0.contentHash)
        }
    }

    /// A version with label ids whose few-shot blobs were pruned.
    private func needsRefit(_ version: ModelVersionRecord) -> Bool {
        !version.trainingLabelIDs.isEmpty && version.memoryBank == nil && version.classifier == nil
            && version.failThreshold == nil
    }

    /// The background half of a fit (worker thread, no database): the job's inspector, then
    /// every image encoded once and the few-shot parts built — the one place a fit encodes.
    static func fit(_ job: FewShotFitJob, progress: (Int, Int) throws -> Void) throws -> FitOutput {
        let inspector = try job.inspector.withOwnEncoder()
        let model = try FewShotModel.build(inspector: inspector, images: job.images, settings: job.settings,
                                           unlabelled: job.unlabelled, cache: job.cache, progress: progress)
        return try FitOutput(inspector: inspector, model: model)
    }

    /// The loop half of a fit: stores the parts (a new active version, or the refitted blobs of
    /// the job's version) and returns the station running them.
    func install(_ job: FewShotFitJob, output: FitOutput, now: Double) throws -> StationRuntime {
        inputs?.report(job.cache, logger: logger, metadata: ["inspection.station": "\(job.station)"])
        for skipped in output.model?.skipped.prefix(5) ?? [] {
            logger.warning("labeled image not used: \(skipped.reason)", metadata: ["inspection.path": "\(skipped.path)"])
        }
        return try install(job.base, target: job.target, labels: job.labels, output: output, now: now)
    }

    private func install(_ base: Base, target: FewShotFitJob.Target, labels: [Label], output: FitOutput,
                         now: Double) throws -> StationRuntime {
        let name = base.station.name
        let model = output.model
        switch target {
        case let .refitParts(version):
            guard let model else { return finish(base, inspector: output.inspector, fewShot: nil, versionID: version.id) }
            try store.updateVersionParts(id: version.id, memoryBank: output.memoryBank, classifier: output.classifierJSON,
                                         thresholds: model.thresholds)
            logger.info("few-shot parts refitted", metadata: ["version.id": "\(version.id)", "fewshot.good": "\(model.goodCount)",
                                                              "fewshot.defect": "\(model.defectCount)"])
            return finish(base, inspector: output.inspector, fewShot: model, versionID: version.id)
        case let .newVersion(reason):
            let ids = model == nil ? [] : labels.map(\.id).sorted()
            let record = ModelVersionRecord(
                station: name, base: base.id, status: .active, source: .configured,
                parentID: try store.activeVersion(station: name)?.id, createdAt: now, activatedAt: now,
                memoryBank: output.memoryBank, classifier: output.classifierJSON,
                reviewThreshold: model?.thresholds?.review, failThreshold: model?.thresholds?.fail,
                thresholdMethod: model?.thresholds?.method, trainingLabelIDs: ids,
                decision: "configured: \(output.inspector.textSource)" + (model.map { ", few-shot \($0.calibrationNote)" } ?? ""),
                note: reason)
            let id = try store.insertVersion(record, retireReason: reason)
            logger.info("model version created", metadata: [
                "inspection.station": "\(name)", "version.id": "\(id)", "version.source": "configured",
                "version.reason": "\(reason)", "fewshot.good": "\(model?.goodCount ?? 0)",
                "fewshot.defect": "\(model?.defectCount ?? 0)",
            ])
            return finish(base, inspector: output.inspector, fewShot: model, versionID: id)
        }
    }

    /// The station running `version` (which must be for `base`).
    /// A version whose few-shot blobs were pruned runs without them (`plan(_:version:)` fits
    /// them in the background).
    func runtime(_ base: Base, version: ModelVersionRecord) throws -> StationRuntime {
        guard version.base == base.id else {
            throw DaemonError.version(id: version.id, problem: "was made for \(version.base), the station runs \(base.id)")
        }
        let inspector = try previousInspector(base, versionID: version.id)
            ?? Self.inspector(base.model, configuration: base.configuration, tokenizer: tokenizer, version: version)
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

    /// The version's few-shot parts from its blobs; nil without labels or when the blobs were
    /// pruned (then `plan(_:version:)` refits them in the background).
    private func fewShotModel(_ version: ModelVersionRecord, inspector: Inspector) throws -> FewShotModel? {
        guard let fewShot, !version.trainingLabelIDs.isEmpty, !needsRefit(version) else { return nil }
        let labels = try store.labels(ids: version.trainingLabelIDs)
        let good = labels.filter { $0.kind == .good }.count
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

    private func finish(_ base: Base, inspector: Inspector, fewShot: FewShotModel?, versionID: Int64?) -> StationRuntime {
        var label = base.id + (versionID.map { "+v\($0)" } ?? "+zero-shot")
        if let fewShot { label += "+fs\(fewShot.goodCount)g\(fewShot.defectCount)d" }
        return StationRuntime(configuration: base.station, pipeline: StationPipeline(inspector: inspector, fewShot: fewShot),
                              modelVersion: label, versionID: versionID, baseID: base.id, action: base.action)
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
