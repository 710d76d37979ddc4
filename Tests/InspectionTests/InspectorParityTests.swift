import Engine
import Foundation
@testable import Inspection
import Testing

/// The whole PNG → score path against upstream `test.test()` run on the fixture PNGs
/// (AnomalyCLIP squash preprocessing, learned prompts, DPAM): image probabilities and final maps.
@Suite struct InspectorParityTests {
    let fx: ReferenceFixture
    let inspector: Inspector

    init() throws {
        fx = try ReferenceFixture.load()
        var config = InspectorConfiguration(modelPath: fx.path("model-openclip.safetensors"))
        config.promptsPath = fx.path("prompts.safetensors")
        config.inputSize = try fx.int("image_size")
        config.resizeMode = .squash
        config.featureLayers = try fx.ints("features_list")
        config.dpamFirstBlock = DualPathSetting.anomalyCLIP(dpamLayer: try fx.int("dpam_layer"),
                                                            layers: try fx.int("vision_layers")).firstBlock
        config.sigma = try fx.double("sigma")
        inspector = try Inspector(configuration: config)
    }

    @Test func endToEndMatchesUpstreamTest() throws {
        var probs = [Float]()
        var maps = [Float]()
        for file in fx.imageFiles {
            let result = try inspector.inspect(file: fx.imagePath(file))
            probs.append(result.scores.imageProbabilities.anomalous)
            maps += result.map.values
            #expect(result.score == Double(result.scores.imageProbabilities.anomalous))
            #expect(result.verdict == inspector.configuration.thresholds.verdict(for: result.score))
        }
        try fx.check("e2e.test.text_probs", probs)
        try fx.check("e2e.test.anomaly_map", maps)
    }

    /// `Inspector(configuration:)` loads lean: after start-up only the image tower is resident,
    /// and a second inspector with the same text side on the same model (a reload) reuses the
    /// remembered text vectors instead of converting the text tower again; another text side
    /// converts it once more and gives other vectors.
    @Test func leanModelRemembersTextVectorsPerTextSide() throws {
        let model = inspector.model
        #expect(model.residentTowers.vision && !model.residentTowers.text)
        let conversions = model.textTowerConversions
        #expect(conversions >= 1)
        let again = try Inspector(model: model, configuration: inspector.configuration)
        #expect(again.textFeatures == inspector.textFeatures)
        #expect(model.textTowerConversions == conversions)
        var ensemble = inspector.configuration
        ensemble.promptsPath = nil
        let other = try Inspector(model: model, configuration: ensemble)
        #expect(model.textTowerConversions == conversions + 1)
        #expect(other.textFeatures != inspector.textFeatures)
        #expect(!model.residentTowers.text)
    }

    @Test func badFileDoesNotStopTheNextOne() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("insp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let bad = dir.appendingPathComponent("bad.png").path
        FileManager.default.createFile(atPath: bad, contents: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]))
        #expect(throws: InspectionError.self) { try inspector.inspect(file: bad) }
        let good = try inspector.inspect(file: fx.imagePath(fx.imageFiles[0]))
        #expect(good.scores.smoothedMap.count == inspector.inputSize * inspector.inputSize)
    }

    @Test func encodedMapRoundTripsWithinQuantisation() throws {
        let result = try inspector.inspect(file: fx.imagePath(fx.imageFiles[0]))
        let encoded = try EncodedMap(result.map)
        let back = try encoded.decode()
        let step = (encoded.maximum - encoded.minimum) / 65535
        #expect(maxAbsDiff(back.values, result.map.values) <= step / 2 + 1e-6)
        #expect(encoded.png.count < result.map.values.count * 4)
    }
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var m: Float = 0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return m
}

/// Maps drawn back onto the original image follow the preprocessing geometry.
@Suite struct MapGeometryTests {
    /// A horizontal ramp in input space must stay a ramp across the original's width for
    /// squash, and keep its left/right halves for crop (only the centre was seen).
    @Test func rampFollowsGeometry() throws {
        let s = 16
        let ramp = try AnomalyMap(width: s, height: s, values: (0..<(s * s)).map { Float($0 % s) })
        let squash = InputGeometry(originalWidth: 64, originalHeight: 32, inputSize: s, mode: .squash)
        let a = try ramp.inOriginalGeometry(squash)
        #expect(a.width == 64 && a.height == 32)
        #expect(a.values[0] == 0)
        #expect(a.values[63] == Float(s - 1))
        #expect(a.values[32] > 7 && a.values[32] < 8.5)
        let crop = InputGeometry(originalWidth: 64, originalHeight: 32, inputSize: s, mode: .crop)
        let b = try ramp.inOriginalGeometry(crop)
        // The crop saw the middle 32 of 64 columns: columns 0…15 clamp to the left edge.
        #expect(b.values[0] == 0 && b.values[15] == 0)
        #expect(b.values[63] == Float(s - 1))
    }
}
