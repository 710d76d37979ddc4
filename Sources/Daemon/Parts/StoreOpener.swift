import Foundation
import Logging
import Store
#if canImport(Glibc)
import Glibc
#endif

/// Opens (and migrates) the database at start-up, waiting out storage faults like the
/// running daemon does: a lock held by another process or a full disk at start is a wait
/// with back-off and a STATUS line, not an exit into systemd's restart loop. While it waits,
/// `keepAlive` runs every 0.1 s (the daemon's `LoopPulse` turns that into
/// `EXTEND_TIMEOUT_USEC`, so `TimeoutStartSec=` does not kill a start that waits for a lock).
/// SIGTERM ends the wait.
struct StoreOpener {
    let path: String
    let notifier: SystemdNotifier
    let logger: Logger

    /// The store with interrupted rows requeued, or nil when a stop was requested meanwhile.
    func open(stopRequested: () -> Bool, keepAlive: () -> Void = {}) throws -> VerdictStore? {
        var delay = 1.0
        var warned = false
        while true {
            do {
                // A short busy timeout: the waiting happens here and in StoreHealth, with pings.
                let store = try VerdictStore.openForWriting(path: path, busyTimeout: 2)
                let requeued = try store.requeueInterrupted()
                if requeued > 0 {
                    logger.warning("requeued images interrupted by the previous run", metadata: ["queue.requeued": "\(requeued)"])
                }
                return store
            } catch {
                guard let fault = StoreHealth.isTransient(error) else { throw error }
                if !warned {
                    logger.error("cannot open the database yet; waiting: \(fault)", metadata: ["store.fault": "\(fault.kind)"])
                    warned = true
                }
                notifier.status("waiting for the database: \(fault.reason)")
                if notifier.watchdogInterval != nil { notifier.watchdog() }
                let deadline = Date().addingTimeInterval(delay)
                while Date() < deadline {
                    if stopRequested() { return nil }
                    keepAlive()
                    usleep(100_000)
                }
                delay = min(delay * 2, 5)
            }
        }
    }
}
