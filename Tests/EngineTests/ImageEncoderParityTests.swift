import Engine
import Testing

/// Vision tower against the reference tensors: plain CLIP, AnomalyCLIP without and with DPAM,
/// and at the alternative input size (interpolated positional table). Every setting comes from
/// the manifest so other fixture sets run unchanged.
@Suite struct ImageEncoderParityTests {
    let models: FixtureModels
    var fx: FixtureSet { models.fixtures }
    var model: CLIPModel { models.openCLIP }

    init() throws { models = try FixtureModels.load() }

    private func imageCount(_ input: String) throws -> Int { try fx.shape(input)[0] }

    private func dpam() throws -> DualPathSetting {
        .anomalyCLIP(dpamLayer: try fx.int("dpam_layer"), layers: model.architecture.visionLayers)
    }

    @Test func architectureMatchesManifest() throws {
        let arch = model.architecture
        #expect(arch.imageSize == (try fx.int("image_size")))
        #expect(arch.patchSize == (try fx.int("patch_size")))
        #expect(arch.visionWidth == (try fx.int("vision_width")))
        #expect(arch.visionLayers == (try fx.int("vision_layers")))
        #expect(arch.visionHeads == (try fx.int("vision_heads")))
        #expect(arch.textWidth == (try fx.int("text_width")))
        #expect(arch.textLayers == (try fx.int("text_layers")))
        #expect(arch.textHeads == (try fx.int("text_heads")))
        #expect(arch.embedDim == (try fx.int("embed_dim")))
        #expect(arch.contextLength == (try fx.int("context_length")))
        #expect(arch.vocabSize == (try fx.int("vocab_size")))
    }

    @Test func dualPathBlocksMatchManifest() throws {
        let setting = try dpam()
        let dual = (1...model.architecture.visionLayers).filter { setting.isDual(block: $0) }
        #expect(dual == (try fx.ints("dual_path_blocks_1based")))
    }

    @Test func logitScaleIsExact() throws {
        let scale = try #require(model.logitScale)
        try fx.check("clip.logit_scale", [scale])
    }

    @Test func tokensEnteringFirstBlock() throws {
        let encoder = try model.imageEncoder(inputSize: try fx.int("image_size"))
        let tokens = try encoder.embeddedTokens(try fx.image(try fx.input, 0))
        try fx.check("clip.vision_ln_pre.img0", tokens.values)
    }

    @Test func plainCLIPImageEmbeddings() throws {
        let encoder = try model.imageEncoder(inputSize: try fx.int("image_size"))
        var all = [Float]()
        let input = try fx.input
        for i in 0..<(try imageCount(input)) {
            all += try encoder.encode(try fx.image(input, i)).imageEmbedding
        }
        try fx.check("clip.image_embeds", all)
    }

    /// AnomalyCLIP's forward at `size` from `input`, checked against `prefix`.{patch_tokens,image_features}.
    private func checkAnomalyCLIP(input: String, size: Int, dualPath: DualPathSetting?, prefix: String) throws {
        let encoder = try model.imageEncoder(inputSize: size, taps: try fx.ints("features_list"), dualPath: dualPath)
        var tokens = [Float]()
        var features = [Float]()
        for i in 0..<(try imageCount(input)) {
            let out = try encoder.encode(try fx.image(input, i))
            for t in out.patchTokens { tokens += t.values }
            features += out.classFeature
        }
        try fx.check("\(prefix).patch_tokens", tokens)
        try fx.check("\(prefix).image_features", features)
    }

    @Test func anomalyCLIPWithoutDPAM() throws {
        try checkAnomalyCLIP(input: try fx.input, size: try fx.int("image_size"), dualPath: nil, prefix: "acl.nodpam")
    }

    @Test func anomalyCLIPWithDPAM() throws {
        try checkAnomalyCLIP(input: try fx.input, size: try fx.int("image_size"), dualPath: try dpam(), prefix: "acl.dpam")
    }

    @Test func anomalyCLIPWithDPAMAtInterpolatedSize() throws {
        let size = try fx.int("alt_size")
        let encoder = try model.imageEncoder(inputSize: size, taps: try fx.ints("features_list"), dualPath: try dpam())
        let prefix = try fx.alternativeDPAMPrefix
        try fx.check("\(prefix).positional_embedding", encoder.positions.values)
        try checkAnomalyCLIP(input: try fx.alternativeInput, size: size, dualPath: try dpam(), prefix: prefix)
    }

    @Test func bothNamingsGiveIdenticalOutputs() throws {
        let size = try fx.int("image_size")
        let taps = try fx.ints("features_list")
        let a = try models.openCLIP.imageEncoder(inputSize: size, taps: taps, dualPath: try dpam())
        let b = try models.huggingFace.imageEncoder(inputSize: size, taps: taps, dualPath: try dpam())
        #expect(models.openCLIP.architecture == models.huggingFace.architecture)
        let input = try fx.input
        for i in 0..<(try imageCount(input)) {
            let image = try fx.image(input, i)
            let x = try a.encode(image)
            let y = try b.encode(image)
            #expect(maxAbsDiff(x.imageEmbedding, y.imageEmbedding) <= 1e-6)
            #expect(maxAbsDiff(x.classFeature, y.classFeature) <= 1e-6)
            for (s, t) in zip(x.patchTokens, y.patchTokens) { #expect(maxAbsDiff(s.values, t.values) <= 1e-6) }
        }
        let ids = try fx.idRows("clip.text_tokens")
        let u = try models.openCLIP.textEncoder.encode(tokens: ids)
        let v = try models.huggingFace.textEncoder.encode(tokens: ids)
        for (p, q) in zip(u, v) { #expect(maxAbsDiff(p, q) <= 1e-6) }
    }
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var m: Float = 0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return m
}
