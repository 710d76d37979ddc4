/// The `[retention]` table. Both limits are optional because some plants must keep every
/// verdict for audits, while anomaly maps are bulky and usually pruned sooner.
public struct RetentionSettings: Sendable, Equatable {
    /// Verdicts older than this many days are deleted; nil = kept forever.
    public var verdictDays: Double?
    /// Anomaly maps older than this many days are dropped (the verdict stays); nil = kept.
    public var mapDays: Double?

    public init(verdictDays: Double? = nil, mapDays: Double? = nil) {
        self.verdictDays = verdictDays
        self.mapDays = mapDays
    }
}
