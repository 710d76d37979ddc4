import Config
@testable import Daemon
import Foundation
import Glibc
import Inspection
import Store
import Testing

/// Queue row → verdict → after-processing, in-process on the tiny model.
@Suite struct ImageProcessorTests {
    static func queued(_ fx: PartsFixture, _ path: String) throws -> InspectionRecord {
        let discovery = Discovery(store: fx.store, clock: fx.clock, logger: fx.logger, station: { StationConfiguration(name: $0, folder: fx.watch.path) },
                                  leftover: { _, _ in })
        discovery.discover(ReadyFile(station: "line1", path: path))
        return try #require(try fx.store.claimNext(at: fx.clock.now))
    }

    @Test func aVerdictIsRecordedWithItsVersionAndTheFileIsMoved() throws {
        let fx = try PartsFixture(after: "move")
        let registry = try fx.registry()
        let processor = ImageProcessor(store: fx.store, registry: registry, clock: fx.clock, logger: fx.logger)
        let path = try fx.writeImage("part.png")
        let item = try Self.queued(fx, path)
        try processor.process(item)
        let row = try #require(try fx.store.record(station: "line1", path: path, contentHash: item.contentHash))
        #expect(row.state == .done)
        #expect(row.versionID == registry["line1"]?.versionID)
        #expect(row.modelVersion == registry["line1"]?.modelVersion)
        #expect(row.verdict != nil && row.score != nil)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: fx.done.appendingPathComponent("part.png").path))
        #expect(processor.processed == 1)
    }

    /// `keep_evidence`: the scored bytes are kept before `after` runs — linked when the file
    /// leaves the folder (move), copied when the camera may rewrite it in place (keep) — and
    /// nothing is kept for a verdict the station does not list; a move records where it went.
    @Test func keptVerdictsGoToTheEvidenceFolderBeforeTheFileLeaves() throws {
        let all = #"keep_evidence = ["pass", "review", "fail"]"#
        for (after, extra, expected) in [("move", all, 2), ("keep", all, 1), ("delete", "", 0)] {
            let fx = try PartsFixture(after: after)
            try fx.writeConfig(after: after, stations: extra)
            let processor = ImageProcessor(store: fx.store, registry: try fx.registry(), clock: fx.clock, logger: fx.logger)
            processor.evidence = EvidenceStore(databasePath: fx.store.path)
            let path = try fx.writeImage("part.png")
            let item = try Self.queued(fx, path)
            try processor.process(item)
            let evidence = try #require(processor.evidence)
            let row = try #require(try fx.store.record(station: "line1", path: path, contentHash: item.contentHash))
            var info = stat()
            let kept = stat(evidence.path(for: item.contentHash), &info) == 0
            #expect(kept == (expected > 0), "\(after)")
            if kept {
                #expect(Int(info.st_nlink) == expected && evidence.contains(item.contentHash), "\(after)")
                #expect(try fx.store.evidenceTotals().files == 1)
            } else {
                #expect(try fx.store.evidenceTotals().files == 0)
            }
            #expect(row.afterPath == (after == "move" ? fx.done.appendingPathComponent("part.png").path : nil), "\(after)")
        }
    }

    @Test func changedContentIsAnErrorAndTheNewContentIsQueuedAgain() throws {
        let fx = try PartsFixture()
        let registry = try fx.registry()
        let processor = ImageProcessor(store: fx.store, registry: registry, clock: fx.clock, logger: fx.logger)
        var rediscovered = [String]()
        processor.rediscover = { rediscovered.append($0.path) }
        let path = try fx.writeImage("swap.png")
        let item = try Self.queued(fx, path)
        try Data("not the same bytes".utf8).write(to: URL(fileURLWithPath: path))
        try processor.process(item)
        let row = try #require(try fx.store.record(station: "line1", path: path, contentHash: item.contentHash))
        #expect(row.state == .error && row.errorKind == "content_changed")
        #expect(rediscovered == [path])
    }

    @Test func anUndecodableImageIsAnErrorVerdictAndAnImageOfARemovedStationToo() throws {
        let fx = try PartsFixture()
        let registry = try fx.registry()
        let processor = ImageProcessor(store: fx.store, registry: registry, clock: fx.clock, logger: fx.logger)
        let bad = fx.watch.appendingPathComponent("bad.png").path
        try Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]).write(to: URL(fileURLWithPath: bad))
        let item = try Self.queued(fx, bad)
        try processor.process(item)
        let row = try #require(try fx.store.record(station: "line1", path: bad, contentHash: item.contentHash))
        #expect(row.state == .error && row.errorKind != nil && row.errorKind != "internal")

        let orphan = try fx.writeImage("orphan.png")
        try fx.store.recordDiscovered(DiscoveredFile(station: "gone", path: orphan, size: 1, mtime: 1,
                                                     contentHash: String(repeating: "e", count: 64)), at: fx.clock.now)
        let claimed = try #require(try fx.store.claimNext(at: fx.clock.now))
        try processor.process(claimed)
        let removed = try #require(try fx.store.record(station: "gone", path: orphan, contentHash: claimed.contentHash))
        #expect(removed.state == .error && removed.errorKind == "station_removed")
    }
}
