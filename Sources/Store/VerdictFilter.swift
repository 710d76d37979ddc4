import Inspection

/// Which rows a reader wants. Empty lists mean "any"; times apply to
/// `finishedAt ?? discoveredAt` as a half-open range [since, until).
public struct VerdictFilter: Sendable {
    public var since: Double?
    public var until: Double?
    public var stations: [String]
    public var verdicts: [Verdict]
    public var states: [InspectionState]
    /// score ≥ minScore (rows without a score never match).
    public var minScore: Double?
    /// At most this many rows (``VerdictStore/records(_:)`` only; stats ignore it).
    public var limit: Int?
    /// Newest first (the CLI's default), else oldest first.
    public var newestFirst: Bool
    /// With `verdicts`: also rows in state `error` (which have no verdict), i.e.
    /// `verdict IN (…) OR state = 'error'` — `--verdict fail --verdict error`.
    public var includeErrors: Bool = false

    public init(since: Double? = nil, until: Double? = nil, stations: [String] = [], verdicts: [Verdict] = [],
                states: [InspectionState] = [], minScore: Double? = nil, limit: Int? = nil,
                newestFirst: Bool = true) {
        self.since = since
        self.until = until
        self.stations = stations
        self.verdicts = verdicts
        self.states = states
        self.minScore = minScore
        self.limit = limit
        self.newestFirst = newestFirst
    }
}
