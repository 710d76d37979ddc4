import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Inspection
import Logging
import Store

/// Scores one claimed queue row through its station's pipeline, writes the verdict (or the
/// error) in one transaction, and then applies the station's after-processing action — in
/// that order, so a crash in between leaves a finished row whose action is redone on the
/// next discovery rather than a moved file without a verdict.
final class ImageProcessor {
    private let store: VerdictStore
    private let registry: StationRegistry
    private let clock: DaemonClock
    private let logger: Logger
    /// Called when a file's content changed after it was queued: the new content is queued
    /// as a new row.
    var rediscover: (ReadyFile) -> Void = { _ in }
    /// Throws when the database is no longer the file the daemon opened; checked after the
    /// verdict and before the file is moved or deleted, so nothing leaves the folder on the
    /// strength of a verdict that went into a deleted file.
    var checkDatabase: () throws -> Void = {}
    /// Where storage faults go to be waited out; nil records them as image errors (tests).
    var health: StoreHealth?
    /// The evidence folder for verdicts a station keeps (`keep_evidence`); nil keeps none.
    var evidence: EvidenceStore?
    /// Called with the inspection id and station once a verdict is committed and the database
    /// checked (result outputs), before the file is moved or deleted.
    var published: (Int64, String) -> Void = { _, _ in }
    /// Images finished (verdict or error) since start.
    private(set) var processed = 0
    private var throughput = Throughput()

    init(store: VerdictStore, registry: StationRegistry, clock: DaemonClock, logger: Logger) {
        self.store = store
        self.registry = registry
        self.clock = clock
        self.logger = logger
    }

    /// Images per minute over the last minute.
    func imagesPerMinute() -> Double { throughput.perMinute(now: clock.now) }

    /// Scores `item`; throws only when the database was lost (see `checkDatabase`).
    func process(_ item: InspectionRecord) throws {
        let meta: Logger.Metadata = ["inspection.station": "\(item.station)", "inspection.path": "\(item.path)",
                                     "inspection.id": "\(item.id)"]
        guard let station = registry[item.station] else {
            try? store.fail(id: item.id, kind: "station_removed",
                            message: "station \(item.station) is no longer configured", timings: nil, at: clock.now)
            return
        }
        let outcome: InspectionState
        do {
            // One read: the recorded hash always belongs to the pixels that are scored.
            let bytes = try StationFileAccess(station: station.configuration)
                .read(item.path, decoder: station.pipeline.inspector.decoder)
            let hash = ContentHash.sha256(bytes)
            guard hash == item.contentHash else {
                try store.fail(id: item.id, kind: "content_changed",
                               message: "file content changed after discovery (now \(hash.prefix(12))); the new content is queued separately",
                               timings: nil, at: clock.now)
                rediscover(ReadyFile(station: item.station, path: item.path))
                return
            }
            let judgement = try station.pipeline.run(data: bytes, name: item.path)
            let verdict = StoredVerdict(judgement: judgement,
                                        scoreMode: station.pipeline.inspector.configuration.scoreMode.rawValue,
                                        modelVersion: station.modelVersion, versionID: station.versionID)
            try store.complete(id: item.id, with: verdict, at: clock.now)
            logger.info("verdict", metadata: meta.merging([
                "verdict.verdict": "\(judgement.verdict.rawValue)", "verdict.score": "\(String(format: "%.4f", judgement.score))",
                "verdict.ms": "\(String(format: "%.1f", judgement.result.timings.total * 1000))",
                "verdict.defect": "\(judgement.defect?.className ?? "-")",
            ]) { $1 })
            keepEvidence(station, item: item, bytes: bytes, verdict: judgement.verdict)
            outcome = .done
        } catch {
            // A full disk or a locked database is no fault of the image: it goes back to the
            // queue, its attempt refunded, once the store works again.
            if health?.record(error, claimed: item.id) == true { return }
            let kind = (error as? InspectionError)?.kind ?? (error as? StoreError)?.kind ?? "internal"
            do {
                try store.fail(id: item.id, kind: kind, message: "\(error)", timings: nil, at: clock.now)
            } catch {
                if health?.record(error, claimed: item.id) == true { return }
                logger.error("cannot record the error of an image: \(error)", metadata: meta)
            }
            logger.warning("image could not be scored: \(error)", metadata: meta.merging(["verdict.error": "\(kind)"]) { $1 })
            outcome = .error
        }
        try checkDatabase()
        // Committed, and into the file the daemon opened: now the line may hear of it.
        if outcome == .done { published(item.id, item.station) }
        applyAction(station, id: item.id, path: item.path, state: outcome)
        processed += 1
        throughput.record(at: clock.now)
    }

    /// The station's after-processing (keep, move, delete) for a finished file, recorded on
    /// its row (`after_state`, `after_error`) so that a failure is visible in `inspectctl` and
    /// retried at the next start.
    func applyAction(_ station: StationRuntime, id: Int64, path: String, state: InspectionState) {
        do {
            if let done = try station.action.apply(path: path, state: state) {
                logger.debug("after processing: \(done)", metadata: ["inspection.path": "\(path)"])
                if done != ProcessedFileAction.linkLeftInPlace {
                    try? store.recordAfterProcessing(id: id, error: nil, movedTo: ProcessedFileAction.movedPath(done))
                }
            }
        } catch {
            logger.error("after-processing action failed: \(error)", metadata: [
                "inspection.path": "\(path)", "inspection.id": "\(id)", "after.error": "\(error)",
            ])
            do { try store.recordAfterProcessing(id: id, error: "\(error)") } catch {
                logger.warning("cannot record the after-processing failure: \(error)", metadata: ["inspection.id": "\(id)"])
            }
        }
    }

    /// Keeps the image's bytes in the evidence folder when its station keeps this verdict —
    /// now, before `after` moves or deletes it, so QA can still label it later. A station
    /// that moves or deletes its files gets a hard link (no camera writes to that inode any
    /// more); one that keeps them gets a copy of the bytes just scored, because a camera
    /// rewriting the file in place would change a linked copy too. A failure costs only the
    /// evidence, never the verdict.
    private func keepEvidence(_ station: StationRuntime, item: InspectionRecord, bytes: [UInt8], verdict: Verdict) {
        guard let evidence, let kept = registry.configuration?.keptEvidence(for: station.configuration),
              kept.contains(EvidenceReason(verdict: verdict)) else { return }
        do {
            let how: EvidenceStore.Kept
            if case .keep = station.configuration.after {
                how = try evidence.keep(bytes: bytes, contentHash: item.contentHash)
            } else {
                how = try evidence.keep(file: item.path, contentHash: item.contentHash, link: true)
            }
            try store.recordEvidence(contentHash: item.contentHash, bytes: bytes.count, reason: EvidenceReason(verdict: verdict),
                                     storedAs: how, at: clock.now)
        } catch {
            logger.warning("image not kept as evidence: \(error)", metadata: [
                "inspection.path": "\(item.path)", "inspection.id": "\(item.id)",
            ])
        }
    }

    /// Retries the moves and deletes that failed before (at start-up). A file that is gone
    /// meanwhile counts as done.
    func retryFailedAfterProcessing() {
        let failed: [InspectionRecord]
        do { failed = try store.failedAfterProcessing() } catch {
            logger.warning("cannot read failed after-processing: \(error)")
            return
        }
        for record in failed {
            guard let station = registry[record.station] else { continue }
            if access(record.path, F_OK) != 0 {
                try? store.recordAfterProcessing(id: record.id, error: nil)
                continue
            }
            applyAction(station, id: record.id, path: record.path, state: record.state)
        }
        if !failed.isEmpty { logger.info("retried failed after-processing", metadata: ["after.retried": "\(failed.count)"]) }
    }
}
