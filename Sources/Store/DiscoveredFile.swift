import Inspection

/// An image file found in a watched folder, fingerprinted so the queue can tell a new image
/// from a re-scan of one it already has.
public struct DiscoveredFile: Sendable, Equatable {
    /// The station (watched folder) it came from.
    public var station: String
    /// Its path as found.
    public var path: String
    /// Bytes, from stat.
    public var size: Int64
    /// Modification time, unix seconds.
    public var mtime: Double
    /// SHA-256 of the content (``ContentHash``); with station and path, the dedup key.
    public var contentHash: String

    public init(station: String, path: String, size: Int64, mtime: Double, contentHash: String) {
        self.station = station
        self.path = path
        self.size = size
        self.mtime = mtime
        self.contentHash = contentHash
    }
}
