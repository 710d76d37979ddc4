import Foundation
import Logging
import Store

/// Storage faults are waits, not verdicts. A write that fails because the disk is full, the
/// database is locked by another process or the file system errs says nothing about the
/// image: the daemon stops claiming, keeps pinging the watchdog, says why in STATUS= and the
/// journal, and probes again with back-off (1 s doubling to 30 s). Claimed images whose
/// verdict could not be written go back to the queue with their attempt refunded once the
/// store works again, and a rescan then finds every file that arrived meanwhile.
final class StoreHealth {
    private let store: VerdictStore
    private let clock: DaemonClock
    private let logger: Logger
    /// The fault being waited out; nil while the store works.
    private(set) var fault: StoreError?
    /// Claimed rows to put back in the queue when the store works again.
    private(set) var unreleased: [Int64] = []
    private var retryAt = 0.0
    private var backoff = 1.0
    let maxBackoff = 30.0

    init(store: VerdictStore, clock: DaemonClock, logger: Logger) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// Whether `error` is a storage fault to wait out (rather than a problem of one image).
    static func isTransient(_ error: Error) -> StoreError? {
        guard let error = error as? StoreError else { return nil }
        switch error {
        case .full, .locked, .ioError: return error
        default: return nil
        }
    }

    /// Takes note of `error` when it is a storage fault; returns whether it was one.
    @discardableResult
    func record(_ error: Error, claimed id: Int64? = nil) -> Bool {
        guard let storeError = Self.isTransient(error) else { return false }
        if let id { unreleased.append(id) }
        if fault == nil {
            logger.error("storage fault; waiting for it to clear, no image is claimed meanwhile: \(storeError)",
                         metadata: ["store.fault": "\(storeError.kind)"])
            backoff = 1
        }
        fault = storeError
        retryAt = clock.monotonic + backoff
        return true
    }

    /// One line for systemd's STATUS, while waiting.
    var summary: String? {
        fault.map { "waiting for the database: \($0.reason)" }
    }

    /// Seconds until the next probe (for the poll timeout), nil when healthy.
    var secondsUntilProbe: Double? {
        fault == nil ? nil : max(0, retryAt - clock.monotonic)
    }

    /// When due, tries the store again: puts back the claimed rows and writes the status row.
    /// Returns true when the store works again (the caller then rescans the folders).
    func probeIfDue(status: () throws -> Void) -> Bool {
        guard fault != nil, clock.monotonic >= retryAt else { return false }
        do {
            while let id = unreleased.first {
                do {
                    try store.releaseClaim(id: id)
                } catch where Self.isTransient(error) == nil {
                    // Not processing any more: the write did land before the error (a full
                    // disk can fail the checkpoint after the commit). Nothing to put back.
                    logger.notice("claimed image needs no release: \(error)", metadata: ["inspection.id": "\(id)"])
                }
                unreleased.removeFirst()
            }
            try status()
        } catch {
            if let storeError = Self.isTransient(error) { fault = storeError }
            backoff = min(backoff * 2, maxBackoff)
            retryAt = clock.monotonic + backoff
            return false
        }
        logger.notice("storage fault cleared; resuming", metadata: ["store.fault": "\(fault?.kind ?? "")"])
        fault = nil
        backoff = 1
        return true
    }
}
