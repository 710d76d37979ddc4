import CBLAS

/// The one place that talks to CBLAS; everything else calls these wrappers so the BLAS
/// backend (and its threading) can be swapped or tuned in one file.
///
/// Threading: OpenBLAS is pinned to one thread for the life of the process and the engine's
/// own workers (`Parallel`) own the cores. `gemm` tiles large products over the workers, each
/// tile a single-threaded `cblas_sgemm`, so OpenBLAS's pool never spins beside our workers
/// (attention, softmax, LayerNorm) and the same code scales with the core count.
public enum BLAS {
    /// Forces OpenBLAS to one thread once, before the first product.
    private static let pinned: Void = openblas_set_num_threads(1)

    /// Products below this many multiply-adds run as one call on the calling thread.
    static let parallelThreshold = 1 << 21

    /// Row-major `C = alpha * op(A) * op(B) + beta * C` with `op(A)` m×k, `op(B)` k×n, tiled over
    /// the engine's workers when large. `epilogue(rows, columns)` runs on each finished tile of C
    /// while it is still in cache (bias, activation).
    @inline(__always)
    public static func gemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        epilogue: ((Range<Int>, Range<Int>) -> Void)? = nil
    ) {
        let tiles = GemmTiling(m: m, n: n, k: k, workers: Parallel.cores, threshold: parallelThreshold)
        guard tiles.count > 1 else {
            gemmSerial(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                       b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            epilogue?(0..<m, 0..<n)
            return
        }
        // Tiles write disjoint blocks of C and only read A and B.
        nonisolated(unsafe) let a = a, b = b, c = c
        nonisolated(unsafe) let epilogue = epilogue
        Parallel.forEachTask(tiles.count) { index in
            let (rows, columns) = tiles.tile(index)
            let aTile = transA ? a + rows.lowerBound : a + rows.lowerBound * lda
            let bTile = transB ? b + columns.lowerBound * ldb : b + columns.lowerBound
            gemmSerial(transA: transA, transB: transB, m: rows.count, n: columns.count, k: k, alpha: alpha,
                       a: aTile, lda: lda, b: bTile, ldb: ldb, beta: beta,
                       c: c + rows.lowerBound * ldc + columns.lowerBound, ldc: ldc)
            epilogue?(rows, columns)
        }
    }

    /// One `cblas_sgemm` on the calling thread (OpenBLAS is pinned to one thread), for callers
    /// that already run on a worker, such as attention tiles.
    @inline(__always)
    public static func gemmSerial(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = pinned
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans,
                    transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// OpenBLAS's own threaded `cblas_sgemm` with `threads` threads, then back to one: the
    /// machine's reference rate for benchmarks, never used by the engine.
    public static func gemmOpenBLASThreaded(
        threads: Int, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = pinned
        openblas_set_num_threads(Int32(max(1, threads)))
        defer { openblas_set_num_threads(1) }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }

    /// The engine's thread count: its workers own the cores, OpenBLAS stays on one thread.
    public static func setThreads(_ count: Int) {
        Parallel.cap = max(1, count)
    }

    /// Threads the engine's products use.
    public static var threads: Int { Parallel.cores }

    /// OpenBLAS's own thread count (1 once the engine has run a product).
    public static var openBLASThreads: Int { Int(openblas_get_num_threads()) }
}
