import Foundation
import Store

/// An output's `OutputStatus`, shared between its threads and the heartbeat under one lock.
final class OutputCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var value: OutputStatus

    init(_ initial: OutputStatus) { value = initial }

    /// Changes the counters atomically.
    func update(_ change: (inout OutputStatus) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        change(&value)
    }

    /// Counts a failure and keeps its message for `inspectctl status`.
    func fail(_ message: String, at time: Double) {
        update {
            $0.failed += 1
            $0.lastError = message
            $0.lastErrorAt = time
        }
    }

    var snapshot: OutputStatus {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
