import Config
import Foundation
import Logging
import Store

/// Ships the local outbox to the fleet database, on a thread of its own: the daemon's loop
/// never waits for it, so a slow, stopped or unreachable server cannot slow or stop
/// inspection. Each turn takes the oldest entries, upserts them in one server transaction,
/// and deletes them locally only after the server confirmed the commit: at-least-once on
/// the wire, exactly-once in the tables (the upserts are keyed by site, station, local id).
/// A failure closes the connection and retries with exponential back-off up to
/// `[fleet] max_backoff`. A batch the server refuses for its content (SQLSTATE class 22 or
/// 23) is shipped again entry by entry; the one entry it still refuses is dropped from the
/// outbox (counted, logged, kept in SQLite), so it cannot hold up every entry behind it.
/// Stations with `follow_published` are checked for newly published versions every
/// `follow_interval` (``PublishedFollower``).
public final class FleetShipper: @unchecked Sendable {
    private let store: VerdictStore
    private let fleet: FleetConfiguration
    private let follower: PublishedFollower?
    private let logger: Logger
    private let wake = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stopping = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    /// Seconds between looks at an empty outbox.
    public var idleInterval = 1.0

    public init(store: VerdictStore, fleet: FleetConfiguration, stations: [StationConfiguration], logger: Logger) {
        self.store = store
        self.fleet = fleet
        self.logger = logger
        let following = stations.compactMap { s in s.followPublished.map { (station: s.name, product: $0) } }
        follower = following.isEmpty ? nil : PublishedFollower(store: store, site: fleet.site, following: following,
                                                                 logger: logger)
    }

    /// Turns the outbox on (with the configured cap) and starts the thread.
    public func start() throws {
        try store.configureOutbox(enabled: true, capacity: fleet.outboxMaxRows)
        let thread = Thread { [self] in
            self.run()
            self.finished.signal()
        }
        thread.name = "inspectd-fleet"
        self.thread = thread
        thread.start()
        logger.info("fleet replication started", metadata: ["fleet.url": "\(fleet.url.redacted)", "fleet.site": "\(fleet.site)"])
    }

    /// Asks the thread to stop and waits up to `timeout` seconds for the batch in flight.
    /// Anything not confirmed stays in the outbox for the next start.
    public func stop(timeout: Double = 5) {
        lock.withLock { stopping = true }
        wake.signal()
        guard thread != nil else { return }
        _ = finished.wait(timeout: .now() + timeout)
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    /// Sleeps up to `seconds`, returning early on stop.
    private func pause(_ seconds: Double) {
        _ = wake.wait(timeout: .now() + seconds)
    }

    private func run() {
        var connection: FleetConnection?
        var backoff = 0.5
        var lastPrune = 0.0
        var nextFollow = 0.0
        var lastLogged: String?
        // Entries still to ship one at a time after the server refused a batch's content.
        var isolating = 0
        while !isStopping {
            let now = Date().timeIntervalSince1970
            if fleet.outboxMaxAgeDays > 0, now - lastPrune > 60 {
                lastPrune = now
                if let dropped = try? store.pruneOutbox(olderThan: now - fleet.outboxMaxAgeDays * 86400), dropped > 0 {
                    logger.warning("fleet outbox: dropped entries older than the age limit",
                                   metadata: ["fleet.dropped": "\(dropped)", "fleet.max_age_days": "\(fleet.outboxMaxAgeDays)"])
                }
            }
            do {
                let batch = try store.outboxBatch(limit: isolating > 0 ? 1 : fleet.batchSize)
                let followDue = follower != nil && now >= nextFollow
                if batch.isEmpty && !followDue {
                    pause(idleInterval)
                    continue
                }
                if connection == nil {
                    let fresh = try FleetConnection(url: fleet.url)
                    do {
                        // A clear "run inspectctl fleet init" instead of "relation does not exist".
                        try CentralSchema.requireCurrent(fresh)
                    } catch {
                        fresh.close()
                        throw error
                    }
                    connection = fresh
                    logger.info("fleet database connected", metadata: ["fleet.url": "\(fleet.url.redacted)"])
                }
                guard let live = connection else { continue }
                if !batch.isEmpty {
                    do {
                        try ship(batch, over: live)
                        isolating = max(0, isolating - batch.count)
                    } catch let error as FleetError where error.rejectsData {
                        // Rolled back; the connection is still good. Progress every turn: one
                        // entry shipped or dropped, or the batch split.
                        isolating = refused(batch, error, isolating: isolating)
                        continue
                    }
                }
                if followDue, let follower {
                    try follower.check(over: live)
                    nextFollow = Date().timeIntervalSince1970 + fleet.followInterval
                }
                backoff = 0.5
                lastLogged = nil
            } catch {
                connection?.close()
                connection = nil
                let message = "\(error)"
                try? store.recordOutboxError(message)
                if message != lastLogged {
                    logger.warning("fleet replication failed; retrying", metadata: ["fleet.error": "\(message)",
                                                                                     "fleet.retry_in": "\(backoff)"])
                    lastLogged = message
                }
                pause(backoff)
                backoff = min(backoff * 2, fleet.maxBackoff)
            }
        }
        connection?.close()
    }

    /// A batch the server refused for its content: split it into single entries, or drop the
    /// single entry that is still refused. Returns how many entries to ship one by one next.
    private func refused(_ batch: [OutboxEntry], _ error: FleetError, isolating: Int) -> Int {
        guard batch.count == 1, let entry = batch.first else {
            logger.warning("fleet database refused a batch; shipping its entries one by one to find the bad one",
                           metadata: ["fleet.entries": "\(batch.count)", "fleet.error": "\(error.reason)"])
            return batch.count
        }
        let reason = "fleet database refused \(entry.kind.rawValue) \(entry.localID): \(error.reason)"
        do {
            try store.rejectOutbox(id: entry.id, reason: reason)
            logger.error("fleet outbox: entry dropped because the fleet database refuses it; the row stays in this station's database",
                         metadata: ["fleet.kind": "\(entry.kind.rawValue)", "fleet.local_id": "\(entry.localID)",
                                    "fleet.error": "\(error.reason)"])
        } catch {
            logger.error("fleet outbox: could not drop a refused entry: \(error)",
                         metadata: ["fleet.kind": "\(entry.kind.rawValue)", "fleet.local_id": "\(entry.localID)"])
            pause(1)
        }
        return max(0, isolating - 1)
    }

    /// One batch: upserts in one server transaction, then the local delete.
    func ship(_ batch: [OutboxEntry], over connection: FleetConnection) throws {
        let statements = OutboxUpserts(site: fleet.site).statements(batch)
        if !statements.isEmpty {
            try connection.transaction(action: "shipping \(batch.count) outbox entries") { () throws(FleetError) in
                for statement in statements {
                    try connection.run(statement.sql, statement.binds.bindings, action: "shipping \(batch.count) outbox entries")
                }
            }
        }
        try store.deleteOutbox(ids: batch.map(\.id), at: Date().timeIntervalSince1970)
        logger.debug("fleet batch shipped", metadata: ["fleet.entries": "\(batch.count)"])
    }
}
