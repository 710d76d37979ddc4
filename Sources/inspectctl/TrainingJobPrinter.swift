import Foundation
import Inspection
import Store

/// Renders retraining jobs for `retrain --status`: progress at a glance in a table, every
/// field in JSON. Elapsed time runs until the job ends, then it is the job's duration.
enum TrainingJobPrinter {
    static func dictionary(_ job: TrainingJob, now: Double) -> [String: Any] {
        let opt = VersionPrinter.opt, number = VersionPrinter.number
        return [
            "id": job.id, "station": job.station, "trigger": job.trigger, "state": job.state.rawValue,
            "requested_at": opt(TimeExpression.iso(job.requestedAt)), "started_at": opt(TimeExpression.iso(job.startedAt)),
            "finished_at": opt(TimeExpression.iso(job.finishedAt)), "pid": opt(job.pid), "phase": opt(job.phase),
            "epoch": opt(job.epoch), "epochs": opt(job.epochs), "loss": number(job.loss),
            "progress_at": opt(TimeExpression.iso(job.progressAt)), "cancel_requested": job.cancelRequested,
            "candidate_id": opt(job.candidateID), "message": opt(job.message),
            "elapsed_seconds": number(elapsed(job, now: now)),
        ]
    }

    /// Seconds since the start (running) or from start to end (ended); nil before it starts.
    static func elapsed(_ job: TrainingJob, now: Double) -> Double? {
        guard let started = job.startedAt else { return nil }
        return max(0, (job.finishedAt ?? now) - started)
    }

    static func header() -> String {
        pad("ID", 6) + pad("STATION", 14) + pad("TRIGGER", 10) + pad("STATE", 12) + pad("PHASE", 12) + pad("EPOCH", 8)
            + pad("LOSS", 9) + pad("STARTED", 20) + pad("ELAPSED", 9) + pad("CAND", 6) + "MESSAGE"
    }

    static func row(_ job: TrainingJob, now: Double) -> String {
        let state = job.cancelRequested && job.state == .running ? "cancelling" : job.state.rawValue
        let epoch = job.epoch.map { e in "\(e)/" + (job.epochs.map { "\($0)" } ?? "?") } ?? "-"
        return pad("\(job.id)", 6) + pad(job.station, 14) + pad(job.trigger, 10) + pad(state, 12) + pad(job.phase ?? "-", 12)
            + pad(epoch, 8) + pad(job.loss.map(VersionPrinter.fixed) ?? "-", 9) + pad(TimeExpression.format(job.startedAt), 20)
            + pad(elapsed(job, now: now).map(VersionPrinter.duration) ?? "-", 9)
            + pad(job.candidateID.map { "\($0)" } ?? "-", 6) + (job.message ?? "-")
    }

    /// One line for `--now` / `--cancel`: where the job stands.
    static func summary(_ job: TrainingJob) -> String {
        var parts = [job.state.rawValue]
        if let phase = job.phase, job.state == .running { parts.append(phase) }
        if let epoch = job.epoch { parts.append("epoch \(epoch)/" + (job.epochs.map { "\($0)" } ?? "?")) }
        return parts.joined(separator: ", ")
    }

    static func pad(_ text: String, _ width: Int) -> String { RecordFormatter.pad(text, width) }
}
