import Daemon
import Foundation
import Glibc

/// systemd's side of sd_notify for `engine-bench daemon`: a datagram socket drained on a
/// thread of its own (an unread one blocks the sender after ten messages), every assignment
/// kept with the monotonic time it arrived.
final class NotifyRecorder: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received = [(time: Double, line: String)]()
    private var stopped = false

    init(path: String) throws {
        self.path = path
        guard let bound = NotifyDatagram.receiver(path: path) else { throw BenchFailure("bind \(path): errno \(errno)") }
        fd = bound
        Thread { [self] in drain() }.start()
    }

    /// Every assignment so far with its arrival time.
    var messages: [(time: Double, line: String)] { lock.withLock { received } }

    /// Waits for an assignment starting with `prefix` received after index `after`; its time.
    func wait(for prefix: String, after: Int = 0, timeout: Double) -> Double? {
        let deadline = Self.monotonic() + timeout
        repeat {
            if let hit = messages.dropFirst(after).first(where: { $0.line.hasPrefix(prefix) }) { return hit.time }
            usleep(20_000)
        } while Self.monotonic() < deadline
        return nil
    }

    func stop() {
        lock.withLock { stopped = true }
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !lock.withLock({ stopped }) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0 else { continue }
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                guard n > 0 else { break }
                let now = Self.monotonic()
                let lines = String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n").map(String.init)
                lock.withLock { received += lines.map { (now, $0) } }
            }
        }
        close(fd)
        unlink(path)
    }

    /// CLOCK_MONOTONIC in seconds.
    static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
