import Daemon
import Foundation
import Glibc

/// A real AF_UNIX datagram socket standing in for systemd's notify socket: collects every
/// sd_notify message the daemon sends. Like systemd, it drains the socket all the time (on a
/// thread of its own): a datagram socket that nobody reads fills after ten messages
/// (net.unix.max_dgram_qlen) and then blocks the sender.
final class NotifyListener: @unchecked Sendable {
    /// What the drain thread has read; shared without keeping the listener alive.
    private final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        /// When each line arrived (monotonic seconds), parallel to `lines`.
        private var times: [Double] = []
        private var stopped = false

        func append(_ new: [String]) {
            let now = NotifyListener.monotonic()
            lock.withLock {
                lines.append(contentsOf: new)
                times.append(contentsOf: new.map { _ in now })
            }
        }
        var all: [String] { lock.withLock { lines } }
        var timed: [(time: Double, line: String)] { lock.withLock { Array(zip(times, lines)) } }
        var isStopped: Bool { lock.withLock { stopped } }
        func stop() { lock.withLock { stopped = true } }
    }

    let path: String
    private let fd: Int32
    private let inbox = Inbox()
    private let drained = DispatchSemaphore(value: 0)

    init(path: String) throws {
        self.path = path
        guard let bound = NotifyDatagram.receiver(path: path) else { throw HarnessError("bind \(path): errno \(errno)") }
        fd = bound
        let (socket, inbox, drained) = (fd, inbox, drained)
        Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !inbox.isStopped {
                var pfd = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 50) > 0 else { continue }
                while true {
                    let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                    guard n > 0 else { break }
                    inbox.append(String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n").map(String.init))
                }
            }
            drained.signal()
        }.start()
    }

    /// All assignments received so far.
    var messages: [String] { inbox.all }

    /// Waits until an assignment equal to (or starting with) `text` arrives after index `after`.
    func wait(for text: String, after: Int = 0, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if inbox.all.dropFirst(after).contains(where: { $0 == text || $0.hasPrefix(text) }) { return true }
            usleep(20_000)
        } while Date() < deadline
        return inbox.all.dropFirst(after).contains { $0 == text || $0.hasPrefix(text) }
    }

    /// Number of assignments received so far (a cursor for `wait(after:)`).
    var count: Int { messages.count }

    /// Every assignment with the time it arrived (`NotifyListener.monotonic()` seconds).
    var timedMessages: [(time: Double, line: String)] { inbox.timed }

    /// CLOCK_MONOTONIC in seconds, the clock of `timedMessages`.
    static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    deinit {
        inbox.stop()
        drained.wait()
        close(fd)
        unlink(path)
    }
}
