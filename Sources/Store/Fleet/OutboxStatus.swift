import Inspection

/// The local fleet outbox as `inspectctl status` shows it.
public struct OutboxStatus: Sendable, Equatable {
    /// Whether changes are being recorded (`[fleet]` is configured).
    public var enabled: Bool
    /// Entries waiting to be shipped.
    public var size: Int
    /// The cap on `size`; older entries are dropped beyond it.
    public var capacity: Int
    /// Entries dropped by the cap or the age limit since the outbox was created.
    public var dropped: Int
    /// Entries shipped and confirmed by the server.
    public var shipped: Int
    /// Enqueue time of the oldest waiting entry.
    public var oldest: Double?
    public var lastShippedAt: Double?
    /// The shipper's last failure (credentials never appear in it), nil after a success.
    public var lastError: String?

    public init(enabled: Bool, size: Int, capacity: Int, dropped: Int, shipped: Int, oldest: Double?,
                lastShippedAt: Double?, lastError: String?) {
        self.enabled = enabled
        self.size = size
        self.capacity = capacity
        self.dropped = dropped
        self.shipped = shipped
        self.oldest = oldest
        self.lastShippedAt = lastShippedAt
        self.lastError = lastError
    }
}
