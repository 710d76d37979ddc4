import Foundation
import Inspection
@testable import Store
import Testing
import TestSupport

/// `output_status` (migration v9-outputs) and the queries the file output walks the log with.
@Suite struct OutputStatusStoreTests {
    @Test func statusesAreReplacedAsAWholeAndReadBack() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        #expect(try store.outputStatuses().isEmpty)
        var file = OutputStatus(station: "line1", name: "file:/srv/out", kind: "file", target: "/srv/out")
        (file.delivered, file.failed, file.pending, file.cursor) = (12, 2, 3, 40)
        (file.lastError, file.lastErrorAt, file.updatedAt) = ("/srv/out: open failed: No space left on device", 100.5, 101)
        var socket = OutputStatus(station: "line1", name: "socket:/run/v.sock", kind: "socket", target: "/run/v.sock")
        (socket.clients, socket.dropped, socket.updatedAt) = (2, 1, .nan)
        try store.replaceOutputStatuses([socket, file])
        socket.updatedAt = 0  // stored as 0, like the daemon status rate
        #expect(try store.outputStatuses() == [file, socket])
        try store.replaceOutputStatuses([file])
        #expect(try VerdictStore.openReadOnly(path: scratch.path()).outputStatuses() == [file])
    }

    @Test func theKindIsChecked() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        #expect(throws: StoreError.self) {
            try store.replaceOutputStatuses([OutputStatus(station: "a", name: "x", kind: "mqtt", target: "t")])
        }
    }

    @Test func rowsAfterACursorAndWhereANewOutputStarts() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        #expect(try store.exportStart(station: "line-1") == 0)
        let a = try store.addFinished(StoreSamples.file(1), at: StoreSamples.dayStart, verdict: .fail)
        let b = try store.addFinished(StoreSamples.file(2), at: StoreSamples.dayStart + 1, verdict: nil)
        let other = try store.addFinished(StoreSamples.file(3, station: "line-2"), at: StoreSamples.dayStart + 2, verdict: .pass)
        #expect(try store.exportStart(station: "line-1") == other, "nothing waiting: after the newest row")
        let queued = try #require(try store.recordDiscovered(StoreSamples.file(4), at: StoreSamples.dayStart + 3))
        #expect(try store.exportStart(station: "line-1") == queued - 1, "just before the oldest waiting row")
        #expect(try store.rows(station: "line-1", afterID: 0, limit: 10).map(\.id) == [a, b, queued])
        #expect(try store.rows(station: "line-1", afterID: a, limit: 1).map(\.id) == [b])
        #expect(try store.verdictCount(station: "line-1", afterID: 0) == 1)
        #expect(try store.records(ids: [other, a, 999]).map(\.id) == [a, other])
    }
}
