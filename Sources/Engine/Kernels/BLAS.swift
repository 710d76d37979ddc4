import CBLAS

/// The one place that talks to CBLAS; everything else calls these wrappers so the BLAS
/// backend (and its threading) can be swapped or tuned in one file.
public enum BLAS {
    /// Row-major `C = alpha * op(A) * op(B) + beta * C` with `op(A)` m×k, `op(B)` k×n.
    @inline(__always)
    public static func gemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans,
                    transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets the number of OpenBLAS threads (e.g. 1 for background retraining).
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// Current number of OpenBLAS threads.
    public static var threads: Int { Int(openblas_get_num_threads()) }
}
