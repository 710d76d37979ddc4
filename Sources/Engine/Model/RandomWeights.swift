import Foundation

/// Random-weight towers of any architecture, for benchmarks and for tests that need a model
/// shape no fixture has (e.g. ViT-L/14@336). Deterministic per seed; scales follow CLIP's
/// initialisation so activations stay finite through deep stacks.
public struct RandomWeights {
    private var state: UInt64
    private var spare: Float?

    /// A generator seeded with `seed`.
    public init(seed: UInt64) {
        state = seed &+ 0x9E37_79B9_7F4A_7C15
    }

    /// SplitMix64 step.
    private mutating func nextBits() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform integer in 0..<n (n > 0), for seeded sampling.
    public mutating func index(below n: Int) -> Int {
        guard n > 1 else { return 0 }
        return Int(nextBits() % UInt64(n))
    }

    /// Uniform in (0, 1).
    private mutating func uniform() -> Float {
        (Float(nextBits() >> 40) + 0.5) / Float(1 << 24)
    }

    /// Standard normal (Box–Muller, both values used).
    public mutating func normal() -> Float {
        if let s = spare {
            spare = nil
            return s
        }
        let r = (-2 * logf(uniform())).squareRoot()
        let t = 2 * Float.pi * uniform()
        spare = r * sinf(t)
        return r * cosf(t)
    }

    /// A tensor of N(mean, std²) values.
    public mutating func tensor(_ shape: [Int], std: Float, mean: Float = 0) -> Tensor {
        let t = Tensor(zeros: shape)
        let p = t.pointer
        for i in 0..<t.count { p[i] = mean + std * normal() }
        return t
    }

    private mutating func layerNorm(_ width: Int, eps: Float) -> LayerNorm {
        LayerNorm(weight: tensor([width], std: 0.1, mean: 1), bias: tensor([width], std: 0.05), eps: eps)
    }

    private mutating func blocks(count: Int, width w: Int, mlp m: Int, heads: Int, activation: Activation,
                                 eps: Float) -> [ResidualBlock] {
        let attnStd = 1 / Float(w).squareRoot()
        let projStd = attnStd / Float(2 * count).squareRoot()
        let fcStd = 1 / Float(2 * w).squareRoot()
        return (0..<count).map { _ in
            ResidualBlock(
                ln1: layerNorm(w, eps: eps),
                attention: MultiHeadAttention(
                    inProjection: Linear(weight: tensor([3 * w, w], std: attnStd), bias: tensor([3 * w], std: 0.02)),
                    outProjection: Linear(weight: tensor([w, w], std: projStd), bias: tensor([w], std: 0.02)),
                    heads: heads),
                ln2: layerNorm(w, eps: eps),
                fc: Linear(weight: tensor([m, w], std: fcStd), bias: tensor([m], std: 0.02)),
                proj: Linear(weight: tensor([w, m], std: projStd), bias: tensor([w], std: 0.02)),
                activation: activation)
        }
    }

    /// A vision tower with `architecture`'s vision shapes.
    public mutating func visionTower(_ a: CLIPArchitecture) -> VisionTower {
        let w = a.visionWidth
        let scale = 1 / Float(w).squareRoot()
        return VisionTower(
            patchEmbedding: tensor([w, 3 * a.patchSize * a.patchSize], std: 0.02),
            classEmbedding: tensor([w], std: scale),
            positionalEmbedding: tensor([a.gridSize * a.gridSize + 1, w], std: scale),
            lnPre: layerNorm(w, eps: a.layerNormEps),
            blocks: blocks(count: a.visionLayers, width: w, mlp: a.visionMLPWidth, heads: a.visionHeads,
                           activation: a.activation, eps: a.layerNormEps),
            lnPost: layerNorm(w, eps: a.layerNormEps),
            projection: tensor([w, a.embedDim], std: scale),
            patchSize: a.patchSize, gridSize: a.gridSize)
    }

    /// A text tower with `architecture`'s text shapes.
    public mutating func textTower(_ a: CLIPArchitecture) -> TextTower {
        let w = a.textWidth
        return TextTower(
            tokenEmbedding: tensor([a.vocabSize, w], std: 0.02),
            positionalEmbedding: tensor([a.contextLength, w], std: 0.01),
            blocks: blocks(count: a.textLayers, width: w, mlp: a.textMLPWidth, heads: a.textHeads,
                           activation: a.activation, eps: a.layerNormEps),
            lnFinal: layerNorm(w, eps: a.layerNormEps),
            projection: tensor([w, a.embedDim], std: 1 / Float(w).squareRoot()))
    }
}

extension CLIPArchitecture {
    /// OpenAI ViT-B/16 (224 px).
    public static let vitB16 = CLIPArchitecture(
        visionWidth: 768, visionLayers: 12, visionHeads: 12, visionMLPWidth: 3072, patchSize: 16, gridSize: 14,
        embedDim: 512, textWidth: 512, textLayers: 12, textHeads: 8, textMLPWidth: 2048, contextLength: 77,
        vocabSize: 49408, activation: .quickGELU, layerNormEps: 1e-5)

    /// OpenAI ViT-L/14@336 (AnomalyCLIP's backbone).
    public static let vitL14at336 = CLIPArchitecture(
        visionWidth: 1024, visionLayers: 24, visionHeads: 16, visionMLPWidth: 4096, patchSize: 14, gridSize: 24,
        embedDim: 768, textWidth: 768, textLayers: 12, textHeads: 12, textMLPWidth: 3072, contextLength: 77,
        vocabSize: 49408, activation: .quickGELU, layerNormEps: 1e-5)
}

extension RandomWeights: RandomNumberGenerator {
    /// The SplitMix64 stream, so seeded code can use the standard library's `random(in:using:)`.
    public mutating func next() -> UInt64 { nextBits() }
}
