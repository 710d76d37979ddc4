/// One pre-LN transformer block: `x += out_proj(MHA(ln_1 x))`, `x += c_proj(act(c_fc(ln_2 x)))`.
/// Also runs AnomalyCLIP's dual-path (DPAM) variant that shares these weights.
public struct ResidualBlock: Sendable {
    /// Pre-attention LayerNorm.
    public let ln1: LayerNorm
    /// Self-attention.
    public let attention: MultiHeadAttention
    /// Pre-MLP LayerNorm.
    public let ln2: LayerNorm
    /// MLP expansion [M, W].
    public let fc: Linear
    /// MLP contraction [W, M].
    public let proj: Linear
    /// MLP non-linearity.
    public let activation: Activation

    /// Assembles loaded parameters.
    public init(ln1: LayerNorm, attention: MultiHeadAttention, ln2: LayerNorm, fc: Linear, proj: Linear,
                activation: Activation) {
        self.ln1 = ln1
        self.attention = attention
        self.ln2 = ln2
        self.fc = fc
        self.proj = proj
        self.activation = activation
    }

    var width: Int { attention.width }

    /// Ordinary block over `rows` stacked rows holding independent sequences
    /// (`sequences`: start row and length of each); attention never crosses sequences.
    func forward(_ x: UnsafeMutablePointer<Float>, rows: Int, sequences: [Range<Int>], causal: Bool,
                 scratch s: InferenceScratch) {
        let w = width
        ln1.apply(rows: rows, input: x, inputStride: w, output: s.normed)
        attention.projectQKV(tokens: rows, input: s.normed, qkv: s.qkv)
        for seq in sequences {
            attention.attend(tokens: seq.count, qkv: s.qkv + seq.lowerBound * 3 * w, path: .queryKey,
                             causal: causal, scratch: s.attentionTiles, workers: s.workers,
                             context: s.context + seq.lowerBound * w)
        }
        attention.projectOut(tokens: rows, context: s.context, output: x, accumulate: true)
        mlp(x, rows: rows, scratch: s)
    }

    /// Ordinary causal block over the nodes of a prefix tree (one row per node): the linear
    /// layers run on all rows at once, attention follows each node's path from the root.
    func forward(_ x: UnsafeMutablePointer<Float>, tree: TokenPrefixTree, scratch s: InferenceScratch) {
        let rows = tree.count
        ln1.apply(rows: rows, input: x, inputStride: width, output: s.normed)
        attention.projectQKV(tokens: rows, input: s.normed, qkv: s.qkv)
        attention.attend(tree: tree, qkv: s.qkv, workers: s.workers, context: s.context)
        attention.projectOut(tokens: rows, context: s.context, output: x, accumulate: true)
        mlp(x, rows: rows, scratch: s)
    }

    /// DPAM dual-path block on one sequence of `tokens` rows. Both paths read `ln_1(xOri)`;
    /// `xOri` continues as plain CLIP (attention + MLP); `xVV` only accumulates the
    /// value-value attention output. On the first dual block the caller passes `xVV`
    /// holding a copy of the block input.
    func forwardDualPath(original xOri: UnsafeMutablePointer<Float>, valueValue xVV: UnsafeMutablePointer<Float>,
                         tokens: Int, scratch s: InferenceScratch) {
        ln1.apply(rows: tokens, input: xOri, inputStride: width, output: s.normed)
        attention.projectQKV(tokens: tokens, input: s.normed, qkv: s.qkv)
        attention.attend(tokens: tokens, qkv: s.qkv, path: .valueValue, causal: false,
                         scratch: s.attentionTiles, workers: s.workers, context: s.context)
        attention.projectOut(tokens: tokens, context: s.context, output: xVV, accumulate: true)
        attention.attend(tokens: tokens, qkv: s.qkv, path: .queryKey, causal: false,
                         scratch: s.attentionTiles, workers: s.workers, context: s.context)
        attention.projectOut(tokens: tokens, context: s.context, output: xOri, accumulate: true)
        mlp(xOri, rows: tokens, scratch: s)
    }

    @inline(__always)
    private func mlp(_ x: UnsafeMutablePointer<Float>, rows: Int, scratch s: InferenceScratch) {
        let w = width
        let m = fc.outFeatures
        ln2.apply(rows: rows, input: x, inputStride: w, output: s.normed)
        fc.apply(rows: rows, input: s.normed, inputStride: w, output: s.hidden, outputStride: m,
                 activation: activation)
        proj.apply(rows: rows, input: s.hidden, inputStride: m, output: x, outputStride: w, accumulate: true)
    }
}
