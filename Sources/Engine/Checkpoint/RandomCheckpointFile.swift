import Foundation

/// Writes a random fp16 checkpoint of an architecture in open_clip naming with its
/// `config.json` beside it, as a real download would look (ViT-B/16 ≈ 300 MB, ViT-L/14@336
/// ≈ 856 MB): full-size weights are made at test or benchmark time, never committed or
/// downloaded. In Engine (checkpoints are its files) so tests reach it without the
/// `engine-bench` executable.
public enum RandomCheckpointFile {
    /// Writes `path` and `config.json` in its folder; deterministic per `seed`.
    public static func write(_ a: CLIPArchitecture, to path: String, seed: UInt64 = 2024) throws {
        var bits = RandomBits(seed: seed)
        var entries = [SafeTensorsWriter.Entry]()
        func add(_ name: String, _ shape: [Int], std: Float = 0.02, mean: Float = 0) {
            let count = shape.reduce(1, *)
            var data = [UInt8](repeating: 0, count: 2 * count)
            data.withUnsafeMutableBytes { raw in
                let halves = raw.bindMemory(to: UInt16.self)
                for i in 0..<count { halves[i] = Float16(mean + std * bits.uniformSigned()).bitPattern.littleEndian }
            }
            entries.append(SafeTensorsWriter.Entry(name: name, dtype: .f16, shape: shape, data: data))
        }
        func blocks(_ stem: String, layers: Int, width w: Int, mlp m: Int) {
            for i in 0..<layers {
                let p = "\(stem)\(i)."
                add(p + "ln_1.weight", [w], std: 0.1, mean: 1)
                add(p + "ln_1.bias", [w])
                add(p + "attn.in_proj_weight", [3 * w, w])
                add(p + "attn.in_proj_bias", [3 * w])
                add(p + "attn.out_proj.weight", [w, w])
                add(p + "attn.out_proj.bias", [w])
                add(p + "ln_2.weight", [w], std: 0.1, mean: 1)
                add(p + "ln_2.bias", [w])
                add(p + "mlp.c_fc.weight", [m, w])
                add(p + "mlp.c_fc.bias", [m])
                add(p + "mlp.c_proj.weight", [w, m])
                add(p + "mlp.c_proj.bias", [w])
            }
        }
        let w = a.visionWidth
        add("visual.conv1.weight", [w, 3, a.patchSize, a.patchSize])
        add("visual.class_embedding", [w])
        add("visual.positional_embedding", [a.gridSize * a.gridSize + 1, w])
        add("visual.ln_pre.weight", [w], std: 0.1, mean: 1)
        add("visual.ln_pre.bias", [w])
        blocks("visual.transformer.resblocks.", layers: a.visionLayers, width: w, mlp: a.visionMLPWidth)
        add("visual.ln_post.weight", [w], std: 0.1, mean: 1)
        add("visual.ln_post.bias", [w])
        add("visual.proj", [w, a.embedDim])
        let t = a.textWidth
        add("token_embedding.weight", [a.vocabSize, t])
        add("positional_embedding", [a.contextLength, t])
        blocks("transformer.resblocks.", layers: a.textLayers, width: t, mlp: a.textMLPWidth)
        add("ln_final.weight", [t], std: 0.1, mean: 1)
        add("ln_final.bias", [t])
        add("text_projection", [t, a.embedDim])
        add("logit_scale", [], std: 0, mean: 4.6)
        try SafeTensorsWriter.write(entries, to: path)
        let config = """
        {"embed_dim": \(a.embedDim), "quick_gelu": \(a.activation == .quickGELU),
         "vision_cfg": {"image_size": \(a.imageSize), "layers": \(a.visionLayers), "width": \(w),
                        "head_width": \(w / a.visionHeads), "patch_size": \(a.patchSize), "mlp_ratio": 4.0},
         "text_cfg": {"context_length": \(a.contextLength), "vocab_size": \(a.vocabSize), "width": \(t),
                      "heads": \(a.textHeads), "layers": \(a.textLayers), "mlp_ratio": 4.0}}
        """
        let configPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("config.json")
        try Data(config.utf8).write(to: configPath)
    }
}

/// xorshift64*: cheap uniform values for hundreds of millions of weights.
private struct RandomBits {
    private var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    /// Uniform in [-√3, √3) (unit variance).
    mutating func uniformSigned() -> Float {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        let x = state &* 0x2545_F491_4F6C_DD1D
        return (Float(x >> 40) / Float(1 << 24) * 2 - 1) * 1.732_050_8
    }
}
