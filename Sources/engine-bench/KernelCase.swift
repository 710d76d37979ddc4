import Engine
import Foundation

/// One optimised kernel and its twin for `engine-bench kernels`, both returning their output.
struct KernelCase {
    let name: String
    let shape: String
    let twinName: String
    /// Counted multiply-adds ×2 (0 for element-wise kernels).
    let flops: Double
    let fast: () -> [Float]
    let twin: () -> [Float]

    static func all(_ rng: inout RandomWeights) -> [KernelCase] {
        [attention(&rng, path: .queryKey), attention(&rng, path: .valueValue), attentionAgainstUnfused(&rng),
         symmetricValueValue(&rng),
         gemm(&rng), linear(&rng), softmax(&rng), quickGELU(&rng), layerNorm(&rng)]
            + [prefixTreeAttention(&rng)].compactMap { $0 }
    }

    /// A bare attention layer (its projections are never used) with tile scratch and output.
    private static func attentionSetup(tokens n: Int, width w: Int, heads: Int)
        -> (layer: MultiHeadAttention, scratch: Tensor, context: Tensor, workers: Int) {
        let layer = MultiHeadAttention(inProjection: Linear(weight: Tensor(zeros: [3 * w, w]), bias: nil),
                                       outProjection: Linear(weight: Tensor(zeros: [w, w]), bias: nil), heads: heads)
        let workers = BLAS.threads
        let scratch = Tensor(zeros: [MultiHeadAttention.scratchCount(tokens: n, workers: workers)])
        return (layer, scratch, Tensor(zeros: [n, w]), workers)
    }

    /// Tiled attention on 1370 tokens (ViT-L/14 at 518), 4 heads of 64 so the twin ends in seconds.
    static func attention(_ rng: inout RandomWeights, path: MultiHeadAttention.Path) -> KernelCase {
        let (n, w, heads) = (1370, 256, 4)
        let qkv = rng.tensor([n, 3 * w], std: 1)
        let (layer, scratch, context, workers) = attentionSetup(tokens: n, width: w, heads: heads)
        let values = qkv.values
        return KernelCase(
            name: path == .queryKey ? "attention_qk" : "attention_vv", shape: "\(n) tokens, \(heads)x\(w / heads)",
            twinName: "NaiveKernels.attention", flops: 4 * Double(n) * Double(n) * Double(w),
            fast: {
                layer.attend(tokens: n, qkv: qkv.pointer, path: path, causal: false, scratch: scratch.pointer,
                             workers: workers, context: context.pointer)
                return context.values
            },
            twin: { NaiveKernels.attention(qkv: values, tokens: n, width: w, heads: heads, path: path, causal: false) })
    }

    /// DPAM's value-value attention at full ViT-L width: each pair of score tiles once (online
    /// softmax) against the query-row tiling that computes both halves of v vᵀ.
    static func symmetricValueValue(_ rng: inout RandomWeights) -> KernelCase {
        let (n, w, heads) = (1370, 1024, 16)
        let qkv = rng.tensor([n, 3 * w], std: 1)
        let (layer, scratch, context, workers) = attentionSetup(tokens: n, width: w, heads: heads)
        let run: (Bool) -> [Float] = { symmetric in
            MultiHeadAttention.symmetricValueValue = symmetric
            defer { MultiHeadAttention.symmetricValueValue = true }
            layer.attend(tokens: n, qkv: qkv.pointer, path: .valueValue, causal: false, scratch: scratch.pointer,
                         workers: workers, context: context.pointer)
            return context.values
        }
        return KernelCase(
            name: "attention_vv_symmetric_l14_518", shape: "\(n) tokens, \(heads)x\(w / heads)",
            twinName: "query-row tiling (both halves of v vT)", flops: 4 * Double(n) * Double(n) * Double(w),
            fast: { run(true) }, twin: { run(false) })
    }

    /// Tiled attention at full ViT-L width (16 heads) against the pre-tiling algorithm: per head
    /// the whole n×n score matrix, softmax over it, then the second product.
    static func attentionAgainstUnfused(_ rng: inout RandomWeights) -> KernelCase {
        let (n, w, heads) = (1370, 1024, 16)
        let qkv = rng.tensor([n, 3 * w], std: 1)
        let (layer, scratch, context, workers) = attentionSetup(tokens: n, width: w, heads: heads)
        let scores = Tensor(zeros: [n, n])
        let unfused = Tensor(zeros: [n, w])
        return KernelCase(
            name: "attention_l14_518", shape: "\(n) tokens, \(heads)x\(w / heads)",
            twinName: "per-head n x n scores (before tiling)", flops: 4 * Double(n) * Double(n) * Double(w),
            fast: {
                layer.attend(tokens: n, qkv: qkv.pointer, path: .queryKey, causal: false, scratch: scratch.pointer,
                             workers: workers, context: context.pointer)
                return context.values
            },
            twin: {
                let d = w / heads
                for h in 0..<heads {
                    BLAS.gemm(transB: true, m: n, n: n, k: d, alpha: 1 / Float(d).squareRoot(),
                              a: qkv.pointer + h * d, lda: 3 * w, b: qkv.pointer + w + h * d, ldb: 3 * w,
                              c: scores.pointer, ldc: n)
                    Softmax.rows(scores.pointer, rows: n, columns: n, stride: n) { _ in n }
                    BLAS.gemm(m: n, n: d, k: n, a: scores.pointer, lda: n, b: qkv.pointer + 2 * w + h * d,
                              ldb: 3 * w, c: unfused.pointer + h * d, ldc: w)
                }
                return unfused.values
            })
    }

    /// The engine's tiled GEMM against OpenBLAS's own threads on the dominant ViT-L shape.
    static func gemm(_ rng: inout RandomWeights) -> KernelCase {
        let (m, n, k) = (1370, 4096, 1024)
        let a = rng.tensor([m, k], std: 1), b = rng.tensor([n, k], std: 1)
        let c = Tensor(zeros: [m, n]), reference = Tensor(zeros: [m, n])
        let threads = BLAS.threads
        return KernelCase(
            name: "gemm_tiled", shape: "\(m)x\(n)x\(k)", twinName: "OpenBLAS threaded sgemm",
            flops: 2 * Double(m * n * k),
            fast: {
                BLAS.gemm(transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k,
                          c: c.pointer, ldc: n)
                return c.values
            },
            twin: {
                BLAS.gemmOpenBLASThreaded(threads: threads, transB: true, m: m, n: n, k: k, a: a.pointer, lda: k,
                                          b: b.pointer, ldb: k, c: reference.pointer, ldc: n)
                return reference.values
            })
    }

    /// Linear layer with bias and QuickGELU in the GEMM epilogue (ViT-B/16 c_fc at 224).
    static func linear(_ rng: inout RandomWeights) -> KernelCase {
        let (rows, inFeatures, outFeatures) = (197, 768, 3072)
        let layer = Linear(weight: rng.tensor([outFeatures, inFeatures], std: 0.03),
                           bias: rng.tensor([outFeatures], std: 0.1))
        let x = rng.tensor([rows, inFeatures], std: 1)
        let y = Tensor(zeros: [rows, outFeatures])
        let input = x.values
        return KernelCase(
            name: "linear_bias_quickgelu", shape: "\(rows)x\(outFeatures)x\(inFeatures)", twinName: "NaiveKernels.linear",
            flops: 2 * Double(rows * inFeatures * outFeatures),
            fast: {
                layer.apply(rows: rows, input: x.pointer, inputStride: inFeatures, output: y.pointer,
                            outputStride: outFeatures, activation: .quickGELU)
                return y.values
            },
            twin: { NaiveKernels.linear(layer, rows: rows, input: input, activation: .quickGELU) })
    }

    /// Row softmax over a 1370×1370 score matrix.
    static func softmax(_ rng: inout RandomWeights) -> KernelCase {
        let n = 1370
        let source = rng.tensor([n, n], std: 3)
        let work = Tensor(zeros: [n, n])
        let values = source.values
        return KernelCase(
            name: "softmax_rows", shape: "\(n)x\(n)", twinName: "NaiveKernels.softmax", flops: 0,
            fast: {
                work.pointer.update(from: source.pointer, count: n * n)
                Softmax.rows(work.pointer, rows: n, columns: n, stride: n) { _ in n }
                return work.values
            },
            twin: { (0..<n).flatMap { NaiveKernels.softmax(Array(values[($0 * n)..<(($0 + 1) * n)])) } })
    }

    /// QuickGELU over one ViT-L/14-at-518 MLP hidden layer.
    static func quickGELU(_ rng: inout RandomWeights) -> KernelCase {
        let count = 1370 * 4096
        let source = rng.tensor([count], std: 3)
        let work = Tensor(zeros: [count])
        let values = source.values
        return KernelCase(
            name: "quickgelu", shape: "1370x4096", twinName: "NaiveKernels.activation", flops: 0,
            fast: {
                work.pointer.update(from: source.pointer, count: count)
                Activation.quickGELU.apply(work.pointer, count: count)
                return work.values
            },
            twin: { NaiveKernels.activation(.quickGELU, values) })
    }

    /// LayerNorm over the ViT-L/14-at-518 residual stream.
    static func layerNorm(_ rng: inout RandomWeights) -> KernelCase {
        let (rows, w) = (1370, 1024)
        let layer = LayerNorm(weight: rng.tensor([w], std: 0.1, mean: 1), bias: rng.tensor([w], std: 0.05), eps: 1e-5)
        let source = rng.tensor([rows, w], std: 2)
        let out = Tensor(zeros: [rows, w])
        let values = source.values
        return KernelCase(
            name: "layer_norm", shape: "\(rows)x\(w)", twinName: "NaiveKernels.layerNorm", flops: 0,
            fast: {
                layer.apply(rows: rows, input: source.pointer, inputStride: w, output: out.pointer)
                return out.values
            },
            twin: { NaiveKernels.layerNorm(layer, rows: rows, input: values) })
    }
}
