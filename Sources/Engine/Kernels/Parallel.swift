import Dispatch
import Foundation

/// The engine's workers, which own the cores (OpenBLAS stays on one thread, see `BLAS`):
/// tiles of large products, attention tiles, and element-wise work (softmax rows, activations,
/// LayerNorm rows). Work below `minimumPerChunk` items stays on the calling thread.
enum Parallel {
    /// Processors the OS lets us run on, read once.
    static let processors = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Upper bound on `cores`, lowered by `ComputeBudget.limit(threads:)` so a background
    /// retraining stays on one core. Set at start-up, before work is split; a plain Int read per
    /// call keeps `forEachChunk` cheap.
    nonisolated(unsafe) static var cap = Int.max

    /// The calling thread's own cap (0: none), set by `ComputeBudget.withThreadLimit`: a
    /// background fit in the daemon runs beside the scoring thread in the same process, so the
    /// process-wide `cap` cannot tell them apart. Stored as the pointer's bit pattern.
    static let threadCapKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The calling thread's cap, 0 when none is set.
    static var threadCap: Int { Int(bitPattern: pthread_getspecific(threadCapKey)) }

    /// Cores to split over: the process cap, lowered by the calling thread's cap.
    static var cores: Int {
        let process = min(processors, max(1, cap))
        let local = threadCap
        return local > 0 ? min(process, local) : process
    }

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

    /// Calls `body(task)` once for every task in 0..<count; idle workers take the next task, so
    /// uneven tasks or a core busy with another process do not stall the rest.
    /// At most `cores` workers run, so a thread budget holds on machines with more cores.
    @inline(__always)
    static func forEachTask(_ count: Int, _ body: (Int) -> Void) {
        forEachTask(count, workers: cores) { _, task in body(task) }
    }

    /// Runs `min(cores, count)` workers; each calls `body(worker, task)` for the tasks it takes
    /// from a shared counter, and may use per-worker scratch indexed by `worker`.
    static func forEachTask(_ count: Int, workers: Int, _ body: (Int, Int) -> Void) {
        let used = min(workers, count)
        guard used > 1 else {
            for task in 0..<count { body(0, task) }
            return
        }
        let counter = TaskCounter()
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: used) { worker in
            while true {
                let task = counter.next()
                if task >= count { break }
                body(worker, task)
            }
        }
    }
}
