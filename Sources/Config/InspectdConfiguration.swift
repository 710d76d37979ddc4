import Inspection

/// The daemon's configuration file, typed and validated. Parsing is pure so that every rule
/// can be tested without a file system; what depends on the machine (files present, folders
/// writable) is checked separately by `checkFileSystem()` so `inspectctl` can validate a
/// config written for another PC.
public struct InspectdConfiguration: Sendable, Equatable {
    public static let defaultPath = "/etc/inspectd/inspectd.toml"
    public static let defaultDatabase = "/var/lib/inspectd/inspectd.db"
    /// Largest configuration file read; anything bigger is not a hand-written config.
    public static let maxFileBytes = 1 << 20

    /// The file the configuration came from, used in every later error message.
    public var file: String
    /// SQLite verdict log.
    public var database: String
    public var model: ModelSettings
    /// Global thresholds, used by stations without their own.
    public var thresholds: Thresholds
    public var retention: RetentionSettings
    /// In file order; messages number them from 0 (`station[0]`).
    public var stations: [StationConfiguration]
    /// `[fewshot]`: labels → memory bank, defect classifier, calibrated thresholds.
    public var fewShot = FewShotConfiguration()
    /// `[retrain]`: prompt retraining from labels, model versions, promotion.
    public var retrain = RetrainConfiguration()
    /// `[evidence]`: image bytes kept for labels (and chosen verdicts), size cap, retention.
    public var evidence = EvidenceSettings()
    /// Seconds between rescans of folders that inotify could not watch (limit, permission).
    public var rescanInterval: Double = 30
    /// `[web]`: the browser review station (`inspectd-web`).
    public var web = WebSettings()
    /// `[fleet]`: replication to a central PostgreSQL; nil = none (docs/fleet.md).
    public var fleet: FleetConfiguration?

    public init(file: String, database: String = InspectdConfiguration.defaultDatabase, model: ModelSettings,
                thresholds: Thresholds = .standard, retention: RetentionSettings = RetentionSettings(),
                stations: [StationConfiguration]) {
        self.file = file
        self.database = database
        self.model = model
        self.thresholds = thresholds
        self.retention = retention
        self.stations = stations
    }

    /// Parses and validates TOML text; `file` only names the source in errors.
    /// - Throws: `ConfigError.syntax` for invalid TOML, `ConfigError.invalid` naming the
    ///   key and value for anything else.
    public static func parse(toml: String, file: String) throws -> InspectdConfiguration {
        try ConfigParser.parse(toml: toml, file: file)
    }

    /// Reads and parses the file at `path` (no file-system checks of its contents).
    /// - Throws: `ConfigError.unreadable` when the file cannot be read as UTF-8 text,
    ///   otherwise as `parse`.
    public static func load(path: String = defaultPath) throws -> InspectdConfiguration {
        let text: String
        do {
            text = try FileProbe.readText(path, limit: maxFileBytes)
        } catch {
            throw ConfigError.unreadable(file: path, reason: error.reason)
        }
        return try parse(toml: text, file: path)
    }

    /// What `station` keeps in the evidence folder: its `keep_evidence`, else `[evidence] keep`.
    public func keptEvidence(for station: StationConfiguration) -> Set<EvidenceReason> {
        station.keepEvidence ?? evidence.keep
    }

    /// The station's own thresholds, or the global ones.
    public func thresholds(for station: StationConfiguration) -> Thresholds {
        station.thresholds ?? thresholds
    }

    /// The inspector settings for `station`: the shared model settings with the station's
    /// product and thresholds.
    public func inspectorConfiguration(for station: StationConfiguration) -> InspectorConfiguration {
        var c = InspectorConfiguration(modelPath: model.path)
        c.modelConfigPath = model.configPath
        c.promptsPath = model.promptsPath
        c.productName = station.product ?? model.product
        c.inputSize = model.inputSize
        c.resizeMode = model.resize
        c.featureLayers = model.featureLayers
        c.dpamFirstBlock = model.dpamFirstBlock
        c.sigma = model.sigma
        c.scoreMode = model.score
        c.thresholds = thresholds(for: station)
        c.decodeLimits.maxPixels = model.maxPixels
        return c
    }
}
