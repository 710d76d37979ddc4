import Engine
import Foundation

/// `scipy.ndimage.gaussian_filter` for 2-D float32 maps: separable, kernel
/// `exp(-x²/2σ²)` normalised, radius `Int(truncate·σ + 0.5)`, boundary mode `reflect`
/// (half-sample symmetric: d c b a | a b c d | d c b a), axis 0 (columns of each row… i.e.
/// along y) first, then axis 1. `apply` runs the fast separable kernel (`SeparableBlur`, Float
/// accumulation, vectorised, split across the engine's workers); `applyNaive` is its twin with
/// scipy's arithmetic (each pass accumulated in Double, stored as Float32).
public struct GaussianFilter: Sendable {
    /// Standard deviation in pixels.
    public let sigma: Double
    /// Kernel half-width.
    public let radius: Int
    private let weights: [Double]
    private let floatWeights: [Float]

    /// A filter of `sigma` pixels truncated at `truncate` standard deviations (scipy's default 4).
    public init(sigma: Double, truncate: Double = 4) {
        self.sigma = sigma
        let r = sigma > 0 ? Int(truncate * sigma + 0.5) : 0
        radius = r
        var w = (-r...r).map { x in exp(-0.5 * Double(x * x) / max(sigma * sigma, .leastNonzeroMagnitude)) }
        if r == 0 { w = [1] }
        let sum = w.reduce(0, +)
        weights = w.map { $0 / sum }
        floatWeights = weights.map { Float($0) }
    }

    /// Index into 0..<n for position `i` under half-sample symmetric reflection.
    @inline(__always)
    static func reflect(_ i: Int, _ n: Int) -> Int {
        SeparableBlur.reflect(i, n)
    }

    /// Smooths a `height`×`width` row-major map.
    public func apply(_ map: [Float], width: Int, height: Int) -> [Float] {
        guard radius > 0, map.count == width * height, width > 0, height > 0 else { return map }
        var out = [Float](repeating: 0, count: map.count)
        map.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                guard let i = input.baseAddress, let o = output.baseAddress else { return }
                SeparableBlur.apply(weights: floatWeights, input: i, output: o, width: width, height: height)
            }
        }
        return out
    }

    /// Twin of `apply`: scipy's loops, each pass accumulated in Double.
    public func applyNaive(_ map: [Float], width: Int, height: Int) -> [Float] {
        guard radius > 0, map.count == width * height, width > 0, height > 0 else { return map }
        var vertical = [Float](repeating: 0, count: map.count)
        let r = radius
        // Axis 0 (down the columns).
        for y in 0..<height {
            for x in 0..<width {
                var acc = 0.0
                for k in -r...r {
                    acc += weights[k + r] * Double(map[Self.reflect(y + k, height) * width + x])
                }
                vertical[y * width + x] = Float(acc)
            }
        }
        // Axis 1 (along the rows).
        var out = [Float](repeating: 0, count: map.count)
        for y in 0..<height {
            let row = y * width
            for x in 0..<width {
                var acc = 0.0
                for k in -r...r {
                    acc += weights[k + r] * Double(vertical[row + Self.reflect(x + k, width)])
                }
                out[row + x] = Float(acc)
            }
        }
        return out
    }
}
