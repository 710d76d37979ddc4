import Inspection

/// A model version as the fleet sees it: everything but the blobs (memory banks are large
/// and specific to the station's labels). Published versions carry their prompts and
/// classifier separately.
public struct FleetVersion: Sendable, Codable, Equatable {
    public var id: Int64
    public var station: String
    public var base: String
    public var status: String
    public var source: String
    public var parentID: Int64?
    public var createdAt: Double
    public var activatedAt: Double?
    public var promptsHash: String?
    public var reviewThreshold: Double?
    public var failThreshold: Double?
    public var thresholdMethod: String?
    public var metrics: VersionMetrics?
    public var decision: String?
    public var note: String?

    public init(_ r: ModelVersionRecord) {
        id = r.id
        station = r.station
        base = r.base
        status = r.status.rawValue
        source = r.source.rawValue
        parentID = r.parentID
        createdAt = r.createdAt
        activatedAt = r.activatedAt
        promptsHash = r.promptsHash
        reviewThreshold = r.reviewThreshold.flatMap { $0.isFinite ? $0 : nil }
        failThreshold = r.failThreshold.flatMap { $0.isFinite ? $0 : nil }
        thresholdMethod = r.thresholdMethod
        metrics = r.metrics
        decision = r.decision
        note = r.note
    }
}
