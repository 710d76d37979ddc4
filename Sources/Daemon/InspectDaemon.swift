import Config
import Foundation
import Glibc
import Inspection
import Logging
import Store

/// The inspectd process: one thread, one poll() loop over inotify and the signal pipe; the
/// work is done by parts with one job each (see docs/architecture.md, "The daemon's parts").
/// Crash safety comes from the store: a file is recorded once per content, `processing` rows
/// are redone after a crash, a verdict is one transaction.
public final class InspectDaemon {
    /// Exit status for the process.
    public enum Outcome: Int32 {
        case stopped = 0
        case failed = 1
    }

    private var configuration: InspectdConfiguration
    private let configPath: String
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let clock: DaemonClock
    private let logLevel: Logger.Level
    private var stopRequested = false
    /// Called once the database is open and migrated, before the model loads: how `inspectd`
    /// attaches parts that live in targets the daemon does not import (the fleet shipper).
    /// An error stops the daemon like any start-up failure.
    public var storeOpened: ((VerdictStore) throws -> Void)?

    /// A daemon for a validated configuration loaded from `configPath`.
    public init(configuration: InspectdConfiguration, configPath: String, logger: Logger,
                notifier: SystemdNotifier = SystemdNotifier(), clock: DaemonClock = SystemClock(),
                logLevel: Logger.Level = .info) {
        self.configuration = configuration
        self.configPath = configPath
        self.logger = logger
        self.notifier = notifier
        self.clock = clock
        self.logLevel = logLevel
    }

    /// The parts, wired once the database is open.
    private struct Parts {
        let database: DatabaseGuard
        let store: VerdictStore
        let signals: SignalSource
        let registry: StationRegistry
        let discovery: Discovery
        let processor: ImageProcessor
        let heartbeat: Heartbeat
        let health: StoreHealth
        let retention: RetentionSchedule
        let retraining: RetrainCoordinator
        let outputs: ResultOutputs
    }

    /// Runs until SIGTERM/SIGINT. READY=1 is sent once the model is loaded, the database
    /// migrated and the folders watched; few-shot parts are fitted in the background after
    /// that. Until then long engine work extends systemd's start timeout (`LoopPulse`).
    public func run() -> Outcome {
        var parts: Parts?
        let pulse = LoopPulse(notifier: notifier, clock: clock)
        pulse.attach()
        defer { pulse.detach() }
        pulse.extendStartIfDue()
        do {
            let signals = try SignalSource()
            notifier.status("opening database \(configuration.database)")
            let database = try DatabaseGuard(path: configuration.database)
            let opener = StoreOpener(path: configuration.database, notifier: notifier, logger: logger)
            guard let store = try opener.open(stopRequested: { signals.drain().contains { $0.isStop } },
                                              keepAlive: { pulse.extendStartIfDue() }) else {
                return .stopped
            }
            try storeOpened?(store)
            let p = wire(database: database, store: store, signals: signals)
            parts = p
            p.retraining.recoverInterrupted()
            notifier.status("loading model \(configuration.model.path)")
            pulse.extendStartIfDue()
            try p.registry.build(configuration)
            p.outputs.configure(configuration)
            p.discovery.watcher = try FolderWatcher.forStations(configuration.stations.map(WatchedStation.init(station:)))
            p.heartbeat.update("running")
            try p.discovery.scanAll(reason: "start-up")
            p.processor.retryFailedAfterProcessing()
            p.retention.applyIfDue(configuration.retention, evidence: configuration.evidence, force: true)
            pulse.heartbeat = p.heartbeat
            notifier.ready(status: p.heartbeat.statusLine())
            logger.info("inspectd ready", metadata: [
                "daemon.stations": "\(configuration.stations.map(\.name).joined(separator: ","))",
                "daemon.queue": "\((try? store.queueDepth()) ?? 0)",
            ])
            try loop(p)
        } catch {
            logger.critical("inspectd cannot continue: \(error)")
            notifier.status("failed: \(error)")
            parts?.heartbeat.update("stopped")
            return .failed
        }
        notifier.stopping()
        parts?.registry.stopFits()
        parts?.retraining.stop()
        parts?.outputs.stop()
        parts?.outputs.persist(now: clock.now)
        parts?.heartbeat.update("stopped")
        logger.info("inspectd stopped", metadata: ["daemon.processed": "\(parts?.processor.processed ?? 0)"])
        parts?.discovery.watcher?.close()
        return .stopped
    }

    private func wire(database: DatabaseGuard, store: VerdictStore, signals: SignalSource) -> Parts {
        let registry = StationRegistry(store: store, clock: clock, logger: logger)
        let processor = ImageProcessor(store: store, registry: registry, clock: clock, logger: logger)
        let discovery = Discovery(store: store, clock: clock, logger: logger,
                                  station: { registry[$0]?.configuration },
                                  leftover: { file, row in
                                      guard let station = registry[file.station] else { return }
                                      processor.applyAction(station, id: row.id, path: file.path, state: row.state)
                                  })
        processor.rediscover = { [unowned discovery] in discovery.discover($0) }
        processor.checkDatabase = { try database.check() }
        processor.evidence = EvidenceStore(databasePath: configuration.database)
        let health = StoreHealth(store: store, clock: clock, logger: logger)
        processor.health = health
        let outputs = ResultOutputs(store: store, logger: logger)
        processor.published = { outputs.published(id: $0, station: $1) }
        discovery.health = health
        let retraining = RetrainCoordinator(store: store, logger: logger, configPath: configPath, logLevel: logLevel)
        let heartbeat = Heartbeat(store: store, notifier: notifier, clock: clock, logger: logger, configPath: configPath)
        heartbeat.progress = { (processor.processed, processor.imagesPerMinute()) }
        registry.beforeLongWrite = { [unowned heartbeat] in heartbeat.pingNow() }
        heartbeat.modelVersion = { registry.modelVersionLabel }
        heartbeat.trainingJob = { retraining.runningJob }
        heartbeat.conditions = { [health.summary, discovery.unwatchedSummary, outputs.conditionSummary()].compactMap { $0 }
            + registry.fitConditions }
        discovery.pollInterval = configuration.rescanInterval
        heartbeat.onBeat = { [unowned self] in
            registry.recordFitProgress()
            outputs.persist(now: clock.now)
            do {
                let active = try store.activeVersionSummaries()
                retraining.tick(configuration: configuration, activeVersions: active.mapValues { ($0.id, $0.createdAt) })
            } catch {
                logger.warning("cannot read model versions: \(error)")
            }
        }
        return Parts(database: database, store: store, signals: signals, registry: registry, discovery: discovery, processor: processor,
                     heartbeat: heartbeat, health: health, retention: RetentionSchedule(store: store, clock: clock, logger: logger),
                     retraining: retraining, outputs: outputs)
    }

    private func loop(_ p: Parts) throws {
        while !stopRequested {
            handleSignals(p)
            if stopRequested { break }
            try p.discovery.drainEvents()
            p.discovery.recheckUnsettled()
            p.discovery.retryRescanIfDue()
            p.heartbeat.pingWatchdogIfDue()
            if p.health.fault != nil {
                // Nothing is claimed until the store works; then a rescan finds the new files.
                guard p.health.probeIfDue(status: { try p.heartbeat.write("running") }) else {
                    try waitForEvents(p)
                    continue
                }
                p.discovery.scanOrRetry(reason: "storage recovered")
            }
            p.registry.followActiveVersionsIfDue()
            try p.database.check()
            let claimed: InspectionRecord?
            do {
                claimed = try p.store.claimNext(at: clock.now)
            } catch where p.health.record(error) {
                continue
            }
            if let item = claimed {
                try p.processor.process(item)
                p.heartbeat.pingWatchdogIfDue()
                p.heartbeat.beatIfDue()
                continue
            }
            p.heartbeat.beatIfDue()
            p.retention.applyIfDue(configuration.retention, evidence: configuration.evidence)
            try waitForEvents(p)
        }
    }

    /// Blocks until inotify or a signal has something, or the heartbeat is due.
    private func waitForEvents(_ p: Parts) throws {
        guard let watcher = p.discovery.watcher else { return }
        var fds = [pollfd(fd: watcher.fileDescriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: p.signals.fileDescriptor, events: Int16(POLLIN), revents: 0)]
        var timeout = p.heartbeat.pollTimeout(settling: p.discovery.hasUnsettled)
        if let probe = p.health.secondsUntilProbe { timeout = min(timeout, max(Int32(probe * 1000), 100)) }
        let r = poll(&fds, nfds_t(fds.count), timeout)
        if r < 0 && errno != EINTR {
            throw DaemonError.system(call: "poll", errno: errno, detail: String(cString: strerror(errno)))
        }
    }

    private func handleSignals(_ p: Parts) {
        for request in p.signals.drain() {
            switch request {
            case .reload:
                p.heartbeat.update("reloading")
                let reloader = Reloader(configPath: configPath, registry: p.registry, discovery: p.discovery,
                                        notifier: notifier, logger: logger)
                configuration = reloader.reload(current: configuration, statusLine: p.heartbeat.statusLine)
                p.outputs.configure(configuration)
                p.discovery.pollInterval = configuration.rescanInterval
                p.heartbeat.update("running")
            case let .stop(signal):
                logger.info("stop requested", metadata: ["daemon.signal": "\(signal)"])
                stopRequested = true
                p.heartbeat.update("stopping")
            }
        }
    }
}
