import Config
import Foundation
import Inspection
import Logging
import Store
#if canImport(Glibc)
import Glibc
#endif

/// Sends committed verdicts to the stations' `[[station.output]]`s (file, socket, exec).
///
/// The loop only calls `published(id:station:)` after the verdict's transaction committed:
/// that appends the id to a list and returns. A dispatcher thread reads the rows back from
/// the log, renders each document once and hands it to the station's outputs, which do their
/// slow work on threads of their own. Nothing an output does (a full disk, a stuck client, a
/// hanging command) reaches the loop; the verdict is in SQLite whatever happens here.
final class ResultOutputs: @unchecked Sendable {
    private let store: VerdictStore
    private let logger: Logger
    private let makeOutput: (String, OutputConfiguration, Int64?) throws -> ResultOutput
    private let condition = NSCondition()
    private var waiting = [(id: Int64, station: String)]()
    private var outputs = [ResultOutput]()
    private var stopping = false
    private var running = false
    /// Whether rows were ever written, so a daemon without outputs never writes the table.
    private var wroteStatus = false
    private let finished = DispatchSemaphore(value: 0)
    /// Ids waiting for the dispatcher beyond which the oldest are dropped (a store that cannot
    /// be read for minutes); file outputs still find them through their cursor.
    static let waitingLimit = 100_000

    init(store: VerdictStore, logger: Logger) {
        self.store = store
        self.logger = logger
        makeOutput = { station, output, cursor in
            switch output.kind {
            case let .file(settings):
                let start = try cursor ?? store.exportStart(station: station)
                return FileOutput(station: station, configuration: output, settings: settings, store: store,
                                  cursor: start, logger: logger)
            case let .socket(settings):
                return try SocketOutput(station: station, configuration: output, settings: settings, logger: logger)
            case let .exec(settings):
                return ExecOutput(station: station, configuration: output, settings: settings, logger: logger)
            }
        }
    }

    /// Starts, keeps or stops outputs so they match `configuration` (start-up and reload). An
    /// output whose settings did not change keeps running (clients stay connected); a file
    /// output resumes from its cursor: the running one's, else the persisted one.
    func configure(_ configuration: InspectdConfiguration) {
        let persisted = (try? store.outputStatuses()) ?? []
        condition.lock()
        let current = outputs
        condition.unlock()
        var next = [ResultOutput]()
        for station in configuration.stations {
            for output in station.outputs {
                if let same = current.first(where: { $0.station == station.name && $0.configuration == output }) {
                    next.append(same)
                    continue
                }
                let previous = current.first { $0.station == station.name && $0.configuration.name == output.name }
                previous?.stop()
                let cursor = previous?.status().cursor
                    ?? persisted.first { $0.station == station.name && $0.name == output.name && $0.kind == "file" }?.cursor
                do {
                    next.append(try makeOutput(station.name, output, cursor))
                    logger.info("output started", metadata: ["output.station": "\(station.name)", "output.name": "\(output.name)"])
                } catch {
                    logger.error("output cannot start: \(error)", metadata: ["output.station": "\(station.name)", "output.name": "\(output.name)"])
                }
            }
        }
        for old in current where !next.contains(where: { $0 === old }) { old.stop() }
        condition.lock()
        outputs = next
        if !running && !next.isEmpty {
            running = true
            let thread = Thread { [self] in dispatch() }
            thread.name = "outputs"
            thread.start()
        }
        condition.unlock()
        // File outputs look for verdicts that arrived while they were not running.
        for case let output as FileOutput in next { output.wake() }
    }

    /// A verdict was committed: queue it for the outputs of its station. Never blocks.
    func published(id: Int64, station: String) {
        condition.lock()
        defer { condition.unlock() }
        guard outputs.contains(where: { $0.station == station }) else { return }
        if waiting.count >= Self.waitingLimit { waiting.removeFirst(waiting.count / 10) }
        waiting.append((id, station))
        condition.signal()
    }

    /// Every output's counters as of now.
    func statuses(now: Double) -> [OutputStatus] {
        condition.lock()
        let all = outputs
        condition.unlock()
        return all.map {
            var s = $0.status()
            s.updatedAt = now
            return s
        }
    }

    /// Writes the counters and cursors to `output_status` (every heartbeat and at stop).
    func persist(now: Double) {
        let rows = statuses(now: now)
        guard !rows.isEmpty || wroteStatus else { return }
        do {
            try store.replaceOutputStatuses(rows)
            wroteStatus = !rows.isEmpty
        } catch {
            logger.warning("cannot write output status: \(error)")
        }
    }

    /// Stops the dispatcher and every output.
    func stop() {
        condition.lock()
        stopping = true
        let all = outputs
        let wasRunning = running
        condition.broadcast()
        condition.unlock()
        if wasRunning { _ = finished.wait(timeout: .now() + 5) }
        for output in all { output.stop() }
    }

    /// "2 outputs failing" for systemd's status line, nil when all is well.
    func conditionSummary() -> String? {
        let failing = statuses(now: 0).filter { $0.kind == "file" && $0.pending > 0 }
        guard !failing.isEmpty else { return nil }
        return "\(failing.count) file output\(failing.count == 1 ? "" : "s") behind (\(failing.map(\.pending).reduce(0, +)) verdicts pending)"
    }

    private func dispatch() {
        defer { finished.signal() }
        while true {
            condition.lock()
            while waiting.isEmpty && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                return
            }
            let batch = waiting
            waiting.removeAll()
            let targets = outputs
            condition.unlock()
            let records: [InspectionRecord]
            do {
                records = try store.records(ids: batch.map(\.id))
            } catch {
                // The log could not be read (locked for long): socket and exec outputs miss
                // these verdicts, file outputs find them through their cursor.
                logger.warning("outputs cannot read verdicts \(batch.first?.id ?? 0)…\(batch.last?.id ?? 0): \(error)")
                for case let output as FileOutput in targets { output.wake() }
                continue
            }
            for record in records {
                guard let v = OutputVerdict(record, database: store.path) else { continue }
                for output in targets where output.station == v.station && output.configuration.accepts(v.verdict) {
                    output.deliver(v)
                }
            }
        }
    }
}
