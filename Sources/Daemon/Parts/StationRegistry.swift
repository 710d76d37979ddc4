import Config
import Engine
import Foundation
import Inspection
import Logging
import Store

/// The stations the daemon scores for, each on its active model version: builds them from
/// the configuration (sharing loaded checkpoints and the tokenizer), and follows version
/// switches made in the database by `inspectctl model activate/rollback` or a promotion.
final class StationRegistry {
    let store: VerdictStore
    let clock: DaemonClock
    let logger: Logger
    var stations: [String: StationRuntime] = [:]
    private var models: [String: (model: CLIPModel, hash: String)] = [:]
    var tokenizer: CLIPTokenizer?
    /// Versions that failed to load, so the poll does not retry them twice a second.
    private var unusableVersions: Set<Int64> = []
    private var lastVersionCheck = -Double.infinity
    /// The configuration the stations were built from.
    private(set) var configuration: InspectdConfiguration?
    /// Runs the background few-shot fits (one at a time).
    let fitter: FewShotFitter
    /// Fits planned and not yet installed, by station (see StationRegistry+Fits.swift).
    var pendingFits: [String: PendingFit] = [:]
    /// Last fit progress written to the store, to write only changes.
    var recordedFitProgress: [String: Int] = [:]
    /// Called just before a loop step that may take seconds without engine ticks (writing a
    /// fitted version's memory bank): the daemon pings the watchdog there, so the whole step
    /// counts against the watchdog period instead of whatever was left of it.
    var beforeLongWrite: () -> Void = {}

    /// A fit waiting for the worker, or on it.
    struct PendingFit {
        var job: FewShotFitJob
        /// Unix seconds before which it may not start (back-off), nil: now.
        var notBefore: Double?
        var started = false
        /// Attempt number of the running start.
        var attempt = 0
    }

    init(store: VerdictStore, clock: DaemonClock, logger: Logger, fitter: FewShotFitter? = nil) {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.fitter = fitter ?? FewShotFitter(logger: logger) { job, progress in try VersionLoader.fit(job, progress: progress) }
    }

    subscript(name: String) -> StationRuntime? { stations[name] }

    /// Checkpoints in memory: stations on the same checkpoint share one.
    var loadedModelCount: Int { models.count }

    /// The lowest model version label, for the daemon status row.
    var modelVersionLabel: String { stations.values.map(\.modelVersion).sorted().first ?? "" }

    /// What a reload puts back when the new configuration fails.
    struct Snapshot {
        fileprivate let stations: [String: StationRuntime]
        fileprivate let models: [String: (model: CLIPModel, hash: String)]
        fileprivate let configuration: InspectdConfiguration?
        fileprivate let pendingFits: [String: PendingFit]
    }

    var snapshot: Snapshot {
        Snapshot(stations: stations, models: models, configuration: configuration, pendingFits: pendingFits)
    }

    func restore(_ snapshot: Snapshot) {
        stations = snapshot.stations
        models = snapshot.models
        configuration = snapshot.configuration
        restoreFits(snapshot.pendingFits)
    }

    /// Builds one pipeline per station, sharing loaded models (by path) and the tokenizer,
    /// each on its station's active model version (created when missing or out of date). A
    /// station whose version needs few-shot parts fitted on labels runs an interim and gets a
    /// background fit (`scheduleFits`), so this never encodes labelled images.
    func build(_ config: InspectdConfiguration) throws {
        var built = [String: StationRuntime]()
        var jobs = [String: FewShotFitJob]()
        var loaded = [String: (model: CLIPModel, hash: String)]()
        let tokenizer = try self.tokenizer ?? Self.engine { try CLIPTokenizer() }
        self.tokenizer = tokenizer
        var loader = try versionLoader(config, tokenizer: tokenizer)
        loader.previous = stations
        let promptsHash = try config.model.promptsPath.map { try ContentHash.sha256(file: $0) }
        for station in config.stations {
            let ic = config.inspectorConfiguration(for: station)
            let key = Self.modelKey(ic)
            let entry: (model: CLIPModel, hash: String)
            if let cached = loaded[key] ?? models[key] {
                entry = cached
            } else {
                // Lean: the text tower is converted only while text vectors are computed (start-up,
                // reload, version switch, few-shot refit); between those the daemon holds the image tower.
                let model = try Self.engine {
                    try CLIPModel.load(path: ic.modelPath, options: .init(configPath: ic.modelConfigPath, residency: .visionOnly))
                }
                entry = (model, try ContentHash.sha256(file: ic.modelPath))
                logger.info("model loaded", metadata: ["model.path": "\(ic.modelPath)",
                                                       "model.architecture": "\(model.architecture)"])
            }
            loaded[key] = entry
            let plan = try loader.plan(.init(station: station, config: config, model: entry.model,
                                             modelHash: entry.hash, promptsHash: promptsHash), now: clock.now)
            let runtime: StationRuntime
            switch plan {
            case let .ready(ready):
                runtime = ready
            case let .fit(interim, job):
                runtime = interim
                jobs[station.name] = job
            }
            built[station.name] = runtime
            try recordCalibration(runtime)
            logger.info("station ready", metadata: [
                "inspection.station": "\(station.name)", "version.id": "\(runtime.versionID.map(String.init) ?? "none")",
                "fewshot.fit": "\(jobs[station.name].map { "\($0.images.count) labels in the background" } ?? "none")",
                "version.text": "\(runtime.pipeline.inspector.textSource)",
                "fewshot.thresholds": "\(runtime.pipeline.fewShot?.calibrationNote ?? "none")",
            ])
        }
        stations = built
        models = loaded
        configuration = config
        unusableVersions = []
        scheduleFits(jobs)
    }

    /// Stations on the same checkpoint and config share one loaded model.
    static func modelKey(_ ic: InspectorConfiguration) -> String {
        "\(ic.modelPath)|\(ic.modelConfigPath ?? "")"
    }

    /// Checked before an image is claimed (at most twice a second), so an image dropped after
    /// a switch was made in the database is scored by the new version.
    func followActiveVersionsIfDue() {
        let now = clock.monotonic
        guard now - lastVersionCheck >= 0.5 else { return }
        lastVersionCheck = now
        tendFits()
        do {
            followActiveVersions(try store.activeVersionSummaries().mapValues(\.id))
        } catch {
            logger.warning("cannot read active model versions: \(error)")
        }
    }

    /// A station whose active version changed in the database is rebuilt on it. A version
    /// that cannot be loaded is logged once and the station keeps its current one.
    func followActiveVersions(_ ids: [String: Int64]) {
        guard let tokenizer, let configuration else { return }
        for (name, runtime) in stations {
            guard let id = ids[name], id != runtime.versionID, !unusableVersions.contains(id) else { continue }
            if let pending = pendingFits[name] {
                // The fit was planned against this active version: nothing changed yet.
                if pending.job.activeAtPlan == id { continue }
                dropFit(name, reason: "version \(id) was activated while fitting")
            }
            do {
                let version = try store.version(id: id)
                guard let entry = models[Self.modelKey(runtime.pipeline.inspector.configuration)] else { continue }
                let loader = try versionLoader(configuration, tokenizer: tokenizer)
                let promptsHash = try configuration.model.promptsPath.map { try ContentHash.sha256(file: $0) }
                let base = VersionLoader.Base(station: runtime.configuration, config: configuration, model: entry.model,
                                              modelHash: entry.hash, promptsHash: promptsHash)
                let next: StationRuntime
                switch try loader.plan(base, version: version) {
                case let .ready(ready):
                    next = ready
                case let .fit(interim, job):
                    // Pruned few-shot parts: run without them until the background fit is done.
                    next = interim
                    scheduleFit(job)
                }
                stations[name] = next
                try recordCalibration(next)
                logger.notice("switched model version", metadata: [
                    "inspection.station": "\(name)", "version.from": "\(runtime.versionID.map(String.init) ?? "none")",
                    "version.to": "\(id)",
                    "version.reason": "\(version.note ?? version.decision ?? "-")",
                ])
            } catch {
                unusableVersions.insert(id)
                logger.error("cannot switch to model version \(id); keeping version \(runtime.versionID.map(String.init) ?? "none"): \(error)",
                             metadata: ["inspection.station": "\(name)"])
            }
        }
    }

    func versionLoader(_ config: InspectdConfiguration, tokenizer: CLIPTokenizer) throws -> VersionLoader {
        var loader = VersionLoader(store: store, tokenizer: tokenizer,
                                   fewShot: config.fewShot.enabled ? try config.fewShot.settings() : nil, logger: logger)
        loader.refineWindow = config.fewShot.refineWindow
        loader.inputs = LabelInputs(configuration: config)
        return loader
    }

    /// `station_calibration` for `inspectctl status`: what the station's version calibrated.
    func recordCalibration(_ runtime: StationRuntime) throws {
        guard let model = runtime.pipeline.fewShot else { return }
        try store.updateCalibration(StationCalibration(
            station: runtime.configuration.name, review: model.thresholds?.review, fail: model.thresholds?.fail,
            method: model.thresholds?.method, goodCount: model.goodCount, defectCount: model.defectCount,
            classifier: model.classifier?.method.rawValue, note: model.calibrationNote, updatedAt: clock.now))
    }

    /// Engine errors reach the daemon wrapped like every other inspection failure.
    private static func engine<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as EngineError { throw DaemonError.inspection(.engine(e)) }
    }
}
