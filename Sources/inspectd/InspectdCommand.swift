import ArgumentParser
import Config
import Daemon
import Fleet
import Foundation
import Logging

/// `inspectd`: the inspection daemon. Runs in the foreground (systemd Type=notify or a
/// terminal); `--check-config` validates the configuration and exits.
@main
struct InspectdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspectd",
        abstract: "Watch folders for product images, score each exactly once, and log verdicts to SQLite.",
        discussion: """
            Signals: SIGHUP reloads the configuration (an invalid one is rejected and the old one kept); \
            SIGTERM/SIGINT finish the current image, write its verdict and stop.
            Exit status: 0 stopped cleanly, 1 runtime failure, 2 invalid configuration.
            """,
        version: Daemon.version)

    @Option(name: .shortAndLong, help: "Configuration file.")
    var config: String = InspectdConfiguration.defaultPath

    @Flag(name: .customLong("check-config"), help: "Validate the configuration (syntax, values, files and folders) and exit.")
    var checkConfig = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("train-job"), help: ArgumentHelp("Run one retraining job (started by inspectd itself).", visibility: .hidden))
    var trainJob: Int64?

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level: expected trace, debug, info, notice, warning, error or critical (got \(logLevel))")
        }
    }

    func run() throws {
        let configuration: InspectdConfiguration
        do {
            configuration = try InspectdConfiguration.load(path: config)
            try configuration.checkFileSystem()
        } catch {
            FileHandle.standardError.write(Data("inspectd: invalid configuration: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if checkConfig {
            print("\(config): OK (\(configuration.stations.count) station(s): "
                  + configuration.stations.map { "\($0.name) -> \($0.folder)" }.joined(separator: ", ") + ")")
            return
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSetup.bootstrap(level: level)
        if let trainJob {
            let status = RetrainWorker(configuration: configuration, jobID: trainJob,
                                       logger: Logger(label: "inspectd.train")).run()
            if status != 0 { throw ExitCode(status) }
            return
        }
        let logger = Logger(label: "inspectd")
        let daemon = InspectDaemon(configuration: configuration, configPath: config, logger: logger, logLevel: level)
        // The fleet shipper has its own thread and its own connection; it shares only the
        // database. Without [fleet] the outbox is switched off (and emptied).
        var shipper: FleetShipper?
        daemon.storeOpened = { store in
            guard let fleet = configuration.fleet else {
                try store.configureOutbox(enabled: false, capacity: FleetConfiguration.defaultOutboxMaxRows)
                return
            }
            let started = FleetShipper(store: store, fleet: fleet, stations: configuration.stations,
                                       logger: Logger(label: "inspectd.fleet"))
            try started.start()
            shipper = started
        }
        let outcome = daemon.run()
        shipper?.stop()
        if outcome != .stopped { throw ExitCode(outcome.rawValue) }
    }
}
