import Foundation
@testable import Engine
@testable import Inspection

/// Writes a fixture set laid out like `clip-tiny` (same file names, manifest keys and tensor
/// naming pattern: `input.s<image_size>`, `input.s<alt_size>`, `input_acl_u8.s<image_size>`,
/// `acl.dpam.s<alt_size>.*`, …) for another architecture, so the fixture-reading tests can be
/// run on it with `INSPECTD_FIXTURES=DIR`. The weights are random fp16 in open_clip and Hugging
/// Face naming; the reference tensors are computed by this project's own engine, so the set is
/// self-consistent: it proves that the tests derive every name, shape and setting from the
/// manifest, not that the numerics match upstream (only the real generator's sets do that).
/// Tolerances are copied from the bundled clip-tiny manifest, tensor by tensor.
struct FixtureSetGenerator {
    /// The architecture and AnomalyCLIP settings, named as in the manifest's `config` block.
    struct Settings {
        var name = "clip-variant"
        var seed: UInt64 = 4321
        var imageSize = 60
        var patchSize = 10
        var visionWidth = 48
        var visionLayers = 5
        var visionHeads = 3
        var textWidth = 48
        var textLayers = 3
        var textHeads = 4
        var embedDim = 24
        var dpamLayer = 3
        var featuresList = [2, 3, 5]
        var featureMapLayer = [0, 1, 2]
        var altSize = 80
        var sigma = 3.0
        var promptLength = 6
        var promptDepth = 3
        var promptDeepLength = 3
        var learningRate: Float = 0.001
        var betas: [Float] = [0.5, 0.999]
        /// File name, width and height of each test image; image 0 is the defect with a mask.
        var images: [(file: String, width: Int, height: Int)] = [
            ("img0_ramp_blob.png", 90, 72), ("img1_checker.png", 60, 60), ("img2_noise_scratch.png", 120, 84),
            ("img3_rings.png", 50, 70),
        ]

        /// Settings with the keys present in `json` (the manifest's config names, e.g.
        /// `image_size`, `prompt_design.Prompt_length`) replacing the defaults.
        init(json: [String: Any] = [:]) {
            func int(_ key: String) -> Int? { (json[key] as? NSNumber)?.intValue }
            func ints(_ key: String) -> [Int]? { (json[key] as? [NSNumber])?.map(\.intValue) }
            name = json["name"] as? String ?? name
            seed = (json["seed"] as? NSNumber)?.uint64Value ?? seed
            imageSize = int("image_size") ?? imageSize
            patchSize = int("patch_size") ?? patchSize
            visionWidth = int("vision_width") ?? visionWidth
            visionLayers = int("vision_layers") ?? visionLayers
            visionHeads = int("vision_heads") ?? visionHeads
            textWidth = int("text_width") ?? textWidth
            textLayers = int("text_layers") ?? textLayers
            textHeads = int("text_heads") ?? textHeads
            embedDim = int("embed_dim") ?? embedDim
            dpamLayer = int("dpam_layer") ?? dpamLayer
            featuresList = ints("features_list") ?? featuresList
            featureMapLayer = ints("feature_map_layer") ?? featureMapLayer
            altSize = int("alt_size") ?? altSize
            sigma = (json["sigma"] as? NSNumber)?.doubleValue ?? sigma
            let design = json["prompt_design"] as? [String: Any] ?? [:]
            promptLength = (design["Prompt_length"] as? NSNumber)?.intValue ?? promptLength
            promptDepth = (design["learnabel_text_embedding_depth"] as? NSNumber)?.intValue ?? promptDepth
            promptDeepLength = (design["learnabel_text_embedding_length"] as? NSNumber)?.intValue ?? promptDeepLength
            if let list = json["images"] as? [[String: Any]] {
                images = list.compactMap { row in
                    guard let file = row["file"] as? String, let size = (row["size_wh"] as? [NSNumber])?.map(\.intValue),
                          size.count == 2 else { return nil }
                    return (file, size[0], size[1])
                }
            }
        }

        var grid: Int { imageSize / patchSize }
        var altGrid: Int { altSize / patchSize }
        var dualPath: DualPathSetting { .anomalyCLIP(dpamLayer: dpamLayer, layers: visionLayers) }
        /// Positions in features_list whose maps are used (upstream: index ≥ feature_map_layer[0]).
        var mapLayers: [Int] { featuresList.indices.filter { $0 >= (featureMapLayer.first ?? 0) } }

        /// The manifest's `config` block.
        var manifestConfig: [String: Any] {
            [
                "name": name, "seed": seed, "image_size": imageSize, "patch_size": patchSize,
                "vision_width": visionWidth, "vision_layers": visionLayers, "vision_heads": visionHeads,
                "context_length": 77, "vocab_size": 49408, "text_width": textWidth, "text_layers": textLayers,
                "text_heads": textHeads, "embed_dim": embedDim, "dpam_layer": dpamLayer, "features_list": featuresList,
                "feature_map_layer": featureMapLayer, "alt_size": altSize, "sigma": sigma,
                "prompt_design": ["Prompt_length": promptLength, "learnabel_text_embedding_depth": promptDepth,
                                  "learnabel_text_embedding_length": promptDeepLength],
                "image_set": "generated", "train": true, "lr": learningRate, "betas": betas, "lam": 4,
                "grid": grid, "alt_grid": altGrid,
                "dual_path_blocks_1based": (1...visionLayers).filter { dualPath.isDual(block: $0) },
                "map_layers_used": mapLayers.map { featuresList[$0] },
            ]
        }
    }

    let settings: Settings
    /// The clip-tiny manifest whose tolerances and string lists the new set reuses.
    let template: [String: Any]

    /// A generator for `settings`, reading the bundled clip-tiny manifest as the template.
    init(settings: Settings) throws {
        self.settings = settings
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("EngineTests/Fixtures/manifest.json")
        guard let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw FixtureMissing(description: "\(url.path) is not a JSON object")
        }
        template = root
    }

    /// Reference tensors and their manifest entries, in the order they are added.
    private struct References {
        var entries = [SafeTensorsWriter.Entry]()
        var manifest = [[String: Any]]()

        mutating func add(_ entry: SafeTensorsWriter.Entry, tolerance: Any) {
            entries.append(entry)
            let dtype = ["F32": "float32", "I32": "int32", "U8": "uint8"][entry.dtype.rawValue] ?? entry.dtype.rawValue
            manifest.append(["name": entry.name, "shape": entry.shape, "dtype": dtype, "tolerance": tolerance,
                             "computed_by": "inspectd engine (FixtureSetGenerator), not upstream"])
        }
    }

    /// The clip-tiny name of the tensor that plays `name`'s part (sizes and deep prompt index mapped back).
    private func templateName(_ name: String) -> String {
        let config = template["config"] as? [String: Any] ?? [:]
        let ts = (config["image_size"] as? NSNumber)?.intValue ?? 0
        let ta = (config["alt_size"] as? NSNumber)?.intValue ?? 0
        let s = settings.imageSize, a = settings.altSize
        if name == "input.s\(s)" { return "input.s\(ts)" }
        if name == "input.s\(a)" { return "input.s\(ta)" }
        if name == "input_acl_u8.s\(s)" { return "input_acl_u8.s\(ts)" }
        if name.hasPrefix("acl.dpam.s\(a).") { return "acl.dpam.s\(ta)." + name.dropFirst("acl.dpam.s\(a).".count) }
        if let range = name.range(of: "compound_prompts_text.") { return name[..<range.upperBound] + "0" }
        return name
    }

    /// The template's tolerance for `name`'s counterpart ("exact" when it has none).
    private func tolerance(_ name: String) -> Any {
        let tensors = template["tensors"] as? [[String: Any]] ?? []
        return tensors.first { $0["name"] as? String == templateName(name) }?["tolerance"] ?? "exact"
    }

    private static func int32Entry(_ name: String, _ shape: [Int], _ values: [Int32]) -> SafeTensorsWriter.Entry {
        SafeTensorsWriter.Entry(name: name, dtype: .i32, shape: shape, data: values.withUnsafeBytes { [UInt8]($0) })
    }

    /// Synthetic image `index` of `width`×`height` (ramp with a dark blob, checkerboard, noise with
    /// a scratch, rings) and, for the blob, its 0/255 mask.
    static func image(_ index: Int, width w: Int, height h: Int, seed: UInt64) -> (image: RGBImage, mask: RGBImage) {
        var rng = RandomWeights(seed: seed &+ UInt64(index))
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        var mask = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let u = Double(x) / Double(max(w - 1, 1)), v = Double(y) / Double(max(h - 1, 1))
                var rgb: (Double, Double, Double)
                switch index % 4 {
                case 0:
                    rgb = (40 + 180 * u, 60 + 150 * v, 200 - 120 * u)
                    let dx = (u - 0.6) / 0.18, dy = (v - 0.4) / 0.12
                    if dx * dx + dy * dy <= 1 {
                        rgb = (rgb.0 * 0.2, rgb.1 * 0.25, rgb.2 * 0.3)
                        mask[3 * (y * w + x)] = 255; mask[3 * (y * w + x) + 1] = 255; mask[3 * (y * w + x) + 2] = 255
                    }
                case 1:
                    let check = ((x / 6) + (y / 6)) % 2 == 0 ? 200.0 : 60.0
                    let stripe = 0.75 + 0.25 * sin(Double(x + y) * 0.5)
                    rgb = (check * stripe, check * 0.9, 255 - check * stripe)
                case 2:
                    rgb = (128 + 40 * Double(rng.normal()), 110 + 40 * Double(rng.normal()), 90 + 40 * Double(rng.normal()))
                    if abs(Double(y) - 0.6 * Double(x) - 8) < 1.5 { rgb = (250, 245, 235) }
                default:
                    let r = ((u - 0.5) * (u - 0.5) + (v - 0.5) * (v - 0.5)).squareRoot()
                    rgb = (128 + 110 * sin(r * 40), 128 + 110 * cos(r * 25), 128 + 60 * sin(r * 13 + 1))
                }
                for (c, value) in [rgb.0, rgb.1, rgb.2].enumerated() {
                    pixels[3 * (y * w + x) + c] = UInt8(clamping: Int(value.rounded()))
                }
            }
        }
        return (RGBImage(width: w, height: h, pixels: pixels), RGBImage(width: w, height: h, pixels: mask))
    }

    /// Writes the whole set into `directory` (created if needed).
    func write(to directory: URL) throws {
        let s = settings
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

        // Weights, both namings, and both config styles.
        let architecture = RandomCheckpoint.architecture(
            imageSize: s.imageSize, patchSize: s.patchSize, visionWidth: s.visionWidth, visionLayers: s.visionLayers,
            visionHeads: s.visionHeads, textWidth: s.textWidth, textLayers: s.textLayers, textHeads: s.textHeads,
            embedDim: s.embedDim)
        let checkpoint = RandomCheckpoint(architecture, seed: s.seed)
        try checkpoint.write(to: path("model-openclip.safetensors"), half: true)
        try RandomCheckpoint.writeJSON(checkpoint.openCLIPConfig, to: path("config-openclip.json"))
        try RandomCheckpoint.writeJSON(huggingFaceConfig(architecture), to: path("config.json"))
        try writeHuggingFace(checkpoint, to: path("model-hf.safetensors"))
        let model = try CLIPModel.load(path: path("model-openclip.safetensors"))

        // Prompt-learner parameters, fp16-exact like the real generator's.
        var random = try LearnedPrompts.random(contextLength: s.promptLength, deepPromptCount: s.promptDepth - 1,
                                               deepPromptLength: s.promptDeepLength, width: s.textWidth, seed: s.seed)
        func half(_ v: [Float]) -> [Float] { v.map { Float(Float16($0)) } }
        random.normalContext = half(random.normalContext)
        random.anomalousContext = half(random.anomalousContext)
        random.deepPrompts = random.deepPrompts.map(half)
        var promptEntries: [SafeTensorsWriter.Entry] = [
            .float32("ctx_pos", shape: [1, 1, s.promptLength, s.textWidth], random.normalContext),
            .float32("ctx_neg", shape: [1, 1, s.promptLength, s.textWidth], random.anomalousContext),
        ]
        for (j, deep) in random.deepPrompts.enumerated() {
            promptEntries.append(.float32("compound_prompts_text.\(j)", shape: [s.promptDeepLength, s.textWidth], deep))
        }
        try SafeTensorsWriter.write(promptEntries, to: path("prompts.safetensors"))
        let prompts = try LearnedPrompts.load(path: path("prompts.safetensors"), width: s.textWidth)

        // Images and the mask of image 0.
        var decoded = [RGBImage]()
        var maskImage: RGBImage?
        for (i, entry) in s.images.enumerated() {
            let made = Self.image(i, width: entry.width, height: entry.height, seed: s.seed)
            try PNGEncoder.write(try PNGEncoder.encodeRGB8(made.image), to: path(entry.file))
            decoded.append(try ImageDecoder().decode(file: path(entry.file)).image)
            if i == 0 {
                try PNGEncoder.write(try PNGEncoder.encodeRGB8(made.mask), to: path(Self.maskFile(s)))
                maskImage = made.mask
            }
        }

        var refs = References()
        func f32(_ name: String, _ shape: [Int], _ values: [Float]) {
            refs.add(.float32(name, shape: shape, values), tolerance: tolerance(name))
        }
        let n = decoded.count, size = s.imageSize, e = s.embedDim
        let tokenizer = try CLIPTokenizer()

        // Preprocessing.
        let inputName = "input.s\(size)", altName = "input.s\(s.altSize)", squashName = "input_acl_u8.s\(size)"
        let input = try decoded.map { try Preprocessor(inputSize: size, mode: .crop)($0).pixels }
        let altInput = try decoded.map { try Preprocessor(inputSize: s.altSize, mode: .crop)($0).pixels }
        let squashed = try decoded.map { image -> [UInt8] in
            let hwc = try Preprocessor(inputSize: size, mode: .squash)(image).resized.pixels
            return (0..<3).flatMap { c in (0..<(size * size)).map { hwc[3 * $0 + c] } }
        }
        f32(inputName, [n, 3, size, size], input.flatMap { $0 })
        f32(altName, [n, 3, s.altSize, s.altSize], altInput.flatMap { $0 })
        refs.add(SafeTensorsWriter.Entry(name: squashName, dtype: .u8, shape: [n, 3, size, size],
                                         data: squashed.flatMap { $0 }), tolerance: tolerance(squashName))

        // Tokenizer and plain CLIP.
        let tokenizerStrings = Self.everyOther(template["tokenizer_strings"] as? [String] ?? [])
        let plainPrompts = Array((template["plain_prompts"] as? [String] ?? []).dropFirst(3))
        let tokenIDs = tokenizer.tokenize(tokenizerStrings, contextLength: 77)
        refs.add(Self.int32Entry("tokenizer.ids", [tokenIDs.count, 77], tokenIDs.flatMap { $0 }), tolerance: tolerance("tokenizer.ids"))
        let plain = try model.imageEncoder(inputSize: size)
        let lnPre = try plain.embeddedTokens(input[0])
        f32("clip.vision_ln_pre.img0", lnPre.shape, lnPre.values)
        f32("clip.image_embeds", [n, e], try input.flatMap { try plain.encode($0).imageEmbedding })
        let textTokens = tokenizer.tokenize(plainPrompts, contextLength: 77)
        refs.add(Self.int32Entry("clip.text_tokens", [textTokens.count, 77], textTokens.flatMap { $0 }),
                 tolerance: tolerance("clip.text_tokens"))
        f32("clip.text_embeds", [textTokens.count, e], try model.textEncoder.encode(tokens: textTokens).flatMap { $0 })
        f32("clip.logit_scale", [1], [model.logitScale ?? 0])

        // AnomalyCLIP vision forward: without DPAM, with it, and at the alternative size.
        let taps = s.featuresList
        for (prefix, side, images, dual) in [("acl.nodpam", size, input, nil as DualPathSetting?),
                                             ("acl.dpam", size, input, s.dualPath),
                                             ("acl.dpam.s\(s.altSize)", s.altSize, altInput, s.dualPath)] {
            let encoder = try model.imageEncoder(inputSize: side, taps: taps, dualPath: dual)
            let outputs = try images.map { try encoder.encode($0) }
            if side != size {
                f32("\(prefix).positional_embedding", encoder.positions.shape, encoder.positions.values)
            }
            f32("\(prefix).patch_tokens", [n, taps.count, encoder.tokenCount, e],
                outputs.flatMap { $0.patchTokens.flatMap(\.values) })
            f32("\(prefix).image_features", [n, e], outputs.flatMap(\.classFeature))
        }

        // Learned prompts, scoring and the prompt ensemble.
        let ids = prompts.tokenIDs(tokenizer: tokenizer, contextLength: 77)
        refs.add(Self.int32Entry("acl.prompt_tokens", [2, 77], ids.normal + ids.anomalous), tolerance: tolerance("acl.prompt_tokens"))
        let raw = try prompts.textFeatures(tokenizer: tokenizer, encoder: model.textEncoder)
        f32("acl.text_features_raw", [2, e], raw.flatMap { $0 })
        f32("acl.text_features", [1, 2, e], raw.flatMap { VectorMath.normalized($0) })
        let scorer = try AnomalyScorer(textFeatures: raw, mapLayers: s.mapLayers, mapSize: size, sigma: s.sigma)
        let dpamEncoder = try model.imageEncoder(inputSize: size, taps: taps, dualPath: s.dualPath)
        let scores = try input.map { try scorer.score(try dpamEncoder.encode($0)) }
        let layers = s.mapLayers.count, patches = s.grid * s.grid
        f32("acl.text_probs", [n, 2], scores.flatMap { [$0.imageProbabilities.normal, $0.imageProbabilities.anomalous] })
        f32("acl.patch_probs", [n, layers, patches, 2], scores.flatMap { $0.patchProbabilities.flatMap { $0 } })
        f32("acl.anomaly_maps_per_layer", [n, layers, size, size], scores.flatMap { $0.layerMaps.flatMap { $0 } })
        f32("acl.anomaly_map_sum", [n, size, size], scores.flatMap(\.summedMap))
        f32("acl.anomaly_map_smoothed", [n, size, size], scores.flatMap(\.smoothedMap))
        let ensemble = try PromptEnsemble.textFeatures(product: "object", tokenizer: tokenizer, encoder: model.textEncoder)
        f32("acl.prompt_ensemble_text_features", [2, e], ensemble.flatMap { $0 })

        // One training step on images 0 (defect, masked) and 1 (good).
        func add(_ entry: SafeTensorsWriter.Entry) { refs.add(entry, tolerance: tolerance(entry.name)) }
        try addTrainingStep(add: add, f32: f32, model: model, prompts: prompts, tokenizer: tokenizer,
                            squashed: squashed, mask: maskImage)

        // End to end through the Inspector (squash preprocessing, learned prompts, DPAM).
        var config = InspectorConfiguration(modelPath: path("model-openclip.safetensors"))
        config.promptsPath = path("prompts.safetensors")
        config.inputSize = size
        config.resizeMode = .squash
        config.featureLayers = taps
        config.dpamFirstBlock = s.dualPath.firstBlock
        config.sigma = s.sigma
        let inspector = try Inspector(configuration: config)
        let results = try s.images.map { try inspector.inspect(file: path($0.file)) }
        f32("e2e.test.text_probs", [n], results.map { $0.scores.imageProbabilities.anomalous })
        f32("e2e.test.anomaly_map", [n, size, size], results.flatMap(\.map.values))

        try SafeTensorsWriter.write(refs.entries, to: path("reference.safetensors"))
        try writeManifest(references: refs.manifest, tokenizerStrings: tokenizerStrings, plainPrompts: plainPrompts,
                          to: directory)
    }

    /// The training batch exactly as TrainingStepParityTests builds it, its losses and gradients,
    /// and one Adam step.
    private func addTrainingStep(add: (SafeTensorsWriter.Entry) -> Void, f32: (String, [Int], [Float]) -> Void, model: CLIPModel,
                                 prompts: LearnedPrompts, tokenizer: CLIPTokenizer, squashed: [[UInt8]],
                                 mask: RGBImage?) throws {
        let s = settings, size = s.imageSize, plane = size * size
        let labels: [Int32] = [1, 0]
        // Mask of image 0 squashed to the input size and thresholded; image 1 is good (all zero).
        let maskBytes: [UInt8] = mask.map { m in
            let resized = PillowResampler.resizeBicubic(m, width: size, height: size)
            return (0..<plane).map { resized.pixels[3 * $0] > 127 ? 1 : 0 }
        } ?? [UInt8](repeating: 0, count: plane)
        let gt = maskBytes + [UInt8](repeating: 0, count: plane)
        add(SafeTensorsWriter.Entry(name: "train.gt", dtype: .u8, shape: [2, size, size], data: gt))
        add(Self.int32Entry("train.labels", [2], labels))

        let threshold = s.featureMapLayer.first ?? 0
        let encoder = try model.imageEncoder(inputSize: size, taps: s.featuresList, dualPath: s.dualPath)
        var features = [[Float]](), tokens = [[Tensor]](), grid = (0, 0)
        for i in 0..<2 {
            var pixels = [Float](repeating: 0, count: 3 * plane)
            for c in 0..<3 {
                let mean = Preprocessor.clipMean[c], std = Preprocessor.clipStd[c]
                for q in 0..<plane {
                    let value: Float = Float(squashed[i][c * plane + q]) / 255
                    pixels[c * plane + q] = (value - mean) / std
                }
            }
            let encoding = try encoder.encode(pixels)
            features.append(encoding.classFeature)
            tokens.append(Array(encoding.patchTokens[threshold...]))
            grid = (encoding.gridRows, encoding.gridColumns)
        }
        let batch = AnomalyCLIPLoss.Batch(
            imageFeatures: features, patchTokens: tokens, gridRows: grid.0, gridColumns: grid.1,
            groundTruth: (0..<2).map { i in (0..<plane).map { Float(gt[i * plane + $0]) } },
            mapHeight: size, mapWidth: size, labels: labels.map(Int.init))
        let (loss, grads) = try PromptTextGradient(tower: model.text)
            .lossAndGradients(prompts: prompts, tokenizer: tokenizer, loss: AnomalyCLIPLoss(), batch: batch)
        let layers = s.mapLayers.count, w = s.textWidth
        f32("train.image_logits", [2, 2], loss.imageLogits)
        f32("train.patch_probs", [2, layers, s.grid * s.grid, 2], loss.patchProbabilities)
        f32("train.loss.image", [1], [loss.imageLoss])
        f32("train.loss.focal", [loss.focal.count], loss.focal)
        f32("train.loss.dice_anomalous", [loss.diceAnomalous.count], loss.diceAnomalous)
        f32("train.loss.dice_normal", [loss.diceNormal.count], loss.diceNormal)
        f32("train.loss.seg", [1], [loss.segmentation])
        f32("train.loss.total", [1], [loss.total])
        let context = [1, 1, s.promptLength, w], deep = [s.promptDeepLength, w]
        f32("train.grad.ctx_pos", context, grads.normalContext)
        f32("train.grad.ctx_neg", context, grads.anomalousContext)
        for j in grads.deepPrompts.indices {
            f32("train.grad.compound_prompts_text.\(j)", deep, grads.deepPromptsHalfRounded[j])
            f32("train.grad_nohalf.compound_prompts_text.\(j)", deep, grads.deepPrompts[j])
        }
        var adam = AdamOptimizer(learningRate: s.learningRate, beta1: s.betas[0], beta2: s.betas[1], epsilon: 1e-8)
        var params = [prompts.normalContext, prompts.anomalousContext] + prompts.deepPrompts
        adam.update(&params, gradients: [grads.normalContext, grads.anomalousContext] + grads.deepPromptsHalfRounded)
        f32("train.after_adam.ctx_pos", context, params[0])
        f32("train.after_adam.ctx_neg", context, params[1])
        for j in prompts.deepPrompts.indices { f32("train.after_adam.compound_prompts_text.\(j)", deep, params[2 + j]) }
    }

    private static func maskFile(_ s: Settings) -> String {
        (s.images.first.map { ($0.file as NSString).deletingPathExtension } ?? "img0") + "_mask.png"
    }

    private static func everyOther(_ list: [String]) -> [String] {
        list.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
    }

    /// transformers `CLIPConfig` for `a` (quick_gelu, layer_norm_eps 1e-5).
    private func huggingFaceConfig(_ a: CLIPArchitecture) -> [String: Any] {
        [
            "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": a.embedDim,
            "logit_scale_init_value": 2.659260036932778,
            "text_config": ["hidden_act": "quick_gelu", "hidden_size": a.textWidth, "intermediate_size": a.textMLPWidth,
                            "layer_norm_eps": 1e-5, "max_position_embeddings": a.contextLength,
                            "num_attention_heads": a.textHeads, "num_hidden_layers": a.textLayers,
                            "projection_dim": a.embedDim, "vocab_size": a.vocabSize, "model_type": "clip_text_model",
                            "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 1],
            "vision_config": ["hidden_act": "quick_gelu", "hidden_size": a.visionWidth,
                              "intermediate_size": a.visionMLPWidth, "layer_norm_eps": 1e-5, "image_size": a.imageSize,
                              "num_attention_heads": a.visionHeads, "num_hidden_layers": a.visionLayers,
                              "num_channels": 3, "patch_size": a.patchSize, "projection_dim": a.embedDim,
                              "model_type": "clip_vision_model"],
        ]
    }

    /// The same fp16 weights in transformers naming, through the loader's own rename rules
    /// (q/k/v split out of `in_proj`, projections transposed).
    private func writeHuggingFace(_ checkpoint: RandomCheckpoint, to path: String) throws {
        var entries = [SafeTensorsWriter.Entry]()
        for t in checkpoint.tensors {
            switch CheckpointNaming.huggingFace.source(of: t.name) {
            case let .direct(name):
                entries.append(RandomCheckpoint.entry(name, t.shape, t.values, half: true))
            case let .transposed(name):
                let (rows, columns) = (t.shape[0], t.shape[1])
                let transposed = (0..<(rows * columns)).map { t.values[($0 % rows) * columns + $0 / rows] }
                entries.append(RandomCheckpoint.entry(name, [columns, rows], transposed, half: true))
            case let .concatenated(names):
                let part = t.values.count / names.count
                for (k, name) in names.enumerated() {
                    entries.append(RandomCheckpoint.entry(name, [t.shape[0] / names.count] + t.shape.dropFirst(),
                                                          Array(t.values[(k * part)..<((k + 1) * part)]), half: true))
                }
            }
        }
        try SafeTensorsWriter.write(entries, metadata: ["format": "pt"], to: path)
    }

    /// manifest.json and a short README.md describing what the set is.
    private func writeManifest(references: [[String: Any]], tokenizerStrings: [String], plainPrompts: [String],
                               to directory: URL) throws {
        let s = settings
        var preprocessing = [[String: Any]]()
        for (tensor, side, mode) in [("input.s\(s.imageSize)", s.imageSize, ResizeMode.crop),
                                     ("input.s\(s.altSize)", s.altSize, .crop),
                                     ("input_acl_u8.s\(s.imageSize)", s.imageSize, .squash)] {
            for image in s.images {
                let g = InputGeometry(originalWidth: image.width, originalHeight: image.height, inputSize: side, mode: mode)
                preprocessing.append([
                    "tensor": tensor, "image": image.file, "original_wh": [image.width, image.height],
                    "resized_wh": [g.resizedWidth, g.resizedHeight], "crop_left_top": [g.offsetX, g.offsetY],
                    "crop_size": side,
                    "resize_skipped_same_size": g.resizedWidth == image.width && g.resizedHeight == image.height,
                ])
            }
        }
        let files = ["README.md", "config-openclip.json", "config.json", "manifest.json", "model-hf.safetensors",
                     "model-openclip.safetensors", "prompts.safetensors", "reference.safetensors",
                     Self.maskFile(s)] + s.images.map(\.file)
        let manifest: [String: Any] = [
            "fixture": s.name, "generator": "FixtureSetGenerator (inspectd tests; self-consistent, engine-computed)",
            "config": s.manifestConfig, "files": files.sorted(),
            "tolerance_rule": template["tolerance_rule"] ?? "",
            "images": s.images.map { ["file": $0.file, "size_wh": [$0.width, $0.height], "description": "synthetic"] },
            "preprocessing": preprocessing,
            "mask": ["file": Self.maskFile(s), "for_image": s.images.first?.file ?? "", "values": "0 or 255"],
            "tokenizer_strings": tokenizerStrings, "plain_prompts": plainPrompts, "tensors": references,
        ]
        try RandomCheckpoint.writeJSON(manifest, to: directory.appendingPathComponent("manifest.json").path)
        try """
            # \(s.name): generated fixture set

            Written by `FixtureSetGenerator` (Tests/InspectionTests/Support) with random fp16 weights;
            every reference tensor was computed by inspectd's own engine. It exercises the tests'
            handling of another architecture and naming, not upstream numerics.

            """.write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
    }
}
