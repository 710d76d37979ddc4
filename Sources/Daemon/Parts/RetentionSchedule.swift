import Config
import Logging
import Store

/// Deletes verdicts and maps older than `[retention]` allows, at start-up and then hourly, so
/// the database stays bounded without an external cron job.
final class RetentionSchedule {
    private let store: VerdictStore
    private let clock: DaemonClock
    private let logger: Logger
    /// Seconds between two passes.
    let interval: Double
    private var last = -Double.infinity

    init(store: VerdictStore, clock: DaemonClock, logger: Logger, interval: Double = 3600) {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.interval = interval
    }

    /// Applies `settings` when a pass is due (or at once with `force`).
    func applyIfDue(_ settings: RetentionSettings, force: Bool = false) {
        let now = clock.monotonic
        guard force || now - last >= interval else { return }
        last = now
        guard settings.verdictDays != nil || settings.mapDays != nil else { return }
        do {
            let removed = try store.applyRetention(verdictDays: settings.verdictDays, mapDays: settings.mapDays, now: clock.now)
            if removed.rows + removed.maps > 0 {
                logger.info("retention applied", metadata: ["retention.rows": "\(removed.rows)", "retention.maps": "\(removed.maps)"])
            }
        } catch {
            logger.warning("retention failed: \(error)")
        }
    }
}
