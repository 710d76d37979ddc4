import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How much of the machine the engine may use. Background prompt retraining runs beside the
/// inspection daemon on the same few cores, so it limits itself to one thread (and, through
/// the daemon's `ProcessPriority`, drops to the lowest scheduling class).
public enum ComputeBudget {
    /// Caps both OpenBLAS and the element-wise kernels (`Parallel`) at `threads` (at least 1).
    public static func limit(threads: Int) {
        let count = max(1, threads)
        BLAS.setThreads(count)
        Parallel.cap = count
    }
}
