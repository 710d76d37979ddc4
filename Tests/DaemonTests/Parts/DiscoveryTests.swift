import Config
@testable import Daemon
import Foundation
import Inspection
import Store
import Testing

/// Folders → queue, in-process: real files, a real store, real inotify, a manual clock.
@Suite struct DiscoveryTests {
    final class Leftovers {
        var seen: [(ReadyFile, InspectionRecord)] = []
    }

    static func discovery(_ fx: PartsFixture, stations: Set<String> = ["line1"], leftovers: Leftovers = Leftovers(),
                          settle: Double = 2) -> Discovery {
        Discovery(store: fx.store, clock: fx.clock, logger: fx.logger, settleSeconds: settle,
                  station: { stations.contains($0) ? StationConfiguration(name: $0, folder: fx.watch.path) : nil },
                  leftover: { leftovers.seen.append(($0, $1)) })
    }

    @Test func aCompletedFileIsQueuedAtOnceAndOnlyOnce() throws {
        let fx = try PartsFixture()
        let d = Self.discovery(fx)
        let path = try fx.writeImage("a.png")
        d.discover(ReadyFile(station: "line1", path: path))
        d.discover(ReadyFile(station: "line1", path: path))
        #expect(try fx.store.queueDepth() == 1)
        #expect(!d.hasUnsettled)
    }

    @Test func aScannedFileWaitsUntilItsModificationTimeHasSettled() throws {
        let fx = try PartsFixture()
        let d = Self.discovery(fx, settle: 2)
        let path = try fx.writeImage("b.png")
        try fx.setModified(path, to: fx.clock.now - 0.5)
        d.discover(ReadyFile(station: "line1", path: path), fromScan: true)
        #expect(try fx.store.queueDepth() == 0)
        #expect(d.hasUnsettled)
        fx.clock.advance(1)
        d.recheckUnsettled()
        #expect(try fx.store.queueDepth() == 0, "still within the settle time")
        fx.clock.advance(1)
        d.recheckUnsettled()
        #expect(try fx.store.queueDepth() == 1)
        #expect(!d.hasUnsettled)
    }

    @Test func aFileOfAnUnknownStationOrNotARegularFileIsIgnored() throws {
        let fx = try PartsFixture()
        let d = Self.discovery(fx)
        let path = try fx.writeImage("c.png")
        d.discover(ReadyFile(station: "removed", path: path))
        d.discover(ReadyFile(station: "line1", path: fx.watch.path))
        d.discover(ReadyFile(station: "line1", path: fx.watch.appendingPathComponent("gone.png").path))
        #expect(try fx.store.queueDepth() == 0)
    }

    @Test func aFinishedFileStillInTheFolderGetsItsAfterProcessingAgain() throws {
        let fx = try PartsFixture()
        let leftovers = Leftovers()
        let d = Self.discovery(fx, leftovers: leftovers)
        let path = try fx.writeImage("d.png")
        d.discover(ReadyFile(station: "line1", path: path))
        let item = try #require(try fx.store.claimNext(at: fx.clock.now))
        try fx.store.fail(id: item.id, kind: "corrupt_image", message: "test", timings: nil, at: fx.clock.now)
        d.discover(ReadyFile(station: "line1", path: path))
        #expect(try fx.store.queueDepth() == 0)
        #expect(leftovers.seen.map(\.0.path) == [path])
        #expect(leftovers.seen.map(\.1.state) == [.error])
    }

    @Test func inotifyEventsAndAFailedRescanThatIsRetriedWhenDue() throws {
        let fx = try PartsFixture()
        let d = Self.discovery(fx, settle: 0)
        let station = WatchedStation(name: "line1", folder: fx.watch.path, recursive: true)
        d.watcher = try FolderWatcher(stations: [station])
        defer { d.watcher?.close() }
        let path = try fx.writeImage("e.png")
        try d.drainEvents()
        #expect(try fx.store.queueDepth() == 1, "IN_CLOSE_WRITE queues the file")
        // The station folder vanishes: the scan fails and is retried 10 s later, not at once.
        try FileManager.default.removeItem(at: fx.watch)
        d.scanOrRetry(reason: "test")
        try FileManager.default.createDirectory(at: fx.watch, withIntermediateDirectories: true)
        try fx.writeImage("f.png")
        fx.clock.advance(5)
        d.retryRescanIfDue()
        #expect(try fx.store.queueDepth() == 1)
        fx.clock.advance(5)
        d.retryRescanIfDue()
        #expect(try fx.store.queueDepth() == 2, "the retried scan finds the new file")
        _ = path
    }
}
