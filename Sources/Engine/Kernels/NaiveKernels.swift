/// Straightforward reference kernels kept beside the fast ones: the BLAS paths are tested
/// against these, and they document the exact arithmetic.
public enum NaiveKernels {
    /// Row-major `C = op(A) * op(B)` with triple loops and Double accumulation.
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            a: [Float], lda: Int, b: [Float], ldb: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(av) * Double(bv)
                }
                c[i * n + j] = Float(sum)
            }
        }
        return c
    }
}
