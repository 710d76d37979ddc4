/// Multi-head self-attention with a fused [q; k; v] input projection (open_clip's
/// `in_proj_weight` layout; Hugging Face q/k/v are concatenated into it at load).
public struct MultiHeadAttention: Sendable {
    /// Which product forms the attention scores.
    public enum Path: Sendable {
        /// `softmax(q k^T s) v` — ordinary attention.
        case queryKey
        /// `softmax(v v^T s) v` — DPAM's value-value path.
        case valueValue
    }

    /// [3W, W] projection producing q, k, v side by side.
    public let inProjection: Linear
    /// [W, W] output projection.
    public let outProjection: Linear
    /// Number of heads; `width` is divisible by it.
    public let heads: Int

    /// Wraps loaded parameters.
    public init(inProjection: Linear, outProjection: Linear, heads: Int) {
        self.inProjection = inProjection
        self.outProjection = outProjection
        self.heads = heads
    }

    /// Model width W.
    public var width: Int { outProjection.outFeatures }
    /// Channels per head.
    public var headDim: Int { width / heads }

    /// `qkv[tokens, 3W] = a[tokens, W] in_proj^T + b`.
    @inline(__always)
    public func projectQKV(tokens: Int, input: UnsafePointer<Float>, qkv: UnsafeMutablePointer<Float>) {
        inProjection.apply(rows: tokens, input: input, inputStride: width, output: qkv, outputStride: 3 * width)
    }

    /// Per-head attention over one sequence of `tokens` rows of `qkv` ([tokens, 3W]), writing
    /// the concatenated head outputs to `context` ([tokens, W], before out_proj).
    /// `scores` must hold tokens×tokens floats. With `causal`, token i sees tokens 0...i.
    @inline(__always)
    public func attend(tokens n: Int, qkv: UnsafePointer<Float>, path: Path, causal: Bool,
                       scores: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>) {
        let w = width
        let d = headDim
        let ld = 3 * w
        let scale = 1 / Float(d).squareRoot()
        for h in 0..<heads {
            let q = qkv + h * d
            let k = qkv + w + h * d
            let v = qkv + 2 * w + h * d
            let left = path == .queryKey ? q : v
            let right = path == .queryKey ? k : v
            BLAS.gemm(transB: true, m: n, n: n, k: d, alpha: scale,
                      a: left, lda: ld, b: right, ldb: ld, c: scores, ldc: n)
            if causal {
                Softmax.rows(scores, rows: n, columns: n, stride: n) { $0 + 1 }
            } else {
                Softmax.rows(scores, rows: n, columns: n, stride: n) { _ in n }
            }
            BLAS.gemm(m: n, n: d, k: n, a: scores, lda: n, b: v, ldb: ld, c: context + h * d, ldc: w)
        }
    }

    /// `output[tokens, W] (+)= context out_proj^T + b`; `accumulate` adds onto a residual stream.
    @inline(__always)
    public func projectOut(tokens: Int, context: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                           accumulate: Bool) {
        outProjection.apply(rows: tokens, input: context, inputStride: width, output: output,
                            outputStride: width, accumulate: accumulate)
    }
}
