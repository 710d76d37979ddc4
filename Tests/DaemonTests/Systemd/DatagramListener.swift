import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A stand-in for systemd's notification socket: binds an AF_UNIX datagram socket (a path in a
/// fresh temp directory, or an abstract name) and hands back what arrives. Builds its address
/// independently of `NotifyDatagram` so a shared mistake cannot make both sides agree.
final class DatagramListener {
    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    let address: String
    private let fd: Int32
    private let directory: URL?

    init(abstract: Bool) throws {
        let token = UUID().uuidString.prefix(8)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var pathBytes: [UInt8]
        if abstract {
            address = "@inspectd-test-\(token)"
            directory = nil
            pathBytes = [0] + Array("inspectd-test-\(token)".utf8)
        } else {
            let dir = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
                .appendingPathComponent("inspectd-notify-\(token)", isDirectory: true)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            directory = dir
            address = dir.appendingPathComponent("notify.sock").path
            pathBytes = Array(address.utf8) + [0]
        }
        guard pathBytes.count <= MemoryLayout.size(ofValue: addr.sun_path) else {
            throw SetupError(description: "socket path too long: \(address)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)

        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SetupError(description: "socket: errno \(errno)") }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw SetupError(description: "bind \(address): errno \(code)")
        }
    }

    /// The next datagram as text, or nil if none arrives within the timeout.
    func receive(timeoutMilliseconds: Int32 = 2_000) -> String? {
        var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&request, 1, timeoutMilliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    deinit {
        close(fd)
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
}
