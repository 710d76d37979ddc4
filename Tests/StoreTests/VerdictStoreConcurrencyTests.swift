import Foundation
import Inspection
import Store
import Testing
import TestSupport

@Suite struct VerdictStoreConcurrencyTests {
    /// Collects what the threads saw; NSLock because the test must also build for macOS 14.
    final class Observations: @unchecked Sendable {
        private let lock = NSLock()
        private var errors: [String] = []
        private var finished = false
        private(set) var reads = 0

        func record(_ error: any Error) { lock.withLock { errors.append(String(describing: error)) } }
        func markFinished() { lock.withLock { finished = true } }
        var isFinished: Bool { lock.withLock { finished } }
        func countRead() { lock.withLock { reads += 1 } }
        var allErrors: [String] { lock.withLock { errors } }
    }

    /// The daemon inserts, claims and completes a few hundred images while a reader process's
    /// connection reads continuously: no busy errors, and the reader only ever sees totals grow.
    @Test func writerAndReaderRunConcurrently() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        let writer = try VerdictStore.openForWriting(path: path)
        let reader = try VerdictStore.openReadOnly(path: path)
        let seen = Observations()
        let total = 300
        let t0 = StoreSamples.dayStart

        DispatchQueue.concurrentPerform(iterations: 2) { role in
            if role == 0 {
                defer { seen.markFinished() }
                do {
                    for i in 0..<total {
                        let station = i % 3 == 0 ? "line-2" : "line-1"
                        try writer.recordDiscovered(StoreSamples.file(i, station: station, hash: "hash-\(i)"),
                                                    at: t0 + Double(i))
                        if i % 2 == 0, let claimed = try writer.claimNext(at: t0 + Double(i)) {
                            try writer.complete(id: claimed.id, with: StoreSamples.verdict(i % 4 == 0 ? .pass : .fail),
                                                at: t0 + Double(i) + 0.5)
                        }
                    }
                } catch {
                    seen.record(error)
                }
            } else {
                var lastTotal = 0
                var lastDone = 0
                repeat {
                    do {
                        let counts = try reader.counts()
                        let sum = counts.values.reduce(0, +)
                        let done = counts[.done] ?? 0
                        if sum < lastTotal || done < lastDone {
                            seen.record(InspectionError.database(path: path, reason: "counts went backwards"))
                        }
                        lastTotal = sum
                        lastDone = done
                        _ = try reader.records(VerdictFilter(limit: 20))
                        _ = try reader.stats(VerdictFilter(), bucket: .hour)
                        seen.countRead()
                    } catch {
                        seen.record(error)
                    }
                } while !seen.isFinished
            }
        }

        #expect(seen.allErrors.isEmpty, "\(seen.allErrors.prefix(5))")
        #expect(seen.reads > 0)
        let counts = try reader.counts()
        #expect(counts.values.reduce(0, +) == total)
        #expect(counts[.done] == total / 2)
        #expect(counts[.processing] == 0)
        #expect(try reader.stats(VerdictFilter(), bucket: .none).map(\.total).reduce(0, +) == total)
    }
}
