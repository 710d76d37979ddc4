import Config
import Logging

/// SIGHUP: re-reads the configuration, rebuilds the stations and the watcher, and rescans.
/// Any failure keeps the daemon running on the previous configuration, stations and
/// watcher, and says so in the journal and in systemd's status line.
struct Reloader {
    let configPath: String
    let registry: StationRegistry
    let discovery: Discovery
    let notifier: SystemdNotifier
    let logger: Logger
    /// Builds the watcher for a configuration (real inotify in production).
    var makeWatcher: (InspectdConfiguration) throws -> FolderWatcher = { config in
        try FolderWatcher.forStations(config.stations.map(WatchedStation.init(station:)))
    }

    /// Returns the configuration in force afterwards: the new one, or `current` on failure.
    func reload(current: InspectdConfiguration, statusLine: () -> String) -> InspectdConfiguration {
        notifier.reloading()
        logger.info("reloading configuration", metadata: ["daemon.config": "\(configPath)"])
        let previous = registry.snapshot
        do {
            let next = try InspectdConfiguration.load(path: configPath)
            try next.checkFileSystem()
            guard next.database == current.database else {
                throw ConfigError.invalid(file: configPath, key: "database", value: next.database,
                                          problem: "cannot change while running; restart inspectd")
            }
            try registry.build(next)
            let watcher = try makeWatcher(next)
            discovery.watcher?.close()
            discovery.watcher = watcher
            try discovery.scanAll(reason: "reload")
            logger.info("configuration reloaded", metadata: ["daemon.stations": "\(next.stations.count)"])
            notifier.ready(status: statusLine())
            return next
        } catch {
            registry.restore(previous)
            logger.error("reload failed, keeping the previous configuration: \(error)")
            notifier.ready(status: "reload failed (\(error)); running with the previous configuration; " + statusLine())
            return current
        }
    }
}
