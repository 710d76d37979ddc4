import Foundation

/// The MLP non-linearity. OpenAI CLIP (and so AnomalyCLIP) uses QuickGELU; many OpenCLIP
/// and Hugging Face checkpoints use the exact erf GELU, so the checkpoint config decides.
public enum Activation: String, Sendable, Codable {
    /// `x * sigmoid(1.702 x)`.
    case quickGELU = "quick_gelu"
    /// `0.5 x (1 + erf(x / sqrt 2))`.
    case gelu = "gelu"

    /// Applies the activation in place to `count` values.
    @inline(__always)
    public func apply(_ data: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachChunk(count, minimumPerChunk: 32_768) { range in
            applySerial(data + range.lowerBound, count: range.count)
        }
    }

    /// Applies the activation in place on the calling thread (GEMM epilogues run on workers).
    /// QuickGELU is vectorised with `FastExp`; `NaiveKernels.activation` is the `expf` twin.
    @inline(__always)
    func applySerial(_ data: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .quickGELU:
            let lanes = FastExp.lanes
            let body = count - count % lanes
            var i = 0
            while i < body {
                let x = FastExp.load(data + i)
                FastExp.store(x / (1 + FastExp.exp(x * -1.702)), data + i)
                i += lanes
            }
            for j in body..<count {
                let x = data[j]
                data[j] = x / (1 + FastExp.exp(-1.702 * x))
            }
        case .gelu:
            let invSqrt2: Float = 0.70710678118654752
            for i in 0..<count {
                let x = data[i]
                data[i] = 0.5 * x * (1 + erff(x * invSqrt2))
            }
        }
    }
}
