import Foundation
import Inspection
import Prometheus
import Store

/// `/metrics` in the Prometheus text format, with swift-prometheus. The daemon keeps its
/// results in the database, not in memory, so this process derives the metrics from it:
/// counters and latency histograms advance by the rows finished since the last scrape (a
/// cursor over (finished_at, id), so each row is counted once and the first scrape catches
/// up on the whole log), and gauges (queue, versions, training, heartbeat) are read fresh.
/// Counters therefore start from the log's totals when inspectd-web starts, and retention
/// deleting old rows never makes them go down.
final class MetricsExporter: @unchecked Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let lock = NSLock()
    private var cursor = FinishCursor(finishedAt: -Double.greatestFiniteMagnitude, id: 0)
    private var gaugeKeys: [String: Set<[String]>] = [:]

    static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    static let trainingStates = TrainingJob.State.allCases.map(\.rawValue)

    /// The exposition text after catching up with `store`.
    func scrape(_ store: VerdictStore, now: Double = Date().timeIntervalSince1970) throws -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        try catchUp(store)
        try updateGauges(store, now: now)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        registry.emit(into: &buffer)
        return buffer
    }

    private func catchUp(_ store: VerdictStore) throws {
        while true {
            let samples = try store.finishedSamples(after: cursor, limit: 5000)
            for sample in samples { count(sample) }
            guard let last = samples.last else { return }
            cursor = last.cursor
            if samples.count < 5000 { return }
        }
    }

    private func count(_ sample: FinishedSample) {
        if let verdict = sample.verdict {
            registry.makeCounter(name: "inspectd_verdicts_total", labels: [("station", sample.station), ("verdict", verdict.rawValue)],
                                 help: "Images that got a verdict, by station and verdict.").increment()
        } else {
            registry.makeCounter(name: "inspectd_errors_total",
                                 labels: [("station", sample.station), ("kind", sample.errorKind ?? "unknown")],
                                 help: "Images that ended in an error, by station and error kind.").increment()
        }
        let stages: [(String, Double?)] = [("decode", sample.decodeMs), ("preprocess", sample.preprocessMs),
                                           ("encode", sample.encodeMs), ("score", sample.scoreMs), ("total", sample.totalMs)]
        for (stage, milliseconds) in stages {
            guard let milliseconds, milliseconds.isFinite, milliseconds >= 0 else { continue }
            registry.makeValueHistogram(name: "inspectd_stage_duration_seconds",
                                        labels: [("station", sample.station), ("stage", stage)],
                                        buckets: Self.latencyBuckets,
                                        help: "Time per image and pipeline stage, as the daemon recorded it.")
                .record(milliseconds / 1000)
        }
    }

    private func updateGauges(_ store: VerdictStore, now: Double) throws {
        var queue: [[String]: Double] = [:]
        for pending in try store.pendingCounts() {
            queue[[pending.station, pending.state.rawValue]] = Double(pending.count)
        }
        setGauges("inspectd_queue_depth", labelNames: ["station", "state"], values: queue,
                  help: "Images waiting (queued) or being scored (processing), by station.")

        var versions: [[String]: Double] = [:]
        for (station, id) in try store.activeVersionIDs() { versions[[station]] = Double(id) }
        setGauges("inspectd_active_model_version", labelNames: ["station"], values: versions,
                  help: "Id of the station's active model version (model_versions.id).")

        var jobStates: [[String]: Double] = [:]
        var progress: [[String]: Double] = [:]
        var latestPerStation: [String: TrainingJob] = [:]
        for job in try store.trainingJobs(limit: 200) where latestPerStation[job.station].map({ job.id > $0.id }) ?? true {
            latestPerStation[job.station] = job
        }
        for (station, job) in latestPerStation {
            for state in Self.trainingStates { jobStates[[station, state]] = job.state.rawValue == state ? 1 : 0 }
            if let epoch = job.epoch, let epochs = job.epochs, epochs > 0 {
                progress[[station]] = Double(epoch) / Double(epochs)
            }
        }
        setGauges("inspectd_training_job_state", labelNames: ["station", "state"], values: jobStates,
                  help: "1 for the state of the station's latest training job, 0 for the others.")
        setGauges("inspectd_training_job_progress_ratio", labelNames: ["station"], values: progress,
                  help: "Epochs done / epochs planned of the station's latest training job.")

        var outputs: [String: [[String]: Double]] = [:]
        for output in try store.outputStatuses() {
            let key = [output.station, output.name, output.kind]
            outputs["delivered", default: [:]][key] = Double(output.delivered)
            outputs["failed", default: [:]][key] = Double(output.failed)
            outputs["dropped", default: [:]][key] = Double(output.dropped)
            outputs["pending", default: [:]][key] = Double(output.pending)
        }
        for (what, help) in Self.outputGauges {
            setGauges("inspectd_output_\(what)", labelNames: ["station", "output", "kind"], values: outputs[what] ?? [:],
                      help: help)
        }

        // The fleet outbox ([fleet], docs/fleet.md): how far replication is behind.
        let outbox = try store.outboxStatus()
        registry.makeGauge(name: "inspectd_fleet_outbox_enabled",
                           help: "1 while [fleet] is configured and changes are recorded in the outbox.")
            .set(to: outbox.enabled ? 1 : 0)
        registry.makeGauge(name: "inspectd_fleet_outbox_entries", help: "Outbox entries waiting to be shipped to PostgreSQL.")
            .set(to: Double(outbox.size))
        registry.makeGauge(name: "inspectd_fleet_outbox_oldest_age_seconds",
                           help: "Age of the oldest waiting outbox entry (0 when empty).")
            .set(to: outbox.oldest.map { max(0, now - $0) } ?? 0)
        registry.makeGauge(name: "inspectd_fleet_outbox_shipped", help: "Outbox entries shipped and confirmed, in all.")
            .set(to: Double(outbox.shipped))
        registry.makeGauge(name: "inspectd_fleet_outbox_dropped", help: "Outbox entries dropped by its cap or age limit, in all.")
            .set(to: Double(outbox.dropped))

        let status = try store.status()
        let age = status.map { max(0, now - $0.heartbeatAt) } ?? -1
        registry.makeGauge(name: "inspectd_daemon_heartbeat_age_seconds",
                           help: "Seconds since the daemon last wrote its status row (-1: never ran).").set(to: age)
        let up = status.map { $0.state != "stopped" && age < 30 } ?? false
        registry.makeGauge(name: "inspectd_daemon_up", help: "1 when the daemon's heartbeat is less than 30 s old.").set(to: up ? 1 : 0)
        registry.makeGauge(name: "inspectd_daemon_images_per_minute",
                           help: "The daemon's own throughput figure from its last heartbeat.").set(to: status?.imagesPerMinute ?? 0)
    }

    /// Result outputs' counters (`[[station.output]]`), as the daemon last wrote them.
    static let outputGauges = [
        ("delivered", "Verdicts a result output delivered since the daemon started."),
        ("failed", "Failed writes or commands of a result output since the daemon started."),
        ("dropped", "Verdicts (exec) or clients (socket) a result output dropped since the daemon started."),
        ("pending", "Verdicts a result output has not delivered yet."),
    ]

    /// Sets every gauge in `values`, and 0 for label sets seen before but absent now.
    private func setGauges(_ name: String, labelNames: [String], values: [[String]: Double], help: String) {
        var keys = gaugeKeys[name, default: []]
        keys.formUnion(values.keys)
        gaugeKeys[name] = keys
        for key in keys {
            registry.makeGauge(name: name, labels: Array(zip(labelNames, key)), help: help).set(to: values[key] ?? 0)
        }
    }
}
