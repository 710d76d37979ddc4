import Config
@testable import Daemon
import Foundation
import Inspection
import Store
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Storage faults are waits, not verdicts: on a real full file system (a small tmpfs, root
/// only) an image whose verdict cannot be written goes back to the queue with its attempt
/// refunded, and the daemon resumes by itself once space is back.
@Suite(.serialized) struct StoreHealthTests {
    @Test func aFullDiskPutsTheImageBackUntilSpaceReturns() throws {
        let disk = try SmallDisk(megabytes: 2)
        guard disk.mounted else {
            print("StoreHealthTests: skipped, needs root to mount a tmpfs")
            return
        }
        let fx = try PartsFixture()
        let store = try VerdictStore.openForWriting(path: disk.folder + "/inspectd.db")
        let clock = fx.clock
        let registry = StationRegistry(store: store, clock: clock, logger: fx.logger)
        try registry.build(try fx.configuration())
        let health = StoreHealth(store: store, clock: clock, logger: fx.logger)
        let processor = ImageProcessor(store: store, registry: registry, clock: clock, logger: fx.logger)
        processor.health = health
        let path = try fx.writeImage("part.png")
        let discovery = Discovery(store: store, clock: clock, logger: fx.logger,
                                  station: { registry[$0]?.configuration }, leftover: { _, _ in })
        discovery.health = health
        discovery.discover(ReadyFile(station: "line1", path: path))
        let item = try #require(try store.claimNext(at: clock.now))
        #expect(item.attempts == 1)

        disk.fill()
        try processor.process(item)
        #expect(health.fault != nil, "the full disk is a fault being waited out")
        #expect(health.summary?.hasPrefix("waiting for the database") == true)
        #expect(processor.processed == 0)
        // Still full: the probe fails and backs off.
        clock.advance(1)
        #expect(!health.probeIfDue(status: { try store.updateStatus(Self.status(clock.now)) }))

        disk.free()
        clock.advance(2)
        #expect(health.probeIfDue(status: { try store.updateStatus(Self.status(clock.now)) }))
        #expect(health.fault == nil)
        let again = try #require(try store.claimNext(at: clock.now))
        #expect(again.id == item.id)
        #expect(again.attempts == 1, "the attempt lost to the full disk was refunded")
        try processor.process(again)
        let row = try #require(try store.record(station: "line1", path: path, contentHash: item.contentHash))
        #expect(row.state == .done)
        #expect(try store.records(VerdictFilter()).filter { $0.state == .error }.isEmpty)
    }

    @Test func onlyStorageFaultsAreWaitedOut() {
        #expect(StoreHealth.isTransient(StoreError.full(path: "/x", reason: "full")) != nil)
        #expect(StoreHealth.isTransient(StoreError.locked(path: "/x", reason: "busy")) != nil)
        #expect(StoreHealth.isTransient(StoreError.ioError(path: "/x", reason: "EIO")) != nil)
        #expect(StoreHealth.isTransient(StoreError.corrupt(path: "/x", reason: "garbage")) == nil)
        #expect(StoreHealth.isTransient(InspectionError.emptyFile(path: "/x")) == nil)
    }

    static func status(_ now: Double) -> DaemonStatus {
        DaemonStatus(pid: getpid(), startedAt: now, heartbeatAt: now, state: "running", processed: 0,
                     imagesPerMinute: 0, configPath: "/x", modelVersion: "m")
    }
}
