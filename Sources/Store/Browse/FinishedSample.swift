import Inspection

/// The columns of a finished row that metrics count: which station, how it ended, and how
/// long each stage took (milliseconds). Read without the rest of the row so a scrape that
/// catches up on thousands of rows stays cheap.
public struct FinishedSample: Sendable, Equatable {
    public var cursor: FinishCursor
    public var station: String
    public var verdict: Verdict?
    /// Set for rows in state `error`.
    public var errorKind: String?
    public var decodeMs: Double?
    public var preprocessMs: Double?
    public var encodeMs: Double?
    public var scoreMs: Double?
    public var totalMs: Double?
}
