import Foundation
import Inspection
import Store
import Testing
import TestSupport

/// Evidence retention in a real SQLite file and a real evidence folder: the cap and the age
/// limit remove the oldest entries kept for verdicts, never a labelled image nor one an active
/// or candidate model version was fitted on — even when those alone exceed the cap.
@Suite struct EvidenceRetentionTests {
    let scratch: StoreScratch
    let store: VerdictStore
    let evidence: EvidenceStore
    let t0 = StoreSamples.dayStart

    init() throws {
        scratch = try StoreScratch()
        store = try VerdictStore.openForWriting(path: scratch.path())
        evidence = EvidenceStore(databasePath: scratch.path())
    }

    /// Keeps 1000 distinct bytes as evidence for `reason`, `age` days before t0.
    private func keep(_ n: Int, reason: EvidenceReason, daysOld age: Double) throws -> String {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n &* 7 &+ n) }
        let hash = ContentHash.sha256(bytes)
        let how = try evidence.keep(bytes: bytes, contentHash: hash)
        #expect(how == .copy)
        try store.recordEvidence(contentHash: hash, bytes: bytes.count, reason: reason, storedAs: how, at: t0 - age * 86400)
        return hash
    }

    private func label(_ hash: String, _ kind: LabelKind, at time: Double) throws -> Label {
        try store.addLabel(path: "/d/\(hash.prefix(6)).png", contentHash: hash, station: "line-1", kind: kind, defectClass: nil,
                           note: nil, mask: nil, author: "qa", source: "import", at: time)
    }

    @Test func theCapNeverDropsLabelledOrVersionImages() throws {
        let labelled = try keep(1, reason: .labelled, daysOld: 50)
        let relabelled = try keep(2, reason: .review, daysOld: 40)
        let fitted = try keep(3, reason: .fail, daysOld: 45)
        let unprotected = try (4...7).map { try keep($0, reason: .review, daysOld: Double(20 - $0)) }
        _ = try label(labelled, .good, at: t0)
        _ = try label(relabelled, .defect, at: t0)
        _ = try label(relabelled, .good, at: t0 + 1)  // superseded and current: one content
        let used = try label(fitted, .defect, at: t0)
        _ = try store.insertVersion(ModelVersionRecord(station: "line-1", base: "b", status: .active, source: .configured,
                                                       createdAt: t0, trainingLabelIDs: [used.id]))
        #expect(try store.protectedEvidence() == [labelled, relabelled, fitted])

        // Room for five entries: the two oldest unprotected go, oldest first.
        var pass = try store.pruneEvidence(evidence, maxBytes: 5000, maxDays: nil, now: t0)
        #expect(pass.removed == 2 && pass.freedBytes == 2000 && pass.keptBytes == 5000 && pass.protectedBytes == 3000)
        #expect(!evidence.contains(unprotected[0]) && !evidence.contains(unprotected[1]))
        #expect(evidence.contains(unprotected[2]) && evidence.contains(unprotected[3]))

        // A cap below what the protected images take: everything else goes, they stay.
        pass = try store.pruneEvidence(evidence, maxBytes: 1000, maxDays: nil, now: t0)
        #expect(pass.removed == 2 && pass.keptBytes == 3000 && pass.protectedBytes == 3000 && !pass.more)
        for hash in [labelled, relabelled, fitted] { #expect(evidence.contains(hash)) }
        #expect(try store.evidenceTotals() == (3, 3000))
    }

    @Test func ageAndThePerPassLimit() throws {
        let labelled = try keep(1, reason: .labelled, daysOld: 400)
        _ = try label(labelled, .good, at: t0)
        let old = try (2...4).map { try keep($0, reason: .fail, daysOld: 40 + Double($0)) }
        let young = try keep(5, reason: .fail, daysOld: 1)

        var pass = try store.pruneEvidence(evidence, maxBytes: 1 << 30, maxDays: 30, now: t0, limit: 2)
        #expect(pass.removed == 2 && pass.more)
        pass = try store.pruneEvidence(evidence, maxBytes: 1 << 30, maxDays: 30, now: t0, limit: 2)
        #expect(pass.removed == 1 && !pass.more)
        for hash in old { #expect(!evidence.contains(hash)) }
        #expect(evidence.contains(young) && evidence.contains(labelled))
    }

    @Test func aVerdictKeptThenLabelledBecomesLabelled() throws {
        let hash = try keep(9, reason: .review, daysOld: 100)
        try store.recordEvidence(contentHash: hash, bytes: 1000, reason: .labelled, storedAs: .present, at: t0)
        _ = try label(hash, .defect, at: t0)
        let pass = try store.pruneEvidence(evidence, maxBytes: 1, maxDays: 1, now: t0)
        #expect(pass.removed == 0 && evidence.contains(hash))
    }

    /// The few-shot label cap picks the same labels as retraining's `selectLabels`.
    @Test func newestPerClassMatchesRetrainingsSelection() throws {
        for i in 0..<9 {
            _ = try label(String(format: "%064x", i), i % 3 == 0 ? .defect : .good, at: t0 + Double(i % 4))
        }
        let all = try store.trainingLabels(station: "line-1")
        #expect(all.count == 9)
        var tuning = PromptTuningSettings()
        tuning.maxLabelsPerClass = 2
        let expected = PromptTuning(settings: tuning, fewShot: nil).selectLabels(all)
        let capped = try store.trainingLabels(station: "line-1", newestPerClass: 2)
        #expect(capped.map(\.id) == expected.map(\.id) && capped.count == 4)
        #expect(try store.currentLabelIDs(station: "line-1", newestPerClass: 2) == expected.map(\.id).sorted())
        #expect(try store.currentLabelIDs(station: "line-1") == all.map(\.id).sorted())
    }
}
