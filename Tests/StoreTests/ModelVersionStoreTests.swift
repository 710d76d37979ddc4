import Foundation
import GRDB
import Inspection
import Store
import Testing
import TestSupport

/// The StoreError `body` threw, or nil when it succeeded (another error type is recorded).
private func storeError(_ body: () throws -> Any, sourceLocation: SourceLocation = #_sourceLocation) -> StoreError? {
    thrownError(StoreError.self, sourceLocation: sourceLocation, body)
}

/// The InspectionError `body` threw, or nil when it succeeded (another error type is recorded).
private func inspectionError(_ body: () throws -> Any, sourceLocation: SourceLocation = #_sourceLocation) -> InspectionError? {
    thrownError(InspectionError.self, sourceLocation: sourceLocation, body)
}

/// Model versions in a real SQLite file: one active version per station, activation and
/// rollback, listings without blobs, exact round trips and pruning.
@Suite struct ModelVersionStoreTests {
    let scratch: StoreScratch
    let store: VerdictStore
    let t0 = StoreSamples.dayStart

    init() throws {
        scratch = try StoreScratch()
        store = try VerdictStore.openForWriting(path: scratch.path())
    }

    private func version(_ status: ModelVersionStatus, at time: Double, station: String = "line-1",
                         source: ModelVersionSource = .trained, bank: [UInt8]? = nil,
                         activatedAt: Double? = nil) -> ModelVersionRecord {
        ModelVersionRecord(station: station, base: "m-base", status: status, source: source, createdAt: time,
                           activatedAt: activatedAt, prompts: [1, 2, 3], promptsHash: "p-\(time)", memoryBank: bank)
    }

    private static let metrics = VersionMetrics(
        candidate: .init(auroc: 0.9375, f1: 0.8, failThreshold: 0.61), active: .init(auroc: 0.1 + 0.2, f1: 1.0 / 3.0, failThreshold: 0.7),
        heldOutGood: 12, heldOutDefect: 5, epochLosses: [1.25, 0.7, 0.123456789012345], trainingSeconds: 192.5)

    // MARK: one active version per station

    @Test func insertingAnActiveVersionRetiresOnlyThatStationsActive() throws {
        let first = try store.insertVersion(version(.active, at: t0))
        let press = try store.insertVersion(version(.active, at: t0 + 1, station: "press-2"))
        #expect(try store.activeVersionIDs() == ["line-1": first, "press-2": press])

        let second = try store.insertVersion(version(.active, at: t0 + 10), retireReason: "model file changed")
        let retired = try store.version(id: first)
        #expect(retired.status == .retired && retired.note == "model file changed")
        #expect(retired.activatedAt == t0, "retiring keeps when it was last activated")
        let now = try store.version(id: second)
        #expect(now.status == .active && now.activatedAt == t0 + 10, "activatedAt defaults to createdAt")
        #expect(try store.version(id: press).status == .active && store.version(id: press).note == nil)
        #expect(try store.activeVersionIDs() == ["line-1": second, "press-2": press])
        #expect(try store.activeVersion(station: "line-1")?.id == second)
        #expect(try store.activeVersion(station: "line-9") == nil)

        // Without a reason the old one says "replaced"; a candidate retires nothing.
        let third = try store.insertVersion(version(.active, at: t0 + 20, activatedAt: t0 + 25))
        #expect(try store.version(id: second).note == "replaced")
        #expect(try store.version(id: third).activatedAt == t0 + 25)
        let candidate = try store.insertVersion(version(.candidate, at: t0 + 30))
        #expect(try store.version(id: candidate).activatedAt == nil)
        #expect(try store.activeVersionIDs() == ["line-1": third, "press-2": press])
        #expect(try store.versions(station: "line-1").map(\.status) == [.candidate, .active, .retired, .retired])
    }

    @Test func theFileItselfAllowsOneActivePerStation() throws {
        try store.insertVersion(version(.active, at: t0))
        let queue = try DatabaseQueue(path: store.path)
        let insert = "INSERT INTO model_versions (station, base, status, source, created_at) VALUES (?, 'b', ?, 'trained', 1)"
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: insert, arguments: ["line-1", "active"]) }
        }
        // The index is partial and per station: other statuses and other stations are fine.
        try queue.write { db in
            try db.execute(sql: insert, arguments: ["line-1", "retired"])
            try db.execute(sql: insert, arguments: ["line-1", "candidate"])
            try db.execute(sql: insert, arguments: ["line-9", "active"])
        }
        #expect(try store.activeVersionIDs().count == 2)
        // And the CHECK constraints hold unknown words out.
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: insert, arguments: ["line-3", "pending"]) }
        }
    }

    @Test func activateVersionSwitchesAndReturnsThePrevious() throws {
        let first = try store.insertVersion(version(.active, at: t0))
        let candidate = try store.insertVersion(version(.candidate, at: t0 + 5))
        let press = try store.insertVersion(version(.active, at: t0 + 6, station: "press-2"))
        let result = try store.activateVersion(id: candidate, reason: "promoted by the daemon", at: t0 + 20)
        #expect(result.previous == first)
        #expect(result.active.id == candidate && result.active.status == .active)
        #expect(result.active.activatedAt == t0 + 20 && result.active.note == "promoted by the daemon")
        #expect(result.active.prompts == [1, 2, 3], "the returned record has its blobs")
        let old = try store.version(id: first)
        #expect(old.status == .retired && old.note == "replaced by version \(candidate): promoted by the daemon")
        #expect(try store.activeVersionIDs() == ["line-1": candidate, "press-2": press])

        // Activating the active one changes nothing and names no previous version.
        let again = try store.activateVersion(id: candidate, reason: "again", at: t0 + 30)
        #expect(again.previous == nil && again.active.activatedAt == t0 + 20 && again.active.note == "promoted by the daemon")
        // A station without an active version: nothing to retire.
        let lone = try store.insertVersion(version(.candidate, at: t0 + 40, station: "line-7"))
        #expect(try store.activateVersion(id: lone, reason: "first", at: t0 + 41).previous == nil)
        #expect(inspectionError { try store.activateVersion(id: 999, reason: "x", at: t0) }
            == .notFound(what: "model version", id: 999))
    }

    @Test func previousVersionIsTheRetiredOneActivatedMostRecently() throws {
        #expect(inspectionError { try store.previousVersion(station: "line-1") }
            == .notFound(what: "earlier active version of station line-1", id: 0))
        let v1 = try store.insertVersion(version(.active, at: t0))
        #expect(inspectionError { try store.previousVersion(station: "line-1") } != nil, "only an active version")
        let v2 = try store.insertVersion(version(.active, at: t0 + 100))
        let v3 = try store.insertVersion(version(.active, at: t0 + 200))
        #expect(try store.previousVersion(station: "line-1").id == v2)
        // Roll back to v1: v3 (active since t0+200) is now the most recently activated retired one,
        // not v2 (t0+100), though v2 was retired earlier and v1 has the lower id.
        try store.activateVersion(id: v1, reason: "rollback", at: t0 + 300)
        let previous = try store.previousVersion(station: "line-1")
        #expect(previous.id == v3 && previous.prompts == [1, 2, 3])
        // Retired rows never activated, rejected ones and other stations' do not count.
        try store.insertVersion(version(.retired, at: t0 + 400))
        try store.insertVersion(version(.rejected, at: t0 + 401, activatedAt: t0 + 999))
        try store.insertVersion(version(.retired, at: t0 + 402, station: "press-2", activatedAt: t0 + 1000))
        #expect(try store.previousVersion(station: "line-1").id == v3)
        // Equal activation times: the higher id wins.
        let v7 = try store.insertVersion(version(.retired, at: t0 + 500, activatedAt: t0 + 200))
        #expect(try store.previousVersion(station: "line-1").id == v7)
    }

    @Test func previousVersionGoesByActivationTimeNotByID() throws {
        // v1 active, v2 replaces it, rollback to v1, then v3 replaces v1: the version before v3
        // is v1 (activated last at t0+200), although v2 has the higher id.
        let v1 = try store.insertVersion(version(.active, at: t0, station: "line-2"))
        let v2 = try store.insertVersion(version(.active, at: t0 + 100, station: "line-2"))
        try store.activateVersion(id: v1, reason: "rollback", at: t0 + 200)
        #expect(try store.previousVersion(station: "line-2").id == v2)
        try store.insertVersion(version(.active, at: t0 + 300, station: "line-2"))
        #expect(try store.previousVersion(station: "line-2").id == v1)
    }

    // MARK: listings and round trips

    @Test func listingsAreNewestFirstWithoutBlobsAndVersionHasThem() throws {
        var ids = [Int64]()
        for n in 0..<3 {
            var record = version(n == 2 ? .active : .candidate, at: t0 + Double(n), bank: [UInt8(n), 9])
            record.classifier = #"{"n":\#(n)}"#
            record.metrics = Self.metrics
            record.trainingLabelIDs = [Int64(n), 10]
            ids.append(try store.insertVersion(record))
        }
        let press = try store.insertVersion(version(.active, at: t0 + 3, station: "press-2", bank: [4]))
        let listed = try store.versions(station: "line-1")
        #expect(listed.map(\.id) == ids.reversed())
        for record in listed {
            #expect(record.prompts == nil && record.memoryBank == nil && record.classifier == nil)
            #expect(record.promptsHash != nil && record.metrics == Self.metrics && record.trainingLabelIDs.count == 2)
        }
        #expect(try store.versions().map(\.id) == [press] + ids.reversed())
        #expect(try store.versions(limit: 2).map(\.id) == [press, ids[2]])
        #expect(try store.versions(station: "nowhere").isEmpty)
        let summaries = try store.activeVersionSummaries()
        #expect(summaries.keys.sorted() == ["line-1", "press-2"])
        #expect(summaries["line-1"]?.id == ids[2] && summaries["line-1"]?.memoryBank == nil && summaries["line-1"]?.prompts == nil)
        let full = try store.version(id: ids[1])
        #expect(full.prompts == [1, 2, 3] && full.memoryBank == [1, 9] && full.classifier == #"{"n":1}"#)
        #expect(try store.activeVersion(station: "line-1")?.memoryBank == [2, 9])
    }

    @Test func everyFieldRoundTripsExactly() throws {
        let prompts = (0..<4096).map { UInt8($0 % 256) }
        let bank = [UInt8](repeating: 0, count: 3) + (0...255).map(UInt8.init).reversed()
        let parent = try store.insertVersion(version(.active, at: t0))
        let record = ModelVersionRecord(
            station: "line-1", base: "m0123-e:object-s89", status: .candidate, source: .imported, parentID: parent,
            createdAt: t0 + 0.125, activatedAt: nil, prompts: prompts, promptsHash: ContentHash.sha256(prompts),
            memoryBank: bank, classifier: #"{"classes":["dent","scratch"],"é":"ü"}"#, reviewThreshold: 0.1 + 0.2,
            failThreshold: 0.7000000000000001, thresholdMethod: "f1+conformal",
            trainingLabelIDs: [3, 1, 2, 1 << 40], heldOutLabelIDs: [9, 7], metrics: Self.metrics,
            decision: "promoted: figures", note: "line 1\nline 2")
        let id = try store.insertVersion(record)
        var expected = record
        expected.id = id
        #expect(try store.version(id: id) == expected)
        #expect(try store.version(id: id).metrics?.active?.auroc == 0.1 + 0.2)

        // Empty arrays, no metrics, no blobs; non-finite thresholds are stored as absent.
        var bare = ModelVersionRecord(station: "line-1", base: "b", status: .rejected, source: .configured, createdAt: t0 + 1,
                                      reviewThreshold: .nan, failThreshold: .infinity)
        bare.metrics = nil
        let bareID = try store.insertVersion(bare)
        let read = try store.version(id: bareID)
        #expect(read.reviewThreshold == nil && read.failThreshold == nil)
        #expect(read.trainingLabelIDs == [] && read.heldOutLabelIDs == [] && read.metrics == nil)
        #expect(read.prompts == nil && read.memoryBank == nil && read.parentID == nil)
        // A metrics record without an active comparison.
        var lone = Self.metrics
        lone.active = nil
        var withLone = bare
        withLone.metrics = lone
        #expect(try store.version(id: store.insertVersion(withLone)).metrics == lone)
        #expect(inspectionError { try store.version(id: 12345) } == .notFound(what: "model version", id: 12345))
    }

    @Test func metricsWithADivergedEpochLossAreKept() throws {
        // A training run whose loss went NaN still has held-out figures worth keeping.
        var record = version(.candidate, at: t0)
        var metrics = Self.metrics
        metrics.epochLosses = [0.9, .nan]
        record.metrics = metrics
        let id = try store.insertVersion(record)
        let read = try store.version(id: id).metrics
        #expect(read?.candidate == metrics.candidate)
    }

    // MARK: decisions, parts, pruning

    @Test func updateVersionDecisionLeavesAnActiveRowAlone() throws {
        let active = try store.insertVersion(version(.active, at: t0))
        let candidate = try store.insertVersion(version(.candidate, at: t0 + 1))
        try store.updateVersionDecision(id: candidate, status: .rejected, decision: "rejected: AUROC worse by 0.050")
        let rejected = try store.version(id: candidate)
        #expect(rejected.status == .rejected && rejected.decision == "rejected: AUROC worse by 0.050")
        try store.updateVersionDecision(id: active, status: .rejected, decision: "should not stick")
        let still = try store.version(id: active)
        #expect(still.status == .active && still.decision == nil)
        #expect(try store.activeVersionIDs() == ["line-1": active])
        // Marking a candidate active this way is not possible either: the index would allow
        // only one, and promotion goes through activateVersion.
        #expect(inspectionError { try store.updateVersionDecision(id: candidate, status: .active, decision: "x") } != nil)
        #expect(try store.version(id: candidate).status == .rejected)
    }

    @Test func pruneKeepsTheActiveAndTheNewestOthers() throws {
        // line-1: 1 retired, 2 rejected, 3 active, 4 candidate, 5 rejected; press-2: 6 retired.
        let statuses: [ModelVersionStatus] = [.retired, .rejected, .active, .candidate, .rejected]
        var ids = [Int64]()
        for (n, status) in statuses.enumerated() {
            ids.append(try store.insertVersion(version(status, at: t0 + Double(n), bank: [UInt8(n + 1)],
                                                       activatedAt: status == .retired ? t0 : nil)))
        }
        let other = try store.insertVersion(version(.retired, at: t0 + 9, station: "press-2", bank: [99]))
        // keep 2: the newest non-active are 5 and 4; 1 and 2 lose their banks.
        #expect(try store.pruneVersionBlobs(station: "line-1", keep: 2) == 2)
        #expect(try ids.map { try store.version(id: $0).memoryBank } == [nil, nil, [3], [4], [5]])
        #expect(try store.version(id: ids[0]).prompts == [1, 2, 3], "only memory banks are dropped")
        #expect(try store.version(id: other).memoryBank == [99])
        // Again: nothing left to drop.
        #expect(try store.pruneVersionBlobs(station: "line-1", keep: 2) == 0)
        // keep counts versions, not banks: 1 and 2 stay among the dropped, 4 goes with keep 1.
        #expect(try store.pruneVersionBlobs(station: "line-1", keep: 1) == 1)
        #expect(try ids.map { try store.version(id: $0).memoryBank } == [nil, nil, [3], nil, [5]])
        // keep 0 (or less): every non-active bank goes, the active one never.
        #expect(try store.pruneVersionBlobs(station: "line-1", keep: -3) == 1)
        #expect(try ids.map { try store.version(id: $0).memoryBank } == [nil, nil, [3], nil, nil])
        #expect(try store.version(id: other).memoryBank == [99])
    }

    @Test func updateVersionPartsReplacesBankClassifierAndThresholds() throws {
        let id = try store.insertVersion(version(.retired, at: t0, bank: nil, activatedAt: t0))
        let thresholds = CalibratedThresholds(review: 0.25, fail: 0.75, method: "f1", goodCount: 8, defectCount: 4,
                                              targetFalseRejectRate: nil, reviewFalseRejectRate: 0.05)
        try store.updateVersionParts(id: id, memoryBank: [5, 6, 7], classifier: #"{"k":1}"#, thresholds: thresholds)
        var read = try store.version(id: id)
        #expect(read.memoryBank == [5, 6, 7] && read.classifier == #"{"k":1}"#)
        #expect(read.reviewThreshold == 0.25 && read.failThreshold == 0.75 && read.thresholdMethod == "f1")
        #expect(read.status == .retired && read.prompts == [1, 2, 3] && read.activatedAt == t0, "the rest is untouched")
        try store.updateVersionParts(id: id, memoryBank: nil, classifier: nil, thresholds: nil)
        read = try store.version(id: id)
        #expect(read.memoryBank == nil && read.classifier == nil)
        #expect(read.reviewThreshold == nil && read.failThreshold == nil && read.thresholdMethod == nil)
    }

    // MARK: read-only and verdicts

    @Test func aReadOnlyStoreRefusesEveryChange() throws {
        let id = try store.insertVersion(version(.active, at: t0))
        let job = try store.requestTraining(station: "line-1", trigger: "manual", at: t0)
        let reader = try VerdictStore.openReadOnly(path: store.path)
        let writes: [(String, () throws -> Any)] = [
            ("insertVersion", { try reader.insertVersion(self.version(.candidate, at: self.t0)) }),
            ("activateVersion", { try reader.activateVersion(id: id, reason: "x", at: self.t0) }),
            ("updateVersionDecision", { try reader.updateVersionDecision(id: id, status: .rejected, decision: "x") }),
            ("pruneVersionBlobs", { try reader.pruneVersionBlobs(station: "line-1", keep: 0) }),
            ("updateVersionParts", { try reader.updateVersionParts(id: id, memoryBank: nil, classifier: nil, thresholds: nil) }),
            ("requestTraining", { try reader.requestTraining(station: "line-2", trigger: "manual", at: self.t0) }),
            ("startTrainingJob", { try reader.startTrainingJob(id: job.id, pid: 1, at: self.t0) }),
            ("updateTrainingProgress", { try reader.updateTrainingProgress(id: job.id, phase: "x", at: self.t0) }),
            ("finishTrainingJob", { try reader.finishTrainingJob(id: job.id, state: .failed, message: "x", at: self.t0) }),
            ("requestTrainingCancel", { try reader.requestTrainingCancel(station: "line-1", at: self.t0) as Any }),
        ]
        for (name, write) in writes {
            guard case let .other(path, reason)? = storeError(write) else {
                Issue.record("\(name) did not fail with StoreError.other")
                continue
            }
            #expect(path == store.path && reason.contains("read-only"), "\(name): \(reason)")
        }
        // Reading works, and nothing changed.
        #expect(try reader.version(id: id).status == .active && reader.versions().count == 1)
        #expect(try reader.trainingJob(id: job.id).state == .requested)
    }

    @Test func aCompletedVerdictNamesItsVersion() throws {
        let versionID = try store.insertVersion(version(.active, at: t0))
        let with = try #require(try store.recordDiscovered(StoreSamples.file(1), at: t0))
        let without = try #require(try store.recordDiscovered(StoreSamples.file(2), at: t0 + 1))
        #expect(try store.claimNext(at: t0 + 2)?.id == with)
        var verdict = StoredVerdict(verdict: .fail, score: 0.91, imageProbability: 0.92, mapMaximum: 0.93, reviewThreshold: 0.5,
                                    failThreshold: 0.8, scoreMode: "image_probability", modelVersion: "anomalyclip-test-1",
                                    timings: StoreSamples.timings(), originalWidth: 640, originalHeight: 480,
                                    geometryJSON: "{}", map: nil)
        verdict.versionID = versionID
        try store.complete(id: with, with: verdict, at: t0 + 3)
        #expect(try store.claimNext(at: t0 + 4)?.id == without)
        try store.complete(id: without, with: StoreSamples.verdict(), at: t0 + 5)
        #expect(try store.record(id: with).versionID == versionID)
        #expect(try store.record(id: with).verdict == .fail)
        #expect(try store.record(id: without).versionID == nil)
        // Also through a reader.
        #expect(try VerdictStore.openReadOnly(path: store.path).record(id: with).versionID == versionID)
    }
}

/// Training jobs: one open job per station, the requested → running → final transitions,
/// cancellation, and the schedule's "last end".
@Suite struct TrainingJobStoreTests {
    let scratch: StoreScratch
    let store: VerdictStore
    let t0 = StoreSamples.dayStart

    init() throws {
        scratch = try StoreScratch()
        store = try VerdictStore.openForWriting(path: scratch.path())
    }

    private func invalid(_ body: () throws -> Any) -> (name: String, value: String)? {
        guard case let .invalidSetting(name, value, _)? = inspectionError(body) else { return nil }
        return (name, value)
    }

    @Test func requestingTwiceReturnsTheOpenJob() throws {
        let first = try store.requestTraining(station: "line-1", trigger: "labels", at: t0)
        #expect(first.station == "line-1" && first.trigger == "labels" && first.state == .requested && first.requestedAt == t0)
        #expect(first.startedAt == nil && first.finishedAt == nil && first.pid == nil && first.phase == nil)
        #expect(first.epoch == nil && first.epochs == nil && first.loss == nil && first.progressAt == nil)
        #expect(!first.cancelRequested && first.candidateID == nil && first.message == nil)
        #expect(try store.requestTraining(station: "line-1", trigger: "manual", at: t0 + 1) == first)
        let other = try store.requestTraining(station: "press-2", trigger: "schedule", at: t0 + 2)
        #expect(other.id != first.id && other.trigger == "schedule")
        // Still open while running.
        try store.startTrainingJob(id: first.id, pid: 4242, at: t0 + 3)
        #expect(try store.requestTraining(station: "line-1", trigger: "manual", at: t0 + 4).id == first.id)
        #expect(try store.trainingJobs(open: true).map(\.id) == [other.id, first.id])
        // Once it ended, a new request is a new job.
        try store.finishTrainingJob(id: first.id, state: .failed, message: "boom", at: t0 + 5)
        let next = try store.requestTraining(station: "line-1", trigger: "manual", at: t0 + 6)
        #expect(next.id > other.id && next.trigger == "manual" && next.state == .requested)
        #expect(try store.trainingJobs().map(\.id) == [next.id, other.id, first.id])
        #expect(try store.trainingJobs(limit: 1).map(\.id) == [next.id])
        #expect(try store.trainingJobs(open: true).map(\.id) == [next.id, other.id])
    }

    @Test func startProgressFinish() throws {
        let candidate = try store.insertVersion(ModelVersionRecord(station: "line-1", base: "b", status: .candidate,
                                                                   source: .trained, createdAt: t0))
        let job = try store.requestTraining(station: "line-1", trigger: "manual", at: t0)
        try store.startTrainingJob(id: job.id, pid: 4242, at: t0 + 1)
        var read = try store.trainingJob(id: job.id)
        #expect(read.state == .running && read.startedAt == t0 + 1 && read.pid == 4242)
        #expect(read.phase == "starting" && read.progressAt == t0 + 1 && read.finishedAt == nil)

        try store.updateTrainingProgress(id: job.id, phase: "encoding", at: t0 + 2)
        read = try store.trainingJob(id: job.id)
        #expect(read.phase == "encoding" && read.epoch == nil && read.progressAt == t0 + 2)
        try store.updateTrainingProgress(id: job.id, phase: "training", epoch: 1, epochs: 15, loss: 0.875, at: t0 + 3)
        // Absent values keep the last ones; a non-finite loss is not stored.
        try store.updateTrainingProgress(id: job.id, phase: "training", epoch: 2, loss: .nan, at: t0 + 4)
        read = try store.trainingJob(id: job.id)
        #expect(read.epoch == 2 && read.epochs == 15 && read.loss == 0.875 && read.progressAt == t0 + 4)
        try store.updateTrainingProgress(id: job.id, phase: "evaluating", at: t0 + 5)
        read = try store.trainingJob(id: job.id)
        #expect(read.phase == "evaluating" && read.epoch == 2 && read.loss == 0.875)

        try store.finishTrainingJob(id: job.id, state: .finished, candidateID: candidate, message: "promoted", at: t0 + 6)
        read = try store.trainingJob(id: job.id)
        #expect(read.state == .finished && read.finishedAt == t0 + 6 && read.candidateID == candidate)
        #expect(read.message == "promoted" && read.pid == nil && read.startedAt == t0 + 1 && read.phase == "evaluating")
    }

    @Test func transitionsOutOfOrderAreRefused() throws {
        let job = try store.requestTraining(station: "line-1", trigger: "manual", at: t0)
        let name = "training job \(job.id)"
        // Progress before start.
        #expect(invalid { try store.updateTrainingProgress(id: job.id, phase: "x", at: t0) }
            .map { [$0.name, $0.value] } == [name, "requested"])
        try store.startTrainingJob(id: job.id, pid: 1, at: t0 + 1)
        #expect(invalid { try store.startTrainingJob(id: job.id, pid: 2, at: t0 + 2) }.map { [$0.name, $0.value] } == [name, "running"])
        #expect(try store.trainingJob(id: job.id).pid == 1, "a refused start changes nothing")
        // A non-final state cannot finish a job.
        for state in [TrainingJob.State.requested, .running] {
            #expect(invalid { try store.finishTrainingJob(id: job.id, state: state, message: "x", at: t0 + 3) }
                .map { [$0.name, $0.value] } == ["state", state.rawValue])
        }
        try store.finishTrainingJob(id: job.id, state: .cancelled, message: "stopped", at: t0 + 4)
        // Nothing changes a finished job any more.
        #expect(invalid { try store.updateTrainingProgress(id: job.id, phase: "x", at: t0 + 5) }?.value == "cancelled")
        #expect(invalid { try store.startTrainingJob(id: job.id, pid: 3, at: t0 + 5) }?.value == "cancelled")
        #expect(invalid { try store.finishTrainingJob(id: job.id, state: .finished, message: "late", at: t0 + 5) }?.value == "cancelled")
        let final = try store.trainingJob(id: job.id)
        #expect(final.state == .cancelled && final.message == "stopped" && final.finishedAt == t0 + 4)
        // Unknown ids.
        let missing = InspectionError.notFound(what: "training job", id: 999)
        #expect(inspectionError { try store.trainingJob(id: 999) } == missing)
        #expect(inspectionError { try store.startTrainingJob(id: 999, pid: 1, at: t0) } == missing)
        #expect(inspectionError { try store.updateTrainingProgress(id: 999, phase: "x", at: t0) } == missing)
        #expect(inspectionError { try store.finishTrainingJob(id: 999, state: .failed, message: "x", at: t0) } == missing)
    }

    @Test func aRequestedJobCanFailWithoutStarting() throws {
        let job = try store.requestTraining(station: "line-1", trigger: "labels", at: t0)
        try store.finishTrainingJob(id: job.id, state: .failed, message: "interrupted", at: t0 + 1)
        let read = try store.trainingJob(id: job.id)
        #expect(read.state == .failed && read.startedAt == nil && read.finishedAt == t0 + 1 && read.message == "interrupted")
    }

    @Test func cancellingARequestedJobEndsItAtOnceARunningOneIsFlagged() throws {
        #expect(try store.requestTrainingCancel(station: "line-1", at: t0) == nil, "nothing open")
        let requested = try store.requestTraining(station: "line-1", trigger: "labels", at: t0)
        let running = try store.requestTraining(station: "press-2", trigger: "manual", at: t0 + 1)
        try store.startTrainingJob(id: running.id, pid: 77, at: t0 + 2)

        let cancelled = try #require(try store.requestTrainingCancel(station: "line-1", at: t0 + 3))
        #expect(cancelled.id == requested.id && cancelled.state == .cancelled && cancelled.cancelRequested)
        #expect(cancelled.finishedAt == t0 + 3 && cancelled.message == "cancelled before it started")
        #expect(try store.trainingJob(id: running.id).cancelRequested == false, "another station's job is untouched")

        let flagged = try #require(try store.requestTrainingCancel(station: "press-2", at: t0 + 4))
        #expect(flagged.id == running.id && flagged.state == .running && flagged.cancelRequested)
        #expect(flagged.finishedAt == nil && flagged.message == nil && flagged.pid == 77)
        // The worker sees the flag and ends the job itself.
        try store.finishTrainingJob(id: running.id, state: .cancelled, message: "cancelled at epoch 3", at: t0 + 5)
        #expect(try store.trainingJob(id: running.id).state == .cancelled)

        // Ended jobs cannot be cancelled; a new request after a cancel is a new job.
        #expect(try store.requestTrainingCancel(id: requested.id, at: t0 + 6) == nil)
        #expect(try store.requestTrainingCancel(station: "line-1", at: t0 + 6) == nil)
        let again = try store.requestTraining(station: "line-1", trigger: "manual", at: t0 + 7)
        #expect(again.id != requested.id)
        // By id, and with neither station nor id: the oldest open job.
        let third = try store.requestTraining(station: "line-3", trigger: "manual", at: t0 + 8)
        #expect(try store.requestTrainingCancel(id: third.id, at: t0 + 9)?.id == third.id)
        let other = try store.requestTraining(station: "line-4", trigger: "manual", at: t0 + 10)
        #expect(try store.requestTrainingCancel(at: t0 + 11)?.id == again.id)
        #expect(try store.requestTrainingCancel(at: t0 + 12)?.id == other.id)
        #expect(try store.requestTrainingCancel(at: t0 + 13) == nil)
    }

    @Test func lastTrainingEndIsTheLatestFinishOfTheStation() throws {
        #expect(try store.lastTrainingEnd(station: "line-1") == nil)
        let a = try store.requestTraining(station: "line-1", trigger: "labels", at: t0)
        #expect(try store.lastTrainingEnd(station: "line-1") == nil, "an open job has not ended")
        try store.finishTrainingJob(id: a.id, state: .failed, message: "x", at: t0 + 50)
        let b = try store.requestTraining(station: "line-1", trigger: "labels", at: t0 + 60)
        try store.startTrainingJob(id: b.id, pid: 1, at: t0 + 61)
        try store.finishTrainingJob(id: b.id, state: .finished, message: "ok", at: t0 + 90)
        let c = try store.requestTraining(station: "press-2", trigger: "labels", at: t0 + 100)
        try store.finishTrainingJob(id: c.id, state: .failed, message: "x", at: t0 + 500)
        _ = try store.requestTraining(station: "line-1", trigger: "labels", at: t0 + 600)
        _ = try store.requestTrainingCancel(station: "line-1", at: t0 + 700)
        #expect(try store.lastTrainingEnd(station: "line-1") == t0 + 700, "a cancel is an end too")
        #expect(try store.lastTrainingEnd(station: "press-2") == t0 + 500)
        #expect(try store.lastTrainingEnd(station: "line-9") == nil)
    }
}

/// The label queries retraining relies on.
@Suite struct TrainingLabelStoreTests {
    let scratch: StoreScratch
    let store: VerdictStore
    let t0 = StoreSamples.dayStart

    init() throws {
        scratch = try StoreScratch()
        store = try VerdictStore.openForWriting(path: scratch.path())
    }

    @discardableResult
    private func label(_ n: Int, station: String?, kind: LabelKind = .good, hash: String? = nil, at time: Double) throws -> Label {
        try store.addLabel(path: "/img/\(n).png", contentHash: hash ?? "hash-\(n)", station: station, kind: kind,
                           defectClass: nil, note: nil, mask: nil, author: "qa", source: "import", at: time)
    }

    @Test func labelCountCountsTheStationAndStationlessLabelsSince() throws {
        try label(1, station: "line-1", at: t0 - 10)           // before
        try label(2, station: "line-1", at: t0)                // at the bound: counted
        try label(3, station: "line-2", at: t0 + 1)            // other station
        try label(4, station: nil, at: t0 + 2)                 // imported without a station
        try label(5, station: "line-1", kind: .defect, at: t0 + 3)
        #expect(try store.labelCount(station: "line-1", since: t0) == 3)
        #expect(try store.labelCount(station: "line-2", since: t0) == 2)
        #expect(try store.labelCount(station: "line-9", since: t0) == 1)
        #expect(try store.labelCount(station: "line-1", since: t0 + 2.5) == 1)
        #expect(try store.labelCount(station: "line-1", since: t0 - 100) == 4)
        // A relabel is new information; the label it supersedes still counts as recorded.
        try label(2, station: "line-1", kind: .defect, hash: "hash-2", at: t0 + 4)
        #expect(try store.labelCount(station: "line-1", since: t0) == 4)
        #expect(try store.labelCount(station: "line-1", since: t0 + 4) == 1)
    }

    @Test func trainingLabelsAreCurrentOnesOfTheStationAndStationless() throws {
        let a = try label(1, station: "line-1", at: t0 + 5)
        let b = try label(2, station: nil, kind: .defect, at: t0 + 1)
        try label(3, station: "line-2", at: t0 + 2)
        let old = try label(4, station: "line-1", at: t0 + 3)
        let relabeled = try label(4, station: "line-1", kind: .defect, hash: "hash-4", at: t0 + 6)
        let same = try label(5, station: "line-1", at: t0 + 5)   // same time as `a`: id order
        let labels = try store.trainingLabels(station: "line-1")
        #expect(labels.map(\.id) == [b.id, a.id, same.id, relabeled.id])
        #expect(!labels.contains { $0.id == old.id })
        #expect(try store.currentLabelIDs(station: "line-1") == [a.id, b.id, relabeled.id, same.id].sorted())
        #expect(try store.trainingLabels(station: "line-2").map(\.path) == ["/img/2.png", "/img/3.png"])
        #expect(try store.trainingLabels(station: "line-9").map(\.id) == [b.id])
    }

    @Test func labelsByIDReadMoreThanOneChunk() throws {
        // 1201 labels: three chunks of up to 500 ids. Every tenth content is relabeled, so
        // superseded labels are asked for too.
        var ids = [Int64]()
        for n in 0..<1100 {
            ids.append(try label(n, station: n % 2 == 0 ? "line-1" : nil, at: t0 + Double(n)).id)
        }
        for n in stride(from: 0, to: 1010, by: 10) {
            ids.append(try label(n, station: "line-1", kind: .defect, hash: "hash-\(n)", at: t0 + 2000 + Double(n)).id)
        }
        #expect(ids.count == 1201)
        let read = try store.labels(ids: ids)
        #expect(read.map(\.id) == ids)
        #expect(read[0].supersededAt == t0 + 2000 && read[0].kind == .good)
        #expect(read[1200].kind == .defect && read[1200].path == "/img/1000.png")
        // Unknown ids are skipped; a chunk boundary in the middle of a subset works too.
        let subset = Array(ids[490..<510]) + [999_999]
        #expect(try store.labels(ids: subset).map(\.id) == Array(ids[490..<510]))
        #expect(try store.labels(ids: []).isEmpty)
    }
}
