import Engine
import Foundation
import Logging
import Store

/// The background few-shot fits of the stations, driven from the loop: planned by `build`,
/// started one at a time on the `FewShotFitter` (after `FitBackoff` allows it), installed as
/// the station's version when done. Every database access is here, on the loop.
extension StationRegistry {
    /// Replaces the planned fits after a build: a station without a job loses its fit, one
    /// whose job changed gets the new one (a running fit of the old one is cancelled).
    func scheduleFits(_ jobs: [String: FewShotFitJob]) {
        for name in pendingFits.keys where jobs[name] == nil {
            dropFit(name, reason: "no longer needed")
        }
        for job in jobs.values { scheduleFit(job) }
    }

    /// Plans `job` for its station (keeping a pending fit of the same key, replacing another)
    /// and starts it when the worker is free and the back-off allows.
    func scheduleFit(_ job: FewShotFitJob) {
        let name = job.station
        defer { startDueFit() }
        if let current = pendingFits[name], current.job.key == job.key {
            pendingFits[name]?.job = job
            return
        }
        if pendingFits[name] != nil { dropFit(name, reason: "replaced by a newer fit") }
        var notBefore: Double?
        do {
            notBefore = FitBackoff.notBefore(try store.fewShotFit(station: name), key: job.key)
        } catch {
            logger.warning("cannot read the few-shot fit record: \(error)", metadata: ["inspection.station": "\(name)"])
        }
        if let notBefore, notBefore > clock.now {
            logger.warning("few-shot fit postponed after earlier attempts did not finish", metadata: [
                "inspection.station": "\(name)", "fit.not_before": "\(Self.timeText(notBefore))",
            ])
        }
        pendingFits[name] = PendingFit(job: job, notBefore: notBefore)
    }

    /// Puts back the fits of a snapshot (a reload that failed after the build).
    func restoreFits(_ old: [String: PendingFit]) {
        if let running = fitter.progress?.job, old[running.station]?.job.key != running.key {
            fitter.cancel()
        }
        pendingFits = old.mapValues { fit in
            var fit = fit
            if fit.started, fitter.progress?.job.key != fit.job.key { fit.started = false }
            return fit
        }
    }

    /// Forgets the fit of `name`, cancelling it if it runs. Its store row is removed so the
    /// next fit of the station starts counting attempts afresh (this was no failure).
    func dropFit(_ name: String, reason: String) {
        guard let pending = pendingFits.removeValue(forKey: name) else { return }
        if pending.started, fitter.progress?.job.station == name { fitter.cancel() }
        if pending.started { abandonFitRecord(name) }
        logger.info("few-shot fit dropped: \(reason)", metadata: ["inspection.station": "\(name)"])
    }

    /// Installs finished fits, then starts the next due one. Called from the loop (twice a
    /// second at most, with the version check).
    func tendFits() {
        for finished in fitter.collect() {
            finish(finished)
        }
        startDueFit()
    }

    /// At stop: the running fit is cancelled and its row removed, so a restart fits afresh
    /// (a clean stop is not a failed attempt).
    func stopFits() {
        fitter.cancel()
        for (name, pending) in pendingFits where pending.started { abandonFitRecord(name) }
    }

    /// `<station> fitting few-shot parts: n/m labels` for each pending fit, for the status line.
    var fitConditions: [String] {
        let progress = fitter.progress
        return pendingFits.keys.sorted().compactMap { name in
            guard let pending = pendingFits[name] else { return nil }
            if pending.started, let progress, progress.job.station == name {
                let fit = FewShotFit(station: name, key: pending.job.key, state: .running, attempts: pending.attempt,
                                     startedAt: 0, doneImages: progress.doneImages,
                                     totalLabels: pending.job.images.count,
                                     totalImages: pending.job.images.count + pending.job.unlabelled.count)
                return "\(name) \(fit.progressText)"
            }
            if let notBefore = pending.notBefore, notBefore > clock.now {
                return "\(name) few-shot fit postponed until \(Self.timeText(notBefore))"
            }
            return "\(name) few-shot fit queued (\(pending.job.images.count) labels)"
        }
    }

    /// Writes the running fit's progress to `fewshot_fits` for `inspectctl status` (heartbeat).
    func recordFitProgress() {
        guard let progress = fitter.progress, recordedFitProgress[progress.job.station] != progress.doneImages else { return }
        do {
            try store.updateFewShotFitProgress(station: progress.job.station, doneImages: progress.doneImages)
            recordedFitProgress[progress.job.station] = progress.doneImages
        } catch {
            logger.warning("cannot record few-shot fit progress: \(error)")
        }
    }

    private func startDueFit() {
        guard !fitter.isBusy else { return }
        let now = clock.now
        guard let name = pendingFits.keys.sorted().first(where: { name in
            guard let p = pendingFits[name], !p.started else { return false }
            return (p.notBefore ?? now) <= now
        }), let pending = pendingFits[name] else { return }
        let job = pending.job
        do {
            let record = try store.beginFewShotFit(station: name, key: job.key, totalLabels: job.images.count,
                                                   totalImages: job.images.count + job.unlabelled.count, at: now)
            pendingFits[name]?.started = true
            pendingFits[name]?.attempt = record.attempts
            recordedFitProgress[name] = 0
            logger.notice("fitting few-shot parts in the background", metadata: [
                "inspection.station": "\(name)", "fewshot.labels": "\(job.images.count)",
                "fewshot.unlabelled": "\(job.unlabelled.count)", "fit.attempt": "\(record.attempts)",
            ])
            fitter.start(job)
        } catch {
            logger.warning("cannot record the few-shot fit start; trying again later: \(error)",
                           metadata: ["inspection.station": "\(name)"])
        }
    }

    private func finish(_ finished: FewShotFitter.Finished) {
        let job = finished.job
        let name = job.station
        // A fit dropped or replaced meanwhile is not installed.
        guard let pending = pendingFits[name], pending.started, pending.job.key == job.key else { return }
        let now = clock.now
        do {
            let output = try finished.result.get()
            // Writing the version (its memory bank may be tens of MB, and the commit may
            // checkpoint the WAL) is the longest database step of the loop: a ping right before
            // and a beat after keep the watchdog on time.
            beforeLongWrite()
            defer { ProgressTick.tick() }
            let writeStarted = clock.monotonic
            let runtime = try versionLoader(job).install(job, output: output, now: now)
            let writeSeconds = clock.monotonic - writeStarted
            stations[name] = runtime
            pendingFits.removeValue(forKey: name)
            try recordCalibration(runtime)
            try store.finishFewShotFit(station: name, succeeded: true,
                                       message: "version \(runtime.versionID.map(String.init) ?? "-")", at: now)
            logger.notice("few-shot parts fitted; station switched", metadata: [
                "inspection.station": "\(name)", "version.id": "\(runtime.versionID.map(String.init) ?? "none")",
                "fewshot.thresholds": "\(runtime.pipeline.fewShot?.calibrationNote ?? "none")",
                "fewshot.install_seconds": "\(String(format: "%.2f", writeSeconds))",
            ])
        } catch {
            var fit: FewShotFit?
            do {
                try store.finishFewShotFit(station: name, succeeded: false, message: "\(error)", at: now)
                fit = try store.fewShotFit(station: name)
            } catch let storeError {
                logger.warning("cannot record the failed few-shot fit: \(storeError)")
            }
            let notBefore = FitBackoff.notBefore(fit, key: job.key) ?? now + FitBackoff.firstDelay
            pendingFits[name]?.started = false
            pendingFits[name]?.notBefore = notBefore
            logger.error("few-shot fit failed; the station keeps its current version: \(error)", metadata: [
                "inspection.station": "\(name)", "fit.not_before": "\(Self.timeText(notBefore))",
            ])
        }
    }

    private func versionLoader(_ job: FewShotFitJob) throws -> VersionLoader {
        guard let configuration, let tokenizer else {
            throw DaemonError.fitCancelled(station: job.station)
        }
        return try versionLoader(configuration, tokenizer: tokenizer)
    }

    private func abandonFitRecord(_ name: String) {
        do {
            try store.abandonFewShotFit(station: name)
        } catch {
            logger.warning("cannot clear the few-shot fit record: \(error)", metadata: ["inspection.station": "\(name)"])
        }
    }

    static func timeText(_ time: Double) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: time))
    }
}
