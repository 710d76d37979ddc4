import Foundation
import Inspection
@testable import Store
import Testing
import TestSupport

@Suite struct VerdictStoreSchemaTests {
    static let migrations = ["v1-inspections", "v1-maps", "v1-daemon-status", "v2-labels", "v3-fewshot", "v4-station-calibration",
                             "v5-model-versions", "v6-after-processing", "v7-fewshot-fits", "v8-evidence", "v9-outputs", "v10-outbox"]

    @Test func migrationsCreateTheSchemaAndReopeningIsIdempotent() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        do {
            let store = try VerdictStore.openForWriting(path: path)
            let info = try store.diagnostics()
            #expect(info.journalMode == "wal")
            #expect(info.foreignKeys)
            #expect(info.synchronous == 1, "NORMAL")
            #expect(info.migrations == Self.migrations)
            #expect(info.tables == ["daemon_status", "evidence", "fewshot_fits", "fleet_followed", "fleet_outbox", "fleet_outbox_settings",
                                    "inspections", "labels", "maps", "model_versions", "output_status", "station_calibration",
                                    "training_jobs"])
            #expect(info.indexes == ["evidence_by_age", "inspections_after_failed", "inspections_on_finished_at", "inspections_on_state_id",
                                     "inspections_on_station_finished_at", "inspections_on_time",
                                     "labels_current_by_content", "labels_on_content_hash", "labels_on_created_at",
                                     "labels_on_inspection_id", "model_versions_on_station", "model_versions_one_active",
                                     "training_jobs_on_state"])
            try store.recordDiscovered(StoreSamples.file(1), at: StoreSamples.dayStart)
        }
        for _ in 0..<2 {
            let again = try VerdictStore.openForWriting(path: path)
            #expect(try again.diagnostics().migrations == Self.migrations)
            #expect(try again.counts()[.queued] == 1)
        }
        let reader = try VerdictStore.openReadOnly(path: path)
        #expect(reader.isReadOnly)
        #expect(try reader.diagnostics().migrations == Self.migrations)
        #expect(try reader.counts() == [.queued: 1, .processing: 0, .done: 0, .error: 0])
    }

    @Test func openReadOnlyNeverCreatesTheFile() throws {
        let scratch = try StoreScratch()
        let path = scratch.path("absent.sqlite")
        #expect(throws: StoreError.missing(path)) { try VerdictStore.openReadOnly(path: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func openForWritingNeedsAnExistingDirectory() throws {
        let scratch = try StoreScratch()
        let path = scratch.path("no-such-dir/verdicts.sqlite")
        do {
            _ = try VerdictStore.openForWriting(path: path)
            Issue.record("must not create directories")
        } catch let error as StoreError {
            let (errorPath, reason) = (error.path, error.reason)
            #expect(errorPath == path)
            #expect(reason.contains("does not exist"))
        }
    }

    @Test func foreignFilesAreRejectedWithThePath() throws {
        let scratch = try StoreScratch()
        let text = scratch.path("notes.txt")
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: text))
        let openers: [(String) throws -> VerdictStore] = [
            { try VerdictStore.openReadOnly(path: $0) }, { try VerdictStore.openForWriting(path: $0) },
        ]
        for open in openers {
            do {
                _ = try open(text)
                Issue.record("a text file is not a verdict log")
            } catch let error as StoreError {
                let errorPath = error.path
                #expect(errorPath == text)
            }
        }
        // An empty file is a valid empty SQLite database, but not a verdict log: the reader says
        // so and leaves it alone.
        let empty = scratch.path("empty.sqlite")
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        do {
            _ = try VerdictStore.openReadOnly(path: empty)
            Issue.record("an empty file is not a verdict log")
        } catch let error as StoreError {
            let reason = error.reason
            #expect(reason.contains("not an inspectd verdict log"))
        }
        #expect(try FileManager.default.attributesOfItem(atPath: empty)[.size] as? Int == 0)
    }

    @Test func aReaderCannotWrite() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        let writer = try VerdictStore.openForWriting(path: path)
        try writer.recordDiscovered(StoreSamples.file(1), at: StoreSamples.dayStart)
        let reader = try VerdictStore.openReadOnly(path: path)

        // The connection itself is read-only: SQLite refuses, the error names the file.
        do {
            try reader.recordDiscovered(StoreSamples.file(2), at: StoreSamples.dayStart)
            Issue.record("a reader must not write")
        } catch let error as StoreError {
            let (errorPath, reason) = (error.path, error.reason)
            #expect(errorPath == path)
            #expect(reason.contains("readonly"))
        }
        #expect(throws: StoreError.self) { try reader.requeueInterrupted() }
        #expect(throws: StoreError.self) { try reader.claimNext(at: StoreSamples.dayStart) }
        #expect(try writer.counts()[.queued] == 1)
        #expect(try writer.counts()[.processing] == 0)
    }

    @Test func aReaderSeesCommittedRowsWhileTheWriterHoldsTheFile() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        let writer = try VerdictStore.openForWriting(path: path)
        try writer.addFinished(StoreSamples.file(1), at: StoreSamples.dayStart, verdict: .pass)

        let reader = try VerdictStore.openReadOnly(path: path)
        #expect(try reader.records(VerdictFilter()).map(\.path) == [StoreSamples.file(1).path])
        #expect(try reader.diagnostics().journalMode == "wal")

        // Commits after the reader opened are visible to its next read, without reopening.
        try writer.addFinished(StoreSamples.file(2), at: StoreSamples.dayStart + 1, verdict: .fail)
        try writer.recordDiscovered(StoreSamples.file(3), at: StoreSamples.dayStart + 2)
        #expect(try reader.counts() == [.queued: 1, .processing: 0, .done: 2, .error: 0])
        #expect(try reader.record(id: 2).verdict == .fail)
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    /// Another writer holding the lock past the busy timeout surfaces as databaseLocked, and the
    /// store works again once the lock is gone.
    @Test func aHeldWriteLockReportsDatabaseLocked() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        let daemon = try VerdictStore.openForWriting(path: path)
        let intruder = try VerdictStore.openForWriting(path: path, busyTimeout: 0.2)
        var caught: (any Error)?
        try daemon.write { db in
            try db.execute(sql: """
                INSERT INTO inspections (station, path, size, mtime, content_hash, discovered_at)
                VALUES ('line-9', '/held.png', 1, 0, 'h', 0)
                """)
            do {
                try intruder.recordDiscovered(StoreSamples.file(1), at: 0)
            } catch {
                caught = error
            }
        }
        #expect((caught as? StoreError)?.kind == "database_locked" && (caught as? StoreError)?.path == path)
        #expect(try intruder.recordDiscovered(StoreSamples.file(1), at: 0) != nil)
        #expect(try daemon.counts()[.queued] == 2)
    }

    /// A write transaction that fails half-way leaves nothing behind.
    @Test func anInterruptedTransactionLeavesNoPartialRow() throws {
        struct Boom: Error {}
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        #expect(throws: StoreError.self) {
            try store.write { db in
                try db.execute(sql: """
                    INSERT INTO inspections (station, path, size, mtime, content_hash, discovered_at)
                    VALUES ('line-1', '/a.png', 1, 0, 'h', 0)
                    """)
                throw Boom()
            }
        }
        #expect(try store.counts().values.reduce(0, +) == 0)
        #expect(try store.recordDiscovered(DiscoveredFile(station: "line-1", path: "/a.png", size: 1, mtime: 0,
                                                          contentHash: "h"), at: 0) != nil)
    }

    /// complete() updates the row and inserts the map in one transaction: when the map insert
    /// fails, the verdict is rolled back too and the image is still processing.
    @Test func completeIsAllOrNothing() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let id = try #require(try store.recordDiscovered(StoreSamples.file(1), at: StoreSamples.dayStart))
        _ = try store.claimNext(at: StoreSamples.dayStart)
        let broken = EncodedMap(width: 0, height: 0, minimum: 0, maximum: 1, png: [])
        #expect(throws: StoreError.self) {
            try store.complete(id: id, with: StoredVerdict.sample(map: broken), at: StoreSamples.dayStart + 1)
        }
        let record = try store.record(id: id)
        #expect(record.state == .processing)
        #expect(record.verdict == nil && record.score == nil && record.finishedAt == nil)
        #expect(try store.map(id: id) == nil)

        let map = try StoreSamples.map()
        try store.complete(id: id, with: StoredVerdict.sample(map: map), at: StoreSamples.dayStart + 2)
        #expect(try store.record(id: id).state == .done)
        #expect(try store.map(id: id) == map)
    }

    @Test func nonFiniteScoresAreRefused() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let id = try #require(try store.recordDiscovered(StoreSamples.file(1), at: StoreSamples.dayStart))
        _ = try store.claimNext(at: StoreSamples.dayStart)
        #expect(throws: StoreError.self) {
            try store.complete(id: id, with: StoreSamples.verdict(score: .nan), at: StoreSamples.dayStart + 1)
        }
        #expect(try store.record(id: id).state == .processing)
    }
}

extension StoredVerdict {
    static func sample(map: EncodedMap?) -> StoredVerdict { StoreSamples.verdict(.review, score: 0.6, map: map) }
}
