import Inspection

/// The fields of an outbox entry that the central database keeps in their own columns (for
/// its indexes and the fleet queries); everything else travels in the JSON payload.
public struct OutboxColumns: Sendable, Equatable {
    /// Verdict: `finished_at ?? discovered_at`; label: created; version: created.
    public var time: Double = 0
    /// Verdict: state; label: kind (good/defect); version: status.
    public var state: String = ""
    /// Verdict: pass/review/fail; label: defect class.
    public var verdict: String?
    public var score: Double?
    public var contentHash: String?
    /// Verdict: the model version id that scored it; label: the inspection it labels;
    /// version: its parent version.
    public var versionID: Int64?
    /// Verdict: what became of the file (moved/deleted, failed), for the stats.
    public var afterState: String?
    /// Verdict: whether an anomaly map is stored locally (the map itself stays on the line PC).
    public var hasMap: Bool = false
    /// Label: when it was superseded.
    public var supersededAt: Double?

    public init() {}
}
