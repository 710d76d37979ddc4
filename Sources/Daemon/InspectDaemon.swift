import Engine
import Foundation
import Glibc
import Config
import Inspection
import Store
import Logging

/// The inspectd process: discovers images (start-up scan + inotify), records each in the
/// durable queue before anything else, scores them one at a time, writes the verdict and
/// applies the station's after-processing action — all on one thread, with signals and
/// inotify multiplexed by poll(). Crash safety comes from the store: a file is recorded once
/// per content, `processing` rows are redone after a crash, a verdict is one transaction.
public final class InspectDaemon {
    /// Exit status for the process.
    public enum Outcome: Int32 {
        case stopped = 0
        case failed = 1
    }

    private var configuration: InspectdConfiguration
    private let configPath: String
    private var logger: Logger
    private let notifier: SystemdNotifier
    private var store: VerdictStore?
    private var watcher: FolderWatcher?
    private var signals: SignalSource?
    private var stations: [String: StationRuntime] = [:]
    private var models: [String: (model: CLIPModel, hash: String)] = [:]
    private var tokenizer: CLIPTokenizer?
    private var retraining: RetrainCoordinator?
    private let logLevel: Logger.Level
    /// Versions that failed to load, so the poll does not retry them every two seconds.
    private var unusableVersions: Set<Int64> = []
    private var throughput = Throughput()
    private var processed = 0
    private var startedAt = 0.0
    private var lastWatchdog = 0.0
    private var lastHeartbeat = 0.0
    private var lastRetention = 0.0
    private var lastVersionCheck = 0.0
    private var state = "starting"
    private var stopRequested = false
    /// Files a scan found still changing: recorded once their mtime has been stable for
    /// `settleSeconds` (a scan cannot see whether a writer still has a file open).
    private var unsettled: [ReadyFile: Double] = [:]
    /// How long a scanned file must be unmodified before it is read.
    let settleSeconds = 2.0
    /// When a failed rescan (missing station folder) is tried again.
    private var rescanDue: Double?

    /// A daemon for a validated configuration loaded from `configPath`.
    public init(configuration: InspectdConfiguration, configPath: String, logger: Logger,
                notifier: SystemdNotifier = SystemdNotifier(), logLevel: Logger.Level = .info) {
        self.configuration = configuration
        self.configPath = configPath
        self.logger = logger
        self.notifier = notifier
        self.logLevel = logLevel
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Runs until SIGTERM/SIGINT. READY=1 is sent only after the model is loaded and the
    /// database migrated.
    public func run() -> Outcome {
        startedAt = Self.now()
        do {
            signals = try SignalSource()
            notifier.status("opening database \(configuration.database)")
            let store = try VerdictStore.openForWriting(path: configuration.database)
            self.store = store
            let requeued = try store.requeueInterrupted()
            if requeued > 0 {
                logger.warning("requeued images interrupted by the previous run", metadata: ["queue.requeued": "\(requeued)"])
            }
            let retraining = RetrainCoordinator(store: store, logger: logger, configPath: configPath, logLevel: logLevel)
            retraining.recoverInterrupted()
            self.retraining = retraining
            notifier.status("loading model \(configuration.model.path)")
            try buildStations(configuration)
            watcher = try FolderWatcher(stations: configuration.stations.map(Self.watched))
            updateStatus("running")
            try scanAll(reason: "start-up")
            applyRetentionIfDue(force: true)
            notifier.ready(status: statusLine())
            logger.info("inspectd ready", metadata: [
                "daemon.stations": "\(configuration.stations.map(\.name).joined(separator: ","))",
                "daemon.queue": "\((try? store.queueDepth()) ?? 0)",
            ])
            try loop()
        } catch {
            logger.critical("inspectd cannot continue: \(error)")
            notifier.status("failed: \(error)")
            updateStatus("stopped")
            return .failed
        }
        notifier.stopping()
        retraining?.stop()
        updateStatus("stopped")
        logger.info("inspectd stopped", metadata: ["daemon.processed": "\(processed)"])
        watcher?.close()
        return .stopped
    }

    // MARK: loop

    private func loop() throws {
        guard let store, let signals, let watcher else { return }
        while !stopRequested {
            handleSignals(signals.drain())
            if stopRequested { break }
            try drainWatcher()
            recheckUnsettled()
            if let due = rescanDue, Self.monotonic() >= due {
                rescanDue = nil
                do { try scanAll(reason: "retry") } catch {
                    logger.error("rescan failed, will retry: \(error)")
                    rescanDue = Self.monotonic() + 10
                }
            }
            pingWatchdogIfDue()
            followActiveVersionsIfDue()
            if let item = try store.claimNext(at: Self.now()) {
                process(item)
                continue
            }
            heartbeatIfDue()
            applyRetentionIfDue(force: false)
            var fds = [pollfd(fd: self.watcher?.fileDescriptor ?? watcher.fileDescriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: signals.fileDescriptor, events: Int16(POLLIN), revents: 0)]
            var seconds = min(notifier.watchdogInterval.map { $0 / 2 } ?? 5, 5)
            if !unsettled.isEmpty { seconds = min(seconds, 0.5) }
            let timeout = Int32(seconds * 1000)
            let r = poll(&fds, nfds_t(fds.count), max(timeout, 100))
            if r < 0 && errno != EINTR {
                throw DaemonError.system(call: "poll", errno: errno, detail: String(cString: strerror(errno)))
            }
        }
    }

    private func handleSignals(_ requests: [SignalSource.Request]) {
        for request in requests {
            switch request {
            case .reload:
                reload()
            case let .stop(signal):
                logger.info("stop requested", metadata: ["daemon.signal": "\(signal)"])
                stopRequested = true
                updateStatus("stopping")
            }
        }
    }

    private func drainWatcher() throws {
        guard let watcher else { return }
        for event in try watcher.readEvents() {
            switch event {
            case let .ready(file):
                discover(file)
            case let .found(file):
                discover(file, fromScan: true)
            case .overflow:
                logger.warning("inotify reported lost events (queue overflow or a station folder went away); rescanning")
                do {
                    try scanAll(reason: "overflow")
                } catch {
                    // A vanished station folder must not stop the other stations; retry later.
                    logger.error("rescan failed, will retry: \(error)")
                    rescanDue = Self.monotonic() + 10
                }
            }
        }
    }

    private func scanAll(reason: String) throws {
        guard let watcher else { return }
        let files = try watcher.scan()
        for file in files { discover(file, fromScan: true) }
        logger.info("scanned folders", metadata: ["scan.reason": "\(reason)", "scan.files": "\(files.count)",
                                                  "scan.unsettled": "\(unsettled.count)"])
    }

    /// Records scanned files whose mtime has not moved for `settleSeconds`.
    private func recheckUnsettled() {
        guard !unsettled.isEmpty else { return }
        let now = Self.now()
        for (file, _) in unsettled {
            unsettled[file] = nil
            discover(file, fromScan: true, now: now)
        }
    }

    // MARK: discovery

    /// Records a ready file in the queue (once per content). Files already verdicted whose
    /// after-processing action did not happen (crash in between) get it now.
    private func discover(_ file: ReadyFile, fromScan: Bool = false, now: Double = InspectDaemon.now()) {
        guard let store, let station = stations[file.station] else { return }
        var info = stat()
        guard stat(file.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return }
        let size = Int64(info.st_size)
        let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
        if fromScan && now - mtime < settleSeconds {
            unsettled[file] = now
            return
        }
        if !fromScan { unsettled[file] = nil }
        do {
            if let known = try store.latestFingerprint(station: file.station, path: file.path),
               known.size == size, known.mtime == mtime {
                try finishLeftover(file, hash: known.contentHash, station: station)
                return
            }
            let hash = try ContentHash.sha256(file: file.path)
            let discovered = DiscoveredFile(station: file.station, path: file.path, size: size, mtime: mtime,
                                            contentHash: hash)
            if try store.recordDiscovered(discovered, at: Self.now()) == nil {
                try finishLeftover(file, hash: hash, station: station)
            } else {
                logger.debug("queued", metadata: ["inspection.station": "\(file.station)", "inspection.path": "\(file.path)"])
            }
        } catch {
            logger.error("cannot record discovered file: \(error)",
                         metadata: ["inspection.station": "\(file.station)", "inspection.path": "\(file.path)"])
        }
    }

    private func finishLeftover(_ file: ReadyFile, hash: String, station: StationRuntime) throws {
        guard let store, let record = try store.record(station: file.station, path: file.path, contentHash: hash),
              record.state == .done || record.state == .error else { return }
        applyAction(station, path: file.path, state: record.state)
    }

    // MARK: processing

    private func process(_ item: InspectionRecord) {
        guard let store else { return }
        let meta: Logger.Metadata = ["inspection.station": "\(item.station)", "inspection.path": "\(item.path)",
                                     "inspection.id": "\(item.id)"]
        guard let station = stations[item.station] else {
            try? store.fail(id: item.id, kind: "station_removed",
                            message: "station \(item.station) is no longer configured", timings: nil, at: Self.now())
            return
        }
        do {
            let hash = try ContentHash.sha256(file: item.path)
            guard hash == item.contentHash else {
                try store.fail(id: item.id, kind: "content_changed",
                               message: "file content changed after discovery (now \(hash.prefix(12))); the new content is queued separately",
                               timings: nil, at: Self.now())
                discover(ReadyFile(station: item.station, path: item.path))
                return
            }
            let result = try station.inspector.inspect(file: item.path)
            let geometry = (try? String(decoding: JSONEncoder().encode(result.geometry), as: UTF8.self)) ?? "{}"
            var thresholds = station.inspector.configuration.thresholds
            var finalVerdict = result.verdict
            var score = result.score
            var map = result.map
            let version = station.modelVersion
            let outcome = try station.fewShot.map { try $0.apply(to: result, inspector: station.inspector) }
            if let outcome {
                thresholds = outcome.thresholds
                finalVerdict = outcome.verdict
                score = outcome.score
                map = outcome.map
            }
            var verdict = StoredVerdict(
                verdict: finalVerdict, score: score,
                imageProbability: Double(result.scores.imageProbabilities.anomalous),
                mapMaximum: Double(result.scores.mapMaximum), reviewThreshold: thresholds.review,
                failThreshold: thresholds.fail, scoreMode: station.inspector.configuration.scoreMode.rawValue,
                modelVersion: version, timings: result.timings,
                originalWidth: result.geometry.originalWidth, originalHeight: result.geometry.originalHeight,
                geometryJSON: geometry, map: try? EncodedMap(map))
            verdict.versionID = station.versionID
            if let outcome, station.fewShot?.memory != nil { verdict.fusedScore = outcome.score }
            if let defect = outcome?.defect {
                verdict.defectClass = defect.className
                verdict.defectProbability = defect.probability
                verdict.defectSet = defect.predictionSet
            }
            try store.complete(id: item.id, with: verdict, at: Self.now())
            logger.info("verdict", metadata: meta.merging([
                "verdict.verdict": "\(finalVerdict.rawValue)", "verdict.score": "\(String(format: "%.4f", score))",
                "verdict.ms": "\(String(format: "%.1f", result.timings.total * 1000))",
                "verdict.defect": "\(outcome?.defect?.className ?? "-")",
            ]) { $1 })
            applyAction(station, path: item.path, state: .done)
        } catch {
            let kind = (error as? InspectionError)?.kind ?? "internal"
            do {
                try store.fail(id: item.id, kind: kind, message: "\(error)", timings: nil, at: Self.now())
            } catch {
                logger.error("cannot record the error of an image: \(error)", metadata: meta)
            }
            logger.warning("image could not be scored: \(error)", metadata: meta.merging(["verdict.error": "\(kind)"]) { $1 })
            applyAction(station, path: item.path, state: .error)
        }
        processed += 1
        throughput.record(at: Self.now())
        pingWatchdogIfDue()
        heartbeatIfDue()
    }

    private func applyAction(_ station: StationRuntime, path: String, state: InspectionState) {
        do {
            if let done = try station.action.apply(path: path, state: state) {
                logger.debug("after processing: \(done)", metadata: ["inspection.path": "\(path)"])
            }
        } catch {
            logger.error("after-processing action failed: \(error)", metadata: ["inspection.path": "\(path)"])
        }
    }

    // MARK: stations and reload

    static func watched(_ s: StationConfiguration) -> WatchedStation {
        WatchedStation(name: s.name, folder: s.folder, recursive: s.recursive, patterns: s.patterns)
    }

    /// Builds one inspector per station, sharing loaded models (by path) and tokenizer, each
    /// on its station's active model version (created when missing or out of date).
    private func buildStations(_ config: InspectdConfiguration) throws {
        guard let store else { return }
        var built = [String: StationRuntime]()
        var loaded = [String: (model: CLIPModel, hash: String)]()
        let tokenizer: CLIPTokenizer
        do { tokenizer = try self.tokenizer ?? CLIPTokenizer() } catch let e as EngineError { throw DaemonError.inspection(.engine(e)) }
        self.tokenizer = tokenizer
        let promptsHash = try config.model.promptsPath.map { try ContentHash.sha256(file: $0) }
        var loader = VersionLoader(store: store, tokenizer: tokenizer,
                                   fewShot: config.fewShot.enabled ? try config.fewShot.settings() : nil, logger: logger)
        loader.status = { [notifier] in notifier.status($0) }
        for station in config.stations {
            let ic = config.inspectorConfiguration(for: station)
            let key = Self.modelKey(ic)
            let entry: (model: CLIPModel, hash: String)
            if let cached = loaded[key] ?? models[key] {
                entry = cached
            } else {
                let model: CLIPModel
                do {
                    model = try CLIPModel.load(path: ic.modelPath, options: .init(configPath: ic.modelConfigPath))
                } catch let e as EngineError {
                    throw DaemonError.inspection(.engine(e))
                }
                entry = (model, try ContentHash.sha256(file: ic.modelPath))
                logger.info("model loaded", metadata: ["model.path": "\(ic.modelPath)",
                                                       "model.architecture": "\(model.architecture)"])
            }
            loaded[key] = entry
            let base = VersionLoader.Base(station: station, config: config, model: entry.model, modelHash: entry.hash,
                                          promptsHash: promptsHash)
            let runtime = try loader.runtime(base, now: Self.now())
            built[station.name] = runtime
            try recordCalibration(runtime)
            logger.info("station ready", metadata: [
                "inspection.station": "\(station.name)", "version.id": "\(runtime.versionID)",
                "version.text": "\(runtime.inspector.textSource)",
                "fewshot.thresholds": "\(runtime.fewShot?.calibrationNote ?? "none")",
            ])
        }
        stations = built
        models = loaded
        unusableVersions = []
    }

    /// Stations on the same checkpoint and config share one loaded model.
    static func modelKey(_ ic: InspectorConfiguration) -> String {
        "\(ic.modelPath)|\(ic.modelConfigPath ?? "")"
    }

    /// `station_calibration` for `inspectctl status`: what the station's version calibrated.
    private func recordCalibration(_ runtime: StationRuntime) throws {
        guard let store, let model = runtime.fewShot else { return }
        try store.updateCalibration(StationCalibration(
            station: runtime.configuration.name, review: model.thresholds?.review, fail: model.thresholds?.fail,
            method: model.thresholds?.method, goodCount: model.goodCount, defectCount: model.defectCount,
            classifier: model.classifier?.method.rawValue, note: model.calibrationNote, updatedAt: Self.now()))
    }

    /// Checked before an image is claimed (at most twice a second), so an image dropped after
    /// a switch was made in the database is scored by the new version.
    private func followActiveVersionsIfDue() {
        let now = Self.monotonic()
        guard let store, now - lastVersionCheck >= 0.5 else { return }
        lastVersionCheck = now
        do {
            followActiveVersions(try store.activeVersionSummaries().mapValues(\.id))
        } catch {
            logger.warning("cannot read active model versions: \(error)")
        }
    }

    /// Follows `inspectctl model activate/rollback` and promotions by the training process:
    /// a station whose active version changed in the database is rebuilt on it. A version
    /// that cannot be loaded is logged once and the station keeps its current one.
    private func followActiveVersions(_ ids: [String: Int64]) {
        guard let store, let tokenizer else { return }
        for (name, runtime) in stations {
            guard let id = ids[name], id != runtime.versionID, !unusableVersions.contains(id) else { continue }
            do {
                let version = try store.version(id: id)
                let ic = runtime.inspector.configuration
                let key = Self.modelKey(ic)
                guard let entry = models[key] else { continue }
                let promptsHash = try configuration.model.promptsPath.map { try ContentHash.sha256(file: $0) }
                let base = VersionLoader.Base(station: runtime.configuration, config: configuration, model: entry.model,
                                              modelHash: entry.hash, promptsHash: promptsHash)
                let loader = VersionLoader(store: store, tokenizer: tokenizer,
                                           fewShot: configuration.fewShot.enabled ? try configuration.fewShot.settings() : nil,
                                           logger: logger)
                let next = try loader.runtime(base, version: version)
                stations[name] = next
                try recordCalibration(next)
                logger.notice("switched model version", metadata: [
                    "inspection.station": "\(name)", "version.from": "\(runtime.versionID)", "version.to": "\(id)",
                    "version.reason": "\(version.note ?? version.decision ?? "-")",
                ])
            } catch {
                unusableVersions.insert(id)
                logger.error("cannot switch to model version \(id); keeping version \(runtime.versionID): \(error)",
                             metadata: ["inspection.station": "\(name)"])
            }
        }
    }

    /// SIGHUP: re-read the configuration; on any error keep running with the old one.
    private func reload() {
        notifier.reloading()
        updateStatus("reloading")
        logger.info("reloading configuration", metadata: ["daemon.config": "\(configPath)"])
        let previous = (configuration, stations, models)
        do {
            let next = try InspectdConfiguration.load(path: configPath)
            try next.checkFileSystem()
            guard next.database == configuration.database else {
                throw ConfigError.invalid(file: configPath, key: "database", value: next.database,
                                         problem: "cannot change while running; restart inspectd")
            }
            try buildStations(next)
            let newWatcher = try FolderWatcher(stations: next.stations.map(Self.watched))
            watcher?.close()
            watcher = newWatcher
            configuration = next
            try scanAll(reason: "reload")
            logger.info("configuration reloaded", metadata: ["daemon.stations": "\(next.stations.count)"])
            notifier.ready(status: statusLine())
        } catch {
            (configuration, stations, models) = previous
            logger.error("reload failed, keeping the previous configuration: \(error)")
            notifier.ready(status: "reload failed (\(error)); running with the previous configuration; " + statusLine())
        }
        updateStatus("running")
    }

    // MARK: status

    private func statusLine() -> String {
        let queue: Int = (try? store?.queueDepth()) ?? 0
        let line = String(format: "processed %d, queue %d, %.1f img/min", processed, queue,
                          throughput.perMinute(now: Self.now()))
        return retraining?.runningJob.map { line + ", training job \($0)" } ?? line
    }

    private func pingWatchdogIfDue() {
        let now = Self.monotonic()
        let interval = notifier.watchdogInterval.map { $0 / 2 } ?? 5
        guard now - lastWatchdog >= min(interval, 5) else { return }
        lastWatchdog = now
        if notifier.watchdogInterval != nil { notifier.watchdog() }
        notifier.status(statusLine())
    }

    private func heartbeatIfDue() {
        let now = Self.monotonic()
        guard now - lastHeartbeat >= 2 else { return }
        lastHeartbeat = now
        guard let store, let retraining else { return }
        do {
            let active = try store.activeVersionSummaries()
            retraining.tick(configuration: configuration, activeVersions: active.mapValues { ($0.id, $0.createdAt) })
        } catch {
            logger.warning("cannot read model versions: \(error)")
        }
        updateStatus(state)
    }

    private func updateStatus(_ newState: String) {
        state = newState
        guard let store else { return }
        let status = DaemonStatus(pid: getpid(), startedAt: startedAt, heartbeatAt: Self.now(), state: newState,
                                  processed: processed, imagesPerMinute: throughput.perMinute(now: Self.now()),
                                  configPath: configPath,
                                  modelVersion: stations.values.map(\.modelVersion).sorted().first ?? "")
        do { try store.updateStatus(status) } catch { logger.warning("cannot write daemon status: \(error)") }
    }

    private func applyRetentionIfDue(force: Bool) {
        let now = Self.monotonic()
        guard force || now - lastRetention >= 3600 else { return }
        lastRetention = now
        guard let store, configuration.retention.verdictDays != nil || configuration.retention.mapDays != nil else { return }
        do {
            let removed = try store.applyRetention(verdictDays: configuration.retention.verdictDays,
                                                   mapDays: configuration.retention.mapDays, now: Self.now())
            if removed.rows + removed.maps > 0 {
                logger.info("retention applied", metadata: ["retention.rows": "\(removed.rows)", "retention.maps": "\(removed.maps)"])
            }
        } catch {
            logger.warning("retention failed: \(error)")
        }
    }
}
