import Foundation
import Inspection
@testable import Store
import TestSupport

/// `Fixtures/main-2026-12.sqlite`: a verdict log written by `main` at 52b9b67 (December 2026)
/// through the public ``VerdictStore`` API, as the daemon and `inspectctl` write it. Every
/// table has rows, and every value the file holds is spelled out here, so a later store that
/// reads it back differently (a renamed column, a swapped field, a lost migration) fails.
///
/// Regenerate only if the fixture is lost, with the code of that commit:
/// `INSPECTD_WRITE_STORE_FIXTURE=/path/main-2026-12.sqlite swift test --filter CommittedDatabaseTests`.
enum MainDecember2026 {
    /// 2026-12-01 00:00:00 UTC.
    static let t0: Double = 1_796_083_200

    /// Migrations the file had when written.
    static let migrations = ["v1-inspections", "v1-maps", "v1-daemon-status", "v2-labels", "v3-fewshot",
                             "v4-station-calibration", "v5-model-versions"]

    /// Stage times that are exact in binary, so their milliseconds compare exactly.
    static var timings: InspectionResult.Timings {
        var timings = InspectionResult.Timings()
        timings.decode = 0.125
        timings.preprocess = 0.25
        timings.encode = 0.5
        timings.score = 0.0625
        return timings
    }

    static func file(_ n: Int, station: String) -> DiscoveredFile {
        DiscoveredFile(station: station, path: "/cameras/\(station)/img\(n).png", size: Int64(2000 + n),
                       mtime: t0 - 50 + Double(n), contentHash: String(repeating: String(n), count: 64))
    }

    static func verdict(_ verdict: Verdict, score: Double, map: EncodedMap?) -> StoredVerdict {
        StoredVerdict(verdict: verdict, score: score, imageProbability: score + 0.25, mapMaximum: score + 0.5,
                      reviewThreshold: 0.5, failThreshold: 0.75, scoreMode: "image_probability",
                      modelVersion: "anomalyclip-fixture-1", timings: timings, originalWidth: 640, originalHeight: 480,
                      geometryJSON: #"{"scale":0.5}"#, map: map)
    }

    /// The mask of the imported label as given; the store keeps it normalised (``importedMask``).
    static let maskInput = TestPNG.gray(width: 8, height: 6) { x, y in (x + y) % 3 == 0 ? 1 : 0 }
    static var importedMask: [UInt8] {
        get throws {
            try MaskValidator.validate(png: maskInput, name: "mask", imageWidth: nil, imageHeight: nil).png
        }
    }

    static let metrics = VersionMetrics(
        candidate: .init(auroc: 0.875, f1: 0.75, failThreshold: 0.625), active: .init(auroc: 0.75, f1: 0.5, failThreshold: 0.5),
        heldOutGood: 3, heldOutDefect: 2, epochLosses: [0.5, 0.25, .infinity], trainingSeconds: 12.5)
    static let candidateMetrics = VersionMetrics(
        candidate: .init(auroc: 0.625, f1: 0.5, failThreshold: 0.25), active: nil,
        heldOutGood: 1, heldOutDefect: 1, epochLosses: [1.5], trainingSeconds: 2)

    // MARK: - Writing (with the store of the commit named above)

    /// Writes the database at `path` (which must not exist) and closes it, leaving no -wal/-shm.
    static func write(to path: String) throws {
        try writeRows(path: path)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            throw InspectionError.invalidSetting(name: "fixture", value: path + suffix, reason: "left behind after close")
        }
    }

    private static func writeRows(path: String) throws {
        let store = try VerdictStore.openForWriting(path: path)
        try writeInspections(store)
        try writeLabels(store)
        try writeVersions(store)
        try writeJobs(store)
        try store.updateCalibration(StationCalibration(
            station: "line-1", review: 0.375, fail: 0.75, method: "f1", goodCount: 3, defectCount: 2,
            classifier: "knn", note: "calibrated on 5 labels", updatedAt: t0 + 900))
        try store.updateCalibration(StationCalibration(
            station: "line-2", review: nil, fail: nil, method: nil, goodCount: 1, defectCount: 0,
            classifier: nil, note: "too few labels", updatedAt: t0 + 901))
        try store.updateStatus(DaemonStatus(
            pid: 1234, startedAt: t0, heartbeatAt: t0 + 1000, state: "running", processed: 5, imagesPerMinute: 2.5,
            configPath: "/etc/inspectd/inspectd.toml", modelVersion: "anomalyclip-fixture-1"))
    }

    /// Ids 1…7: done pass with map, done review with few-shot fields, error with timings, gave
    /// up, done fail with map, processing, queued.
    private static func writeInspections(_ store: VerdictStore) throws {
        try finish(store, file(1, station: "line-1"), at: t0 + 1, verdict(.pass, score: 0.125, map: try StoreSamples.map(seed: 1)))
        var review = verdict(.review, score: 0.5625, map: nil)
        review.fusedScore = 0.5625
        review.defectClass = "scratch"
        review.defectProbability = 0.875
        review.defectSet = ["scratch", "dent"]
        review.versionID = 1
        try finish(store, file(2, station: "line-1"), at: t0 + 4, review)
        try store.recordDiscovered(file(3, station: "line-1"), at: t0 + 7)
        _ = try store.claimNext(at: t0 + 8)
        try store.fail(id: 3, kind: "corrupt_image", message: "bad bytes", timings: timings, at: t0 + 9)
        try store.recordDiscovered(file(4, station: "line-1"), at: t0 + 10)
        _ = try store.claimNext(at: t0 + 11)
        try store.requeueInterrupted()
        _ = try store.claimNext(at: t0 + 12, maxAttempts: 1)
        try finish(store, file(5, station: "line-2"), at: t0 + 13, verdict(.fail, score: 0.875, map: try StoreSamples.map(seed: 2)))
        try store.recordDiscovered(file(6, station: "line-2"), at: t0 + 16)
        _ = try store.claimNext(at: t0 + 17)
        try store.recordDiscovered(file(7, station: "line-2"), at: t0 + 18)
    }

    /// Discovered at `time`, claimed a second later, completed two seconds later.
    private static func finish(_ store: VerdictStore, _ file: DiscoveredFile, at time: Double, _ verdict: StoredVerdict) throws {
        guard let id = try store.recordDiscovered(file, at: time), let claimed = try store.claimNext(at: time + 1),
              claimed.id == id else {
            throw InspectionError.invalidSetting(name: "fixture", value: file.path, reason: "not claimed next")
        }
        try store.complete(id: id, with: verdict, at: time + 2)
    }

    /// Labels 1…4: good, defect superseded by a relabel, the relabel, an imported one with a mask.
    private static func writeLabels(_ store: VerdictStore) throws {
        try store.addLabel(inspectionID: 1, kind: .good, defectClass: nil, note: "clean", mask: nil, author: "qa-anna",
                           at: t0 + 100)
        try store.addLabel(inspectionID: 5, kind: .defect, defectClass: "scratch", note: nil, mask: nil, author: "qa-ben",
                           at: t0 + 101)
        try store.addLabel(inspectionID: 5, kind: .defect, defectClass: "dent", note: "relabel", mask: nil, author: "qa-anna",
                           at: t0 + 102)
        try store.addLabel(path: "/imports/dent-7.png", contentHash: String(repeating: "ab", count: 32), station: nil,
                           kind: .defect, defectClass: "dent", note: "imported", mask: maskInput, author: "importer",
                           source: "import", at: t0 + 103)
    }

    /// Versions 1…4: configured (retired by 2), trained (active), imported (rejected), trained
    /// candidate of line-2.
    private static func writeVersions(_ store: VerdictStore) throws {
        try store.insertVersion(ModelVersionRecord(
            station: "line-1", base: "vit-b16@336", status: .active, source: .configured, createdAt: t0 + 200,
            memoryBank: [1, 2, 3, 4], classifier: #"{"method":"knn"}"#, reviewThreshold: 0.375, failThreshold: 0.75,
            thresholdMethod: "f1", trainingLabelIDs: [1], note: "configured"))
        try store.insertVersion(ModelVersionRecord(
            station: "line-1", base: "vit-b16@336", status: .candidate, source: .trained, parentID: 1,
            createdAt: t0 + 300, prompts: [9, 8, 7], promptsHash: String(repeating: "c", count: 64),
            trainingLabelIDs: [1, 3], heldOutLabelIDs: [4], metrics: metrics))
        try store.activateVersion(id: 2, reason: "better f1", at: t0 + 400)
        try store.insertVersion(ModelVersionRecord(
            station: "line-1", base: "vit-b16@336", status: .candidate, source: .imported, parentID: 2,
            createdAt: t0 + 500, prompts: [5, 5], promptsHash: String(repeating: "d", count: 64)))
        try store.updateVersionDecision(id: 3, status: .rejected, decision: "auroc 0.61 < 0.70")
        try store.insertVersion(ModelVersionRecord(
            station: "line-2", base: "vit-b16@336", status: .candidate, source: .trained, createdAt: t0 + 550,
            prompts: [4], promptsHash: String(repeating: "e", count: 64), trainingLabelIDs: [2, 3],
            heldOutLabelIDs: [], metrics: candidateMetrics, decision: nil, note: "waiting"))
    }

    /// Jobs 1…5: finished, running, cancelled before start, failed, requested.
    private static func writeJobs(_ store: VerdictStore) throws {
        try store.requestTraining(station: "line-1", trigger: "labels", at: t0 + 250)
        try store.startTrainingJob(id: 1, pid: 4242, at: t0 + 251)
        try store.updateTrainingProgress(id: 1, phase: "training", epoch: 3, epochs: 5, loss: 0.25, at: t0 + 260)
        try store.finishTrainingJob(id: 1, state: .finished, candidateID: 2, message: "candidate 2", at: t0 + 290)
        try store.requestTraining(station: "line-2", trigger: "manual", at: t0 + 600)
        try store.startTrainingJob(id: 2, pid: 4343, at: t0 + 601)
        try store.updateTrainingProgress(id: 2, phase: "encoding", at: t0 + 602)
        try store.requestTraining(station: "line-1", trigger: "schedule", at: t0 + 700)
        _ = try store.requestTrainingCancel(station: "line-1", at: t0 + 701)
        try store.requestTraining(station: "line-3", trigger: "schedule", at: t0 + 800)
        try store.startTrainingJob(id: 4, pid: 4444, at: t0 + 801)
        try store.finishTrainingJob(id: 4, state: .failed, message: "too few labels", at: t0 + 802)
        try store.requestTraining(station: "line-3", trigger: "labels", at: t0 + 850)
    }
}
