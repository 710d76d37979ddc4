import Config

import Inspection
import Testing

/// The daemon hands `inspectorConfiguration(for:)` to Inspection; every setting must arrive.
@Suite struct ConfigInspectorMappingTests {
    static let toml = """
        [model]
        path = "/models/clip.safetensors"
        config = "/models/clip.json"
        prompts = "/models/prompts.safetensors"
        product = "part"
        input_size = 518
        resize = "pad"
        feature_layers = [6, 12, 18, 24]
        dpam_first_block = 7
        score = "map_max"
        sigma = 2.5
        max_pixels = 12000000

        [thresholds]
        review = 0.3
        fail = 0.5

        [[station]]
        name = "plain"
        folder = "/srv/plain"

        [[station]]
        name = "special"
        folder = "/srv/special"
        product = "screw"
        review = 0.45
        fail = 0.8
        """

    @Test func modelSettingsAndGlobalThresholds() throws {
        let config = try InspectdConfiguration.parse(toml: Self.toml, file: "inspectd.toml")
        let c = config.inspectorConfiguration(for: config.stations[0])
        #expect(c.modelPath == "/models/clip.safetensors")
        #expect(c.modelConfigPath == "/models/clip.json")
        #expect(c.promptsPath == "/models/prompts.safetensors")
        #expect(c.productName == "part")
        #expect(c.inputSize == 518)
        #expect(c.resizeMode == .pad)
        #expect(c.featureLayers == [6, 12, 18, 24])
        #expect(c.dpamFirstBlock == 7)
        #expect(c.scoreMode == .mapMax)
        #expect(c.sigma == 2.5)
        #expect(c.decodeLimits.maxPixels == 12_000_000)
        // Limits the file does not set keep Inspection's defaults.
        #expect(c.decodeLimits.maxFileBytes == DecodeLimits().maxFileBytes)
        #expect(c.decodeLimits.checkExtension == DecodeLimits().checkExtension)
        #expect(c.thresholds == (try Thresholds(review: 0.3, fail: 0.5)))
        #expect(config.thresholds(for: config.stations[0]) == (try Thresholds(review: 0.3, fail: 0.5)))
    }

    @Test func stationOverridesProductAndThresholds() throws {
        let config = try InspectdConfiguration.parse(toml: Self.toml, file: "inspectd.toml")
        let special = config.stations[1]
        let c = config.inspectorConfiguration(for: special)
        #expect(c.productName == "screw")
        #expect(c.thresholds == (try Thresholds(review: 0.45, fail: 0.8)))
        #expect(config.thresholds(for: special) == (try Thresholds(review: 0.45, fail: 0.8)))
        // Everything else is shared.
        #expect(c.modelPath == "/models/clip.safetensors")
        #expect(c.resizeMode == .pad)
    }

    @Test func defaultsMatchInspectionsOwn() throws {
        let config = try ConfigFixture.parse(ConfigFixture.minimal)
        let c = config.inspectorConfiguration(for: config.stations[0])
        let plain = InspectorConfiguration(modelPath: "/models/clip.safetensors")
        #expect(c.modelConfigPath == plain.modelConfigPath)
        #expect(c.promptsPath == plain.promptsPath)
        #expect(c.productName == plain.productName)
        #expect(c.inputSize == plain.inputSize)
        #expect(c.resizeMode == plain.resizeMode)
        #expect(c.featureLayers == plain.featureLayers)
        #expect(c.dpamFirstBlock == plain.dpamFirstBlock)
        #expect(c.sigma == plain.sigma)
        #expect(c.scoreMode == plain.scoreMode)
        #expect(c.thresholds == plain.thresholds)
        #expect(c.decodeLimits.maxPixels == plain.decodeLimits.maxPixels)
    }
}
