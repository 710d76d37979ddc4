import Foundation

/// A shared "next task" counter for `Parallel.forEachTask(_:workers:_:)`.
final class TaskCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// The next task index (0, 1, 2, …), each handed out once.
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let v = value
        value += 1
        return v
    }
}
