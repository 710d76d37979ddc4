@testable import Daemon
import Foundation
import Store
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's hold on its database: one instance, 0640 files, and no verdicts into a file
/// that was deleted or replaced.
@Suite(.serialized) struct DatabaseGuardTests {
    @Test func aSecondDaemonOnTheSameDatabaseIsRefusedWithThePid() throws {
        let scratch = try StoreScratch()
        let first = try DatabaseGuard(path: scratch.path())
        do {
            _ = try DatabaseGuard(path: scratch.path())
            Issue.record("a second guard got the lock")
        } catch let DaemonError.alreadyRunning(database, pid) {
            #expect(database == scratch.path())
            #expect(pid == getpid())
        }
        _ = first
    }

    @Test func theDatabaseAndItsWALAreCreated0640WhateverTheUmask() throws {
        let scratch = try StoreScratch()
        let previous = umask(0)
        defer { umask(previous) }
        let held = try DatabaseGuard(path: scratch.path())
        let store = try VerdictStore.openForWriting(path: scratch.path())
        try store.updateStatus(DaemonStatus(pid: 1, startedAt: 0, heartbeatAt: 0, state: "running", processed: 0,
                                            imagesPerMinute: 0, configPath: "/x", modelVersion: "m"))
        for suffix in ["", "-wal", "-shm"] {
            var info = stat()
            #expect(stat(scratch.path() + suffix, &info) == 0, "\(suffix) exists")
            #expect(info.st_mode & 0o777 == 0o640, "mode of \(scratch.path() + suffix): \(String(info.st_mode & 0o777, radix: 8))")
        }
        try held.check()
    }

    @Test func deletedReplacedOrOverwrittenDatabasesAreNoticed() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        let held = try DatabaseGuard(path: path)
        _ = try VerdictStore.openForWriting(path: path)
        try held.check()
        // Overwritten in place (same inode) with garbage.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: Data("this is not sqlite at all".utf8))
        try handle.close()
        #expect(throws: DaemonError.self) { try held.check() }

        let other = try StoreScratch()
        let replaced = try DatabaseGuard(path: other.path())
        _ = try VerdictStore.openForWriting(path: other.path())
        try "x".write(toFile: other.path("new.db"), atomically: false, encoding: .utf8)
        #expect(rename(other.path("new.db"), other.path()) == 0)
        #expect(throws: DaemonError.databaseGone(path: other.path(), reason: "it was replaced by another file")) {
            try replaced.check()
        }

        let third = try StoreScratch()
        let deleted = try DatabaseGuard(path: third.path())
        #expect(unlink(third.path()) == 0)
        #expect(throws: DaemonError.self) { try deleted.check() }
    }

    @Test func nothingIsMovedWhenTheDatabaseWentAwayUnderTheVerdict() throws {
        let fx = try PartsFixture(after: "move")
        let registry = try fx.registry()
        let processor = ImageProcessor(store: fx.store, registry: registry, clock: fx.clock, logger: fx.logger)
        struct Gone: Error {}
        processor.checkDatabase = { throw Gone() }
        let path = try fx.writeImage("kept.png")
        let item = try ImageProcessorTests.queued(fx, path)
        #expect(throws: Gone.self) { try processor.process(item) }
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: fx.done.appendingPathComponent("kept.png").path))
    }
}
