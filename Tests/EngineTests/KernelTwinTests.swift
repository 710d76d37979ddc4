@testable import Engine
import Foundation
import Testing

/// Every optimised kernel against its naive twin (`NaiveKernels`) on random inputs of odd
/// sizes, including sizes that split into several tiles and tails shorter than a vector.
@Suite struct KernelTwinTests {
    private static func random(_ count: Int, seed: UInt64, std: Float = 1) -> [Float] {
        var rng = RandomWeights(seed: seed)
        return (0..<count).map { _ in std * rng.normal() }
    }

    private static func maxRelativeDiff(_ a: [Float], _ b: [Float]) -> Float {
        let scale = max(b.map { abs($0) }.max() ?? 1, 1e-30)
        return maxAbsDiff(a, b) / scale
    }

    @Test(arguments: [(1, 2, 1), (5, 6, 3), (37, 12, 3), (130, 8, 2), (1543, 10, 2)],
          [MultiHeadAttention.Path.queryKey, .valueValue])
    func attentionMatchesNaive(shape: (Int, Int, Int), path: MultiHeadAttention.Path) {
        let (n, w, heads) = shape
        let qkv = Self.random(n * 3 * w, seed: UInt64(n * 31 + w), std: 1.5)
        let attention = MultiHeadAttention(inProjection: Linear(weight: Tensor(zeros: [3 * w, w]), bias: nil),
                                           outProjection: Linear(weight: Tensor(zeros: [w, w]), bias: nil),
                                           heads: heads)
        for causal in [false, true] {
            let expected = NaiveKernels.attention(qkv: qkv, tokens: n, width: w, heads: heads, path: path,
                                                  causal: causal)
            for workers in [1, 3] {
                let scratch = Tensor(zeros: [MultiHeadAttention.scratchCount(tokens: n, workers: workers)])
                let context = Tensor(zeros: [n, w])
                qkv.withUnsafeBufferPointer { p in
                    attention.attend(tokens: n, qkv: p.baseAddress!, path: path, causal: causal,
                                     scratch: scratch.pointer, workers: workers, context: context.pointer)
                }
                #expect(Self.maxRelativeDiff(context.values, expected) < 2e-6,
                        "n \(n) w \(w) heads \(heads) causal \(causal) workers \(workers)")
            }
        }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func tiledGemmMatchesNaive(transA: Bool, transB: Bool) {
        let (m, n, k) = (301, 517, 29)
        #expect(GemmTiling(m: m, n: n, k: k, workers: 2, threshold: BLAS.parallelThreshold).count > 1)
        let a = Self.random(m * k, seed: 21)
        let b = Self.random(k * n, seed: 22)
        let lda = transA ? m : k
        let ldb = transB ? k : n
        let expected = NaiveKernels.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b,
                                         ldb: ldb)
        let c = Tensor(zeros: [m, n])
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: pa.baseAddress!, lda: lda,
                          b: pb.baseAddress!, ldb: ldb, c: c.pointer, ldc: n)
            }
        }
        #expect(maxAbsDiff(c.values, expected) < 1e-4)
    }

    @Test func tilingCoversEveryElementOnce() {
        for (m, n, k, workers) in [(1370, 4096, 1024, 2), (197, 2304, 768, 2), (1370, 1024, 4096, 16),
                                   (77, 512, 512, 8), (5, 3, 2, 2), (4097, 129, 33, 3)] {
            let tiling = GemmTiling(m: m, n: n, k: k, workers: workers, threshold: BLAS.parallelThreshold)
            var hits = [UInt8](repeating: 0, count: m * n)
            for t in 0..<tiling.count {
                let (rows, columns) = tiling.tile(t)
                for r in rows { for c in columns { hits[r * n + c] += 1 } }
            }
            #expect(hits.allSatisfy { $0 == 1 }, "\(m)x\(n)x\(k) on \(workers)")
        }
    }

    @Test(arguments: [Activation.quickGELU, .gelu])
    func linearEpilogueMatchesNaive(activation: Activation) throws {
        let (rows, inFeatures, outFeatures) = (203, 67, 389)
        let layer = Linear(weight: try Tensor(shape: [outFeatures, inFeatures],
                                              values: Self.random(outFeatures * inFeatures, seed: 23, std: 0.3)),
                           bias: try Tensor(shape: [outFeatures], values: Self.random(outFeatures, seed: 24)))
        let x = Self.random(rows * inFeatures, seed: 25)
        let expected = NaiveKernels.linear(layer, rows: rows, input: x, activation: activation)
        let y = Tensor(zeros: [rows, outFeatures])
        x.withUnsafeBufferPointer { p in
            layer.apply(rows: rows, input: p.baseAddress!, inputStride: inFeatures, output: y.pointer,
                        outputStride: outFeatures, activation: activation)
        }
        #expect(maxAbsDiff(y.values, expected) < 2e-5)
    }

    @Test(arguments: [1, 2, 7, 8, 9, 77, 1001])
    func softmaxMatchesNaive(count: Int) {
        var row = Self.random(count, seed: UInt64(count), std: 8)
        let expected = NaiveKernels.softmax(row)
        row.withUnsafeMutableBufferPointer { Softmax.softmaxRow($0.baseAddress!, count: count) }
        #expect(maxAbsDiff(row, expected) < 1e-6)
        #expect(abs(row.reduce(0, +) - 1) < 1e-5)
    }

    @Test(arguments: [Activation.quickGELU, .gelu])
    func activationMatchesNaive(kind: Activation) {
        var x = Self.random(100_003, seed: 26, std: 6) + [-200, -90, -50, 0, 50, 90, 200]
        let expected = NaiveKernels.activation(kind, x)
        x.withUnsafeMutableBufferPointer { kind.apply($0.baseAddress!, count: $0.count) }
        let relative = zip(x, expected).map { abs($0 - $1) / max(abs($1), 1) }.max() ?? 0
        #expect(relative < 1e-6)
    }

    @Test(arguments: [1, 7, 8, 13, 768, 1031])
    func layerNormMatchesNaive(width: Int) throws {
        let rows = 37
        let layer = LayerNorm(weight: try Tensor(shape: [width], values: Self.random(width, seed: 27)),
                              bias: try Tensor(shape: [width], values: Self.random(width, seed: 28)), eps: 1e-5)
        var x = Self.random(rows * width, seed: 29, std: 3).map { $0 + 5 }
        let expected = NaiveKernels.layerNorm(layer, rows: rows, input: x)
        x.withUnsafeMutableBufferPointer { layer.apply(rows: rows, inPlace: $0.baseAddress!) }
        #expect(maxAbsDiff(x, expected) < 2e-5)
    }

    @Test func fastExpMatchesLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let fast = FastExp.exp(x)
            let exact = Float(Foundation.exp(Double(x)))
            worst = max(worst, abs(fast - exact) / exact)
            x += 0.0137
        }
        #expect(worst < 3e-7)
    }

    @Test(arguments: [(1, 1, 1, 1), (2, 3, 7, 5), (8, 8, 64, 64), (37, 37, 518, 518), (5, 9, 13, 27)])
    func planeResizeMatchesGeneralResize(shape: (Int, Int, Int, Int)) {
        let (inH, inW, outH, outW) = shape
        let input = Self.random(inH * inW, seed: 31)
        var fast = [Float](repeating: .nan, count: outH * outW)
        var twin = [Float](repeating: .nan, count: outH * outW)
        input.withUnsafeBufferPointer { i in
            fast.withUnsafeMutableBufferPointer { f in
                twin.withUnsafeMutableBufferPointer { t in
                    BilinearResize.resizePlane(input: i.baseAddress!, inHeight: inH, inWidth: inW,
                                               output: f.baseAddress!, outHeight: outH, outWidth: outW)
                    BilinearResize.resize(channels: 1, input: i.baseAddress!, inHeight: inH, inWidth: inW,
                                          inLayout: .planar(height: inH, width: inW), output: t.baseAddress!,
                                          outHeight: outH, outWidth: outW, outLayout: .planar(height: outH, width: outW))
                }
            }
        }
        #expect(maxAbsDiff(fast, twin) <= 1e-6)
    }
}
