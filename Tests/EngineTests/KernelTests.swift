@testable import Engine
import Foundation
import Testing

/// The fast kernels against their naive counterparts and hand-computed values.
@Suite struct KernelTests {
    private func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomWeights(seed: seed)
        return (0..<count).map { _ in rng.normal() }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func gemmMatchesNaive(transA: Bool, transB: Bool) {
        let (m, n, k) = (7, 5, 11)
        let a = random(m * k, seed: 1)
        let b = random(k * n, seed: 2)
        let lda = transA ? m : k
        let ldb = transB ? k : n
        let expected = NaiveKernels.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb)
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: pa.baseAddress!, lda: lda,
                              b: pb.baseAddress!, ldb: ldb, c: pc.baseAddress!, ldc: n)
                }
            }
        }
        #expect(maxAbsDiff(c, expected) < 1e-5)
    }

    @Test func linearAddsBiasAndAccumulates() throws {
        let weight = try Tensor(shape: [2, 3], values: [1, 0, -1, 2, 1, 0])
        let bias = try Tensor(shape: [2], values: [0.5, -1])
        let linear = Linear(weight: weight, bias: bias)
        let x: [Float] = [1, 2, 3, 4, 5, 6]
        var y: [Float] = [10, 10, 10, 10]
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                linear.apply(rows: 2, input: px.baseAddress!, inputStride: 3, output: py.baseAddress!, outputStride: 2,
                             accumulate: true)
            }
        }
        // row 0: [1-3, 2+2] + b = [-1.5, 3]; row 1: [4-6, 8+5] + b = [-1.5, 12]; plus 10.
        #expect(y == [8.5, 13, 8.5, 22])
    }

    @Test func layerNormMatchesDefinition() throws {
        let ln = LayerNorm(weight: try Tensor(shape: [4], values: [1, 2, 1, 1]),
                           bias: try Tensor(shape: [4], values: [0, 0, 1, 0]), eps: 1e-5)
        var x: [Float] = [1, 2, 3, 4]
        x.withUnsafeMutableBufferPointer { ln.apply(rows: 1, inPlace: $0.baseAddress!) }
        let mean: Float = 2.5
        let inv = 1 / (Float(1.25) + 1e-5).squareRoot()
        let expected: [Float] = [(1 - mean) * inv, 2 * (2 - mean) * inv, (3 - mean) * inv + 1, (4 - mean) * inv]
        #expect(maxAbsDiff(x, expected) < 1e-6)
    }

    @Test func softmaxRowsAndCausalMask() {
        var s: [Float] = [0, 0, 0, 1, 2, 3, 5, 5, 5]
        s.withUnsafeMutableBufferPointer { p in
            Softmax.rows(p.baseAddress!, rows: 3, columns: 3, stride: 3) { $0 + 1 }
        }
        let e1 = 1 / (1 + Float(M_E))
        #expect(maxAbsDiff(s, [1, 0, 0, e1, 1 - e1, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3]) < 1e-6)
    }

    @Test func quickGELUAndGELU() {
        var q: [Float] = [-1, 0, 2]
        q.withUnsafeMutableBufferPointer { Activation.quickGELU.apply($0.baseAddress!, count: 3) }
        #expect(maxAbsDiff(q, [-1 / (1 + Float(exp(1.702))), 0, 2 / (1 + Float(exp(-3.404)))]) < 1e-6)
        var g: [Float] = [-1, 0, 2]
        g.withUnsafeMutableBufferPointer { Activation.gelu.apply($0.baseAddress!, count: 3) }
        #expect(maxAbsDiff(g, [-0.15865525, 0, 1.9544997]) < 1e-6)
    }

    @Test func parallelActivationEqualsSerialOnLargeInput() {
        let x = random(200_000, seed: 3)
        var fast = x
        fast.withUnsafeMutableBufferPointer { Activation.quickGELU.apply($0.baseAddress!, count: $0.count) }
        var slow = x
        slow.withUnsafeMutableBufferPointer { Activation.quickGELU.applySerial($0.baseAddress!, count: $0.count) }
        #expect(fast == slow)
    }

    /// 2×2 → 4×4 with half-pixel centres, hand-computed as PyTorch does (edges clamp).
    @Test func bilinearUpsampleMatchesPyTorchConvention() {
        let input: [Float] = [0, 1, 2, 3]
        var out = [Float](repeating: 0, count: 16)
        input.withUnsafeBufferPointer { pi in
            out.withUnsafeMutableBufferPointer { po in
                BilinearResize.resize(channels: 1, input: pi.baseAddress!, inHeight: 2, inWidth: 2,
                                      inLayout: .planar(height: 2, width: 2), output: po.baseAddress!, outHeight: 4,
                                      outWidth: 4, outLayout: .planar(height: 4, width: 4))
            }
        }
        // torch.nn.functional.interpolate(tensor([[[[0,1],[2,3]]]]), (4,4), mode="bilinear")
        let expected: [Float] = [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]
        #expect(maxAbsDiff(out, expected) < 1e-6)
    }

    @Test func dualPathSettingFollowsAnomalyCLIP() {
        let s = DualPathSetting.anomalyCLIP(dpamLayer: 20, layers: 24)
        #expect(s.firstBlock == 6)
        #expect((1...24).filter { s.isDual(block: $0) } == Array(6...24))
        #expect(!(1...24).contains { DualPathSetting.anomalyCLIP(dpamLayer: 1, layers: 24).isDual(block: $0) })
    }

    @Test func imageEncoderRejectsBadConfigurationAndInput() throws {
        var rng = RandomWeights(seed: 9)
        var arch = CLIPArchitecture.vitB16
        (arch.visionWidth, arch.visionLayers, arch.visionHeads, arch.visionMLPWidth) = (16, 2, 2, 32)
        (arch.patchSize, arch.gridSize, arch.embedDim) = (4, 2, 8)
        let tower = rng.visionTower(arch)
        #expect(throws: EngineError.self) { try ImageEncoder(tower: tower, inputHeight: 8, inputWidth: 8, taps: [3], dualPath: nil) }
        #expect(throws: EngineError.self) { try ImageEncoder(tower: tower, inputHeight: 2, inputWidth: 8, taps: [], dualPath: nil) }
        let encoder = try ImageEncoder(tower: tower, inputHeight: 8, inputWidth: 8, taps: [1, 2], dualPath: nil)
        #expect(throws: EngineError.self) { try encoder.encode([Float](repeating: 0, count: 10)) }
        let out = try encoder.encode([Float](repeating: 0.1, count: 3 * 64))
        #expect(out.patchTokens.map(\.shape) == [[5, 8], [5, 8]])
    }
}
