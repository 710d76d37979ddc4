import Foundation
import Glibc

/// A real AF_UNIX datagram socket standing in for systemd's notify socket: collects every
/// sd_notify message the daemon sends.
final class NotifyListener: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [String] = []

    init(path: String) throws {
        self.path = path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw HarnessError("socket path too long") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard r == 0 else { throw HarnessError("bind \(path): errno \(errno)") }
    }

    /// Reads whatever arrived within `timeout` seconds.
    private func pump(timeout: Double) {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard n > 0 else { break }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            lock.lock()
            received.append(contentsOf: text.split(separator: "\n").map(String.init))
            lock.unlock()
        }
    }

    /// All assignments received so far.
    var messages: [String] {
        pump(timeout: 0)
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// Waits until an assignment equal to (or starting with) `text` arrives after index `after`.
    func wait(for text: String, after: Int = 0, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            pump(timeout: 0.1)
            lock.lock()
            let found = received.dropFirst(after).contains { $0 == text || $0.hasPrefix(text) }
            lock.unlock()
            if found { return true }
        } while Date() < deadline
        return false
    }

    /// Number of assignments received so far (a cursor for `wait(after:)`).
    var count: Int { messages.count }

    deinit {
        close(fd)
        unlink(path)
    }
}
