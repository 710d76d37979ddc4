import Inspection

/// Counts for one station (and one time bucket when asked for). `queued` counts rows still
/// waiting or being processed, so total = pass + review + fail + errors + queued.
public struct StationStats: Sendable, Codable, Equatable {
    public var station: String
    /// Start of the UTC hour or day, unix seconds; nil without buckets.
    public var bucketStart: Double?
    public var total: Int
    public var pass: Int
    public var review: Int
    public var fail: Int
    public var errors: Int
    public var queued: Int
    /// pass / (pass + review + fail); nil when nothing got a verdict.
    public var yield: Double?
    /// Finished files whose move or delete failed (they are still in the watched folder).
    public var afterFailed: Int

    public init(station: String, bucketStart: Double? = nil, total: Int, pass: Int, review: Int, fail: Int,
                errors: Int, queued: Int, yield: Double? = nil, afterFailed: Int = 0) {
        self.afterFailed = afterFailed
        self.station = station
        self.bucketStart = bucketStart
        self.total = total
        self.pass = pass
        self.review = review
        self.fail = fail
        self.errors = errors
        self.queued = queued
        self.yield = yield
    }
}
