import Inspection

/// The daemon's self-report, one row rewritten on every heartbeat so `inspectctl status` can
/// tell a live daemon (recent heartbeat) from a dead one without signalling it.
public struct DaemonStatus: Sendable, Codable, Equatable {
    public var pid: Int32
    public var startedAt: Double
    public var heartbeatAt: Double
    /// starting, running, reloading, stopping or stopped.
    public var state: String
    /// Images finished since start.
    public var processed: Int
    public var imagesPerMinute: Double
    public var configPath: String
    public var modelVersion: String

    public init(pid: Int32, startedAt: Double, heartbeatAt: Double, state: String, processed: Int,
                imagesPerMinute: Double, configPath: String, modelVersion: String) {
        self.pid = pid
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.state = state
        self.processed = processed
        self.imagesPerMinute = imagesPerMinute
        self.configPath = configPath
        self.modelVersion = modelVersion
    }
}
