import Config
import Foundation
import Logging
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `kind = "exec"`: runs a command with the verdict JSON on stdin, for site-specific glue.
///
/// `concurrency` worker threads take verdicts from a queue of at most `queue` entries; when
/// the queue is full the verdict is dropped for this output (counted, logged: the log still
/// has it). A command that outlives `timeout` has its process group killed. None of this
/// runs on the daemon's loop, so a hanging command never delays scoring.
final class ExecOutput: ResultOutput, @unchecked Sendable {
    let station: String
    let configuration: OutputConfiguration
    let settings: ExecOutputSettings
    private let logger: Logger
    private let counters: OutputCounters
    private let condition = NSCondition()
    private var queue = [OutputVerdict]()
    private var running = Set<pid_t>()
    private var stopping = false
    private var lastDropLog = -Double.infinity

    init(station: String, configuration: OutputConfiguration, settings: ExecOutputSettings, logger: Logger) {
        self.station = station
        self.configuration = configuration
        self.settings = settings
        self.logger = logger
        counters = OutputCounters(OutputStatus(station: station, name: configuration.name, kind: "exec",
                                               target: settings.command.first ?? ""))
        for i in 0..<settings.concurrency {
            let thread = Thread { [self] in work() }
            thread.name = "output-exec-\(i)"
            thread.start()
        }
    }

    func deliver(_ verdict: OutputVerdict) {
        condition.lock()
        defer { condition.unlock() }
        guard queue.count < settings.queue else {
            counters.update { $0.dropped += 1 }
            let now = monotonicSeconds()
            if now - lastDropLog >= 10 {
                lastDropLog = now
                logger.warning("output queue full (\(settings.queue)); verdicts are dropped for this output",
                               metadata: meta.merging(["inspection.id": "\(verdict.id)"]) { $1 })
            }
            return
        }
        queue.append(verdict)
        counters.update { $0.pending = queue.count }
        condition.signal()
    }

    func status() -> OutputStatus { counters.snapshot }

    /// Workers finish the command they run (ended at once by SIGTERM to its group); queued
    /// verdicts are not run.
    func stop() {
        condition.lock()
        stopping = true
        let left = queue.count
        queue.removeAll()
        for pid in running { kill(-pid, SIGTERM) }
        condition.broadcast()
        condition.unlock()
        if left > 0 { logger.notice("output stopped with \(left) verdicts not run", metadata: meta) }
    }

    private var meta: Logger.Metadata {
        ["output.station": "\(station)", "output.name": "\(configuration.name)", "output.kind": "exec"]
    }

    /// The command's environment: a fixed PATH and the verdict's essentials, nothing of the daemon's.
    static func environment(for v: OutputVerdict) -> [String: String] {
        ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "INSPECTD_STATION": v.station,
         "INSPECTD_VERDICT": v.verdict.rawValue, "INSPECTD_INSPECTION_ID": "\(v.id)", "INSPECTD_IMAGE": v.path]
    }

    private func work() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                return
            }
            let v = queue.removeFirst()
            counters.update { $0.pending = queue.count }
            condition.unlock()
            run(v)
        }
    }

    private func run(_ v: OutputVerdict) {
        let command = ChildCommand(arguments: settings.command, environment: Self.environment(for: v), timeout: settings.timeout)
        var pid: pid_t = 0
        let started = monotonicSeconds()
        do {
            try command.run(stdin: Array((v.json + "\n").utf8)) { [self] child in
                condition.lock()
                running.insert(child)
                let stop = stopping
                condition.unlock()
                if stop { kill(-child, SIGTERM) }
                pid = child
            }
            counters.update { $0.delivered += 1 }
        } catch {
            counters.fail("\(error)", at: Date().timeIntervalSince1970)
            logger.error("output command failed: \(error)", metadata: meta.merging([
                "inspection.id": "\(v.id)", "output.seconds": "\(String(format: "%.2f", monotonicSeconds() - started))",
            ]) { $1 })
        }
        condition.lock()
        running.remove(pid)
        condition.unlock()
    }
}
