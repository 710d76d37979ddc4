import Foundation

/// Straightforward reference kernels kept beside the fast ones: every optimised kernel is
/// tested against its twin here, `engine-bench kernels` times the pair, and these document the
/// exact arithmetic (Double accumulation, libm `exp`).
public enum NaiveKernels {
    /// Row-major `C = op(A) * op(B)` with triple loops and Double accumulation.
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            a: [Float], lda: Int, b: [Float], ldb: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(av) * Double(bv)
                }
                c[i * n + j] = Float(sum)
            }
        }
        return c
    }

    /// Twin of `Softmax.softmaxRow`: libm `exp` in Double.
    public static func softmax(_ row: [Float]) -> [Float] {
        guard let top = row.max() else { return [] }
        let e = row.map { Foundation.exp(Double($0 - top)) }
        let sum = e.reduce(0, +)
        return e.map { Float($0 / sum) }
    }

    /// Twin of `Activation.apply`: libm `exp`/`erf` in Double.
    public static func activation(_ kind: Activation, _ x: [Float]) -> [Float] {
        switch kind {
        case .quickGELU: return x.map { Float(Double($0) / (1 + Foundation.exp(-1.702 * Double($0)))) }
        case .gelu: return x.map { Float(0.5 * Double($0) * (1 + Foundation.erf(Double($0) / 2.0.squareRoot()))) }
        }
    }

    /// Twin of `Linear.apply` with its epilogue: `act(x W^T + b)` for `rows` rows.
    public static func linear(_ layer: Linear, rows: Int, input: [Float], activation: Activation?) -> [Float] {
        let out = layer.outFeatures
        var y = gemm(transA: false, transB: true, m: rows, n: out, k: layer.inFeatures, a: input,
                     lda: layer.inFeatures, b: layer.weight.values, ldb: layer.inFeatures)
        if let bias = layer.bias?.values {
            for r in 0..<rows {
                for j in 0..<out { y[r * out + j] += bias[j] }
            }
        }
        return activation.map { self.activation($0, y) } ?? y
    }

    /// Twin of `MultiHeadAttention.attend`: per head and query row, the full score row in
    /// Double, softmax with libm `exp`, then the weighted sum of v. `qkv` is [tokens, 3W].
    public static func attention(qkv: [Float], tokens n: Int, width w: Int, heads: Int,
                                 path: MultiHeadAttention.Path, causal: Bool) -> [Float] {
        let d = w / heads
        let ld = 3 * w
        let scale = 1 / Double(d).squareRoot()
        var context = [Float](repeating: 0, count: n * w)
        var scores = [Double](repeating: 0, count: n)
        for h in 0..<heads {
            let leftOffset = path == .queryKey ? h * d : 2 * w + h * d
            let rightOffset = path == .queryKey ? w + h * d : 2 * w + h * d
            let valueOffset = 2 * w + h * d
            for i in 0..<n {
                let visible = causal ? i + 1 : n
                var top = -Double.infinity
                for j in 0..<visible {
                    var s = 0.0
                    for c in 0..<d { s += Double(qkv[i * ld + leftOffset + c]) * Double(qkv[j * ld + rightOffset + c]) }
                    scores[j] = s * scale
                    top = max(top, scores[j])
                }
                var sum = 0.0
                for j in 0..<visible {
                    scores[j] = Foundation.exp(scores[j] - top)
                    sum += scores[j]
                }
                for c in 0..<d {
                    var acc = 0.0
                    for j in 0..<visible { acc += scores[j] * Double(qkv[j * ld + valueOffset + c]) }
                    context[i * w + h * d + c] = Float(acc / sum)
                }
            }
        }
        return context
    }

    /// Twin of `LayerNorm.apply`: per row, mean and biased variance in Double.
    public static func layerNorm(_ layer: LayerNorm, rows: Int, input: [Float]) -> [Float] {
        let w = layer.width
        let gamma = layer.weight.values, beta = layer.bias.values
        var out = [Float](repeating: 0, count: rows * w)
        for r in 0..<rows {
            let row = input[(r * w)..<((r + 1) * w)].map(Double.init)
            let mean = row.reduce(0, +) / Double(w)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(w)
            let inv = 1 / (variance + Double(layer.eps)).squareRoot()
            for j in 0..<w { out[r * w + j] = Float((row[j] - mean) * inv * Double(gamma[j]) + Double(beta[j])) }
        }
        return out
    }
}
