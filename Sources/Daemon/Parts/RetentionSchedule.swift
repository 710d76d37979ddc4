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
    /// Seconds to the next pass when the evidence folder needs more than one.
    let evidenceRetry: Double = 60
    private var last = -Double.infinity

    init(store: VerdictStore, clock: DaemonClock, logger: Logger, interval: Double = 3600) {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.interval = interval
    }

    /// Applies `settings` (and the evidence cap and age of `evidence`) when a pass is due (or
    /// at once with `force`).
    func applyIfDue(_ settings: RetentionSettings, evidence: EvidenceSettings? = nil, force: Bool = false) {
        let now = clock.monotonic
        guard force || now - last >= interval else { return }
        last = now
        if let evidence { pruneEvidence(evidence) }
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

    /// One bounded pass over the evidence folder; when it stopped at its limit the next pass
    /// comes after `evidenceRetry` seconds instead of an hour.
    private func pruneEvidence(_ settings: EvidenceSettings) {
        do {
            let pass = try store.pruneEvidence(EvidenceStore(databasePath: store.path), maxBytes: settings.maxBytes,
                                               maxDays: settings.maxDays, now: clock.now)
            if pass.removed > 0 {
                logger.info("evidence retention applied", metadata: [
                    "evidence.removed": "\(pass.removed)", "evidence.freed_bytes": "\(pass.freedBytes)",
                    "evidence.kept_bytes": "\(pass.keptBytes)",
                ])
            }
            if pass.protectedBytes > settings.maxBytes {
                logger.warning("labelled images alone exceed the evidence cap; they are kept", metadata: [
                    "evidence.protected_bytes": "\(pass.protectedBytes)", "evidence.max_bytes": "\(settings.maxBytes)",
                ])
            }
            if pass.more { last = clock.monotonic - interval + evidenceRetry }
        } catch {
            logger.warning("evidence retention failed: \(error)")
        }
    }
}
