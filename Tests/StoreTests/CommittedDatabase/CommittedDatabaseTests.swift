import Foundation
import Inspection
@testable import Store
import Testing
import TestSupport

/// An existing database written by an earlier `main` opens, migrates and reads back exactly:
/// the store's schema and record types may change only in ways old files survive.
@Suite struct CommittedDatabaseTests {
    typealias F = MainDecember2026
    let t0 = MainDecember2026.t0

    /// A private copy of the committed file, so the migration never touches the fixture.
    static func openCopy(_ scratch: StoreScratch) throws -> VerdictStore {
        let source = try #require(Bundle.module.url(forResource: "main-2026-12", withExtension: "sqlite",
                                                    subdirectory: "Fixtures"))
        let copy = scratch.path("main-2026-12.sqlite")
        try FileManager.default.copyItem(atPath: source.path, toPath: copy)
        return try VerdictStore.openForWriting(path: copy)
    }

    @Test func writesTheFixtureWhenAsked() throws {
        guard let target = ProcessInfo.processInfo.environment["INSPECTD_WRITE_STORE_FIXTURE"] else { return }
        try F.write(to: target)
    }

    @Test func opensAndMigratesWithEveryMigrationApplied() throws {
        let scratch = try StoreScratch()
        let store = try Self.openCopy(scratch)
        let diagnostics = try store.diagnostics()
        #expect(Array(diagnostics.migrations.prefix(F.migrations.count)) == F.migrations)
        #expect(diagnostics.journalMode == "wal")
        #expect(diagnostics.tables == ["daemon_status", "evidence", "fewshot_fits", "fleet_followed", "fleet_outbox", "fleet_outbox_settings",
                                    "inspections", "labels", "maps", "model_versions", "output_status", "station_calibration",
                                    "training_jobs"])
        #expect(try store.counts() == [.queued: 1, .processing: 1, .done: 3, .error: 2])
        let reader = try VerdictStore.openReadOnly(path: store.path)
        #expect(try reader.records(VerdictFilter()).count == 7)
    }

    @Test func inspectionsReadBackExactly() throws {
        let scratch = try StoreScratch()
        let store = try Self.openCopy(scratch)
        let records = try store.records(VerdictFilter(newestFirst: false)).sorted { $0.id < $1.id }
        #expect(records.count == 7)
        for (found, expected) in zip(records, expectedInspections()) {
            #expect(found == expected, "inspection \(expected.id)")
        }
        #expect(try store.map(id: 1) == (try StoreSamples.map(seed: 1)))
        #expect(try store.map(id: 5) == (try StoreSamples.map(seed: 2)))
        #expect(try store.map(id: 2) == nil)
        let fingerprint = try #require(try store.latestFingerprint(station: "line-2", path: "/cameras/line-2/img6.png"))
        #expect(fingerprint.size == 2006 && fingerprint.mtime == t0 - 44 && fingerprint.contentHash == String(repeating: "6", count: 64))
        #expect(try store.record(station: "line-1", path: "/cameras/line-1/img2.png",
                                 contentHash: String(repeating: "2", count: 64))?.id == 2)
        let stats = try store.stats(VerdictFilter(), bucket: .none)
        #expect(stats == [
            StationStats(station: "line-1", total: 4, pass: 1, review: 1, fail: 0, errors: 2, queued: 0, yield: 0.5),
            StationStats(station: "line-2", total: 3, pass: 0, review: 0, fail: 1, errors: 0, queued: 2, yield: 0),
        ])
    }

    @Test func labelsReadBackExactly() throws {
        let scratch = try StoreScratch()
        let store = try Self.openCopy(scratch)
        let expected = try expectedLabels()
        #expect(try store.labels(ids: [1, 2, 3, 4]) == expected)
        #expect(try store.currentLabels() == [expected[0], expected[2], expected[3]])
        #expect(try store.labelHistory(contentHash: String(repeating: "5", count: 64)) == [expected[1], expected[2]])
        #expect(try store.trainingLabels(station: "line-2") == [expected[2], expected[3]])
        #expect(try store.currentLabelIDs(station: "line-1") == [1, 4])
        #expect(try store.labelCount(since: t0 + 101) == 3)
    }

    @Test func modelVersionsReadBackExactly() throws {
        let scratch = try StoreScratch()
        let store = try Self.openCopy(scratch)
        let expected = expectedVersions()
        for version in expected {
            #expect(try store.version(id: version.id) == version, "version \(version.id)")
        }
        let summaries = expected.reversed().map { version -> ModelVersionRecord in
            var summary = version
            summary.prompts = nil
            summary.memoryBank = nil
            summary.classifier = nil
            return summary
        }
        #expect(try store.versions() == summaries)
        #expect(try store.activeVersion(station: "line-1") == expected[1])
        #expect(try store.activeVersionIDs() == ["line-1": 2])
        #expect(try store.previousVersion(station: "line-1") == expected[0])
    }

    @Test func trainingJobsCalibrationAndStatusReadBackExactly() throws {
        let scratch = try StoreScratch()
        let store = try Self.openCopy(scratch)
        #expect(try store.trainingJobs() == expectedJobs().reversed())
        #expect(try store.trainingJobs(open: true).map(\.id) == [5, 2])
        #expect(try store.lastTrainingEnd(station: "line-1") == t0 + 701)
        #expect(try store.calibrations() == [
            StationCalibration(station: "line-1", review: 0.375, fail: 0.75, method: "f1", goodCount: 3, defectCount: 2,
                               classifier: "knn", note: "calibrated on 5 labels", updatedAt: t0 + 900),
            StationCalibration(station: "line-2", review: nil, fail: nil, method: nil, goodCount: 1, defectCount: 0,
                               classifier: nil, note: "too few labels", updatedAt: t0 + 901),
        ])
        #expect(try store.status() == DaemonStatus(
            pid: 1234, startedAt: t0, heartbeatAt: t0 + 1000, state: "running", processed: 5, imagesPerMinute: 2.5,
            configPath: "/etc/inspectd/inspectd.toml", modelVersion: "anomalyclip-fixture-1"))
    }

    /// The migrated copy keeps working as a queue: the queued row is claimed and completed.
    @Test func migratedCopyAcceptsNewWork() throws {
        let scratch = try StoreScratch()
        let store = try Self.openCopy(scratch)
        #expect(try store.requeueInterrupted() == 1)
        #expect(try store.claimNext(at: t0 + 2000)?.id == 6)
        try store.complete(id: 6, with: F.verdict(.pass, score: 0.25, map: nil), at: t0 + 2001)
        #expect(try store.record(id: 6).state == .done)
        #expect(try store.addLabel(inspectionID: 6, kind: .good, defectClass: nil, note: nil, mask: nil, author: "qa",
                                   at: t0 + 2002).id == 5)
    }

    // MARK: - Expected rows

    private func done(_ n: Int, station: String, at time: Double, _ verdict: Verdict, score: Double) -> InspectionRecord {
        var record = pending(n, station: station, state: .done, attempts: 1, at: time)
        record.startedAt = time + 1
        record.finishedAt = time + 2
        record.verdict = verdict
        record.score = score
        record.imageProbability = score + 0.25
        record.mapMaximum = score + 0.5
        record.reviewThreshold = 0.5
        record.failThreshold = 0.75
        record.scoreMode = "image_probability"
        record.modelVersion = "anomalyclip-fixture-1"
        record.originalWidth = 640
        record.originalHeight = 480
        record.geometryJSON = #"{"scale":0.5}"#
        return timed(record)
    }

    private func pending(_ n: Int, station: String, state: InspectionState, attempts: Int, at time: Double) -> InspectionRecord {
        InspectionRecord(id: Int64(n), station: station, path: "/cameras/\(station)/img\(n).png", size: Int64(2000 + n),
                         mtime: t0 - 50 + Double(n), contentHash: String(repeating: String(n), count: 64),
                         state: state, attempts: attempts, discoveredAt: time)
    }

    private func timed(_ record: InspectionRecord) -> InspectionRecord {
        var record = record
        record.decodeMs = 125
        record.preprocessMs = 250
        record.encodeMs = 500
        record.scoreMs = 62.5
        record.totalMs = 937.5
        return record
    }

    private func expectedInspections() -> [InspectionRecord] {
        var review = done(2, station: "line-1", at: t0 + 4, .review, score: 0.5625)
        review.fusedScore = 0.5625
        review.defectClass = "scratch"
        review.defectProbability = 0.875
        review.defectSet = ["scratch", "dent"]
        review.versionID = 1
        var failed = timed(pending(3, station: "line-1", state: .error, attempts: 1, at: t0 + 7))
        failed.startedAt = t0 + 8
        failed.finishedAt = t0 + 9
        failed.errorKind = "corrupt_image"
        failed.errorMessage = "bad bytes"
        var gaveUp = pending(4, station: "line-1", state: .error, attempts: 1, at: t0 + 10)
        gaveUp.finishedAt = t0 + 12
        gaveUp.errorKind = "gave_up"
        gaveUp.errorMessage = "gave up after 1 attempts (the daemon stopped while processing it each time)"
        var processing = pending(6, station: "line-2", state: .processing, attempts: 1, at: t0 + 16)
        processing.startedAt = t0 + 17
        return [
            done(1, station: "line-1", at: t0 + 1, .pass, score: 0.125), review, failed, gaveUp,
            done(5, station: "line-2", at: t0 + 13, .fail, score: 0.875), processing,
            pending(7, station: "line-2", state: .queued, attempts: 0, at: t0 + 18),
        ]
    }

    private func expectedLabels() throws -> [Label] {
        let five = String(repeating: "5", count: 64)
        return [
            Label(id: 1, inspectionID: 1, station: "line-1", path: "/cameras/line-1/img1.png",
                  contentHash: String(repeating: "1", count: 64), kind: .good, defectClass: nil, note: "clean", mask: nil,
                  author: "qa-anna", createdAt: t0 + 100, supersededAt: nil, source: "cli"),
            Label(id: 2, inspectionID: 5, station: "line-2", path: "/cameras/line-2/img5.png", contentHash: five,
                  kind: .defect, defectClass: "scratch", note: nil, mask: nil, author: "qa-ben", createdAt: t0 + 101,
                  supersededAt: t0 + 102, source: "cli"),
            Label(id: 3, inspectionID: 5, station: "line-2", path: "/cameras/line-2/img5.png", contentHash: five,
                  kind: .defect, defectClass: "dent", note: "relabel", mask: nil, author: "qa-anna", createdAt: t0 + 102,
                  supersededAt: nil, source: "cli"),
            Label(id: 4, inspectionID: nil, station: nil, path: "/imports/dent-7.png",
                  contentHash: String(repeating: "ab", count: 32), kind: .defect, defectClass: "dent", note: "imported",
                  mask: try F.importedMask, author: "importer", createdAt: t0 + 103, supersededAt: nil, source: "import"),
        ]
    }

    private func expectedVersions() -> [ModelVersionRecord] {
        let base = "vit-b16@336"
        return [
            ModelVersionRecord(id: 1, station: "line-1", base: base, status: .retired, source: .configured,
                               createdAt: t0 + 200, activatedAt: t0 + 200, memoryBank: [1, 2, 3, 4],
                               classifier: #"{"method":"knn"}"#, reviewThreshold: 0.375, failThreshold: 0.75,
                               thresholdMethod: "f1", trainingLabelIDs: [1], note: "replaced by version 2: better f1"),
            ModelVersionRecord(id: 2, station: "line-1", base: base, status: .active, source: .trained, parentID: 1,
                               createdAt: t0 + 300, activatedAt: t0 + 400, prompts: [9, 8, 7],
                               promptsHash: String(repeating: "c", count: 64), trainingLabelIDs: [1, 3],
                               heldOutLabelIDs: [4], metrics: F.metrics, note: "better f1"),
            ModelVersionRecord(id: 3, station: "line-1", base: base, status: .rejected, source: .imported, parentID: 2,
                               createdAt: t0 + 500, prompts: [5, 5], promptsHash: String(repeating: "d", count: 64),
                               decision: "auroc 0.61 < 0.70"),
            ModelVersionRecord(id: 4, station: "line-2", base: base, status: .candidate, source: .trained,
                               createdAt: t0 + 550, prompts: [4], promptsHash: String(repeating: "e", count: 64),
                               trainingLabelIDs: [2, 3], metrics: F.candidateMetrics, note: "waiting"),
        ]
    }

    private func expectedJobs() -> [TrainingJob] {
        [
            TrainingJob(id: 1, station: "line-1", trigger: "labels", state: .finished, requestedAt: t0 + 250,
                        startedAt: t0 + 251, finishedAt: t0 + 290, pid: nil, phase: "training", epoch: 3, epochs: 5,
                        loss: 0.25, progressAt: t0 + 260, cancelRequested: false, candidateID: 2, message: "candidate 2"),
            TrainingJob(id: 2, station: "line-2", trigger: "manual", state: .running, requestedAt: t0 + 600,
                        startedAt: t0 + 601, pid: 4343, phase: "encoding", progressAt: t0 + 602, cancelRequested: false),
            TrainingJob(id: 3, station: "line-1", trigger: "schedule", state: .cancelled, requestedAt: t0 + 700,
                        finishedAt: t0 + 701, cancelRequested: true, message: "cancelled before it started"),
            TrainingJob(id: 4, station: "line-3", trigger: "schedule", state: .failed, requestedAt: t0 + 800,
                        startedAt: t0 + 801, finishedAt: t0 + 802, phase: "starting", progressAt: t0 + 801,
                        cancelRequested: false, message: "too few labels"),
            TrainingJob(id: 5, station: "line-3", trigger: "labels", state: .requested, requestedAt: t0 + 850,
                        cancelRequested: false),
        ]
    }
}
