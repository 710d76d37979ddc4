import Foundation
import Inspection
import Store
import Testing
import TestSupport

@Suite struct VerdictStoreQueueTests {
    let t0 = StoreSamples.dayStart

    @Test func dedupKeyIsStationPathAndContent() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let file = StoreSamples.file(1)
        let first = try #require(try store.recordDiscovered(file, at: t0))
        // Same station, path and content: a re-scan or duplicate event, in any state.
        #expect(try store.recordDiscovered(file, at: t0 + 1) == nil)
        var touched = file
        touched.mtime += 50
        touched.size += 1
        #expect(try store.recordDiscovered(touched, at: t0 + 1) == nil, "only station, path and hash are the key")
        _ = try store.claimNext(at: t0 + 2)
        try store.complete(id: first, with: StoreSamples.verdict(), at: t0 + 3)
        #expect(try store.recordDiscovered(file, at: t0 + 4) == nil)

        // Same path, new content: a camera overwrote the file.
        var rewritten = file
        rewritten.contentHash = String(repeating: "f", count: 64)
        let second = try #require(try store.recordDiscovered(rewritten, at: t0 + 5))
        #expect(second > first)
        // Same content at another path, or at the same path of another station.
        var copied = file
        copied.path = "/cameras/line-1/copy.png"
        #expect(try store.recordDiscovered(copied, at: t0 + 6) != nil)
        var otherStation = file
        otherStation.station = "line-2"
        #expect(try store.recordDiscovered(otherStation, at: t0 + 7) != nil)

        #expect(try store.counts() == [.queued: 3, .processing: 0, .done: 1, .error: 0])
        let row = try store.record(id: first)
        #expect(row.station == file.station && row.path == file.path && row.size == file.size)
        #expect(row.mtime == file.mtime && row.contentHash == file.contentHash && row.discoveredAt == t0)
    }

    @Test func latestFingerprintIsTheNewestRowForThePath() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        #expect(try store.latestFingerprint(station: "line-1", path: StoreSamples.file(1).path) == nil)
        try store.recordDiscovered(StoreSamples.file(1), at: t0)
        var newer = StoreSamples.file(1)
        newer.size = 4242
        newer.mtime = t0 + 60
        newer.contentHash = String(repeating: "e", count: 64)
        try store.recordDiscovered(newer, at: t0 + 61)
        try store.recordDiscovered(StoreSamples.file(2), at: t0 + 62)
        let fingerprint = try #require(try store.latestFingerprint(station: "line-1", path: newer.path))
        #expect(fingerprint.size == 4242 && fingerprint.mtime == t0 + 60 && fingerprint.contentHash == newer.contentHash)
        #expect(try store.latestFingerprint(station: "line-2", path: newer.path) == nil)
    }

    @Test func claimNextTakesTheOldestQueuedRow() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        #expect(try store.claimNext(at: t0) == nil)
        let ids = try (1...3).map { try #require(try store.recordDiscovered(StoreSamples.file($0), at: t0 + Double($0))) }
        #expect(try store.queueDepth() == 3)

        let first = try #require(try store.claimNext(at: t0 + 10))
        #expect(first.id == ids[0])
        #expect(first.state == .processing && first.attempts == 1 && first.startedAt == t0 + 10 && first.finishedAt == nil)
        #expect(try store.queueDepth() == 2)
        #expect(try store.record(id: ids[0]) == first)

        let second = try #require(try store.claimNext(at: t0 + 11))
        #expect(second.id == ids[1])
        try store.complete(id: second.id, with: StoreSamples.verdict(), at: t0 + 12)
        try store.fail(id: first.id, kind: "corrupt_image", message: "x", timings: nil, at: t0 + 13)
        #expect(try store.claimNext(at: t0 + 14)?.id == ids[2])
        #expect(try store.claimNext(at: t0 + 15) == nil)
        #expect(try store.counts() == [.queued: 0, .processing: 1, .done: 1, .error: 1])
    }

    @Test func completeWritesEveryFieldAndTheMapRoundTrips() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let file = StoreSamples.file(7, station: "press-3")
        let id = try #require(try store.recordDiscovered(file, at: t0))
        _ = try store.claimNext(at: t0 + 1)
        let map = try StoreSamples.map(seed: 4)
        var verdict = StoreSamples.verdict(.fail, score: 0.91, map: map)
        verdict.timings = StoreSamples.timings(0.125)
        try store.complete(id: id, with: verdict, at: t0 + 2.5)

        let expected = InspectionRecord(
            id: id, station: "press-3", path: file.path, size: file.size, mtime: file.mtime,
            contentHash: file.contentHash, state: .done, attempts: 1, discoveredAt: t0, startedAt: t0 + 1,
            finishedAt: t0 + 2.5, verdict: .fail, score: 0.91, imageProbability: 0.92, mapMaximum: 0.93,
            reviewThreshold: 0.5, failThreshold: 0.8, scoreMode: "image_probability", modelVersion: "anomalyclip-test-1",
            decodeMs: 125, preprocessMs: 250, encodeMs: 375, scoreMs: 500, totalMs: 1250,
            originalWidth: 640, originalHeight: 480, geometryJSON: #"{"scale":0.5}"#)
        let reader = try VerdictStore.openReadOnly(path: scratch.path())
        #expect(try reader.record(id: id) == expected)
        let stored = try #require(try reader.map(id: id))
        #expect(stored == map)
        #expect(try stored.decode() == map.decode())

        // Exactly one verdict: a second completion (or a late failure) is refused and changes nothing.
        #expect(throws: StoreError.self) { try store.complete(id: id, with: StoreSamples.verdict(.pass), at: t0 + 9) }
        #expect(throws: StoreError.self) {
            try store.fail(id: id, kind: "engine", message: "late", timings: nil, at: t0 + 9)
        }
        #expect(try store.record(id: id) == expected)
        #expect(throws: InspectionError.notFound(what: "inspection", id: 999)) {
            try store.complete(id: 999, with: StoreSamples.verdict(), at: t0)
        }
        #expect(throws: InspectionError.notFound(what: "inspection", id: 999)) {
            try store.fail(id: 999, kind: "engine", message: "x", timings: nil, at: t0)
        }
    }

    @Test func aQueuedRowCannotBeCompletedWithoutAClaim() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let id = try #require(try store.recordDiscovered(StoreSamples.file(1), at: t0))
        do {
            try store.complete(id: id, with: StoreSamples.verdict(), at: t0 + 1)
            Issue.record("only a processing row can complete")
        } catch let error as StoreError {
            let reason = error.reason
            #expect(reason.contains("queued, not processing"))
        }
        #expect(try store.record(id: id).state == .queued)
    }

    @Test func failWritesKindMessageAndTimings() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let a = try #require(try store.recordDiscovered(StoreSamples.file(1), at: t0))
        let b = try #require(try store.recordDiscovered(StoreSamples.file(2), at: t0))
        _ = try store.claimNext(at: t0 + 1)
        _ = try store.claimNext(at: t0 + 1)
        var timings = InspectionResult.Timings()
        timings.decode = 0.004
        try store.fail(id: a, kind: "truncated_image", message: "ends early", timings: timings, at: t0 + 2)
        try store.fail(id: b, kind: "not_an_image", message: "magic 00 00", timings: nil, at: t0 + 3)

        let first = try store.record(id: a)
        #expect(first.state == .error && first.finishedAt == t0 + 2 && first.attempts == 1)
        #expect(first.errorKind == "truncated_image" && first.errorMessage == "ends early")
        #expect(first.decodeMs == 4 && first.preprocessMs == 0 && first.totalMs == 4)
        #expect(first.verdict == nil && first.score == nil && first.modelVersion == nil)
        let second = try store.record(id: b)
        #expect(second.errorKind == "not_an_image" && second.decodeMs == nil && second.totalMs == nil)
        #expect(try store.map(id: a) == nil)
    }

    /// kill -9 while processing: the row stays processing in the file; the next start puts it
    /// back in the queue and the attempt count remembers the interruption.
    @Test func requeueInterruptedAfterACrash() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        var claimed: InspectionRecord?
        do {
            let daemon = try VerdictStore.openForWriting(path: path)
            try daemon.recordDiscovered(StoreSamples.file(1), at: t0)
            try daemon.recordDiscovered(StoreSamples.file(2), at: t0)
            claimed = try daemon.claimNext(at: t0 + 1)
            // No complete(): the process "dies" here and its connections are dropped.
        }
        let restarted = try VerdictStore.openForWriting(path: path)
        #expect(try restarted.counts() == [.queued: 1, .processing: 1, .done: 0, .error: 0])
        #expect(try restarted.requeueInterrupted() == 1)
        #expect(try restarted.requeueInterrupted() == 0)
        let row = try restarted.record(id: try #require(claimed?.id))
        #expect(row.state == .queued && row.attempts == 1 && row.startedAt == nil)

        let again = try #require(try restarted.claimNext(at: t0 + 5))
        #expect(again.id == claimed?.id, "the interrupted image keeps its place at the head of the queue")
        #expect(again.attempts == 2)
        try restarted.complete(id: again.id, with: StoreSamples.verdict(), at: t0 + 6)
        #expect(try restarted.counts() == [.queued: 1, .processing: 0, .done: 1, .error: 0])
    }

    /// An image that kills the daemon every time is given up after maxAttempts claims, and the
    /// queue moves on.
    @Test func poisonImagesAreGivenUpAfterMaxAttempts() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        let poison = try #require(try VerdictStore.openForWriting(path: path)
            .recordDiscovered(StoreSamples.file(1), at: t0))
        for attempt in 1...3 {
            let daemon = try VerdictStore.openForWriting(path: path)
            try daemon.requeueInterrupted()
            if attempt == 2 { try daemon.recordDiscovered(StoreSamples.file(2), at: t0 + 1) }
            let claimed = try #require(try daemon.claimNext(at: t0 + Double(10 * attempt), maxAttempts: 3))
            #expect(claimed.id == poison && claimed.attempts == attempt)
            // crash
        }
        let daemon = try VerdictStore.openForWriting(path: path)
        #expect(try daemon.requeueInterrupted() == 1)
        let next = try #require(try daemon.claimNext(at: t0 + 100, maxAttempts: 3))
        #expect(next.id != poison && next.path == StoreSamples.file(2).path)

        let given = try daemon.record(id: poison)
        #expect(given.state == .error && given.attempts == 3 && given.finishedAt == t0 + 100)
        #expect(given.errorKind == VerdictStore.gaveUpErrorKind)
        #expect(given.errorMessage == "gave up after 3 attempts (the daemon stopped while processing it each time)")
        #expect(try daemon.claimNext(at: t0 + 101) == nil)
        #expect(throws: InspectionError.self) { try daemon.claimNext(at: t0, maxAttempts: 0) }
    }

    @Test func statusIsASingleRow() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        #expect(try store.status() == nil)
        var status = DaemonStatus(pid: 4242, startedAt: t0, heartbeatAt: t0, state: "starting", processed: 0,
                                  imagesPerMinute: .nan, configPath: "/etc/inspectd.toml", modelVersion: "m1")
        try store.updateStatus(status)
        var expected = status
        expected.imagesPerMinute = 0
        #expect(try store.status() == expected)

        status.state = "running"
        status.heartbeatAt = t0 + 30
        status.processed = 17
        status.imagesPerMinute = 34.5
        try store.updateStatus(status)
        #expect(try VerdictStore.openReadOnly(path: scratch.path()).status() == status)
    }
}
