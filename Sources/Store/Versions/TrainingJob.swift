import Inspection

/// One retraining run of a station: requested (by the label count, the schedule or
/// `inspectctl retrain --now`), run by a low-priority child of the daemon, and finished with
/// a candidate version, failed or cancelled. Progress fields are updated every epoch.
public struct TrainingJob: Sendable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case requested, running, finished, failed, cancelled

        /// No further change will happen.
        public var isFinal: Bool { self == .finished || self == .failed || self == .cancelled }
    }

    public var id: Int64
    public var station: String
    /// "labels", "schedule" or "manual".
    public var trigger: String
    public var state: State
    public var requestedAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?
    /// The training process while it runs.
    public var pid: Int32?
    /// "encoding", "training", "evaluating" …
    public var phase: String?
    public var epoch: Int?
    public var epochs: Int?
    public var loss: Double?
    public var progressAt: Double?
    public var cancelRequested: Bool
    public var candidateID: Int64?
    /// Outcome or error, one line.
    public var message: String?
}
