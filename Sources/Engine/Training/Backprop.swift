import Foundation

/// Hand-written forward/backward kernels for prompt learning (llm.c style): each forward
/// writes what its backward needs, each backward takes the upstream gradient and writes (or
/// accumulates, where noted) the gradient of its inputs. Shapes are row-major, in comments.
public enum Backprop {
    // MARK: LayerNorm

    /// y[rows, W] = LayerNorm(x[rows, W]) with the Engine's exact arithmetic (two-pass, biased
    /// variance); caches mean[rows] and rstd[rows] for the backward.
    public static func layerNormForward(_ x: UnsafePointer<Float>, rows: Int, width w: Int,
                                        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
                                        y: UnsafeMutablePointer<Float>,
                                        mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let xr = x + r * w
            let yr = y + r * w
            var sum: Float = 0
            for i in 0..<w { sum += xr[i] }
            let m = sum / Float(w)
            var sq: Float = 0
            for i in 0..<w {
                let d = xr[i] - m
                sq += d * d
            }
            let inv = 1 / (sq / Float(w) + eps).squareRoot()
            for i in 0..<w { yr[i] = (xr[i] - m) * inv * gamma[i] + beta[i] }
            mean[r] = m
            rstd[r] = inv
        }
    }

    /// dx[rows, W] += LayerNorm'(x)ᵀ dy; dγ[W], dβ[W] accumulate when given.
    public static func layerNormBackward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                                         mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                         gamma: UnsafePointer<Float>, rows: Int, width w: Int,
                                         dx: UnsafeMutablePointer<Float>,
                                         dgamma: UnsafeMutablePointer<Float>? = nil,
                                         dbeta: UnsafeMutablePointer<Float>? = nil) {
        let invW = 1 / Float(w)
        for r in 0..<rows {
            let dyr = dy + r * w, xr = x + r * w, dxr = dx + r * w
            let m = mean[r], s = rstd[r]
            var meanD: Float = 0
            var meanDX: Float = 0
            for i in 0..<w {
                let xhat = (xr[i] - m) * s
                let d = dyr[i] * gamma[i]
                meanD += d
                meanDX += d * xhat
                dgamma?[i] += dyr[i] * xhat
                dbeta?[i] += dyr[i]
            }
            meanD *= invW
            meanDX *= invW
            for i in 0..<w {
                let xhat = (xr[i] - m) * s
                dxr[i] += s * (dyr[i] * gamma[i] - meanD - xhat * meanDX)
            }
        }
    }

    // MARK: Linear

    /// For `y[rows, out] = x[rows, in] Wᵀ + b` (W [out, in]): dx[rows, in] += dy W;
    /// dW[out, in] += dyᵀ x and db[out] += Σ_rows dy when given.
    public static func linearBackward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>?, weight: UnsafePointer<Float>,
                                      rows: Int, inFeatures: Int, outFeatures: Int,
                                      dx: UnsafeMutablePointer<Float>?,
                                      dweight: UnsafeMutablePointer<Float>? = nil,
                                      dbias: UnsafeMutablePointer<Float>? = nil) {
        if let dx {
            BLAS.gemm(m: rows, n: inFeatures, k: outFeatures, a: dy, lda: outFeatures, b: weight, ldb: inFeatures,
                      beta: 1, c: dx, ldc: inFeatures)
        }
        if let dweight, let x {
            BLAS.gemm(transA: true, m: outFeatures, n: inFeatures, k: rows, a: dy, lda: outFeatures, b: x,
                      ldb: inFeatures, beta: 1, c: dweight, ldc: inFeatures)
        }
        if let dbias {
            for r in 0..<rows {
                for j in 0..<outFeatures { dbias[j] += dy[r * outFeatures + j] }
            }
        }
    }

    // MARK: Activations

    /// dx[count] = act'(x) · dy for the pre-activation `x` (QuickGELU or erf GELU). dx may alias dy.
    public static func activationBackward(_ activation: Activation, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                                          count: Int, dx: UnsafeMutablePointer<Float>) {
        switch activation {
        case .quickGELU:
            for i in 0..<count { dx[i] = dy[i] * quickGELUDerivative(x[i]) }
        case .gelu:
            let invSqrt2: Float = 0.70710678118654752
            let invSqrt2Pi: Float = 0.39894228040143268
            for i in 0..<count {
                let v = x[i]
                let cdf = 0.5 * (1 + erff(v * invSqrt2))
                let pdf = invSqrt2Pi * expf(-0.5 * v * v)
                dx[i] = dy[i] * (cdf + v * pdf)
            }
        }
    }

    /// d/dx of `x · sigmoid(1.702 x)`.
    @inline(__always)
    public static func quickGELUDerivative(_ x: Float) -> Float {
        let s = 1 / (1 + expf(-1.702 * x))
        return s + 1.702 * x * s * (1 - s)
    }

    /// dx[count] = QuickGELU'(x) · dy. dx may alias dy.
    public static func quickGELUBackward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, count: Int,
                                         dx: UnsafeMutablePointer<Float>) {
        activationBackward(.quickGELU, dy: dy, x: x, count: count, dx: dx)
    }

    // MARK: Softmax

    /// For row softmax `y = softmax(x)`: dx = y ⊙ (dy − Σ dy ⊙ y) per row of `columns`
    /// (row stride `stride`). Masked entries (y = 0) get zero. dx may alias dy.
    public static func softmaxBackward(dy: UnsafePointer<Float>, y: UnsafePointer<Float>, rows: Int, columns: Int,
                                       stride: Int, dx: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let yr = y + r * stride, dyr = dy + r * stride, dxr = dx + r * stride
            var dot: Float = 0
            for j in 0..<columns { dot += dyr[j] * yr[j] }
            for j in 0..<columns { dxr[j] = yr[j] * (dyr[j] - dot) }
        }
    }

    // MARK: Attention

    /// Multi-head attention over one sequence: qkv[n, 3W] → context[n, W]; caches the
    /// probabilities probs[heads, n, n] (row i attends to 0...i when causal).
    public static func attentionForward(qkv: UnsafePointer<Float>, tokens n: Int, width w: Int, heads: Int,
                                        causal: Bool, probs: UnsafeMutablePointer<Float>,
                                        context: UnsafeMutablePointer<Float>) {
        let d = w / heads
        let ld = 3 * w
        let scale = 1 / Float(d).squareRoot()
        for h in 0..<heads {
            let p = probs + h * n * n
            BLAS.gemm(transB: true, m: n, n: n, k: d, alpha: scale, a: qkv + h * d, lda: ld,
                      b: qkv + w + h * d, ldb: ld, c: p, ldc: n)
            if causal {
                Softmax.rows(p, rows: n, columns: n, stride: n) { $0 + 1 }
            } else {
                Softmax.rows(p, rows: n, columns: n, stride: n) { _ in n }
            }
            BLAS.gemm(m: n, n: d, k: n, a: p, lda: n, b: qkv + 2 * w + h * d, ldb: ld, c: context + h * d, ldc: w)
        }
    }

    /// Backward of `attentionForward`: dqkv[n, 3W] = d(q, k, v) from dcontext[n, W];
    /// `scratch` holds n·n floats.
    public static func attentionBackward(dcontext: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
                                         probs: UnsafePointer<Float>, tokens n: Int, width w: Int, heads: Int,
                                         dqkv: UnsafeMutablePointer<Float>, scratch dp: UnsafeMutablePointer<Float>) {
        let d = w / heads
        let ld = 3 * w
        let scale = 1 / Float(d).squareRoot()
        for h in 0..<heads {
            let p = probs + h * n * n
            let q = qkv + h * d, k = qkv + w + h * d, v = qkv + 2 * w + h * d
            let dq = dqkv + h * d, dk = dqkv + w + h * d, dv = dqkv + 2 * w + h * d
            let dctx = dcontext + h * d
            // dP[n, n] = dctx vᵀ ; dv = Pᵀ dctx
            BLAS.gemm(transB: true, m: n, n: n, k: d, a: dctx, lda: w, b: v, ldb: ld, c: dp, ldc: n)
            BLAS.gemm(transA: true, m: n, n: d, k: n, a: p, lda: n, b: dctx, ldb: w, c: dv, ldc: ld)
            // dS = softmax'(dP), scaled
            softmaxBackward(dy: dp, y: p, rows: n, columns: n, stride: n, dx: dp)
            // dq = dS k · s ; dk = dSᵀ q · s
            BLAS.gemm(m: n, n: d, k: n, alpha: scale, a: dp, lda: n, b: k, ldb: ld, c: dq, ldc: ld)
            BLAS.gemm(transA: true, m: n, n: d, k: n, alpha: scale, a: dp, lda: n, b: q, ldb: ld, c: dk, ldc: ld)
        }
    }

    // MARK: Residual block

    /// Activations of one pre-LN block over one sequence of `tokens` rows, kept for the backward.
    public final class BlockCache: @unchecked Sendable {
        /// Sequence length n.
        public let tokens: Int
        let x0, a1, mean1, rstd1, qkv, probs, context, x1, a2, mean2, rstd2, hidden, activated: Tensor
        // backward scratch
        let dA, dQKV, dContext, dHidden, dP: Tensor

        /// Allocates every buffer once for an n-token sequence.
        public init(tokens n: Int, width w: Int, mlpWidth m: Int, heads: Int) {
            tokens = n
            x0 = Tensor(zeros: [n, w]); a1 = Tensor(zeros: [n, w])
            mean1 = Tensor(zeros: [n]); rstd1 = Tensor(zeros: [n])
            qkv = Tensor(zeros: [n, 3 * w]); probs = Tensor(zeros: [heads, n, n])
            context = Tensor(zeros: [n, w]); x1 = Tensor(zeros: [n, w]); a2 = Tensor(zeros: [n, w])
            mean2 = Tensor(zeros: [n]); rstd2 = Tensor(zeros: [n])
            hidden = Tensor(zeros: [n, m]); activated = Tensor(zeros: [n, m])
            dA = Tensor(zeros: [n, w]); dQKV = Tensor(zeros: [n, 3 * w]); dContext = Tensor(zeros: [n, w])
            dHidden = Tensor(zeros: [n, m]); dP = Tensor(zeros: [n, n])
        }
    }

    /// x[n, W] ← block(x) in place (`x += attn(ln_1 x)`, `x += mlp(ln_2 x)`), filling `cache`.
    public static func residualBlockForward(_ block: ResidualBlock, x: UnsafeMutablePointer<Float>, causal: Bool,
                                            cache c: BlockCache) {
        let n = c.tokens
        let w = block.width
        let m = block.fc.outFeatures
        c.x0.pointer.update(from: x, count: n * w)
        layerNormForward(x, rows: n, width: w, gamma: block.ln1.weight.pointer, beta: block.ln1.bias.pointer,
                         eps: block.ln1.eps, y: c.a1.pointer, mean: c.mean1.pointer, rstd: c.rstd1.pointer)
        block.attention.projectQKV(tokens: n, input: c.a1.pointer, qkv: c.qkv.pointer)
        attentionForward(qkv: c.qkv.pointer, tokens: n, width: w, heads: block.attention.heads, causal: causal,
                         probs: c.probs.pointer, context: c.context.pointer)
        block.attention.projectOut(tokens: n, context: c.context.pointer, output: x, accumulate: true)
        c.x1.pointer.update(from: x, count: n * w)
        layerNormForward(x, rows: n, width: w, gamma: block.ln2.weight.pointer, beta: block.ln2.bias.pointer,
                         eps: block.ln2.eps, y: c.a2.pointer, mean: c.mean2.pointer, rstd: c.rstd2.pointer)
        block.fc.apply(rows: n, input: c.a2.pointer, inputStride: w, output: c.hidden.pointer, outputStride: m)
        c.activated.pointer.update(from: c.hidden.pointer, count: n * m)
        block.activation.apply(c.activated.pointer, count: n * m)
        block.proj.apply(rows: n, input: c.activated.pointer, inputStride: m, output: x, outputStride: w,
                         accumulate: true)
    }

    /// dx[n, W]: on entry d(block output), on exit d(block input). Weights are frozen (no dW).
    public static func residualBlockBackward(_ block: ResidualBlock, cache c: BlockCache,
                                             dx: UnsafeMutablePointer<Float>) {
        let n = c.tokens
        let w = block.width
        let m = block.fc.outFeatures
        // MLP branch: dx1 = dx2 + ln2'(fc'(act'(proj'(dx2))))
        c.dHidden.pointer.update(repeating: 0, count: n * m)
        linearBackward(dy: dx, x: nil, weight: block.proj.weight.pointer, rows: n, inFeatures: m, outFeatures: w,
                       dx: c.dHidden.pointer)
        activationBackward(block.activation, dy: c.dHidden.pointer, x: c.hidden.pointer, count: n * m,
                           dx: c.dHidden.pointer)
        c.dA.pointer.update(repeating: 0, count: n * w)
        linearBackward(dy: c.dHidden.pointer, x: nil, weight: block.fc.weight.pointer, rows: n, inFeatures: w,
                       outFeatures: m, dx: c.dA.pointer)
        layerNormBackward(dy: c.dA.pointer, x: c.x1.pointer, mean: c.mean2.pointer, rstd: c.rstd2.pointer,
                          gamma: block.ln2.weight.pointer, rows: n, width: w, dx: dx)
        // attention branch: dx0 = dx1 + ln1'(in'(attn'(out'(dx1))))
        c.dContext.pointer.update(repeating: 0, count: n * w)
        linearBackward(dy: dx, x: nil, weight: block.attention.outProjection.weight.pointer, rows: n,
                       inFeatures: w, outFeatures: w, dx: c.dContext.pointer)
        attentionBackward(dcontext: c.dContext.pointer, qkv: c.qkv.pointer, probs: c.probs.pointer, tokens: n,
                          width: w, heads: block.attention.heads, dqkv: c.dQKV.pointer, scratch: c.dP.pointer)
        c.dA.pointer.update(repeating: 0, count: n * w)
        linearBackward(dy: c.dQKV.pointer, x: nil, weight: block.attention.inProjection.weight.pointer, rows: n,
                       inFeatures: w, outFeatures: 3 * w, dx: c.dA.pointer)
        layerNormBackward(dy: c.dA.pointer, x: c.x0.pointer, mean: c.mean1.pointer, rstd: c.rstd1.pointer,
                          gamma: block.ln1.weight.pointer, rows: n, width: w, dx: dx)
    }

    // MARK: Resampling

    /// Adjoint of `BilinearResize.resize` (align_corners=False): dInput += Rᵀ dOutput, per channel.
    public static func bilinearResizeBackward(channels: Int,
                                              dOutput: UnsafePointer<Float>, outHeight: Int, outWidth: Int,
                                              outLayout: BilinearResize.Layout,
                                              dInput: UnsafeMutablePointer<Float>, inHeight: Int, inWidth: Int,
                                              inLayout: BilinearResize.Layout) {
        let rowTaps = BilinearResize.taps(inSize: inHeight, outSize: outHeight)
        let colTaps = BilinearResize.taps(inSize: inWidth, outSize: outWidth)
        for c in 0..<channels {
            let src = dOutput + c * outLayout.channelStride
            let dst = dInput + c * inLayout.channelStride
            for oy in 0..<outHeight {
                let ty = rowTaps[oy]
                let r0 = dst + ty.i0 * inLayout.rowStride
                let r1 = dst + ty.i1 * inLayout.rowStride
                for ox in 0..<outWidth {
                    let tx = colTaps[ox]
                    let g = src[oy * outLayout.rowStride + ox * outLayout.columnStride]
                    let a = tx.i0 * inLayout.columnStride
                    let b = tx.i1 * inLayout.columnStride
                    r0[a] += ty.w0 * tx.w0 * g
                    r0[b] += ty.w0 * tx.w1 * g
                    r1[a] += ty.w1 * tx.w0 * g
                    r1[b] += ty.w1 * tx.w1 * g
                }
            }
        }
    }

    // MARK: Vectors

    /// y[n] = x / ‖x‖ (as torch `x / x.norm()`); returns ‖x‖.
    @discardableResult
    public static func l2NormalizeForward(_ x: UnsafePointer<Float>, count n: Int, y: UnsafeMutablePointer<Float>) -> Float {
        var sq: Float = 0
        for i in 0..<n { sq += x[i] * x[i] }
        let norm = sq.squareRoot()
        for i in 0..<n { y[i] = x[i] / norm }
        return norm
    }

    /// dx[n] += (dy − y (y·dy)) / ‖x‖ for y = x / ‖x‖.
    public static func l2NormalizeBackward(dy: UnsafePointer<Float>, y: UnsafePointer<Float>, norm: Float, count n: Int,
                                           dx: UnsafeMutablePointer<Float>) {
        var dot: Float = 0
        for i in 0..<n { dot += y[i] * dy[i] }
        for i in 0..<n { dx[i] += (dy[i] - y[i] * dot) / norm }
    }

    /// For pooled features `f[E] = row[W] P` (P [W, E], the text projection): dRow[W] += P dF.
    public static func projectionBackward(dFeature: UnsafePointer<Float>, projection: UnsafePointer<Float>,
                                          width w: Int, embedDim e: Int, dRow: UnsafeMutablePointer<Float>) {
        BLAS.gemm(transB: true, m: 1, n: w, k: e, a: dFeature, lda: e, b: projection, ldb: e, beta: 1,
                  c: dRow, ldc: w)
    }
}
