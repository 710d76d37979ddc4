import Config
@testable import Daemon
import Foundation
import Inspection
import Store
import Testing

/// Files in folders inotify cannot watch reach the queue through periodic rescans.
@Suite struct DiscoveryPollingTests {
    @Test func unwatchedFoldersAreRescannedEveryInterval() throws {
        let fx = try PartsFixture()
        let d = Discovery(store: fx.store, clock: fx.clock, logger: fx.logger, settleSeconds: 0,
                          station: { StationConfiguration(name: $0, folder: fx.watch.path) }, leftover: { _, _ in })
        d.pollInterval = 30
        try FileManager.default.createDirectory(at: fx.watch.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let budget = WatchBudget(limit: 1)
        d.watcher = try FolderWatcher(stations: [WatchedStation(name: "line1", folder: fx.watch.path, recursive: true)],
                                      addWatch: budget.add)
        defer { d.watcher?.close() }
        #expect(d.unwatchedSummary?.hasPrefix("1 folder rescanned every 30 s (inotify watch limit reached") == true)
        try fx.writeImage("sub/late.png")
        d.retryRescanIfDue()
        try d.drainEvents()
        #expect(try fx.store.queueDepth() == 0, "no inotify event from the unwatched folder")
        fx.clock.advance(29)
        d.retryRescanIfDue()
        #expect(try fx.store.queueDepth() == 0)
        fx.clock.advance(1)
        d.retryRescanIfDue()
        #expect(try fx.store.queueDepth() == 1, "the periodic rescan queued it")
    }
}
