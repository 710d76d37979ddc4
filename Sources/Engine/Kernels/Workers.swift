/// The engine's workers for callers outside the engine (anomaly maps, smoothing), so their
/// element-wise work is split over the same cores and thread budget as the encoder's instead of
/// starting a second pool.
public enum Workers {
    /// Calls `body` on disjoint sub-ranges covering 0..<count, concurrently when each chunk
    /// gets at least `minimumPerChunk` items.
    public static func forEachChunk(_ count: Int, minimumPerChunk: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forEachChunk(count, minimumPerChunk: minimumPerChunk, body)
    }

    /// Calls `body(task)` once for every task in 0..<count, idle workers taking the next task.
    public static func forEachTask(_ count: Int, _ body: (Int) -> Void) {
        Parallel.forEachTask(count, body)
    }
}
