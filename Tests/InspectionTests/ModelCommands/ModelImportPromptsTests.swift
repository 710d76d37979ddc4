import Engine
import Foundation
import Inspection
import Store
import Testing

/// `inspectctl model import-prompts` checks the file against the configured model (the
/// fixture CLIP, its text width from the manifest) and stores it as a version of the station.
@Suite struct ModelImportPromptsTests {
    let fx: ModelFixture
    let reference: ReferenceFixture
    let configPath: String
    let promptsPath: String
    /// The fixture model's text width.
    let width: Int

    init() throws {
        fx = try ModelFixture()
        reference = try ReferenceFixture.load()
        promptsPath = reference.path("prompts.safetensors")
        width = try reference.int("text_width")
        let folder = fx.directory.appendingPathComponent("line-1")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        configPath = fx.directory.appendingPathComponent("inspectd.toml").path
        try """
            database = "\(fx.dbPath)"
            [model]
            path = "\(reference.path("model-openclip.safetensors"))"
            [[station]]
            name = "line-1"
            folder = "\(folder.path)"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    private func importPrompts(_ file: String, _ extra: [String] = [], config: String? = nil) throws -> QueryFixture.Result {
        try fx.ctl(["model", "import-prompts", file, "--station", "line-1", "--config", config ?? configPath] + extra)
    }

    @discardableResult
    private func insertActive() throws -> Int64 {
        try fx.insert(ModelVersionRecord(station: "line-1", base: ModelFixture.base, status: .active, source: .configured,
                                         createdAt: ModelFixture.t0, reviewThreshold: 0.3, failThreshold: 0.7,
                                         trainingLabelIDs: [11, 12, 13]))
    }

    @Test func importsACandidateThatLoadsBackAsTheSamePrompts() throws {
        let active = try insertActive()
        let result = try importPrompts(promptsPath)
        #expect(result.status == 0, "\(result)")
        let versions = try fx.store.versions(station: "line-1")
        #expect(versions.count == 2)
        let id = try #require(versions.first?.id)
        #expect(result.stdout.contains("imported \(promptsPath) as version \(id) for station line-1: candidate"), "\(result.stdout)")
        #expect(result.stdout.contains("inspectctl model activate \(id)"), "\(result.stdout)")

        let stored = try fx.store.version(id: id)
        #expect(stored.status == .candidate && stored.source == .imported && stored.base == ModelFixture.base)
        #expect(stored.parentID == active && stored.trainingLabelIDs == [11, 12, 13] && stored.heldOutLabelIDs.isEmpty)
        #expect(stored.note == "imported from \(promptsPath)")
        #expect(stored.memoryBank == nil && stored.classifier == nil && stored.reviewThreshold == nil && stored.failThreshold == nil)
        let bytes = try #require(stored.prompts)
        #expect(stored.promptsHash == ContentHash.sha256(bytes))
        #expect(try fx.store.activeVersionIDs()["line-1"] == active)

        // What was stored is the same prompts, in the layout the daemon loads.
        let original = try LearnedPrompts.load(path: promptsPath, width: width)
        let loaded = try LearnedPrompts.load(bytes: bytes, name: "version \(id)", width: width)
        #expect(bytes == (try original.serialized()))
        #expect(loaded.normalContext == original.normalContext && loaded.anomalousContext == original.anomalousContext)
        #expect(loaded.deepPrompts == original.deepPrompts)
    }

    @Test func activateReplacesTheActiveVersion() throws {
        let active = try insertActive()
        let result = try importPrompts(promptsPath, ["--activate", "--note", "tuned in the lab"])
        #expect(result.status == 0, "\(result)")
        let now = try #require(try fx.store.activeVersion(station: "line-1"))
        #expect(now.id != active && now.source == .imported && now.note == "tuned in the lab" && now.activatedAt != nil)
        #expect(result.stdout.contains("as version \(now.id) for station line-1: active (was \(active))"), "\(result.stdout)")
        let retired = try fx.store.version(id: active)
        #expect(retired.status == .retired && retired.note == "replaced by imported prompts")
    }

    @Test func wrongWidthOrTruncatedFilesAreRefusedAndNothingIsStored() throws {
        try insertActive()
        let narrow = fx.directory.appendingPathComponent("narrow.safetensors").path
        let half = width / 2
        try SafeTensorsWriter.write([
            .float32("ctx_pos", shape: [1, 1, 4, half], [Float](repeating: 0.1, count: 4 * half)),
            .float32("ctx_neg", shape: [1, 1, 4, half], [Float](repeating: 0.2, count: 4 * half)),
        ], to: narrow)
        let wrong = try importPrompts(narrow)
        #expect(wrong.status == 1, "\(wrong)")
        #expect(wrong.stderr.contains("\(narrow): not usable AnomalyCLIP prompts for the configured model"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains("text width \(width)") && wrong.stderr.contains("ctx_pos"), "\(wrong.stderr)")

        let truncated = fx.directory.appendingPathComponent("truncated.safetensors").path
        let whole = try Data(contentsOf: URL(fileURLWithPath: promptsPath))
        try whole.prefix(whole.count - 100).write(to: URL(fileURLWithPath: truncated))
        let cut = try importPrompts(truncated)
        #expect(cut.status == 1 && cut.stderr.contains("\(truncated): not usable AnomalyCLIP prompts"), "\(cut)")

        let missing = fx.directory.appendingPathComponent("nope.safetensors").path
        let absent = try importPrompts(missing)
        #expect(absent.status == 1 && absent.stderr.contains(missing), "\(absent)")
        #expect(try fx.store.versions().count == 1)
    }

    @Test func needsAnActiveVersionAndAReadableConfiguration() throws {
        let first = try importPrompts(promptsPath)
        #expect(first.status == 1, "\(first)")
        #expect(first.stderr.contains("station line-1 has no active model version; start inspectd once first"), "\(first.stderr)")

        try insertActive()
        let badConfig = fx.directory.appendingPathComponent("absent.toml").path
        let noConfig = try importPrompts(promptsPath, config: badConfig)
        #expect(noConfig.status == 1, "\(noConfig)")
        #expect(noConfig.stderr.contains(badConfig) && noConfig.stderr.contains("pass --config FILE"), "\(noConfig.stderr)")

        let usage = try fx.ctl(["model", "import-prompts", promptsPath, "--config", configPath])
        #expect(usage.status == 64 && usage.stderr.contains("--station"), "\(usage)")
        #expect(try fx.store.versions().count == 1)
    }
}
