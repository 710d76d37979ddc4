import Engine
import Logging
import Foundation
import Inspection
import Store

extension RetrainWorker {
    /// A published version imported from the fleet (docs/fleet.md) is judged like a
    /// retrained candidate, without training: on this station's own labels, split the same
    /// way, its few-shot parts fitted on the training part, both it and the active version
    /// scored on the held-out part, and ``PromotionRule`` decides. The decision and metrics
    /// are recorded in the candidate's row; it is activated only when the rule says so.
    func judgePublished(job: TrainingJob, store: VerdictStore, active: ModelVersionRecord, model: CLIPModel,
                        tokenizer: CLIPTokenizer, configuration ic: InspectorConfiguration, activeInspector: Inspector,
                        tuning: PromptTuning, examples: [TrainingExample], split: (training: [Int], heldOut: [Int])) throws -> Outcome {
        guard let candidateID = job.candidateID else {
            throw DaemonError.training(job: job.id, problem: "a published-version job names no candidate")
        }
        let candidate = try store.version(id: candidateID)
        let candidateInspector = try VersionLoader.inspector(model, configuration: ic, tokenizer: tokenizer, version: candidate)
        let began = Self.now()
        let judged = try tuning.evaluate(inspector: candidateInspector, examples: examples, training: split.training,
                                         heldOut: split.heldOut)
        let incumbent = try tuning.evaluate(inspector: activeInspector, examples: examples, training: split.training,
                                            heldOut: split.heldOut)
        let decision = PromotionRule(margin: tuning.settings.margin).decide(candidate: judged.scores, active: incumbent.scores)
        let heldOutDefects = split.heldOut.filter { examples[$0].image.isDefect }.count
        let metrics = VersionMetrics(candidate: judged.scores, active: incumbent.scores,
                                     heldOutGood: split.heldOut.count - heldOutDefects, heldOutDefect: heldOutDefects,
                                     epochLosses: [], trainingSeconds: Self.now() - began)
        try store.recordJudgement(id: candidateID, memoryBank: judged.fewShot?.memory?.serialized(),
                                  classifier: try judged.fewShot?.classifierJSON(), thresholds: judged.thresholds,
                                  trainingLabelIDs: split.training.map { examples[$0].labelID }.sorted(),
                                  heldOutLabelIDs: split.heldOut.map { examples[$0].labelID }.sorted(), metrics: metrics,
                                  decision: decision.reason)
        if decision.promote {
            // The note becomes the activation reason: keep where the version came from in it.
            try store.activateVersion(id: candidateID, reason: "\(decision.reason); \(candidate.note ?? "published")",
                                      at: Self.now())
        } else {
            try store.updateVersionDecision(id: candidateID, status: .rejected, decision: decision.reason)
        }
        logger.notice("published candidate \(decision.promote ? "promoted" : "rejected")", metadata: [
            "training.job": "\(job.id)", "inspection.station": "\(job.station)", "version.id": "\(candidateID)",
            "version.candidate_auroc": "\(String(format: "%.4f", judged.scores.auroc))",
            "version.active_auroc": "\(String(format: "%.4f", incumbent.scores.auroc))",
            "version.decision": "\(decision.reason)",
        ])
        return Outcome(state: .finished, candidate: candidateID, message: "published version \(candidateID) \(decision.reason)")
    }

    /// A published version made for another base (other weights, prompts file or scoring
    /// settings) cannot be compared here: it is rejected with that reason, without loading
    /// anything.
    func rejectForeignBase(job: TrainingJob, store: VerdictStore, active: ModelVersionRecord) throws -> Outcome? {
        guard let candidateID = job.candidateID else { return nil }
        let candidate = try store.version(id: candidateID)
        guard candidate.base != active.base else { return nil }
        let reason = "rejected: published for base \(candidate.base), this station runs \(active.base)"
        try store.updateVersionDecision(id: candidateID, status: .rejected, decision: reason)
        return Outcome(state: .finished, candidate: candidateID, message: "published version \(candidateID) \(reason)")
    }
}
