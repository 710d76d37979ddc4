import Engine
import Foundation
import Testing

/// The fixture-set generator (Support/FixtureSetGenerator.swift): a tiny set written to a
/// temporary folder follows the generator's naming for its own sizes and keeps clip-tiny's
/// tolerances; and, as a tool, `INSPECTD_WRITE_FIXTURE_SET=DIR` writes a full set to DIR.
@Suite struct FixtureSetGeneratorTests {
    /// Tensor name → (shape, tolerance) of a set's manifest.
    private static func tensors(_ manifest: [String: Any]) -> [String: (shape: [Int], tolerance: String)] {
        var out = [String: (shape: [Int], tolerance: String)]()
        for t in manifest["tensors"] as? [[String: Any]] ?? [] {
            guard let name = t["name"] as? String else { continue }
            let shape = (t["shape"] as? [NSNumber])?.map(\.intValue) ?? []
            var tolerance = t["tolerance"] as? String ?? "exact"
            if let rule = t["tolerance"] as? [String: Any] {
                tolerance = "atol \((rule["atol"] as? NSNumber)?.doubleValue ?? .nan) rtol \((rule["rtol"] as? NSNumber)?.doubleValue ?? .nan)"
            }
            out[name] = (shape, tolerance)
        }
        return out
    }

    private static func manifest(_ directory: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func tinySetFollowsTheNamingAndKeepsTheTolerances() throws {
        var settings = FixtureSetGenerator.Settings()
        settings.imageSize = 32
        settings.patchSize = 8
        settings.altSize = 48
        settings.visionWidth = 16
        settings.visionLayers = 3
        settings.visionHeads = 2
        settings.textWidth = 16
        settings.textLayers = 2
        settings.textHeads = 2
        settings.embedDim = 8
        settings.featuresList = [1, 3]
        settings.promptLength = 2
        settings.promptDepth = 2
        settings.promptDeepLength = 1
        settings.images = [("a.png", 40, 30), ("b.png", 32, 32)]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-set-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let generator = try FixtureSetGenerator(settings: settings)
        try generator.write(to: directory)

        let written = try Self.manifest(directory)
        let tensors = Self.tensors(written)
        let reference = try SafeTensorsFile(path: directory.appendingPathComponent("reference.safetensors").path)
        #expect(Set(tensors.keys) == Set(reference.names))
        for (name, entry) in tensors { #expect(try reference.info(name).shape == entry.shape, "\(name)") }
        // Sizes in the names, shapes from the settings.
        #expect(tensors["input.s32"]?.shape == [2, 3, 32, 32])
        #expect(tensors["input.s48"]?.shape == [2, 3, 48, 48])
        #expect(tensors["input_acl_u8.s32"]?.shape == [2, 3, 32, 32])
        #expect(tensors["acl.dpam.s48.positional_embedding"]?.shape == [37, 16])
        #expect(tensors["acl.dpam.s48.patch_tokens"]?.shape == [2, 2, 37, 8])
        #expect(tensors["train.grad.compound_prompts_text.0"]?.shape == [1, 16])
        #expect(tensors["acl.patch_probs"]?.shape == [2, 2, 16, 2])

        // Every tolerance is clip-tiny's for the same role, never another.
        let template = Self.tensors(generator.template)
        let roles = ["input.s32": "input.s64", "input.s48": "input.s96", "input_acl_u8.s32": "input_acl_u8.s64",
                     "acl.dpam.s48.patch_tokens": "acl.dpam.s96.patch_tokens",
                     "acl.dpam.s48.image_features": "acl.dpam.s96.image_features",
                     "acl.dpam.s48.positional_embedding": "acl.dpam.s96.positional_embedding"]
        for (name, entry) in tensors {
            let counterpart = roles[name] ?? name
            let expected = try #require(template[counterpart], "\(counterpart) is not in clip-tiny")
            #expect(entry.tolerance == expected.tolerance, "\(name)")
        }
        let config = try #require(written["config"] as? [String: Any])
        #expect((config["grid"] as? NSNumber)?.intValue == 4 && (config["alt_grid"] as? NSNumber)?.intValue == 6)
        #expect((config["dual_path_blocks_1based"] as? [NSNumber])?.map(\.intValue) == [2, 3])
        // The weights load in both namings and agree.
        let openCLIP = try CLIPModel.load(path: directory.appendingPathComponent("model-openclip.safetensors").path)
        let huggingFace = try CLIPModel.load(path: directory.appendingPathComponent("model-hf.safetensors").path)
        #expect(openCLIP.architecture == huggingFace.architecture && openCLIP.architecture.textHeads == 2)
        #expect(try huggingFace.vision.projection.values == openCLIP.vision.projection.values)
    }

    /// Tool, not a check: `INSPECTD_WRITE_FIXTURE_SET=DIR [INSPECTD_FIXTURE_SETTINGS=settings.json]
    /// swift test --filter FixtureSetGeneratorTests` writes a full set (settings: the manifest's
    /// config keys; defaults in `FixtureSetGenerator.Settings`).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["INSPECTD_WRITE_FIXTURE_SET"] != nil,
                   "set INSPECTD_WRITE_FIXTURE_SET=DIR to write a generated fixture set"))
    func writeFixtureSet() throws {
        let environment = ProcessInfo.processInfo.environment
        let directory = URL(fileURLWithPath: try #require(environment["INSPECTD_WRITE_FIXTURE_SET"]))
        var json = [String: Any]()
        if let file = environment["INSPECTD_FIXTURE_SETTINGS"], !file.isEmpty {
            json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file)))
                                as? [String: Any])
        }
        try FixtureSetGenerator(settings: FixtureSetGenerator.Settings(json: json)).write(to: directory)
        let written = try Self.manifest(directory)
        let reference = try SafeTensorsFile(path: directory.appendingPathComponent("reference.safetensors").path)
        #expect(Set(Self.tensors(written).keys) == Set(reference.names))
        print("wrote \(directory.path): \(reference.names.count) reference tensors")
    }
}
