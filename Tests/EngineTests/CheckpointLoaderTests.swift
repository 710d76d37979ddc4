import Engine
import Foundation
import Testing

/// Strict import: every way a checkpoint can disagree with the architecture it implies is a
/// specific error that names the tensor (or config field) and the expected vs actual value.
@Suite struct CheckpointLoaderTests {
    let fx: FixtureSet
    let source: SafeTensorsFile
    let directory: URL

    init() throws {
        fx = try FixtureSet.load()
        source = try SafeTensorsFile(path: fx.path("model-openclip.safetensors"))
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Writes the fixture checkpoint with `edit` applied to its (name, shape, values) list, and the
    /// fixture's config beside it unless `config` says otherwise.
    private func variant(_ name: String, config: String? = "config.json",
                         edit: (inout [(String, [Int], [Float])]) -> Void) throws -> String {
        var tensors = try source.names.map { ($0, try source.info($0).shape, try source.floats($0)) }
        edit(&tensors)
        let path = directory.appendingPathComponent("\(name).safetensors").path
        try SafeTensorsWriter.write(tensors.map { SafeTensorsWriter.Entry.float32($0.0, shape: $0.1, $0.2) }, to: path)
        if let config {
            try FileManager.default.copyItem(atPath: fx.path(config),
                                             toPath: directory.appendingPathComponent("\(name).json").path)
        }
        return path
    }

    private func loadError(_ path: String) -> EngineError? {
        do {
            _ = try CLIPModel.load(path: path)
            return nil
        } catch let error as EngineError {
            return error
        } catch {
            return nil
        }
    }

    @Test func unmodifiedCopyLoads() throws {
        let path = try variant("same") { _ in }
        let model = try CLIPModel.load(path: path)
        #expect(model.naming == .openCLIP)
        #expect(model.architecture.visionHeads == (try fx.int("vision_heads")))
    }

    @Test func missingTensorIsNamed() throws {
        let name = "visual.transformer.resblocks.1.ln_2.bias"
        let path = try variant("missing") { $0.removeAll { $0.0 == name } }
        #expect(loadError(path) == .missingTensor(path: path, tensor: name))
    }

    @Test func misShapedTensorIsNamedWithBothShapes() throws {
        let name = "visual.transformer.resblocks.0.mlp.c_fc.bias"
        var original = [Int]()
        let path = try variant("misshaped") { list in
            if let i = list.firstIndex(where: { $0.0 == name }) {
                original = list[i].1
                list[i].1 = [original[0] - 1]
                list[i].2.removeLast()
            }
        }
        #expect(loadError(path) == .shapeMismatch(path: path, tensor: name, expected: original, actual: [original[0] - 1]))
    }

    @Test func unknownTensorIsReported() throws {
        let path = try variant("unknown") { $0.append(("visual.extra_adapter.weight", [2], [1, 2])) }
        #expect(loadError(path) == .unexpectedTensors(path: path, names: ["visual.extra_adapter.weight"]))
    }

    /// A lean model (`.visionOnly`) converts nothing at load, keeps the image tower once built,
    /// rebuilds the text tower per use without keeping it, and computes exactly what a fully
    /// loaded model computes; an unknown tensor is still reported once both towers were built.
    @Test func leanModelKeepsOnlyTheImageTowerAndAgrees() throws {
        let path = fx.path("model-openclip.safetensors")
        let full = try CLIPModel.load(path: path)
        let lean = try CLIPModel.load(path: path, options: .init(residency: .visionOnly))
        #expect(lean.residentTowers.vision == false && lean.residentTowers.text == false)
        #expect(full.residentTowers.vision && full.residentTowers.text)
        let tokens = try CLIPTokenizer().tokenize(["a photo of a scratch"], contextLength: full.architecture.contextLength)
        let expected = try full.textEncoder.encode(tokens: tokens)
        #expect(try lean.textEncoder.encode(tokens: tokens) == expected)
        #expect(lean.residentTowers.text == false)
        let size = try fx.int("image_size")
        var rng = RandomWeights(seed: 9)
        let pixels = (0..<(3 * size * size)).map { _ in rng.normal() }
        let a = try full.imageEncoder(inputSize: size, taps: [1, 2]).encode(pixels)
        let b = try lean.imageEncoder(inputSize: size, taps: [1, 2]).encode(pixels)
        #expect(lean.residentTowers.vision && !lean.residentTowers.text)
        #expect(a.imageEmbedding == b.imageEmbedding)
        #expect(zip(a.patchTokens, b.patchTokens).allSatisfy { $0.values == $1.values })

        full.releaseTextTower()
        #expect(full.residentTowers.text == false)
        #expect(throws: EngineError.self) { try full.textEncoder }

        let unknown = try variant("unknown-lean") { $0.append(("visual.extra_adapter.weight", [2], [1, 2])) }
        let model = try CLIPModel.load(path: unknown, options: .init(residency: .visionOnly))
        _ = try model.vision
        #expect(throws: EngineError.unexpectedTensors(path: unknown, names: ["visual.extra_adapter.weight"])) {
            try model.text
        }
    }

    @Test func gapInBlockNumberingIsReported() throws {
        // Block 1 moves past the last block, whatever the fixture's depth: 1 is then missing.
        let beyond = try fx.int("vision_layers") + 3
        let path = try variant("gap") { list in
            list = list.map { item in
                var item = item
                item.0 = item.0.replacingOccurrences(of: "visual.transformer.resblocks.1.",
                                                     with: "visual.transformer.resblocks.\(beyond).")
                return item
            }
        }
        guard case let .invalidCheckpoint(p, reason)? = loadError(path) else {
            Issue.record("expected invalidCheckpoint")
            return
        }
        #expect(p == path)
        #expect(reason.contains("missing [1"))
    }

    /// Writes the fixture's config.json as `<name>.json` in the scratch folder with `key` of
    /// `section` (e.g. "text_config") set to `value`; returns its URL.
    @discardableResult
    private func editedConfig(_ name: String, _ section: String, _ key: String, _ value: Any) throws -> URL {
        let config = directory.appendingPathComponent("\(name).json")
        let data = try Data(contentsOf: URL(fileURLWithPath: fx.path("config.json")))
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var part = try #require(json[section] as? [String: Any])
        part[key] = value
        json[section] = part
        try JSONSerialization.data(withJSONObject: json).write(to: config)
        return config
    }

    @Test func configThatContradictsTensorsIsReported() throws {
        let path = try variant("contradiction", config: nil) { _ in }
        let config = try editedConfig("contradiction", "vision_config", "num_hidden_layers", 99)
        guard case let .invalidConfig(p, field, reason)? = loadError(path) else {
            Issue.record("expected invalidConfig")
            return
        }
        #expect(p == config.path)
        #expect(field == "visionLayers")
        #expect(reason.contains("99"))
    }

    @Test func headCountThatDoesNotDivideWidthIsReported() throws {
        let path = try variant("heads", config: nil) { _ in }
        try editedConfig("heads", "text_config", "num_attention_heads", 5)
        guard case let .invalidConfig(_, field, _)? = loadError(path) else {
            Issue.record("expected invalidConfig")
            return
        }
        #expect(field == "text heads")
    }

    /// A count of 1 is a number, not `true` (JSON numbers 0 and 1 bridge to Bool on Linux);
    /// a real `true` is still refused.
    @Test func oneHeadIsACountAndTrueIsNot() throws {
        let path = try variant("onehead", config: nil) { _ in }
        try editedConfig("onehead", "text_config", "num_attention_heads", 1)
        #expect(try CLIPModel.load(path: path).architecture.textHeads == 1)
        try editedConfig("onehead", "text_config", "num_attention_heads", true)
        guard case let .invalidConfig(_, field, reason)? = loadError(path) else {
            Issue.record("expected invalidConfig for heads = true")
            return
        }
        #expect(field == "text_config.num_attention_heads" && reason.contains("not a positive integer"))
    }

    @Test func withoutConfigHeadsAreWidthOver64OrAConfigIsAskedFor() throws {
        let path = try variant("noconfig", config: nil) { _ in }
        let textWidth = try fx.int("text_width")
        let visionWidth = try fx.int("vision_width")
        if textWidth % 64 == 0 && visionWidth % 64 == 0 {
            let model = try CLIPModel.load(path: path)
            #expect(model.architecture.visionHeads == visionWidth / 64)
            #expect(model.architecture.textHeads == textWidth / 64)
        } else {
            guard case let .invalidCheckpoint(_, reason)? = loadError(path) else {
                Issue.record("expected invalidCheckpoint asking for a config")
                return
            }
            #expect(reason.contains("config.json"))
        }
    }

    @Test func notACLIPCheckpoint() throws {
        let path = directory.appendingPathComponent("other.safetensors").path
        try SafeTensorsWriter.write([.float32("encoder.weight", shape: [2], [1, 2])], to: path)
        guard case .invalidCheckpoint? = loadError(path) else {
            Issue.record("expected invalidCheckpoint")
            return
        }
    }

    @Test func openCLIPStyleConfigGivesSameHeads() throws {
        let path = try variant("oc", config: "config-openclip.json") { _ in }
        let model = try CLIPModel.load(path: path)
        #expect(model.architecture.visionHeads == (try fx.int("vision_heads")))
        #expect(model.architecture.textHeads == (try fx.int("text_heads")))
        #expect(model.architecture.activation == .quickGELU)
    }
}
