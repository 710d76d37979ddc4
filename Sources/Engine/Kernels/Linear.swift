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

    /// `output[rows, out] = act(input[rows, in] W^T + b)` (input row stride `inputStride`,
    /// output row stride `outputStride`); `accumulate` adds to `output` instead (residuals).
    /// Bias and activation run on each tile of the product as it finishes, while it is in cache.
    @inline(__always)
    public func apply(rows: Int, input: UnsafePointer<Float>, inputStride: Int,
                      output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool = false,
                      activation: Activation? = nil) {
        let bias = bias?.pointer
        guard bias != nil || activation != nil else {
            BLAS.gemm(transB: true, m: rows, n: outFeatures, k: inFeatures,
                      a: input, lda: inputStride, b: weight.pointer, ldb: inFeatures,
                      beta: accumulate ? 1 : 0, c: output, ldc: outputStride)
            return
        }
        nonisolated(unsafe) let output = output
        nonisolated(unsafe) let b = bias
        BLAS.gemm(transB: true, m: rows, n: outFeatures, k: inFeatures,
                  a: input, lda: inputStride, b: weight.pointer, ldb: inFeatures,
                  beta: accumulate ? 1 : 0, c: output, ldc: outputStride) { tileRows, tileColumns in
            let width = tileColumns.count
            for r in tileRows {
                let row = output + r * outputStride + tileColumns.lowerBound
                if let b { BiasEpilogue.add(b + tileColumns.lowerBound, to: row, count: width) }
                activation?.applySerial(row, count: width)
            }
        }
    }
}
