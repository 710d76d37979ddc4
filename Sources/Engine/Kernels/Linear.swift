/// A PyTorch-layout linear layer: `weight` is [out, in], `y = x W^T + b`. Kept in the
/// checkpoint's layout so loading is a straight conversion and BLAS does the transpose.
public struct Linear: Sendable {
    /// [outFeatures, inFeatures].
    public let weight: Tensor
    /// [outFeatures], or nil for bias-free layers.
    public let bias: Tensor?
    /// Input width.
    public let inFeatures: Int
    /// Output width.
    public let outFeatures: Int

    /// Wraps loaded parameters.
    public init(weight: Tensor, bias: Tensor?) {
        self.weight = weight
        self.bias = bias
        outFeatures = weight.shape.first ?? 0
        inFeatures = weight.shape.count > 1 ? weight.shape[1] : 0
    }

    /// `output[rows, out] = input[rows, in] W^T + b` (input row stride `inputStride`,
    /// output row stride `outputStride`); `accumulate` adds to `output` instead (residuals).
    @inline(__always)
    public func apply(rows: Int, input: UnsafePointer<Float>, inputStride: Int,
                      output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool = false) {
        BLAS.gemm(transB: true, m: rows, n: outFeatures, k: inFeatures,
                  a: input, lda: inputStride, b: weight.pointer, ldb: inFeatures,
                  beta: accumulate ? 1 : 0, c: output, ldc: outputStride)
        if let bias {
            let b = bias.pointer
            let n = outFeatures
            for r in 0..<rows {
                let row = output + r * outputStride
                for j in 0..<n { row[j] += b[j] }
            }
        }
    }
}
