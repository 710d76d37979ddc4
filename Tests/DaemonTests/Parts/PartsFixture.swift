import Config
@testable import Daemon
import Foundation
import Inspection
import Logging
import Store
import TestSupport

/// A station folder, a real SQLite store, a configuration file on the fixture's tiny model
/// and a manual clock: what the daemon's parts need, in-process.
final class PartsFixture {
    let scratch: StoreScratch
    let watch: URL
    let done: URL
    let configPath: String
    let store: VerdictStore
    let clock: ManualClock
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    private var seed = 1

    /// The model fixture: INSPECTD_FIXTURES or the engine tests' copy (as for the daemon binary).
    static var fixtures: URL { DaemonHarness.fixtures }

    init(after: String = "keep") throws {
        scratch = try StoreScratch()
        watch = scratch.directory.appendingPathComponent("watch")
        done = scratch.directory.appendingPathComponent("done")
        try FileManager.default.createDirectory(at: watch, withIntermediateDirectories: true)
        configPath = scratch.path("inspectd.toml")
        store = try VerdictStore.openForWriting(path: scratch.path("inspectd.db"))
        clock = ManualClock(now: Date().timeIntervalSince1970)
        try writeConfig(after: after)
    }

    /// The fixture model's input size and taps, read from its manifest.
    static func modelSettings() throws -> (size: Int, layers: [Int], dpamFirst: Int) {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("manifest.json"))
        let manifest = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let config = manifest?["config"] as? [String: Any] ?? [:]
        let size = config["image_size"] as? Int ?? 64
        let layers = config["features_list"] as? [Int] ?? [1, 2, 3, 4]
        let dual = config["dual_path_blocks_1based"] as? [Int] ?? [2]
        return (size, layers, dual.min() ?? 2)
    }

    /// Writes the configuration; `stations` adds `[[station]]` tables after the first one.
    /// `fewShotKeys` go into `[fewshot]` (and may open `[fewshot.classes]`).
    func writeConfig(after: String = "keep", stations extra: String = "", fewShot: Bool = false,
                     fewShotKeys: String = "") throws {
        let fx = Self.fixtures
        let m = try Self.modelSettings()
        let move = after == "move" ? "move_to = \"\(done.path)\"\n" : ""
        let text = """
            database = "\(scratch.path("inspectd.db"))"
            [model]
            path = "\(fx.appendingPathComponent("model-openclip.safetensors").path)"
            prompts = "\(fx.appendingPathComponent("prompts.safetensors").path)"
            input_size = \(m.size)
            feature_layers = \(m.layers)
            dpam_first_block = \(m.dpamFirst)
            [thresholds]
            review = 0.4
            fail = 0.6
            [fewshot]
            enabled = \(fewShot)
            \(fewShotKeys)
            [[station]]
            name = "line1"
            folder = "\(watch.path)"
            recursive = true
            after = "\(after)"
            \(move)
            \(extra)
            """
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func configuration() throws -> InspectdConfiguration {
        try InspectdConfiguration.load(path: configPath)
    }

    /// A registry built on the current configuration.
    func registry() throws -> StationRegistry {
        let registry = StationRegistry(store: store, clock: clock, logger: logger)
        try registry.build(try configuration())
        return registry
    }

    /// Writes a distinct PNG into the watched folder and returns its path.
    @discardableResult
    func writeImage(_ name: String, size: Int = 40) throws -> String {
        seed += 1
        let path = watch.appendingPathComponent(name).path
        try LabelSupport.writePNG(LabelSupport.image(width: size, height: size - 8, seed: seed), to: path)
        return path
    }

    /// Sets a file's modification time to `time` (Unix seconds).
    func setModified(_ path: String, to time: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: time)], ofItemAtPath: path)
    }
}
