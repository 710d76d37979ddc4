import Engine
import Foundation

/// The per-image judgement: decode → preprocess → image encoder (DPAM) → AnomalyCLIP scoring →
/// verdict. The model, the text vectors and the encoder configuration are built once in
/// `init`; `inspect` only does per-image work and is safe to call from several threads.
public struct Inspector: Sendable {
    /// The configuration it was built from.
    public let configuration: InspectorConfiguration
    /// The loaded model.
    public let model: CLIPModel
    /// Normal/anomalous unit text vectors (computed once).
    public let textFeatures: [[Float]]
    /// Where the text vectors came from ("learned prompts FILE" or "prompt ensemble 'NAME'").
    public let textSource: String
    /// Image encoder for the configured size, taps and DPAM.
    public private(set) var encoder: ImageEncoder
    /// Map and probability computation.
    public let scorer: AnomalyScorer
    /// Resize + normalisation.
    public let preprocessor: Preprocessor
    /// File decoding with limits.
    public let decoder: ImageDecoder

    /// Loads the model and prepares everything per-image work needs.
    public init(configuration c: InspectorConfiguration) throws {
        let model: CLIPModel
        do {
            // Lean: an inspector needs the text tower only while its text vectors are computed.
            model = try CLIPModel.load(path: c.modelPath, options: .init(configPath: c.modelConfigPath, residency: .visionOnly))
        } catch let error as EngineError {
            throw InspectionError.engine(error)
        }
        try self.init(model: model, configuration: c)
    }

    /// Prepares an inspector on an already loaded model, so stations with different product
    /// names or thresholds share one copy of the weights. `c.modelPath` is not read again.
    /// `prompts` (a model version's learned prompts) replaces the configured text side.
    public init(model: CLIPModel, configuration c: InspectorConfiguration, tokenizer: CLIPTokenizer? = nil,
                prompts: LearnedPrompts? = nil, promptsSource: String = "model version") throws {
        configuration = c
        self.model = model
        do {
            let tokenizer = try tokenizer ?? CLIPTokenizer()
            if let prompts {
                guard prompts.width == model.architecture.textWidth else {
                    throw EngineError.invalidArgument(
                        name: "prompts", reason: "width \(prompts.width) does not match the text width \(model.architecture.textWidth) of \(c.modelPath)")
                }
                textFeatures = try Self.learnedTextFeatures(prompts, model: model, tokenizer: tokenizer)
                textSource = "learned prompts (\(promptsSource))"
            } else if let prompts = c.promptsPath {
                let learned = try LearnedPrompts.load(path: prompts, width: model.architecture.textWidth)
                textFeatures = try Self.learnedTextFeatures(learned, model: model, tokenizer: tokenizer)
                textSource = "learned prompts \(prompts)"
            } else {
                // Text vectors are remembered per model (see `CLIPModel.textVectors`), keyed by
                // what they depend on besides the weights: the product name here.
                textFeatures = try model.textVectors(key: "ensemble:\(c.productName)") { encoder in
                    try PromptEnsemble.textFeatures(product: c.productName, tokenizer: tokenizer, encoder: encoder)
                }
                textSource = "prompt ensemble '\(c.productName)'"
            }
            let layers = model.architecture.visionLayers
            let taps = c.featureLayers ?? InspectorConfiguration.defaultFeatureLayers(layers: layers)
            let first = c.dpamFirstBlock ?? InspectorConfiguration.defaultDPAMFirstBlock(layers: layers)
            let size = c.inputSize ?? model.architecture.imageSize
            encoder = try model.imageEncoder(inputSize: size, taps: taps,
                                             dualPath: first <= layers ? DualPathSetting(firstBlock: first) : nil)
            scorer = try AnomalyScorer(textFeatures: textFeatures, mapLayers: Array(taps.indices), mapSize: size,
                                       sigma: c.sigma)
            preprocessor = try Preprocessor(inputSize: size, mode: c.resizeMode)
        } catch let error as EngineError {
            throw InspectionError.engine(error)
        }
        decoder = ImageDecoder(limits: c.decodeLimits)
    }

    /// The same inspector with an image encoder of its own (its own workspaces and scratch),
    /// the text vectors reused: for a background thread working beside the one that scores
    /// with `self`, without encoding the prompts again.
    public func withOwnEncoder() throws -> Inspector {
        var copy = self
        do {
            copy.encoder = try model.imageEncoder(inputSize: encoder.inputHeight, taps: encoder.taps,
                                                  dualPath: encoder.dualPath)
        } catch let error as EngineError {
            throw InspectionError.engine(error)
        }
        return copy
    }

    /// Normalised text vectors of learned prompts, remembered on the model under the hash of
    /// the prompts' serialised tensors.
    private static func learnedTextFeatures(_ prompts: LearnedPrompts, model: CLIPModel,
                                            tokenizer: CLIPTokenizer) throws -> [[Float]] {
        let key = "learned:" + ContentHash.sha256(try prompts.serialized())
        return try model.textVectors(key: key) { encoder in
            try prompts.textFeatures(tokenizer: tokenizer, encoder: encoder).map(VectorMath.normalized)
        }
    }

    /// Model input side.
    public var inputSize: Int { encoder.inputHeight }

    /// Inspects one file. Errors are typed (`InspectionError`) and leave the inspector usable.
    public func inspect(file path: String) throws -> InspectionResult {
        let start = Self.now()
        let decoded = try decoder.decode(file: path)
        var timings = InspectionResult.Timings()
        timings.decode = Self.now() - start
        return try inspect(decoded.image, name: path, source: decoded.sourceDescription, timings: timings)
    }

    /// Inspects bytes already read (the daemon hashes and decodes the same read); `name`
    /// appears in errors and drives the extension check.
    public func inspect(data: [UInt8], name: String) throws -> InspectionResult {
        let start = Self.now()
        let decoded = try decoder.decode(data: data, name: name)
        var timings = InspectionResult.Timings()
        timings.decode = Self.now() - start
        return try inspect(decoded.image, name: name, source: decoded.sourceDescription, timings: timings)
    }

    /// Inspects an already decoded image.
    public func inspect(_ image: RGBImage, name: String, source: String = "RGB",
                        timings initial: InspectionResult.Timings = .init()) throws -> InspectionResult {
        var timings = initial
        var t = Self.now()
        let input = preprocessor(image)
        timings.preprocess = Self.now() - t
        t = Self.now()
        let encoding: ImageEncoding
        do {
            encoding = try encoder.encode(input.pixels)
        } catch let error as EngineError {
            throw InspectionError.engine(error)
        }
        timings.encode = Self.now() - t
        t = Self.now()
        let scores = try scorer.score(encoding)
        let score = scores.imageScore(configuration.scoreMode)
        let verdict = configuration.thresholds.verdict(for: score)
        let map = try AnomalyMap(width: scores.mapSize, height: scores.mapSize, values: scores.smoothedMap)
        timings.score = Self.now() - t
        return InspectionResult(path: name, verdict: verdict, score: score, scores: scores, map: map,
                                geometry: input.geometry, source: source, timings: timings, encoding: encoding)
    }

    /// The result another inspector's encoding would get with this inspector's text side:
    /// the image side is shared, so candidate prompts are compared on one forward pass per image.
    public func rescore(_ result: InspectionResult) throws -> InspectionResult {
        let scores = try scorer.score(result.encoding)
        let score = scores.imageScore(configuration.scoreMode)
        let map = try AnomalyMap(width: scores.mapSize, height: scores.mapSize, values: scores.smoothedMap)
        return InspectionResult(path: result.path, verdict: configuration.thresholds.verdict(for: score), score: score,
                                scores: scores, map: map, geometry: result.geometry, source: result.source,
                                timings: result.timings, encoding: result.encoding)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
