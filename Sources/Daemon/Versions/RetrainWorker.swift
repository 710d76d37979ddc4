import Engine
import Foundation
import Glibc
import Config
import Inspection
import Store
import Logging

/// The body of `inspectd --train-job ID`: the child process the daemon starts for one
/// retraining job. It lowers its own priority (SCHED_IDLE, nice) and BLAS threads first,
/// encodes the station's labeled images once, tunes the prompts, evaluates candidate and
/// active version on the held-out labels, and records the candidate with the decision —
/// promoting it when it is not worse. The daemon sees the new active version and switches.
/// SIGTERM (or `inspectctl retrain --cancel`) stops it before the next step.
public struct RetrainWorker {
    let configuration: InspectdConfiguration
    let jobID: Int64
    let logger: Logger

    public init(configuration: InspectdConfiguration, jobID: Int64, logger: Logger) {
        self.configuration = configuration
        self.jobID = jobID
        self.logger = logger
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// Exit status: 0 finished (promoted, rejected or cancelled), 1 failed (recorded in the job).
    public func run() -> Int32 {
        let retrain = configuration.retrain
        ComputeBudget.limit(threads: retrain.threads)
        let priority = ProcessPriority.lowerPriority(niceness: retrain.niceness)
        let store: VerdictStore
        do {
            store = try VerdictStore.openForWriting(path: configuration.database, busyTimeout: 30)
            try store.startTrainingJob(id: jobID, pid: getpid(), at: Self.now())
        } catch {
            logger.error("training job cannot start: \(error)", metadata: ["training.job": "\(jobID)"])
            return 1
        }
        logger.info("training job started", metadata: ["training.job": "\(jobID)", "training.priority": "\(priority)",
                                                       "training.threads": "\(retrain.threads)"])
        do {
            let signals = try SignalSource()
            var stop = false
            let outcome = try train(store: store) {
                if !stop { stop = signals.drain().contains { if case .stop = $0 { return true } else { return false } } }
                return !stop
            }
            try store.finishTrainingJob(id: jobID, state: outcome.state, candidateID: outcome.candidate,
                                        message: outcome.message, at: Self.now())
            logger.info("training job ended: \(outcome.message)", metadata: ["training.job": "\(jobID)",
                                                                          "training.state": "\(outcome.state.rawValue)"])
            return 0
        } catch {
            logger.error("training job failed: \(error)", metadata: ["training.job": "\(jobID)"])
            try? store.finishTrainingJob(id: jobID, state: .failed, message: "\(error)", at: Self.now())
            return 1
        }
    }

    struct Outcome {
        var state: TrainingJob.State
        var candidate: Int64?
        var message: String
    }

    private func train(store: VerdictStore, keepGoing: @escaping () -> Bool) throws -> Outcome {
        let job = try store.trainingJob(id: jobID)
        var cancelledInDatabase = false
        var lastDatabaseCheck = 0.0
        /// Signals every step; the database (inspectctl retrain --cancel) at most once a second.
        let shouldContinue: () -> Bool = {
            guard keepGoing() else { return false }
            let t = Self.now()
            if t - lastDatabaseCheck >= 1 {
                lastDatabaseCheck = t
                cancelledInDatabase = (try? store.trainingJob(id: job.id).cancelRequested) ?? false
            }
            return !cancelledInDatabase
        }
        func progress(_ phase: String, epoch: Int? = nil, epochs: Int? = nil, loss: Double? = nil) {
            do {
                try store.updateTrainingProgress(id: job.id, phase: phase, epoch: epoch, epochs: epochs, loss: loss, at: Self.now())
            } catch {
                logger.warning("cannot record training progress: \(error)", metadata: ["training.job": "\(job.id)"])
            }
        }
        let cancelled = Outcome(state: .cancelled, candidate: nil, message: "cancelled")
        guard let station = configuration.stations.first(where: { $0.name == job.station }) else {
            throw DaemonError.training(job: job.id, problem: "station \(job.station) is not in \(configuration.file)")
        }
        guard let active = try store.activeVersion(station: station.name) else {
            throw DaemonError.training(job: job.id, problem: "station \(station.name) has no active model version yet (inspectd creates it at start)")
        }
        let judging = job.trigger == VerdictStore.publishedTrigger
        if judging, let rejected = try rejectForeignBase(job: job, store: store, active: active) { return rejected }

        progress("loading model")
        let ic = configuration.inspectorConfiguration(for: station)
        let model: CLIPModel
        let tokenizer: CLIPTokenizer
        do {
            model = try CLIPModel.load(path: ic.modelPath, options: .init(configPath: ic.modelConfigPath))
            tokenizer = try CLIPTokenizer()
        } catch let error as EngineError {
            throw DaemonError.inspection(.engine(error))
        }
        let base = VersionLoader.Base(station: station, config: configuration, model: model,
                                      modelHash: try ContentHash.sha256(file: ic.modelPath),
                                      promptsHash: try ic.promptsPath.map { try ContentHash.sha256(file: $0) })
        guard base.id == active.base else {
            throw DaemonError.training(job: job.id, problem: "the active version \(active.id) was made for \(active.base); the configuration now gives \(base.id) — reload inspectd first")
        }
        let activeInspector = try VersionLoader.inspector(model, configuration: ic, tokenizer: tokenizer, version: active)
        let fewShot = configuration.fewShot.enabled ? try configuration.fewShot.settings() : nil
        let tuning = PromptTuning(settings: configuration.retrain.tuning, fewShot: fewShot)

        let all = try store.trainingLabels(station: station.name)
        let labels = tuning.selectLabels(all)
        if labels.count < all.count {
            logger.info("using the newest labels only", metadata: [
                "training.job": "\(job.id)", "training.labels": "\(labels.count) of \(all.count)",
                "training.max_labels_per_class": "\(tuning.settings.maxLabelsPerClass)",
            ])
        }
        progress("encoding \(labels.count) labeled images")
        let inputs = LabelInputs(configuration: configuration)
        let cache = inputs.cache(baseID: base.id, logger: logger)
        let (examples, skipped) = PromptTuning.examples(inspector: activeInspector, labels: labels, cache: cache,
                                                        image: inputs.evidence.labeledImage, shouldContinue: shouldContinue)
        inputs.report(cache, logger: logger, metadata: ["training.job": "\(job.id)"])
        guard shouldContinue() else { return cancelled }
        for s in skipped.prefix(5) {
            logger.warning("labeled image not used for training: \(s.reason)", metadata: ["inspection.path": "\(s.path)"])
        }
        let split = try HeldOutSplit.split(examples, fraction: tuning.settings.heldOutFraction, seed: tuning.settings.seed,
                                           minimumPerClass: tuning.settings.minimumPerClass)
        if judging {
            progress("evaluating")
            return try judgePublished(job: job, store: store, active: active, model: model, tokenizer: tokenizer,
                                      configuration: ic, activeInspector: activeInspector, tuning: tuning,
                                      examples: examples, split: split)
        }

        var initial: LearnedPrompts?
        if let bytes = active.prompts {
            initial = try LearnedPrompts.load(bytes: bytes, name: "prompts of version \(active.id)", width: model.architecture.textWidth)
        } else if let path = ic.promptsPath {
            initial = try LearnedPrompts.load(path: path, width: model.architecture.textWidth)
        }
        let start = try tuning.initialPrompts(active: initial, model: model)
        let epochs = tuning.settings.epochs
        progress("training", epoch: 0, epochs: epochs)
        logger.info("training prompts", metadata: [
            "training.job": "\(job.id)", "inspection.station": "\(station.name)",
            "training.images": "\(split.training.count)", "training.heldout": "\(split.heldOut.count)",
            "training.epochs": "\(epochs)", "training.start": "\(initial == nil || tuning.settings.startFromScratch ? "scratch" : "version \(active.id)")",
        ])
        let began = Self.now()
        let trained = try tuning.train(initial: start, model: model, examples: examples, training: split.training,
                                       progress: { epoch in
                                           progress("training", epoch: epoch.index, epochs: epochs, loss: Double(epoch.meanLoss))
                                           logger.info("training epoch", metadata: [
                                               "training.job": "\(job.id)", "training.epoch": "\(epoch.index)/\(epochs)",
                                               "training.loss": "\(String(format: "%.4f", epoch.meanLoss))",
                                           ])
                                           return shouldContinue()
                                       }, shouldContinue: shouldContinue)
        let seconds = Self.now() - began
        guard shouldContinue(), trained.epochs.count == epochs else { return cancelled }

        progress("evaluating")
        let candidateInspector = try Inspector(model: model, configuration: ic, tokenizer: tokenizer, prompts: trained.prompts,
                                               promptsSource: "training job \(job.id)")
        let candidate = try tuning.evaluate(inspector: candidateInspector, examples: examples, training: split.training,
                                            heldOut: split.heldOut)
        let incumbent = try tuning.evaluate(inspector: activeInspector, examples: examples, training: split.training,
                                            heldOut: split.heldOut)
        let rule = PromotionRule(margin: tuning.settings.margin)
        var decision = rule.decide(candidate: candidate.scores, active: incumbent.scores)
        if let diverged = trained.epochs.first(where: { !$0.meanLoss.isFinite }) {
            decision = (false, "rejected: training diverged (loss \(diverged.meanLoss) at epoch \(diverged.index)); lower learning_rate")
        }
        let heldOutDefects = split.heldOut.filter { examples[$0].image.isDefect }.count
        let metrics = VersionMetrics(candidate: candidate.scores, active: incumbent.scores,
                                     heldOutGood: split.heldOut.count - heldOutDefects, heldOutDefect: heldOutDefects,
                                     epochLosses: trained.epochs.map { Double($0.meanLoss) }, trainingSeconds: seconds)
        let prompts: [UInt8]
        do { prompts = try trained.prompts.serialized() } catch let error as EngineError {
            throw DaemonError.inspection(.engine(error))
        }
        let now = Self.now()
        let record = ModelVersionRecord(
            station: station.name, base: active.base, status: .candidate, source: .trained, parentID: active.id,
            createdAt: now, prompts: prompts, promptsHash: ContentHash.sha256(prompts),
            memoryBank: candidate.fewShot?.memory?.serialized(), classifier: try candidate.fewShot?.classifierJSON(),
            reviewThreshold: candidate.thresholds?.review, failThreshold: candidate.thresholds?.fail,
            thresholdMethod: candidate.thresholds?.method,
            trainingLabelIDs: split.training.map { examples[$0].labelID }.sorted(),
            heldOutLabelIDs: split.heldOut.map { examples[$0].labelID }.sorted(), metrics: metrics,
            decision: decision.reason, note: "training job \(job.id) (\(job.trigger))")
        let id = try store.insertVersion(record)
        if decision.promote {
            try store.activateVersion(id: id, reason: decision.reason, at: Self.now())
        } else {
            try store.updateVersionDecision(id: id, status: .rejected, decision: decision.reason)
        }
        let pruned = try store.pruneVersionBlobs(station: station.name, keep: configuration.retrain.keepVersions)
        logger.notice("candidate \(decision.promote ? "promoted" : "rejected")", metadata: [
            "training.job": "\(job.id)", "inspection.station": "\(station.name)", "version.id": "\(id)",
            "version.candidate_auroc": "\(String(format: "%.4f", candidate.scores.auroc))",
            "version.candidate_f1": "\(String(format: "%.4f", candidate.scores.f1))",
            "version.active_auroc": "\(String(format: "%.4f", incumbent.scores.auroc))",
            "version.active_f1": "\(String(format: "%.4f", incumbent.scores.f1))",
            "version.decision": "\(decision.reason)", "version.pruned_banks": "\(pruned)",
        ])
        return Outcome(state: .finished, candidate: id, message: "version \(id) \(decision.reason)")
    }
}
