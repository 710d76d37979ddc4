/// Small vector helpers for embeddings (L2 normalisation, dot products).
public enum VectorMath {
    /// `v / ||v||`, as torch's `x / x.norm()`; a zero vector stays zero.
    public static func normalized(_ v: [Float]) -> [Float] {
        var sq: Float = 0
        for x in v { sq += x * x }
        let norm = sq.squareRoot()
        guard norm > 0 else { return v }
        return v.map { $0 / norm }
    }

    /// Dot product of equal-length vectors.
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        for i in 0..<min(a.count, b.count) { s += a[i] * b[i] }
        return s
    }
}
