/// Per-row LayerNorm with affine parameters, as `torch.nn.LayerNorm` computes it (biased
/// variance, eps inside the square root), two-pass so large means do not cancel.
public struct LayerNorm: Sendable {
    /// Scale, one per channel.
    public let weight: Tensor
    /// Shift, one per channel.
    public let bias: Tensor
    /// Added to the variance.
    public let eps: Float

    /// Wraps loaded parameters; both must have the same length.
    public init(weight: Tensor, bias: Tensor, eps: Float) {
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    /// Channels per row.
    public var width: Int { weight.count }

    /// Normalises `rows` rows of `width` values from `input` (row stride `inputStride`) into
    /// `output` (row stride `width`). `input` and `output` may alias when strides agree.
    @inline(__always)
    public func apply(rows: Int, input: UnsafePointer<Float>, inputStride: Int,
                      output: UnsafeMutablePointer<Float>) {
        let w = width
        let gamma = UnsafePointer(weight.pointer)
        let beta = UnsafePointer(bias.pointer)
        Parallel.forEachChunk(rows, minimumPerChunk: max(1, 32_768 / max(w, 1))) { range in
            for r in range {
                normaliseRow(input + r * inputStride, output + r * w, width: w, gamma: gamma, beta: beta)
            }
        }
    }

    /// Normalises `rows` contiguous rows in place.
    @inline(__always)
    public func apply(rows: Int, inPlace data: UnsafeMutablePointer<Float>) {
        apply(rows: rows, input: UnsafePointer(data), inputStride: width, output: data)
    }

    /// One row, eight lanes at a time (`NaiveKernels.layerNorm` is the scalar Double twin).
    @inline(__always)
    private func normaliseRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, width w: Int,
                              gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>) {
        let lanes = FastExp.lanes
        let body = w - w % lanes
        var sumVector = SIMD8<Float>()
        var i = 0
        while i < body {
            sumVector += FastExp.load(x + i)
            i += lanes
        }
        var sum = sumVector.sum()
        for j in body..<w { sum += x[j] }
        let mean = sum / Float(w)
        let meanVector = SIMD8<Float>(repeating: mean)
        var squareVector = SIMD8<Float>()
        i = 0
        while i < body {
            let d = FastExp.load(x + i) - meanVector
            squareVector += d * d
            i += lanes
        }
        var sq = squareVector.sum()
        for j in body..<w {
            let d = x[j] - mean
            sq += d * d
        }
        let inv = 1 / (sq / Float(w) + eps).squareRoot()
        let invVector = SIMD8<Float>(repeating: inv)
        i = 0
        while i < body {
            let value = (FastExp.load(x + i) - meanVector) * invVector * FastExp.load(gamma + i) + FastExp.load(beta + i)
            FastExp.store(value, y + i)
            i += lanes
        }
        for j in body..<w { y[j] = (x[j] - mean) * inv * gamma[j] + beta[j] }
    }
}
