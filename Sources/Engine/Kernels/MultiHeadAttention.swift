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

    /// Query rows per attention tile for a sequence of `tokens`: a tile of scores stays within
    /// ~384 KiB so it is still in L2 when the second product reads it.
    public static func tileRows(tokens: Int) -> Int {
        min(max(tokens, 1), max(16, 98_304 / max(tokens, 1) / 16 * 16))
    }

    /// Floats of tile scratch `attend` needs for sequences of up to `tokens` on `workers`.
    public static func scratchCount(tokens: Int, workers: Int) -> Int {
        max(1, workers) * workerScratch(tokens: tokens)
    }

    /// One worker's share of the scratch: a query-row tile, or the symmetric path's two
    /// square tiles and per-row running maxima and sums.
    static func workerScratch(tokens: Int) -> Int {
        let n = max(tokens, 1)
        let b = symmetricBlock(tokens: n)
        return max(tileRows(tokens: n) * n, 2 * b * b + 2 * n)
    }

    /// DPAM's value-value scores `v vᵀ` are symmetric: compute each pair of tiles once (see
    /// `attendSymmetric`). Off only to measure the saving (`engine-bench kernels`).
    nonisolated(unsafe) public static var symmetricValueValue = true

    /// Per-head attention over one sequence of `tokens` rows of `qkv` ([tokens, 3W]), writing
    /// the concatenated head outputs to `context` ([tokens, W], before out_proj). Heads and
    /// blocks of query rows are tiles spread over up to `workers` workers (never more than the
    /// thread budget); each computes its scores (scale folded into the product), exponentiates
    /// them in place, multiplies by v while they are in cache and divides the narrow result by
    /// the row sums. `scratch` holds `scratchCount(tokens:workers:)` floats. With `causal`,
    /// token i sees tokens 0...i and the masked part of each tile is never computed.
    public func attend(tokens n: Int, qkv: UnsafePointer<Float>, path: Path, causal: Bool,
                       scratch: UnsafeMutablePointer<Float>, workers: Int, context: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        if path == .valueValue, !causal, Self.symmetricValueValue {
            attendSymmetric(tokens: n, qkv: qkv, scratch: scratch, workers: workers, context: context)
            return
        }
        let w = width
        let d = headDim
        let ld = 3 * w
        let scale = 1 / Float(d).squareRoot()
        let blockRows = Self.tileRows(tokens: n)
        let blocks = (n + blockRows - 1) / blockRows
        let tileSize = Self.workerScratch(tokens: n)
        nonisolated(unsafe) let qkv = qkv, scratch = scratch, context = context
        Parallel.forEachTask(heads * blocks, workers: min(max(1, workers), Parallel.cores)) { worker, task in
            let h = task / blocks
            let r0 = (task % blocks) * blockRows
            let rows = min(blockRows, n - r0)
            let columns = causal ? r0 + rows : n
            let v = qkv + 2 * w + h * d
            let left = (path == .queryKey ? qkv + h * d : v) + r0 * ld
            let right = path == .queryKey ? qkv + w + h * d : v
            let tile = scratch + worker * tileSize
            BLAS.gemmSerial(transB: true, m: rows, n: columns, k: d, alpha: scale,
                            a: left, lda: ld, b: right, ldb: ld, c: tile, ldc: columns)
            let out = context + r0 * w + h * d
            withUnsafeTemporaryAllocation(of: Float.self, capacity: rows) { sums in
                for i in 0..<rows {
                    let row = tile + i * columns
                    let valid = causal ? r0 + i + 1 : columns
                    sums[i] = Softmax.exponentiate(row, count: valid)
                    if valid < columns { (row + valid).update(repeating: 0, count: columns - valid) }
                }
                BLAS.gemmSerial(m: rows, n: d, k: columns, a: tile, lda: columns, b: v, ldb: ld, c: out, ldc: w)
                for i in 0..<rows { Softmax.scale(out + i * w, count: d, by: 1 / sums[i]) }
            }
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
