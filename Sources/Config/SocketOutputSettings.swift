/// `kind = "socket"`.
public struct SocketOutputSettings: Sendable, Equatable {
    public static let defaultClientBuffer = 256 * 1024
    /// Absolute path of the socket file; its folder must exist (e.g. systemd's RuntimeDirectory).
    public var path: String
    /// Bytes queued for one client before it is dropped as too slow.
    public var clientBuffer: Int = SocketOutputSettings.defaultClientBuffer
    /// Most clients at once; more are refused.
    public var maxClients = 16

    public init(path: String) { self.path = path }
}
