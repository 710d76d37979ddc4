import Config

/// One camera's drop folder. Stations are named so that every result can be traced back to the
/// line that produced the image, even when several stations share a disk.
public struct WatchedStation: Sendable, Equatable {
    /// The patterns a station uses when the configuration names none: what the cameras write.
    public static let defaultPatterns = ["*.jpg", "*.jpeg", "*.png"]

    public var name: String
    /// Absolute, or relative to the working directory at the time the watcher is created.
    public var folder: String
    /// Whether files in subfolders (at any depth) belong to the station too.
    public var recursive: Bool
    /// fnmatch-style patterns for file names (not paths), matched case-insensitively because
    /// camera software is inconsistent about `.JPG` versus `.jpg`. An empty list matches nothing.
    public var patterns: [String]

    public init(name: String, folder: String, recursive: Bool = false,
                patterns: [String] = WatchedStation.defaultPatterns) {
        self.name = name
        self.folder = folder
        self.recursive = recursive
        self.patterns = patterns
    }
}

extension WatchedStation {
    /// What the watcher needs of a configured station.
    init(station s: StationConfiguration) {
        self.init(name: s.name, folder: s.folder, recursive: s.recursive, patterns: s.patterns)
    }
}
