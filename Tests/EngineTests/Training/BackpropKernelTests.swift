@testable import Engine
import Foundation
import Testing

/// Every backward kernel against central finite differences of its forward (Float forward,
/// Double sums) on small random inputs; the bilinear adjoint by the dot-product identity.
@Suite struct BackpropKernelTests {
    /// Keeps temporary tensors alive for the whole test (their pointers are used after creation).
    final class Arena: @unchecked Sendable {
        var kept: [Tensor] = []
        func t(_ v: [Float]) -> UnsafeMutablePointer<Float> {
            let t = BackpropKernelTests.tensor(v)
            kept.append(t)
            return t.pointer
        }
    }

    let a = Arena()

    static func random(_ count: Int, seed: UInt64, scale: Float = 1, offset: Float = 0) -> [Float] {
        var rng = RandomWeights(seed: seed)
        return (0..<count).map { _ in rng.normal() * scale + offset }
    }

    static func tensor(_ v: [Float]) -> Tensor { try! Tensor(shape: [v.count], values: v) }

    static func dot(_ a: UnsafePointer<Float>, _ r: [Float]) -> Double {
        var s = 0.0
        for i in r.indices { s += Double(a[i]) * Double(r[i]) }
        return s
    }

    /// Compares `grad` with central differences of `f` around `x` (entries perturbed one at a
    /// time by ±eps): max |analytic − numeric| ≤ atol + rtol · max |numeric|.
    static func checkGradient(_ name: String, x: [Float], grad: [Float], eps: Float = 1e-2, rtol: Double = 1e-2,
                              atol: Double = 1e-4, indices: [Int]? = nil,
                              sourceLocation: SourceLocation = #_sourceLocation, f: ([Float]) -> Double) {
        #expect(grad.count == x.count, "\(name): gradient size", sourceLocation: sourceLocation)
        var worst = 0.0, scale = 0.0
        for i in indices ?? Array(x.indices) {
            var p = x, m = x
            p[i] += eps
            m[i] -= eps
            let numeric = (f(p) - f(m)) / Double(2 * eps)
            worst = max(worst, abs(numeric - Double(grad[i])))
            scale = max(scale, abs(numeric))
        }
        #expect(scale > 0, "\(name): numeric gradient is zero", sourceLocation: sourceLocation)
        #expect(worst <= atol + rtol * scale, "\(name): max |analytic - numeric| \(worst), max |numeric| \(scale)",
                sourceLocation: sourceLocation)
    }

    // MARK: LayerNorm

    @Test func layerNormBackward() {
        let (rows, w) = (3, 8)
        let x0 = Self.random(rows * w, seed: 1, scale: 2, offset: 0.5)
        let g0 = Self.random(w, seed: 2, scale: 0.3, offset: 1)
        let b0 = Self.random(w, seed: 3, scale: 0.1)
        let r = Self.random(rows * w, seed: 4)
        func f(_ x: [Float], _ g: [Float], _ b: [Float]) -> Double {
            let xt = Self.tensor(x), gt = Self.tensor(g), bt = Self.tensor(b)
            let y = Tensor(zeros: [rows, w]), mean = Tensor(zeros: [rows]), rstd = Tensor(zeros: [rows])
            Backprop.layerNormForward(xt.pointer, rows: rows, width: w, gamma: gt.pointer, beta: bt.pointer, eps: 1e-5,
                                      y: y.pointer, mean: mean.pointer, rstd: rstd.pointer)
            return Self.dot(y.pointer, r)
        }
        let xt = Self.tensor(x0), gt = Self.tensor(g0), bt = Self.tensor(b0), rt = Self.tensor(r)
        let y = Tensor(zeros: [rows, w]), mean = Tensor(zeros: [rows]), rstd = Tensor(zeros: [rows])
        Backprop.layerNormForward(xt.pointer, rows: rows, width: w, gamma: gt.pointer, beta: bt.pointer, eps: 1e-5,
                                  y: y.pointer, mean: mean.pointer, rstd: rstd.pointer)
        // forward equals the Engine's LayerNorm bit for bit
        let engine = Tensor(zeros: [rows, w])
        LayerNorm(weight: gt, bias: bt, eps: 1e-5).apply(rows: rows, input: xt.pointer, inputStride: w,
                                                         output: engine.pointer)
        #expect(y.values == engine.values)
        let dx = Tensor(zeros: [rows, w]), dg = Tensor(zeros: [w]), db = Tensor(zeros: [w])
        Backprop.layerNormBackward(dy: rt.pointer, x: xt.pointer, mean: mean.pointer, rstd: rstd.pointer,
                                   gamma: gt.pointer, rows: rows, width: w, dx: dx.pointer, dgamma: dg.pointer,
                                   dbeta: db.pointer)
        Self.checkGradient("dx", x: x0, grad: dx.values) { f($0, g0, b0) }
        Self.checkGradient("dgamma", x: g0, grad: dg.values) { f(x0, $0, b0) }
        Self.checkGradient("dbeta", x: b0, grad: db.values) { f(x0, g0, $0) }
    }

    // MARK: Linear

    @Test func linearBackward() {
        let (rows, nin, nout) = (3, 5, 4)
        let x0 = Self.random(rows * nin, seed: 5)
        let w0 = Self.random(nout * nin, seed: 6, scale: 0.5)
        let b0 = Self.random(nout, seed: 7, scale: 0.1)
        let r = Self.random(rows * nout, seed: 8)
        func f(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
            let lin = Linear(weight: try! Tensor(shape: [nout, nin], values: w), bias: Self.tensor(b))
            let y = Tensor(zeros: [rows, nout])
            lin.apply(rows: rows, input: a.t(x), inputStride: nin, output: y.pointer, outputStride: nout)
            return Self.dot(y.pointer, r)
        }
        let dx = Tensor(zeros: [rows, nin]), dw = Tensor(zeros: [nout, nin]), db = Tensor(zeros: [nout])
        let xt = Self.tensor(x0), wt = Self.tensor(w0)
        Backprop.linearBackward(dy: a.t(r), x: xt.pointer, weight: wt.pointer, rows: rows,
                                inFeatures: nin, outFeatures: nout, dx: dx.pointer, dweight: dw.pointer,
                                dbias: db.pointer)
        Self.checkGradient("dx", x: x0, grad: dx.values) { f($0, w0, b0) }
        Self.checkGradient("dW", x: w0, grad: dw.values) { f(x0, $0, b0) }
        Self.checkGradient("db", x: b0, grad: db.values) { f(x0, w0, $0) }
    }

    // MARK: Activations and softmax

    @Test(arguments: [Activation.quickGELU, Activation.gelu])
    func activationBackward(_ activation: Activation) {
        let n = 24
        let x0 = Self.random(n, seed: 9, scale: 2)
        let r = Self.random(n, seed: 10)
        func f(_ x: [Float]) -> Double {
            let t = Self.tensor(x)
            activation.apply(t.pointer, count: n)
            return Self.dot(t.pointer, r)
        }
        let dx = Tensor(zeros: [n])
        Backprop.activationBackward(activation, dy: a.t(r), x: a.t(x0), count: n,
                                    dx: dx.pointer)
        Self.checkGradient("\(activation)", x: x0, grad: dx.values, eps: 1e-3, f: f)
    }

    @Test func softmaxBackward() {
        let (rows, cols) = (3, 5)
        let x0 = Self.random(rows * cols, seed: 11, scale: 2)
        let r = Self.random(rows * cols, seed: 12)
        func forward(_ x: [Float]) -> Tensor {
            let t = Self.tensor(x)
            a.kept.append(t)
            Softmax.rows(t.pointer, rows: rows, columns: cols, stride: cols) { $0 + 2 }  // masked tail too
            return t
        }
        let y = forward(x0)
        let dx = Tensor(zeros: [rows * cols])
        Backprop.softmaxBackward(dy: a.t(r), y: y.pointer, rows: rows, columns: cols, stride: cols,
                                 dx: dx.pointer)
        Self.checkGradient("softmax", x: x0, grad: dx.values, eps: 1e-3) { Self.dot(forward($0).pointer, r) }
    }

    // MARK: Attention and block

    @Test(arguments: [true, false])
    func attentionBackward(causal: Bool) {
        let (n, w, heads) = (5, 8, 2)
        let qkv0 = Self.random(n * 3 * w, seed: 13)
        let r = Self.random(n * w, seed: 14)
        func f(_ qkv: [Float]) -> Double {
            let ctx = Tensor(zeros: [n, w]), probs = Tensor(zeros: [heads, n, n])
            Backprop.attentionForward(qkv: a.t(qkv), tokens: n, width: w, heads: heads, causal: causal,
                                      probs: probs.pointer, context: ctx.pointer)
            return Self.dot(ctx.pointer, r)
        }
        let qkv = Self.tensor(qkv0)
        let ctx = Tensor(zeros: [n, w]), probs = Tensor(zeros: [heads, n, n])
        Backprop.attentionForward(qkv: qkv.pointer, tokens: n, width: w, heads: heads, causal: causal,
                                  probs: probs.pointer, context: ctx.pointer)
        // same as the Engine's attention
        let attention = MultiHeadAttention(inProjection: Linear(weight: Tensor(zeros: [3 * w, w]), bias: nil),
                                           outProjection: Linear(weight: Tensor(zeros: [w, w]), bias: nil), heads: heads)
        let engine = Tensor(zeros: [n, w])
        let scores = Tensor(zeros: [MultiHeadAttention.scratchCount(tokens: n, workers: 1)])
        attention.attend(tokens: n, qkv: qkv.pointer, path: .queryKey, causal: causal, scratch: scores.pointer,
                         workers: 1, context: engine.pointer)
        // The engine divides by the row sums after the second product; training before it.
        #expect(maxAbsDiff(ctx.values, engine.values) <= 1e-6)
        let dqkv = Tensor(zeros: [n, 3 * w]), scratch = Tensor(zeros: [n, n])
        Backprop.attentionBackward(dcontext: a.t(r), qkv: qkv.pointer, probs: probs.pointer, tokens: n,
                                   width: w, heads: heads, dqkv: dqkv.pointer, scratch: scratch.pointer)
        Self.checkGradient("dqkv", x: qkv0, grad: dqkv.values, eps: 1e-3, f: f)
    }

    static func randomBlock(width w: Int, mlp m: Int, heads: Int, seed: UInt64) -> ResidualBlock {
        var rng = RandomWeights(seed: seed)
        func ln() -> LayerNorm {
            LayerNorm(weight: rng.tensor([w], std: 0.1, mean: 1), bias: rng.tensor([w], std: 0.05), eps: 1e-5)
        }
        let ln1 = ln()
        let attention = MultiHeadAttention(
            inProjection: Linear(weight: rng.tensor([3 * w, w], std: 0.3), bias: rng.tensor([3 * w], std: 0.05)),
            outProjection: Linear(weight: rng.tensor([w, w], std: 0.3), bias: rng.tensor([w], std: 0.05)),
            heads: heads)
        let ln2 = ln()
        return ResidualBlock(ln1: ln1, attention: attention, ln2: ln2,
                             fc: Linear(weight: rng.tensor([m, w], std: 0.3), bias: rng.tensor([m], std: 0.05)),
                             proj: Linear(weight: rng.tensor([w, m], std: 0.2), bias: rng.tensor([w], std: 0.05)),
                             activation: .quickGELU)
    }

    @Test func residualBlockBackward() {
        let (n, w, m, heads) = (4, 8, 32, 2)
        let block = Self.randomBlock(width: w, mlp: m, heads: heads, seed: 15)
        let x0 = Self.random(n * w, seed: 16)
        let r = Self.random(n * w, seed: 17)
        func f(_ x: [Float]) -> Double {
            let t = Self.tensor(x)
            Backprop.residualBlockForward(block, x: t.pointer, causal: true,
                                          cache: Backprop.BlockCache(tokens: n, width: w, mlpWidth: m, heads: heads))
            return Self.dot(t.pointer, r)
        }
        let t = Self.tensor(x0)
        let cache = Backprop.BlockCache(tokens: n, width: w, mlpWidth: m, heads: heads)
        Backprop.residualBlockForward(block, x: t.pointer, causal: true, cache: cache)
        // forward equals the Engine's block
        let engine = Self.tensor(x0)
        block.forward(engine.pointer, rows: n, sequences: [0..<n], causal: true,
                      scratch: InferenceScratch(rows: n, width: w, mlpWidth: m, maxSequence: n))
        #expect(maxAbsDiff(t.values, engine.values) <= 1e-6)
        let dx = Self.tensor(r)
        Backprop.residualBlockBackward(block, cache: cache, dx: dx.pointer)
        Self.checkGradient("block dx", x: x0, grad: dx.values, eps: 1e-3, f: f)
    }

    // MARK: Resampling and vectors

    @Test(arguments: [(3, 8), (8, 64), (8, 12), (5, 3)])
    func bilinearBackwardIsAdjoint(inSize: Int, outSize: Int) {
        let channels = 2
        let inLayout = BilinearResize.Layout.interleaved(width: inSize, channels: channels)
        let outLayout = BilinearResize.Layout.planar(height: outSize, width: outSize)
        let x = Self.random(channels * inSize * inSize, seed: 18)
        let y = Self.random(channels * outSize * outSize, seed: 19)
        let rx = Tensor(zeros: [channels * outSize * outSize])
        BilinearResize.resize(channels: channels, input: a.t(x), inHeight: inSize, inWidth: inSize,
                              inLayout: inLayout, output: rx.pointer, outHeight: outSize, outWidth: outSize,
                              outLayout: outLayout)
        let rty = Tensor(zeros: [channels * inSize * inSize])
        Backprop.bilinearResizeBackward(channels: channels, dOutput: a.t(y), outHeight: outSize,
                                        outWidth: outSize, outLayout: outLayout, dInput: rty.pointer, inHeight: inSize,
                                        inWidth: inSize, inLayout: inLayout)
        let lhs = Self.dot(rx.pointer, y)
        let rhs = Self.dot(rty.pointer, x)
        #expect(abs(lhs - rhs) <= 1e-5 * max(1, abs(lhs)), "<Rx, y> = \(lhs), <x, R^T y> = \(rhs)")
        // and FD on a few entries (the map is linear, so exact up to rounding)
        Self.checkGradient("bilinear", x: x, grad: rty.values, eps: 1e-2, rtol: 1e-3, indices: [0, 1, x.count - 1]) { v in
            let out = Tensor(zeros: [channels * outSize * outSize])
            BilinearResize.resize(channels: channels, input: a.t(v), inHeight: inSize, inWidth: inSize,
                                  inLayout: inLayout, output: out.pointer, outHeight: outSize, outWidth: outSize,
                                  outLayout: outLayout)
            return Self.dot(out.pointer, y)
        }
    }

    @Test func l2NormalizeBackward() {
        let n = 6
        let x0 = Self.random(n, seed: 20, offset: 0.3)
        let r = Self.random(n, seed: 21)
        func f(_ x: [Float]) -> Double {
            let y = Tensor(zeros: [n])
            Backprop.l2NormalizeForward(a.t(x), count: n, y: y.pointer)
            return Self.dot(y.pointer, r)
        }
        let y = Tensor(zeros: [n])
        let norm = Backprop.l2NormalizeForward(a.t(x0), count: n, y: y.pointer)
        #expect(y.values == VectorMath.normalized(x0))
        let dx = Tensor(zeros: [n])
        Backprop.l2NormalizeBackward(dy: a.t(r), y: y.pointer, norm: norm, count: n, dx: dx.pointer)
        Self.checkGradient("l2", x: x0, grad: dx.values, eps: 1e-3, f: f)
    }

    @Test func projectionBackward() {
        let (w, e) = (6, 4)
        let row0 = Self.random(w, seed: 22)
        let proj = Self.tensor(Self.random(w * e, seed: 23))
        let r = Self.random(e, seed: 24)
        func f(_ row: [Float]) -> Double {
            let out = Tensor(zeros: [e])
            BLAS.gemm(m: 1, n: e, k: w, a: a.t(row), lda: w, b: proj.pointer, ldb: e,
                      c: out.pointer, ldc: e)
            return Self.dot(out.pointer, r)
        }
        let d = Tensor(zeros: [w])
        Backprop.projectionBackward(dFeature: a.t(r), projection: proj.pointer, width: w, embedDim: e,
                                    dRow: d.pointer)
        Self.checkGradient("projection", x: row0, grad: d.values, f: f)
    }
}
