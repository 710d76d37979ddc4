@testable import Engine
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The background-retraining budget: thread caps for BLAS and `Parallel`.
@Suite(.serialized) struct ComputeBudgetTests {
    @Test func limitCapsBLASAndParallel() {
        let previousThreads = BLAS.threads
        let previousCap = Parallel.cap
        defer {
            BLAS.setThreads(previousThreads)
            Parallel.cap = previousCap
        }
        ComputeBudget.limit(threads: 1)
        #expect(BLAS.threads == 1)
        #expect(Parallel.cap == 1)
        #expect(Parallel.cores == 1)
        ComputeBudget.limit(threads: 0)
        #expect(Parallel.cap == 1, "a zero budget still leaves one thread")
        Parallel.cap = Int.max
        #expect(Parallel.cores == Parallel.processors)
    }
}
