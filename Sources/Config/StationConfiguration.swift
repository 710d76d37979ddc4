import Inspection

/// One watched camera folder. Stations exist so that one daemon can serve several cameras
/// with different products and tolerances while sharing a single loaded model.
public struct StationConfiguration: Sendable, Equatable {
    /// Images dropped by cameras are usually named like this; anything else (temp files,
    /// sidecars) is ignored unless the station says otherwise.
    public static let defaultPatterns = ["*.jpg", "*.jpeg", "*.png"]

    /// Unique, `[A-Za-z0-9._-]+`, so it can appear in the verdict log and in file names.
    public var name: String
    /// Absolute, cleaned (no trailing slash, `.` or `..`).
    public var folder: String
    /// Whether sub-folders are watched too.
    public var recursive: Bool
    /// fnmatch-style globs on the file name, matched case-insensitively.
    public var patterns: [String]
    /// Product name for the prompt ensemble; nil = `model.product`.
    public var product: String?
    /// What happens to a file after its verdict is logged.
    public var after: AfterProcessing
    /// This station's thresholds, already merged with the global ones; nil = global.
    public var thresholds: Thresholds?
    /// Whether an image that is a symbolic link is read. Off by default: a link can point at
    /// anything the daemon may read (`/etc/shadow`). On, a link is still only read when its
    /// target lies inside the station folder.
    public var followSymlinks = false
    /// `keep_evidence`: whose bytes go to the evidence folder (labelled always); nil = `[evidence] keep`.
    public var keepEvidence: Set<EvidenceReason>?
    /// `[[station.output]]`: where verdicts go after they are committed (none by default).
    public var outputs: [OutputConfiguration] = []
    /// `follow_published`: the fleet product whose newly published versions this station
    /// imports as candidates and judges on its own held-out labels (docs/fleet.md).
    public var followPublished: String?

    public init(name: String, folder: String, recursive: Bool = false,
                patterns: [String] = StationConfiguration.defaultPatterns, product: String? = nil,
                after: AfterProcessing = .keep, thresholds: Thresholds? = nil) {
        self.name = name
        self.folder = folder
        self.recursive = recursive
        self.patterns = patterns
        self.product = product
        self.after = after
        self.thresholds = thresholds
    }

    /// Whether a file called `fileName` (no directory part) is an image for this station.
    /// Patterns that do not compile never match; `InspectdConfiguration.parse` rejects them.
    public func matches(fileName: String) -> Bool {
        patterns.contains { pattern in
            (try? FileNameGlob(pattern))?.matches(fileName) ?? false
        }
    }
}
