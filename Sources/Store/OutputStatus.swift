/// One result output's counters since the daemon started, and the file output's export
/// cursor, as the daemon last wrote them (every heartbeat).
public struct OutputStatus: Sendable, Equatable, Codable {
    public var station: String
    /// The output's name in the configuration (`kind:target` unless set).
    public var name: String
    /// `file`, `socket` or `exec`.
    public var kind: String
    /// Folder, socket path or program.
    public var target: String
    /// Verdicts written, sent to a client, or handed to a command that exited 0.
    public var delivered: Int = 0
    /// Failed writes, failed or timed-out commands.
    public var failed: Int = 0
    /// Verdicts dropped (exec queue full) plus clients dropped for being too slow (socket).
    public var dropped: Int = 0
    /// Verdicts waiting: not yet written (file), queued (exec).
    public var pending: Int = 0
    /// Connected clients (socket only).
    public var clients: Int?
    /// File output: the last inspection id exported; verdicts after it are pending.
    public var cursor: Int64?
    public var lastError: String?
    public var lastErrorAt: Double?
    public var updatedAt: Double = 0

    public init(station: String, name: String, kind: String, target: String) {
        self.station = station
        self.name = name
        self.kind = kind
        self.target = target
    }
}
