import Config
import Foundation
import Logging
import Store
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the outside world told how the daemon is: `WATCHDOG=1` and `STATUS=` to systemd so
/// that no two pings are more than half the watchdog interval apart (at most 5 s), the
/// `daemon_status` row that `inspectctl status` reads, and the retraining schedule's tick,
/// every 2 s.
final class Heartbeat {
    private let store: VerdictStore
    private let notifier: SystemdNotifier
    private let clock: DaemonClock
    private let logger: Logger
    private let configPath: String
    /// Images finished and images per minute, for the status line.
    var progress: () -> (processed: Int, perMinute: Double) = { (0, 0) }
    /// The lowest model version label of the stations, for the status row.
    var modelVersion: () -> String = { "" }
    /// The training job running now, if any.
    var trainingJob: () -> Int64? = { nil }
    /// Conditions an operator should see in `systemctl status` (e.g. folders not watched).
    var conditions: () -> [String] = { [] }
    /// Called on every heartbeat (retraining's schedule and child supervision).
    var onBeat: () -> Void = {}
    /// Seconds between two status-row writes.
    let beatInterval: Double
    private(set) var state = "starting"
    private let startedAt: Double
    private var lastWatchdog = -Double.infinity
    private var lastStatus = -Double.infinity
    private var lastBeat = -Double.infinity

    init(store: VerdictStore, notifier: SystemdNotifier, clock: DaemonClock, logger: Logger, configPath: String,
         beatInterval: Double = 2) {
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.logger = logger
        self.configPath = configPath
        self.beatInterval = beatInterval
        startedAt = clock.now
    }

    /// The longest gap allowed between two watchdog pings: half of `WatchdogSec`, never more
    /// than 5 s.
    var watchdogPeriod: Double { min(notifier.watchdogInterval.map { $0 / 2 } ?? 5, 5) }

    /// Seconds after which a ping is due: half of `watchdogPeriod`, so that the work between two
    /// checks (one image between loop turns, one transformer block through `LoopPulse`) can
    /// delay a due ping by that much and the gap still stays within `watchdogPeriod`.
    var pingInterval: Double { watchdogPeriod / 2 }

    /// How long the loop may block in poll(): never past the moment the next ping is due (a
    /// fixed `pingInterval` could add a whole interval to a ping that was just not due yet,
    /// reaching `watchdogPeriod` itself), and short while scanned files settle. At least 0.1 s.
    func pollTimeout(settling: Bool) -> Int32 {
        let untilPing = max(lastWatchdog + pingInterval - clock.monotonic, 0)
        let seconds = min(settling ? min(pingInterval, 0.5) : pingInterval, untilPing)
        return max(Int32(seconds * 1000), 100)
    }

    /// `processed N, queue N, X img/min[, training job N]`.
    func statusLine() -> String {
        let queue: Int = (try? store.queueDepth()) ?? 0
        let (processed, perMinute) = progress()
        var line = String(format: "processed %d, queue %d, %.1f img/min", processed, queue, perMinute)
        if let job = trainingJob() { line += ", training job \(job)" }
        for condition in conditions() { line += "; " + condition }
        return line
    }

    /// `WATCHDOG=1` (when systemd asked for it) and the status line, when due.
    func pingWatchdogIfDue() {
        pingOnlyIfDue()
        let now = clock.monotonic
        guard now - lastStatus >= watchdogPeriod else { return }
        lastStatus = now
        notifier.status(statusLine())
    }

    /// Only `WATCHDOG=1`, when due: what `LoopPulse` sends from inside long engine work on the
    /// loop thread, where the status line (a database read) has no place.
    func pingOnlyIfDue() {
        let now = clock.monotonic
        guard now - lastWatchdog >= pingInterval else { return }
        lastWatchdog = now
        if notifier.watchdogInterval != nil { notifier.watchdog() }
    }

    /// `WATCHDOG=1` now, due or not: before a loop step that may take seconds without ticks,
    /// so that the step alone, not the time since the last ping plus the step, must stay
    /// within `watchdogPeriod`.
    func pingNow() {
        lastWatchdog = clock.monotonic
        if notifier.watchdogInterval != nil { notifier.watchdog() }
    }

    /// The retraining tick and the status row, when due.
    func beatIfDue() {
        let now = clock.monotonic
        guard now - lastBeat >= beatInterval else { return }
        lastBeat = now
        onBeat()
        update(state)
    }

    /// Writes the `daemon_status` row with `newState` ("starting", "running", "reloading", …).
    func update(_ newState: String) {
        do { try write(newState) } catch { logger.warning("cannot write daemon status: \(error)") }
    }

    /// `update`, throwing: the probe of a storage fault.
    func write(_ newState: String) throws {
        state = newState
        let (processed, perMinute) = progress()
        let status = DaemonStatus(pid: getpid(), startedAt: startedAt, heartbeatAt: clock.now, state: newState,
                                  processed: processed, imagesPerMinute: perMinute, configPath: configPath,
                                  modelVersion: modelVersion())
        try store.updateStatus(status)
    }
}
