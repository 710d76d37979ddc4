/// The two checkpoint namings we read, as declared rename rules onto one canonical naming
/// (open_clip's state-dict names). Hugging Face q/k/v are concatenated into `in_proj` and its
/// `[E, W]` projection matrices transposed into open_clip's `[W, E]`.
public enum CheckpointNaming: String, Sendable {
    /// OpenAI / open_clip state-dict names (`visual.transformer.resblocks.N.attn.in_proj_weight`).
    case openCLIP = "open_clip"
    /// transformers `CLIPModel` names (`vision_model.encoder.layers.N.self_attn.q_proj.weight`).
    case huggingFace = "hugging_face"

    /// How a canonical tensor is obtained from the checkpoint.
    public enum Source: Sendable, Equatable {
        /// Stored under this name with the canonical shape.
        case direct(String)
        /// Stored transposed (2-D) under this name.
        case transposed(String)
        /// The row-wise concatenation of these tensors (q, k, v).
        case concatenated([String])

        /// Checkpoint names this source reads.
        var names: [String] {
            switch self {
            case let .direct(name), let .transposed(name): return [name]
            case let .concatenated(names): return names
            }
        }
    }

    /// Guesses the naming from the tensor names present.
    public static func detect(_ names: [String]) -> CheckpointNaming? {
        if names.contains(where: { $0.hasPrefix("vision_model.") || $0.hasPrefix("text_model.") }) {
            return .huggingFace
        }
        if names.contains(where: { $0.hasPrefix("visual.") }) { return .openCLIP }
        return nil
    }

    /// Prefix of vision block `i` in this naming (used to count blocks).
    func visionBlockPrefix(_ i: Int) -> String {
        self == .openCLIP ? "visual.transformer.resblocks.\(i)." : "vision_model.encoder.layers.\(i)."
    }

    /// Prefix of text block `i` in this naming.
    func textBlockPrefix(_ i: Int) -> String {
        self == .openCLIP ? "transformer.resblocks.\(i)." : "text_model.encoder.layers.\(i)."
    }

    /// Pattern start shared by all vision / text block names (for counting).
    var visionBlockStem: String { self == .openCLIP ? "visual.transformer.resblocks." : "vision_model.encoder.layers." }
    var textBlockStem: String { self == .openCLIP ? "transformer.resblocks." : "text_model.encoder.layers." }

    /// Top-level rename rules, canonical → Hugging Face.
    private static let huggingFaceTopLevel: [String: Source] = [
        "visual.conv1.weight": .direct("vision_model.embeddings.patch_embedding.weight"),
        "visual.class_embedding": .direct("vision_model.embeddings.class_embedding"),
        "visual.positional_embedding": .direct("vision_model.embeddings.position_embedding.weight"),
        "visual.ln_pre.weight": .direct("vision_model.pre_layrnorm.weight"),
        "visual.ln_pre.bias": .direct("vision_model.pre_layrnorm.bias"),
        "visual.ln_post.weight": .direct("vision_model.post_layernorm.weight"),
        "visual.ln_post.bias": .direct("vision_model.post_layernorm.bias"),
        "visual.proj": .transposed("visual_projection.weight"),
        "token_embedding.weight": .direct("text_model.embeddings.token_embedding.weight"),
        "positional_embedding": .direct("text_model.embeddings.position_embedding.weight"),
        "ln_final.weight": .direct("text_model.final_layer_norm.weight"),
        "ln_final.bias": .direct("text_model.final_layer_norm.bias"),
        "text_projection": .transposed("text_projection.weight"),
        "logit_scale": .direct("logit_scale"),
    ]

    /// Per-block rename rules, canonical suffix → Hugging Face suffix(es).
    private static let huggingFaceBlock: [String: Source] = [
        "ln_1.weight": .direct("layer_norm1.weight"),
        "ln_1.bias": .direct("layer_norm1.bias"),
        "ln_2.weight": .direct("layer_norm2.weight"),
        "ln_2.bias": .direct("layer_norm2.bias"),
        "attn.in_proj_weight": .concatenated(["self_attn.q_proj.weight", "self_attn.k_proj.weight",
                                              "self_attn.v_proj.weight"]),
        "attn.in_proj_bias": .concatenated(["self_attn.q_proj.bias", "self_attn.k_proj.bias",
                                            "self_attn.v_proj.bias"]),
        "attn.out_proj.weight": .direct("self_attn.out_proj.weight"),
        "attn.out_proj.bias": .direct("self_attn.out_proj.bias"),
        "mlp.c_fc.weight": .direct("mlp.fc1.weight"),
        "mlp.c_fc.bias": .direct("mlp.fc1.bias"),
        "mlp.c_proj.weight": .direct("mlp.fc2.weight"),
        "mlp.c_proj.bias": .direct("mlp.fc2.bias"),
    ]

    /// Block parameter suffixes in canonical naming.
    static let blockSuffixes = ["ln_1.weight", "ln_1.bias", "attn.in_proj_weight", "attn.in_proj_bias",
                                "attn.out_proj.weight", "attn.out_proj.bias", "ln_2.weight", "ln_2.bias",
                                "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"]

    /// Where canonical tensor `name` lives in a checkpoint of this naming.
    func source(of name: String) -> Source {
        guard self == .huggingFace else { return .direct(name) }
        if let rule = Self.huggingFaceTopLevel[name] { return rule }
        for (canonicalStem, hfStem) in [("visual.transformer.resblocks.", "vision_model.encoder.layers."),
                                        ("transformer.resblocks.", "text_model.encoder.layers.")]
        where name.hasPrefix(canonicalStem) {
            let rest = name.dropFirst(canonicalStem.count)
            guard let dot = rest.firstIndex(of: ".") else { break }
            let index = rest[..<dot]
            let suffix = String(rest[rest.index(after: dot)...])
            let prefix = "\(hfStem)\(index)."
            switch Self.huggingFaceBlock[suffix] {
            case let .direct(s)?: return .direct(prefix + s)
            case let .transposed(s)?: return .transposed(prefix + s)
            case let .concatenated(parts)?: return .concatenated(parts.map { prefix + $0 })
            case nil: break
            }
        }
        return .direct(name)
    }

    /// Tensors a checkpoint may carry that the model does not need (buffers and metadata
    /// scalars of OpenAI's and transformers' exports); accepted silently.
    func isIgnorable(_ name: String) -> Bool {
        switch self {
        case .openCLIP:
            return ["input_resolution", "context_length", "vocab_size", "attn_mask", "visual.attn_mask"].contains(name)
        case .huggingFace:
            return name.hasSuffix("embeddings.position_ids")
        }
    }
}
