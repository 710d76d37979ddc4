/// A file that a writer has finished with, so the daemon may read it whole.
public struct ReadyFile: Sendable, Hashable {
    /// The `WatchedStation.name` whose folder the file is in.
    public var station: String
    /// Absolute path, built from the station's folder as configured (symlinks in it are kept).
    public var path: String

    public init(station: String, path: String) {
        self.station = station
        self.path = path
    }
}
