/// A vectorised `exp` for softmax and QuickGELU: Cephes' single-precision polynomial after a
/// round-to-nearest range reduction done with the 1.5·2²³ trick, so it needs only adds,
/// multiplies and integer shifts (no `floor`, which SSE2 lacks). Relative error ≤ 2 ulp over
/// [-87.3, 88]; inputs outside are clamped, so `exp(-inf)` gives ~1e-38 rather than 0.
enum FastExp {
    /// Lanes per vector.
    static let lanes = 8

    @inline(__always)
    static func exp(_ input: SIMD8<Float>) -> SIMD8<Float> {
        let x = pointwiseMin(pointwiseMax(input, SIMD8(repeating: -87.33654)), SIMD8(repeating: 88.0))
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let y = p * (r * r) + r + 1
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: SIMD8<Float>.self)
        return y * scale
    }

    /// Scalar form (one lane of the vector form), for tails.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        exp(SIMD8(repeating: x))[0]
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
