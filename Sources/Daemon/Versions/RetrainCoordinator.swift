import Foundation
import Glibc
import Config
import Inspection
import Store
import Logging

/// The daemon's side of retraining: decides when a station is due (N new labels, every T
/// hours, or a job requested with `inspectctl retrain --now`), runs one job at a time as a
/// child process (`inspectd --train-job ID`) so a training crash or its memory never touches
/// inspection, forwards cancellation, and records a job whose process died.
final class RetrainCoordinator {
    private let store: VerdictStore
    private let logger: Logger
    private let configPath: String
    private let logLevel: Logger.Level
    private var child: (pid: pid_t, job: Int64, since: Double, terminatedAt: Double?)?

    init(store: VerdictStore, logger: Logger, configPath: String, logLevel: Logger.Level) {
        self.store = store
        self.logger = logger
        self.configPath = configPath
        self.logLevel = logLevel
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// Jobs a previous daemon left running died with it.
    func recoverInterrupted() {
        do {
            for job in try store.trainingJobs(open: true, limit: 1000) where job.state == .running {
                try store.finishTrainingJob(id: job.id, state: .failed, message: "interrupted: inspectd stopped or crashed",
                                            at: Self.now())
                if let pid = job.pid, pid > 0, kill(pid, 0) == 0, Self.isOurWorker(pid) { kill(pid, SIGTERM) }
            }
        } catch {
            logger.warning("cannot check for interrupted training jobs: \(error)")
        }
    }

    /// Whether a training job is running (for the status line).
    var runningJob: Int64? { child?.job }

    /// Called every couple of seconds from the daemon loop.
    func tick(configuration: InspectdConfiguration, activeVersions: [String: (id: Int64, createdAt: Double)]) {
        if child != nil {
            superviseChild()
            return
        }
        do {
            // Judging a published version (docs/fleet.md) is not retraining: it runs even
            // with [retrain] off.
            if configuration.retrain.enabled {
                try requestDueJobs(configuration, activeVersions: activeVersions)
            }
            let startable = try store.trainingJobs(open: true, limit: 1000).filter {
                $0.state == .requested && (configuration.retrain.enabled || $0.trigger == VerdictStore.publishedTrigger)
            }
            if let next = startable.min(by: { $0.id < $1.id }) {
                guard configuration.stations.contains(where: { $0.name == next.station }) else {
                    try store.finishTrainingJob(id: next.id, state: .failed,
                                                message: "station \(next.station) is not configured", at: Self.now())
                    return
                }
                try start(next, configuration: configuration)
            }
        } catch {
            logger.error("retraining: \(error)")
        }
    }

    /// Label-count and schedule triggers. Counting from the later of the active version's
    /// creation and the last job's end keeps a job that failed (too few labels, say) from
    /// being retried until something changed.
    private func requestDueJobs(_ configuration: InspectdConfiguration,
                                activeVersions: [String: (id: Int64, createdAt: Double)]) throws {
        let retrain = configuration.retrain
        let now = Self.now()
        for station in configuration.stations {
            guard let active = activeVersions[station.name] else { continue }
            let since = max(active.createdAt, try store.lastTrainingEnd(station: station.name) ?? 0)
            if retrain.afterLabels > 0 {
                let fresh = try store.labelCount(station: station.name, since: since)
                if fresh >= retrain.afterLabels {
                    let job = try store.requestTraining(station: station.name, trigger: "labels", at: now)
                    logger.info("retraining due: \(fresh) new labels", metadata: ["inspection.station": "\(station.name)",
                                                                                 "training.job": "\(job.id)"])
                    continue
                }
            }
            if retrain.everyHours > 0, now - since >= retrain.everyHours * 3600 {
                let job = try store.requestTraining(station: station.name, trigger: "schedule", at: now)
                logger.info("retraining due by schedule", metadata: ["inspection.station": "\(station.name)",
                                                                     "training.job": "\(job.id)"])
            }
        }
    }

    private func start(_ job: TrainingJob, configuration: InspectdConfiguration) throws {
        let executable = "/proc/self/exe"
        let arguments = ["inspectd", "--config", configPath, "--train-job", "\(job.id)", "--log-level", logLevel.rawValue]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "\(configuration.retrain.threads)"
        environment["NOTIFY_SOCKET"] = nil
        environment["WATCHDOG_USEC"] = nil
        environment["WATCHDOG_PID"] = nil
        let pid = try Self.spawn(executable, arguments: arguments, environment: environment, job: job.id)
        child = (pid, job.id, Self.now(), nil)
        logger.info("training job spawned", metadata: ["training.job": "\(job.id)", "training.pid": "\(pid)",
                                                       "inspection.station": "\(job.station)", "training.trigger": "\(job.trigger)"])
    }

    private func superviseChild() {
        guard let current = child else { return }
        var status: Int32 = 0
        let r = waitpid(current.pid, &status, WNOHANG)
        if r == current.pid || (r < 0 && errno == ECHILD) {
            child = nil
            let exited = r == current.pid && (status & 0x7f) == 0
            let code = (status >> 8) & 0xff
            let signal = status & 0x7f
            if let job = try? store.trainingJob(id: current.job), !job.state.isFinal {
                let why = exited ? "training process exited with status \(code)" : "training process killed by signal \(signal)"
                try? store.finishTrainingJob(id: current.job, state: current.terminatedAt == nil ? .failed : .cancelled,
                                             message: why, at: Self.now())
                logger.error("training job ended without a result: \(why)", metadata: ["training.job": "\(current.job)"])
            } else {
                logger.info("training process finished", metadata: ["training.job": "\(current.job)"])
            }
            return
        }
        if let sent = current.terminatedAt {
            if Self.now() - sent > 30 { kill(current.pid, SIGKILL) }
            return
        }
        if (try? store.trainingJob(id: current.job).cancelRequested) == true {
            logger.info("cancelling training job", metadata: ["training.job": "\(current.job)"])
            kill(current.pid, SIGTERM)
            child?.terminatedAt = Self.now()
        }
    }

    /// On daemon stop: ask the worker to stop, wait briefly, then kill it.
    func stop() {
        guard let current = child else { return }
        kill(current.pid, SIGTERM)
        let deadline = Self.now() + 5
        var status: Int32 = 0
        while Self.now() < deadline {
            if waitpid(current.pid, &status, WNOHANG) == current.pid { break }
            usleep(50_000)
        }
        if waitpid(current.pid, &status, WNOHANG) == 0 {
            kill(current.pid, SIGKILL)
            _ = waitpid(current.pid, &status, 0)
        }
        child = nil
        if let job = try? store.trainingJob(id: current.job), !job.state.isFinal {
            try? store.finishTrainingJob(id: current.job, state: .cancelled, message: "inspectd stopped", at: Self.now())
        }
    }

    /// A pid recorded by a previous daemon may have been reused by an unrelated process.
    static func isOurWorker(_ pid: pid_t) -> Bool {
        guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: cmdline, as: UTF8.self).contains("--train-job")
    }

    /// posix_spawn with an explicit environment; the child gets no inherited descriptors
    /// beyond stdio (inotify and the signal pipe are close-on-exec).
    static func spawn(_ path: String, arguments: [String], environment: [String: String], job: Int64) throws -> pid_t {
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let rc = posix_spawn(&pid, path, nil, nil, argv, envp)
        guard rc == 0 else {
            throw DaemonError.training(job: job, problem: "cannot start \(path): \(String(cString: strerror(rc)))")
        }
        return pid
    }
}
