import Foundation

/// Lines a child writes to a pipe, collected on a reader thread and awaited by the parent.
final class LineCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var lines = [String]()
    private var closed = false

    /// Starts reading `handle` until end of file.
    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    condition.lock()
                    lines.append(line)
                    condition.broadcast()
                    condition.unlock()
                }
            }
            condition.lock()
            closed = true
            condition.broadcast()
            condition.unlock()
        }
        thread.start()
    }

    var snapshot: [String] {
        condition.lock()
        defer { condition.unlock() }
        return lines
    }

    /// Blocks until `predicate` holds for the lines so far; false on end of file or timeout.
    func wait(timeout: Double, until predicate: ([String]) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(lines) {
            if closed || !condition.wait(until: deadline) { return predicate(lines) }
        }
        return true
    }

    /// Blocks until the pipe reaches end of file.
    func waitForEnd(timeout: Double) -> Bool { wait(timeout: timeout) { _ in self.closed } }
}
