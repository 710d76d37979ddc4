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

    /// `[fewshot] max_labels_per_class`: a configured version is fitted on the newest labels of
    /// each kind only, a restart with the same labels keeps it (the cap is applied to the
    /// staleness check too, so no new version at every start), and a refit after a new label
    /// finds the earlier encodings in the cache.
    @Test func fewShotFitsOnTheNewestLabelsPerClassAndARestartKeepsTheVersion() throws {
        let fx = try PartsFixture()
        try fx.writeConfig(fewShot: true)
        let text = try String(contentsOfFile: fx.configPath, encoding: .utf8)
        try text.replacingOccurrences(of: "enabled = true", with: "enabled = true\nmax_labels_per_class = 2")
            .write(toFile: fx.configPath, atomically: true, encoding: .utf8)
        #expect(try fx.configuration().fewShot.maxLabelsPerClass == 2)
        var ids = [(id: Int64, kind: LabelKind)]()
        for i in 0..<6 {
            let path = try fx.writeImage("label-\(i).png")
            let kind: LabelKind = i < 4 ? .good : .defect
            let label = try fx.store.addLabel(path: path, contentHash: try ContentHash.sha256(file: path), station: "line1",
                                              kind: kind, defectClass: nil, note: nil, mask: nil, author: "qa", source: "cli",
                                              at: fx.clock.now + Double(i))
            ids.append((label.id, kind))
        }
        let newest = [ids[2].id, ids[3].id, ids[4].id, ids[5].id]
        let fitting = try fx.registry()
        try BackgroundFitTests.waitForFit(fitting)
        let first = try #require(fitting["line1"])
        let version = try fx.store.version(id: try #require(first.versionID))
        #expect(version.trainingLabelIDs == newest)
        #expect(first.pipeline.fewShot?.goodCount == 2 && first.pipeline.fewShot?.defectCount == 2)
        #expect(try fx.registry()["line1"]?.versionID == first.versionID, "same labels, same version after a restart")

        let cache = fx.scratch.directory.appendingPathComponent("encodings").path
        func entries() throws -> Int {
            try FileManager.default.contentsOfDirectory(atPath: cache).reduce(0) {
                $0 + (try FileManager.default.contentsOfDirectory(atPath: cache + "/" + $1)).filter { $0.hasSuffix(".enc") }.count
            }
        }
        #expect(try entries() == 4)
        let path = try fx.writeImage("label-new.png")
        _ = try fx.store.addLabel(path: path, contentHash: try ContentHash.sha256(file: path), station: "line1", kind: .good,
                                  defectClass: nil, note: nil, mask: nil, author: "qa", source: "cli", at: fx.clock.now + 10)
        let refitting = try fx.registry()
        try BackgroundFitTests.waitForFit(refitting)
        let second = try #require(refitting["line1"])
        #expect(second.versionID != first.versionID)
        #expect(try fx.store.version(id: try #require(second.versionID)).trainingLabelIDs.count == 4)
        #expect(try entries() == 5, "one new encoding; the other three came from the cache")
    }
}
