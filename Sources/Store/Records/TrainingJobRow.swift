import Inspection
import GRDB

/// One row of `training_jobs`; ``TrainingJob`` is what callers see.
struct TrainingJobRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "training_jobs"

    var id: Int64?
    var station: String
    var trigger: String
    var state: String
    var requestedAt: Double
    var startedAt: Double?
    var finishedAt: Double?
    var pid: Int32?
    var phase: String?
    var epoch: Int?
    var epochs: Int?
    var loss: Double?
    var progressAt: Double?
    var cancelRequested: Bool
    var candidateID: Int64?
    var message: String?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, station, trigger, state, pid, phase, epoch, epochs, loss, message
        case requestedAt = "requested_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case progressAt = "progress_at"
        case cancelRequested = "cancel_requested"
        case candidateID = "candidate_id"
    }

    /// A job just asked for: nothing started yet.
    init(requestedFor station: String, trigger: String, at time: Double) {
        id = nil
        self.station = station
        self.trigger = trigger
        state = TrainingJob.State.requested.rawValue
        requestedAt = time
        cancelRequested = false
    }

    /// The caller's view; an unknown state is reported, not trapped.
    func job(path databasePath: String) throws -> TrainingJob {
        let id = self.id ?? 0
        guard let known = TrainingJob.State(rawValue: state) else {
            throw StoreError.corrupt(path: databasePath, reason: "training job \(id) has unknown state '\(state)'")
        }
        return TrainingJob(id: id, station: station, trigger: trigger, state: known, requestedAt: requestedAt,
                           startedAt: startedAt, finishedAt: finishedAt, pid: pid, phase: phase, epoch: epoch,
                           epochs: epochs, loss: loss, progressAt: progressAt, cancelRequested: cancelRequested,
                           candidateID: candidateID, message: message)
    }
}
