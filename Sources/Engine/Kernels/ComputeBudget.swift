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

    /// Runs `body` with the engine's workers capped at `threads` on the calling thread only
    /// (the rest of the process keeps its budget), then restores the previous cap. With one
    /// thread every product, attention tile and element-wise kernel runs on the caller itself,
    /// so a background job cannot take the scoring thread's workers.
    public static func withThreadLimit<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(Parallel.threadCapKey)
        pthread_setspecific(Parallel.threadCapKey, UnsafeRawPointer(bitPattern: max(1, threads)))
        defer { pthread_setspecific(Parallel.threadCapKey, previous) }
        return try body()
    }

    /// The engine's worker count on the calling thread.
    public static var threads: Int { Parallel.cores }
}
