import Dispatch
import Foundation

/// Splits element-wise work (softmax rows, activations, LayerNorm rows) across the cores BLAS
/// already uses, so the non-GEMM share of a forward does not run on one core while the
/// others idle. Work below `minimumPerChunk` items stays on the calling thread.
enum Parallel {
    /// Cores to split over.
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body` on disjoint sub-ranges covering 0..<count, concurrently when worthwhile.
    @inline(__always)
    static func forEachChunk(_ count: Int, minimumPerChunk: Int, _ body: (Range<Int>) -> Void) {
        let chunks = min(cores, count / max(minimumPerChunk, 1))
        guard chunks > 1 else {
            body(0..<count)
            return
        }
        // The chunks touch disjoint ranges of caller-owned buffers, so sharing `body` is safe.
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = count * c / chunks
            let end = count * (c + 1) / chunks
            body(start..<end)
        }
    }
}
