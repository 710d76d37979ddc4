import Engine
import Foundation

/// A CLIP checkpoint with random weights in open_clip/OpenAI state-dict naming, for tests that
/// need a model of specific dimensions (the overridable fixture's dimensions vary) and for the
/// fixture-set generator. Initialised like the reference generator: LayerNorm weights
/// `1 + 0.1 N(0,1)`, LayerNorm biases `0.05 N(0,1)`, attention biases `0.02 N(0,1)`, so a
/// forgotten affine or bias term changes every output.
struct RandomCheckpoint {
    /// One tensor in open_clip naming, row-major.
    struct Tensor {
        var name: String
        var shape: [Int]
        var values: [Float]
    }

    let architecture: CLIPArchitecture
    let tensors: [Tensor]

    /// A tiny architecture (quick GELU, MLP 4× width, context 77, the CLIP vocabulary) with the
    /// given vision and text shapes.
    static func architecture(imageSize: Int, patchSize: Int, visionWidth: Int, visionLayers: Int, visionHeads: Int,
                             textWidth: Int, textLayers: Int, textHeads: Int, embedDim: Int) -> CLIPArchitecture {
        var a = CLIPArchitecture.vitB16
        a.visionWidth = visionWidth
        a.visionLayers = visionLayers
        a.visionHeads = visionHeads
        a.visionMLPWidth = 4 * visionWidth
        a.patchSize = patchSize
        a.gridSize = imageSize / patchSize
        a.embedDim = embedDim
        a.textWidth = textWidth
        a.textLayers = textLayers
        a.textHeads = textHeads
        a.textMLPWidth = 4 * textWidth
        a.activation = .quickGELU
        a.layerNormEps = 1e-5
        return a
    }

    /// Random weights for `architecture`, deterministic per `seed`.
    init(_ architecture: CLIPArchitecture, seed: UInt64) {
        self.architecture = architecture
        let a = architecture
        var rng = RandomWeights(seed: seed)
        var list = [Tensor]()
        func add(_ name: String, _ shape: [Int], std: Float, mean: Float = 0) {
            list.append(Tensor(name: name, shape: shape,
                               values: (0..<shape.reduce(1, *)).map { _ in mean + std * rng.normal() }))
        }
        func blocks(_ stem: String, count: Int, width w: Int, mlp m: Int) {
            let attnStd = 1 / Float(w).squareRoot()
            let projStd = attnStd / Float(2 * count).squareRoot()
            for i in 0..<count {
                let p = "\(stem)\(i)."
                add(p + "ln_1.weight", [w], std: 0.1, mean: 1)
                add(p + "ln_1.bias", [w], std: 0.05)
                add(p + "attn.in_proj_weight", [3 * w, w], std: attnStd)
                add(p + "attn.in_proj_bias", [3 * w], std: 0.02)
                add(p + "attn.out_proj.weight", [w, w], std: projStd)
                add(p + "attn.out_proj.bias", [w], std: 0.02)
                add(p + "ln_2.weight", [w], std: 0.1, mean: 1)
                add(p + "ln_2.bias", [w], std: 0.05)
                add(p + "mlp.c_fc.weight", [m, w], std: 1 / Float(2 * w).squareRoot())
                add(p + "mlp.c_fc.bias", [m], std: 0.02)
                add(p + "mlp.c_proj.weight", [w, m], std: projStd)
                add(p + "mlp.c_proj.bias", [w], std: 0.02)
            }
        }
        let vw = a.visionWidth
        add("visual.conv1.weight", [vw, 3, a.patchSize, a.patchSize], std: 1 / Float(3 * a.patchSize * a.patchSize).squareRoot())
        add("visual.class_embedding", [vw], std: 1 / Float(vw).squareRoot())
        add("visual.positional_embedding", [a.gridSize * a.gridSize + 1, vw], std: 1 / Float(vw).squareRoot())
        add("visual.ln_pre.weight", [vw], std: 0.1, mean: 1)
        add("visual.ln_pre.bias", [vw], std: 0.05)
        blocks("visual.transformer.resblocks.", count: a.visionLayers, width: vw, mlp: a.visionMLPWidth)
        add("visual.ln_post.weight", [vw], std: 0.1, mean: 1)
        add("visual.ln_post.bias", [vw], std: 0.05)
        add("visual.proj", [vw, a.embedDim], std: 1 / Float(vw).squareRoot())
        let tw = a.textWidth
        add("token_embedding.weight", [a.vocabSize, tw], std: 0.02)
        add("positional_embedding", [a.contextLength, tw], std: 0.01)
        blocks("transformer.resblocks.", count: a.textLayers, width: tw, mlp: a.textMLPWidth)
        add("ln_final.weight", [tw], std: 0.1, mean: 1)
        add("ln_final.bias", [tw], std: 0.05)
        add("text_projection", [tw, a.embedDim], std: 1 / Float(tw).squareRoot())
        list.append(Tensor(name: "logit_scale", shape: [], values: [Float(Float16(Float(log(1 / 0.07))))]))
        tensors = list
    }

    /// open_clip's model config for this architecture (`vision_cfg.head_width` carries the vision heads).
    var openCLIPConfig: [String: Any] {
        let a = architecture
        return [
            "embed_dim": a.embedDim, "quick_gelu": true,
            "vision_cfg": ["image_size": a.imageSize, "layers": a.visionLayers, "width": a.visionWidth,
                           "head_width": a.visionWidth / a.visionHeads, "patch_size": a.patchSize, "mlp_ratio": 4.0],
            "text_cfg": ["context_length": a.contextLength, "vocab_size": a.vocabSize, "width": a.textWidth,
                         "heads": a.textHeads, "layers": a.textLayers, "mlp_ratio": 4.0],
        ]
    }

    /// Writes the weights to `path`, float16 when `half` (the values the model then holds are the
    /// rounded ones), else float32.
    func write(to path: String, half: Bool) throws {
        try SafeTensorsWriter.write(tensors.map { Self.entry($0.name, $0.shape, $0.values, half: half) },
                                    metadata: ["format": "pt"], to: path)
    }

    /// Writes `object` as sorted, indented JSON to `path`.
    static func writeJSON(_ object: Any, to path: String) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: path))
    }

    /// A safetensors entry holding `values` as float16 (rounded) or float32.
    static func entry(_ name: String, _ shape: [Int], _ values: [Float], half: Bool) -> SafeTensorsWriter.Entry {
        guard half else { return .float32(name, shape: shape, values) }
        let bits = values.map { Float16($0).bitPattern }
        return SafeTensorsWriter.Entry(name: name, dtype: .f16, shape: shape, data: bits.withUnsafeBytes { [UInt8]($0) })
    }

    /// The model these weights make, loaded through the real checkpoint loader from a temporary file.
    func load() throws -> CLIPModel {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("random-clip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.safetensors").path
        try write(to: path, half: false)
        try Self.writeJSON(openCLIPConfig, to: directory.appendingPathComponent("model.json").path)
        return try CLIPModel.load(path: path)
    }
}
