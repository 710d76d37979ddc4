import Foundation

/// Strict checkpoint import (after llama.cpp's model loader and mlx's `verify:`): infer the
/// architecture from tensor shapes, build the full expected name → shape table, and fail on
/// any missing, mis-shaped or unknown tensor, naming it. Weights are converted to Float32 once.
public struct CheckpointLoader {
    /// Options a caller may force when no config file is present.
    public struct Options: Sendable {
        /// Explicit config file; otherwise one beside the checkpoint is used when present.
        public var configPath: String?
        /// Overrides the activation (default: config file, else QuickGELU as in OpenAI CLIP).
        public var activation: Activation?
        /// Overrides the LayerNorm eps (default: config file, else 1e-5).
        public var layerNormEps: Float?
        /// Which towers stay in memory (default: both, converted at load).
        public var residency: TowerResidency

        /// Defaults: config beside the weights, OpenAI conventions otherwise, both towers resident.
        public init(configPath: String? = nil, activation: Activation? = nil, layerNormEps: Float? = nil,
                    residency: TowerResidency = .both) {
            self.configPath = configPath
            self.activation = activation
            self.layerNormEps = layerNormEps
            self.residency = residency
        }
    }

    let file: SafeTensorsFile
    let naming: CheckpointNaming
    var path: String { file.path }
    private(set) var used = Set<String>()

    /// Loads `path` with `options`.
    public static func load(path: String, options: Options = Options()) throws -> CLIPModel {
        let file = try SafeTensorsFile(path: path)
        guard let naming = CheckpointNaming.detect(file.names) else {
            throw EngineError.invalidCheckpoint(
                path: path,
                reason: "no 'visual.*' (open_clip) or 'vision_model.*' (transformers) tensors among \(file.names.count)")
        }
        var loader = CheckpointLoader(file: file, naming: naming)
        let configPath = options.configPath ?? ModelConfigFile.locate(nextTo: path)
        let config = try configPath.map { try ModelConfigFile.load(path: $0) }
        let architecture = try loader.inferArchitecture(config: config, options: options)
        let logitScale = try loader.logitScale()
        switch options.residency {
        case .both:
            let vision = try loader.buildVision(architecture)
            let text = try loader.buildText(architecture)
            try loader.checkAllUsed(alsoUsed: [])
            return CLIPModel(architecture: architecture,
                             towers: ModelTowers(vision: vision, text: text, source: nil),
                             logitScale: logitScale, naming: naming, path: path)
        case .visionOnly:
            let source = ModelTowers.Source(loader: loader, architecture: architecture)
            return CLIPModel(architecture: architecture, towers: ModelTowers(vision: nil, text: nil, source: source),
                             logitScale: logitScale, naming: naming, path: path)
        }
    }

    // MARK: architecture

    private func shape(of canonical: String) throws -> [Int] {
        switch naming.source(of: canonical) {
        case let .direct(name):
            return try file.info(name).shape
        case let .transposed(name):
            return try file.info(name).shape.reversed()
        case let .concatenated(names):
            let shapes = try names.map { try file.info($0).shape }
            guard var first = shapes.first else { return [] }
            first[0] = shapes.reduce(0) { $0 + ($1.first ?? 0) }
            return first
        }
    }

    private func dims(_ canonical: String, rank: Int) throws -> [Int] {
        let s = try shape(of: canonical)
        guard s.count == rank else {
            throw EngineError.invalidCheckpoint(
                path: path, reason: "tensor for '\(canonical)' has rank \(s.count) (shape \(s)), expected rank \(rank)")
        }
        return s
    }

    private func countBlocks(stem: String) throws -> Int {
        var indices = Set<Int>()
        for name in file.names where name.hasPrefix(stem) {
            let rest = name.dropFirst(stem.count)
            if let dot = rest.firstIndex(of: "."), let i = Int(rest[..<dot]) { indices.insert(i) }
        }
        let count = indices.count
        guard count > 0 else {
            throw EngineError.invalidCheckpoint(path: path, reason: "no blocks named '\(stem)N.*'")
        }
        guard indices == Set(0..<count) else {
            let missing = Set(0..<(indices.max() ?? 0)).subtracting(indices).sorted()
            throw EngineError.invalidCheckpoint(path: path, reason: "blocks '\(stem)N' are not numbered 0..<\(count): missing \(missing)")
        }
        return count
    }

    private func inferArchitecture(config: ModelConfigFile?, options: Options) throws -> CLIPArchitecture {
        let conv = try dims("visual.conv1.weight", rank: 4)
        guard conv[1] == 3, conv[2] == conv[3] else {
            throw EngineError.invalidCheckpoint(path: path, reason: "patch embedding shape \(conv) is not [W, 3, P, P]")
        }
        let visionWidth = conv[0]
        let patch = conv[2]
        let pos = try dims("visual.positional_embedding", rank: 2)
        let grid = Int(Double(max(pos[0] - 1, 0)).squareRoot().rounded())
        guard grid * grid + 1 == pos[0], grid > 0 else {
            throw EngineError.invalidCheckpoint(
                path: path, reason: "vision positional embedding has \(pos[0]) rows, not 1 + a square grid")
        }
        let proj = try dims("visual.proj", rank: 2)
        let token = try dims("token_embedding.weight", rank: 2)
        let textPos = try dims("positional_embedding", rank: 2)
        let textProj = try dims("text_projection", rank: 2)
        let visionLayers = try countBlocks(stem: naming.visionBlockStem)
        let textLayers = try countBlocks(stem: naming.textBlockStem)
        let visionMLP = try dims("visual.transformer.resblocks.0.mlp.c_fc.weight", rank: 2)[0]
        let textMLP = try dims("transformer.resblocks.0.mlp.c_fc.weight", rank: 2)[0]
        let textWidth = token[1]

        let visionHeads = try heads(config?.visionHeads, width: visionWidth, field: "vision heads", config: config)
        let textHeads = try heads(config?.textHeads, width: textWidth, field: "text heads", config: config)
        let arch = CLIPArchitecture(
            visionWidth: visionWidth, visionLayers: visionLayers, visionHeads: visionHeads, visionMLPWidth: visionMLP,
            patchSize: patch, gridSize: grid, embedDim: proj[1], textWidth: textWidth, textLayers: textLayers,
            textHeads: textHeads, textMLPWidth: textMLP, contextLength: textPos[0], vocabSize: token[0],
            activation: options.activation ?? config?.activation ?? .quickGELU,
            layerNormEps: options.layerNormEps ?? config?.layerNormEps ?? 1e-5)
        guard textProj[1] == arch.embedDim else {
            throw EngineError.shapeMismatch(path: path, tensor: "text_projection",
                                            expected: [textWidth, arch.embedDim], actual: textProj)
        }
        if let config { try check(arch, against: config) }
        return arch
    }

    private func heads(_ stated: Int?, width: Int, field: String, config: ModelConfigFile?) throws -> Int {
        if let stated {
            guard width % stated == 0 else {
                throw EngineError.invalidConfig(path: config?.path ?? path, field: field,
                                                reason: "\(stated) heads do not divide width \(width)")
            }
            return stated
        }
        guard width % 64 == 0 else {
            throw EngineError.invalidCheckpoint(
                path: path,
                reason: "\(field): width \(width) is not a multiple of 64 and no config file states the head count; "
                    + "place the model's config.json (transformers) or open_clip JSON next to the weights")
        }
        return width / 64
    }

    private func check(_ arch: CLIPArchitecture, against config: ModelConfigFile) throws {
        let actual: [String: Int] = [
            "visionWidth": arch.visionWidth, "visionLayers": arch.visionLayers, "patchSize": arch.patchSize,
            "visionMLPWidth": arch.visionMLPWidth, "textWidth": arch.textWidth, "textLayers": arch.textLayers,
            "contextLength": arch.contextLength, "vocabSize": arch.vocabSize, "textMLPWidth": arch.textMLPWidth,
            "embedDim": arch.embedDim,
        ]
        for (field, claimed) in config.claims.sorted(by: { $0.key < $1.key }) {
            if let value = actual[field], value != claimed {
                throw EngineError.invalidConfig(
                    path: config.path, field: field,
                    reason: "config says \(claimed) but the checkpoint's tensors give \(value)")
            }
        }
    }

    // MARK: tensors

    /// Reads canonical tensor `name` with the canonical `shape`, converting once to Float32.
    private mutating func tensor(_ name: String, _ expected: [Int]) throws -> Tensor {
        let source = naming.source(of: name)
        let values: [Float]
        switch source {
        case let .direct(stored):
            values = try file.floats(stored, shape: expected)
        case let .transposed(stored):
            guard expected.count == 2 else {
                throw EngineError.invalidCheckpoint(path: path, reason: "cannot transpose '\(stored)' to \(expected)")
            }
            let raw = try file.floats(stored, shape: [expected[1], expected[0]])
            values = Self.transpose(raw, rows: expected[1], columns: expected[0])
        case let .concatenated(parts):
            var all = [Float]()
            all.reserveCapacity(expected.reduce(1, *))
            let rowsEach = (expected.first ?? 0) / max(parts.count, 1)
            for part in parts {
                all += try file.floats(part, shape: [rowsEach] + expected.dropFirst())
            }
            values = all
        }
        used.formUnion(source.names)
        ProgressTick.tick()
        return try Tensor(shape: expected, values: values)
    }

    private static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<columns { out[c * rows + r] = values[r * columns + c] }
        }
        return out
    }

    private mutating func layerNorm(_ prefix: String, width: Int, eps: Float) throws -> LayerNorm {
        LayerNorm(weight: try tensor("\(prefix).weight", [width]), bias: try tensor("\(prefix).bias", [width]), eps: eps)
    }

    private mutating func block(_ prefix: String, width w: Int, mlp m: Int, heads: Int,
                                arch: CLIPArchitecture) throws -> ResidualBlock {
        let eps = arch.layerNormEps
        let attention = MultiHeadAttention(
            inProjection: Linear(weight: try tensor("\(prefix)attn.in_proj_weight", [3 * w, w]),
                                 bias: try tensor("\(prefix)attn.in_proj_bias", [3 * w])),
            outProjection: Linear(weight: try tensor("\(prefix)attn.out_proj.weight", [w, w]),
                                  bias: try tensor("\(prefix)attn.out_proj.bias", [w])),
            heads: heads)
        return ResidualBlock(
            ln1: try layerNorm("\(prefix)ln_1", width: w, eps: eps),
            attention: attention,
            ln2: try layerNorm("\(prefix)ln_2", width: w, eps: eps),
            fc: Linear(weight: try tensor("\(prefix)mlp.c_fc.weight", [m, w]), bias: try tensor("\(prefix)mlp.c_fc.bias", [m])),
            proj: Linear(weight: try tensor("\(prefix)mlp.c_proj.weight", [w, m]), bias: try tensor("\(prefix)mlp.c_proj.bias", [w])),
            activation: arch.activation)
    }

    /// Converts the image tower's tensors.
    mutating func buildVision(_ arch: CLIPArchitecture) throws -> VisionTower {
        let vw = arch.visionWidth
        let p = arch.patchSize
        let eps = arch.layerNormEps
        let conv = try tensor("visual.conv1.weight", [vw, 3, p, p])
        let patchEmbedding = try Tensor(shape: [vw, 3 * p * p], values: conv.values)
        var visionBlocks = [ResidualBlock]()
        for i in 0..<arch.visionLayers {
            visionBlocks.append(try block("visual.transformer.resblocks.\(i).", width: vw, mlp: arch.visionMLPWidth,
                                          heads: arch.visionHeads, arch: arch))
        }
        return VisionTower(
            patchEmbedding: patchEmbedding,
            classEmbedding: try tensor("visual.class_embedding", [vw]),
            positionalEmbedding: try tensor("visual.positional_embedding", [arch.gridSize * arch.gridSize + 1, vw]),
            lnPre: try layerNorm("visual.ln_pre", width: vw, eps: eps),
            blocks: visionBlocks,
            lnPost: try layerNorm("visual.ln_post", width: vw, eps: eps),
            projection: try tensor("visual.proj", [vw, arch.embedDim]),
            patchSize: p, gridSize: arch.gridSize)
    }

    /// Converts the text tower's tensors.
    mutating func buildText(_ arch: CLIPArchitecture) throws -> TextTower {
        let tw = arch.textWidth
        let eps = arch.layerNormEps
        var textBlocks = [ResidualBlock]()
        for i in 0..<arch.textLayers {
            textBlocks.append(try block("transformer.resblocks.\(i).", width: tw, mlp: arch.textMLPWidth,
                                        heads: arch.textHeads, arch: arch))
        }
        return TextTower(
            tokenEmbedding: try tensor("token_embedding.weight", [arch.vocabSize, tw]),
            positionalEmbedding: try tensor("positional_embedding", [arch.contextLength, tw]),
            blocks: textBlocks,
            lnFinal: try layerNorm("ln_final", width: tw, eps: eps),
            projection: try tensor("text_projection", [tw, arch.embedDim]))
    }

    /// `logit_scale`, when the checkpoint has it.
    mutating func logitScale() throws -> Float? {
        let name = naming.source(of: "logit_scale").names[0]
        guard file.tensors[name] != nil else { return nil }
        let scale = try file.floats(name)
        guard scale.count == 1 else {
            throw EngineError.shapeMismatch(path: path, tensor: "logit_scale", expected: [],
                                            actual: file.tensors[name]?.shape ?? [])
        }
        used.insert(name)
        return scale[0]
    }

    /// Fails on any tensor that neither this loader nor `alsoUsed` (names read by another
    /// loader of the same file, for towers built separately) consumed.
    func checkAllUsed(alsoUsed: Set<String>) throws {
        let unexpected = file.names.filter { !used.contains($0) && !alsoUsed.contains($0) && !naming.isIgnorable($0) }
        guard unexpected.isEmpty else { throw EngineError.unexpectedTensors(path: path, names: unexpected) }
    }
}
