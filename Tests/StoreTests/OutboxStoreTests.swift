import Foundation
import Inspection
import Store
import Testing
import TestSupport

/// The fleet outbox (migration v10-outbox): entries appear in the same transaction as the
/// change they record, only while enabled, and the cap bounds the table.
@Suite struct OutboxStoreTests {
    @Test func verdictsLabelsAndVersionsAreRecordedOnlyWhileEnabled() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        try store.addFinished(StoreSamples.file(1), at: StoreSamples.dayStart, verdict: .pass)
        #expect(try store.outboxStatus().size == 0, "off by default: no [fleet], no outbox")

        try store.configureOutbox(enabled: true, capacity: 1000)
        let done = try store.addFinished(StoreSamples.file(2), at: StoreSamples.dayStart + 1, verdict: .fail, score: 0.9,
                                         map: try StoreSamples.map())
        let failed = try store.addFinished(StoreSamples.file(3), at: StoreSamples.dayStart + 2, verdict: nil)
        let label = try store.addLabel(inspectionID: done, kind: .defect, defectClass: "scratch", note: nil, mask: nil,
                                       author: "qa", at: StoreSamples.dayStart + 3)
        let version = try store.insertVersion(ModelVersionRecord(station: "line-1", base: "b", status: .active,
                                                                 source: .configured, createdAt: StoreSamples.dayStart))
        let batch = try store.outboxBatch(limit: 100)
        #expect(batch.map(\.kind) == [.verdict, .verdict, .label, .version])
        #expect(batch.map(\.localID) == [done, failed, label.id, version])
        let verdict = try #require(batch.first)
        #expect(verdict.station == "line-1" && verdict.columns.verdict == "fail" && verdict.columns.hasMap)
        #expect(verdict.columns.score == 0.9 && verdict.columns.state == "done")
        let record = try JSONDecoder().decode(InspectionRecord.self, from: Data(try #require(verdict.payload).utf8))
        #expect(record == (try store.record(id: done)))
        #expect(batch[1].columns.state == "error" && batch[1].columns.verdict == nil)

        try store.deleteOutbox(ids: batch.map(\.id), at: StoreSamples.dayStart + 10)
        let status = try store.outboxStatus()
        #expect(status.size == 0 && status.shipped == 4 && status.enabled)

        // Switching off empties it: nobody would drain it.
        try store.addFinished(StoreSamples.file(4), at: StoreSamples.dayStart + 4, verdict: .pass)
        #expect(try store.outboxStatus().size == 1)
        try store.configureOutbox(enabled: false, capacity: 1000)
        #expect(try store.outboxStatus().size == 0)
    }

    @Test func aRolledBackChangeLeavesNoEntry() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        try store.configureOutbox(enabled: true, capacity: 1000)
        let id = try #require(try store.recordDiscovered(StoreSamples.file(1), at: StoreSamples.dayStart))
        _ = try store.claimNext(at: StoreSamples.dayStart + 1)
        // A NaN score is refused before the transaction; a verdict for a row that is not
        // processing fails inside it and rolls back, trigger output included.
        try store.complete(id: id, with: StoreSamples.verdict(.pass), at: StoreSamples.dayStart + 2)
        #expect(throws: (any Error).self) {
            try store.complete(id: id, with: StoreSamples.verdict(.fail), at: StoreSamples.dayStart + 3)
        }
        #expect(try store.outboxBatch(limit: 10).count == 1)
    }

    @Test func theCapKeepsTheNewestAndCountsWhatItDropped() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        try store.configureOutbox(enabled: true, capacity: 5)
        var ids = [Int64]()
        for n in 0..<12 {
            ids.append(try store.addFinished(StoreSamples.file(n), at: StoreSamples.dayStart + Double(n), verdict: .pass))
        }
        let status = try store.outboxStatus()
        #expect(status.size == 5 && status.dropped == 7)
        #expect(try store.outboxBatch(limit: 100).map(\.localID) == Array(ids.suffix(5)))
        #expect(try store.pruneOutbox(olderThan: Date().timeIntervalSince1970 + 1) == 5)
        #expect(try store.outboxStatus().dropped == 12)
    }

    @Test func anEntryWhoseRowIsGoneHasNoPayload() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        try store.configureOutbox(enabled: true, capacity: 100)
        try store.addFinished(StoreSamples.file(1), at: StoreSamples.dayStart, verdict: .pass)
        try store.applyRetention(verdictDays: 1, mapDays: 1, now: StoreSamples.dayStart + 86400 * 400)
        let batch = try store.outboxBatch(limit: 10)
        #expect(batch.count == 1 && batch[0].payload == nil)
    }
}
