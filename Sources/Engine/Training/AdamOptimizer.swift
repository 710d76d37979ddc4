import Foundation

/// `torch.optim.Adam` (no weight decay, no amsgrad) over a list of flat parameters.
public struct AdamOptimizer: Sendable {
    /// Step size (lr).
    public var learningRate: Float
    /// First-moment decay.
    public var beta1: Float
    /// Second-moment decay.
    public var beta2: Float
    /// Added to the bias-corrected RMS.
    public var epsilon: Float
    /// Steps taken so far.
    public private(set) var step = 0
    private var m: [[Float]] = []
    private var v: [[Float]] = []

    /// torch defaults unless given (AnomalyCLIP uses betas (0.5, 0.999)).
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// One step: `p -= lr / bc1 · m / (sqrt(v) / sqrt(bc2) + eps)`, torch's arithmetic.
    /// Moments start at zero on the first call; parameter shapes must stay the same.
    public mutating func update(_ parameters: inout [[Float]], gradients: [[Float]]) {
        if m.isEmpty {
            m = parameters.map { [Float](repeating: 0, count: $0.count) }
            v = m
        }
        step += 1
        let bc1 = 1 - powf(beta1, Float(step))
        let bc2 = 1 - powf(beta2, Float(step))
        let stepSize = learningRate / bc1
        let bc2Sqrt = bc2.squareRoot()
        for j in parameters.indices {
            for i in parameters[j].indices {
                let g = gradients[j][i]
                m[j][i] = m[j][i] * beta1 + (1 - beta1) * g
                v[j][i] = v[j][i] * beta2 + (1 - beta2) * g * g
                let denom = v[j][i].squareRoot() / bc2Sqrt + epsilon
                parameters[j][i] -= stepSize * m[j][i] / denom
            }
        }
    }
}
