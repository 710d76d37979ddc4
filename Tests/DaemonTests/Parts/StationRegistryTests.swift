import Config
@testable import Daemon
import Foundation
import Inspection
import Store
import Testing

/// Stations on their model versions, on the fixture's tiny model.
@Suite struct StationRegistryTests {
    @Test func buildGivesEachStationAnActiveVersionAndSharesTheModel() throws {
        let fx = try PartsFixture()
        let second = fx.scratch.directory.appendingPathComponent("watch2")
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
        try fx.writeConfig(stations: "[[station]]\nname = \"line2\"\nfolder = \"\(second.path)\"")
        let registry = try fx.registry()
        let one = try #require(registry["line1"])
        let two = try #require(registry["line2"])
        #expect(one.versionID != two.versionID)
        #expect(try fx.store.activeVersion(station: "line1")?.id == one.versionID)
        #expect(registry.loadedModelCount == 1, "one checkpoint, loaded once for both stations")
        #expect(registry.modelVersionLabel == [one.modelVersion, two.modelVersion].sorted()[0])
    }

    @Test func anActivationInTheDatabaseIsFollowedAndAnUnloadableVersionIsSkipped() throws {
        let fx = try PartsFixture()
        let registry = try fx.registry()
        let first = try #require(registry["line1"])
        // A second version of the same base, activated as inspectctl would.
        var copy = try fx.store.version(id: try #require(first.versionID))
        copy.id = 0
        copy.status = .candidate
        copy.note = "test copy"
        let id = try fx.store.insertVersion(copy, retireReason: "test")
        _ = try fx.store.activateVersion(id: id, reason: "test", at: fx.clock.now)
        registry.followActiveVersionsIfDue()
        #expect(registry["line1"]?.versionID == id)
        // Half a second later at the earliest: the poll is rate-limited.
        let broken = try fx.store.insertVersion(ModelVersionRecord(
            station: "line1", base: "another-base", status: .candidate, source: .configured, parentID: id,
            createdAt: fx.clock.now, activatedAt: nil, trainingLabelIDs: [], note: "wrong base"), retireReason: "test")
        _ = try fx.store.activateVersion(id: broken, reason: "test", at: fx.clock.now)
        registry.followActiveVersionsIfDue()
        #expect(registry["line1"]?.versionID == id, "checked at most twice a second")
        fx.clock.advance(0.5)
        registry.followActiveVersionsIfDue()
        #expect(registry["line1"]?.versionID == id, "a version made for another base is refused; the station keeps its own")
    }
}
