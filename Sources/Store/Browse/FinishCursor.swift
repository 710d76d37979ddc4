/// A position in the order rows finish in: (finished_at, id). The daemon is one writer that
/// stamps finished_at when it commits, so rows appear in this order and a reader that
/// remembers the last one it saw misses nothing and sees nothing twice.
public struct FinishCursor: Sendable, Equatable, Comparable {
    public var finishedAt: Double
    public var id: Int64

    public init(finishedAt: Double, id: Int64) {
        self.finishedAt = finishedAt
        self.id = id
    }

    public static func < (a: FinishCursor, b: FinishCursor) -> Bool {
        (a.finishedAt, a.id) < (b.finishedAt, b.id)
    }
}
