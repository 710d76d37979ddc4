import Config
@testable import Daemon
import Foundation
import Inspection
import Store
import Testing

/// SIGHUP's work in-process: a good configuration replaces stations and watcher, a bad one
/// changes nothing.
@Suite struct ReloaderTests {
    static func parts(_ fx: PartsFixture) throws -> (StationRegistry, Discovery, Reloader) {
        let registry = try fx.registry()
        let discovery = Discovery(store: fx.store, clock: fx.clock, logger: fx.logger,
                                  station: { registry[$0]?.configuration }, leftover: { _, _ in })
        let reloader = Reloader(configPath: fx.configPath, registry: registry, discovery: discovery,
                                notifier: SystemdNotifier(environment: [:]), logger: fx.logger)
        return (registry, discovery, reloader)
    }

    @Test func aNewStationIsBuiltWatchedAndScanned() throws {
        let fx = try PartsFixture()
        let (registry, discovery, reloader) = try Self.parts(fx)
        defer { discovery.watcher?.close() }
        let before = try fx.configuration()
        let second = fx.scratch.directory.appendingPathComponent("watch2")
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
        let waiting = second.appendingPathComponent("waiting.png").path
        try FileManager.default.copyItem(atPath: try fx.writeImage("first.png"), toPath: waiting)
        try fx.setModified(waiting, to: fx.clock.now - 60)
        try fx.writeConfig(stations: "[[station]]\nname = \"line2\"\nfolder = \"\(second.path)\"")
        let after = reloader.reload(current: before, statusLine: { "" })
        #expect(after.stations.map(\.name) == ["line1", "line2"])
        #expect(registry["line2"] != nil)
        #expect(discovery.watcher != nil)
        #expect(try fx.store.queueDepth() >= 1, "the reload's scan queued the file waiting in the new folder")
    }

    @Test func aBrokenConfigurationKeepsTheOldStations() throws {
        let fx = try PartsFixture()
        let (registry, _, reloader) = try Self.parts(fx)
        let before = try fx.configuration()
        let version = registry["line1"]?.versionID
        try "[model]\npath = 5\n".write(toFile: fx.configPath, atomically: true, encoding: .utf8)
        let after = reloader.reload(current: before, statusLine: { "" })
        #expect(after == before)
        #expect(registry["line1"]?.versionID == version)
        #expect(registry.configuration == before)
    }
}
