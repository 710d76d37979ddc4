import Dispatch
import Foundation

/// Splits element-wise work (softmax rows, activations, LayerNorm rows) across the cores BLAS
/// already uses, so the non-GEMM share of a forward does not run on one core while the
/// others idle. Work below `minimumPerChunk` items stays on the calling thread.
enum Parallel {
    /// Processors the OS lets us run on, read once.
    static let processors = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Upper bound on `cores`, lowered by `ComputeBudget.limit(threads:)` so a background
    /// retraining stays on one core. Set at start-up, before work is split; a plain Int read per
    /// call keeps `forEachChunk` cheap.
    nonisolated(unsafe) static var cap = Int.max

    /// Cores to split over.
    static var cores: Int { min(processors, max(1, cap)) }

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
