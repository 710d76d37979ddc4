/// The daemon's background fit of one station's few-shot parts (`fewshot_fits`): what it
/// fits, how often it was started for that, and how far it got. `inspectctl status` shows it;
/// the daemon reads `attempts` to back off from a fit that keeps failing or getting killed.
public struct FewShotFit: Sendable, Equatable {
    /// Where the fit is.
    public enum State: String, Sendable {
        /// Started and not finished: running now, or killed with the daemon.
        case running
        /// Ended with an error (`message`).
        case failed
        /// Installed as the station's version.
        case done
    }

    /// Station name.
    public var station: String
    /// What is fitted: base, target version and label ids, as the daemon spells it.
    public var key: String
    public var state: State
    /// Starts for this key (1 for the first).
    public var attempts: Int
    /// Unix seconds of the latest start.
    public var startedAt: Double
    public var finishedAt: Double?
    /// Images encoded so far (labels first, then unlabelled images for the refinement).
    public var doneImages: Int
    /// Labelled images in the fit.
    public var totalLabels: Int
    /// All images in the fit (labels and unlabelled).
    public var totalImages: Int
    /// Why it failed, or what it produced.
    public var message: String?

    /// A record.
    public init(station: String, key: String, state: State, attempts: Int, startedAt: Double, finishedAt: Double? = nil,
                doneImages: Int = 0, totalLabels: Int = 0, totalImages: Int = 0, message: String? = nil) {
        self.station = station
        self.key = key
        self.state = state
        self.attempts = attempts
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.doneImages = doneImages
        self.totalLabels = totalLabels
        self.totalImages = totalImages
        self.message = message
    }

    /// "fitting few-shot parts: 12/40 labels" (plus the unlabelled images of the refinement).
    public var progressText: String {
        let labels = min(doneImages, totalLabels)
        var text = "fitting few-shot parts: \(labels)/\(totalLabels) labels"
        if totalImages > totalLabels {
            text += ", \(max(0, doneImages - totalLabels))/\(totalImages - totalLabels) unlabelled defect images"
        }
        return text
    }
}
