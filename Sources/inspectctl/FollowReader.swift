import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lines from one or more Unix stream sockets, reconnecting every second to a socket that
/// is missing or closed (a daemon restart), and saying so once on stderr.
struct FollowReader {
    private struct Source {
        let path: String
        var fd: Int32 = -1
        var partial = [UInt8]()
        var nextAttempt = 0.0
        var warned = false
    }

    private var sources: [Source]

    init(paths: [String]) { sources = paths.map { Source(path: $0) } }

    /// Blocks until at least one complete line arrives; returns the lines in arrival order.
    mutating func nextLines() -> [String] {
        while true {
            connectDue()
            var fds = sources.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let timeout: Int32 = sources.contains { $0.fd < 0 } ? 1000 : -1
            _ = poll(&fds, nfds_t(fds.count), timeout)
            var lines = [String]()
            for i in sources.indices where sources[i].fd >= 0 && fds[i].revents != 0 {
                lines += read(&sources[i])
            }
            if !lines.isEmpty { return lines }
        }
    }

    private mutating func connectDue() {
        let now = Date().timeIntervalSince1970
        for i in sources.indices where sources[i].fd < 0 && now >= sources[i].nextAttempt {
            sources[i].nextAttempt = now + 1
            let (fd, problem) = Self.connect(sources[i].path)
            if fd >= 0 {
                if sources[i].warned { FileHandle.standardError.write(Data("inspectctl: connected to \(sources[i].path)\n".utf8)) }
                sources[i].fd = fd
                sources[i].warned = false
            } else if !sources[i].warned {
                FileHandle.standardError.write(Data("inspectctl: \(sources[i].path): \(problem); retrying every second\n".utf8))
                sources[i].warned = true
            }
        }
    }

    private func read(_ source: inout Source) -> [String] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(source.fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 {
            if n < 0 && errno == EINTR { return [] }
            close(source.fd)
            source.fd = -1
            source.partial.removeAll()
            FileHandle.standardError.write(Data("inspectctl: \(source.path): connection closed; reconnecting\n".utf8))
            source.warned = true
            return []
        }
        source.partial += buffer[0..<n]
        var lines = [String]()
        while let newline = source.partial.firstIndex(of: 0x0A) {
            lines.append(String(decoding: source.partial[..<newline], as: UTF8.self))
            source.partial.removeSubrange(...newline)
        }
        return lines
    }

    /// A connected descriptor, or -1 and why not.
    static func connect(_ path: String) -> (Int32, String) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return (-1, String(cString: strerror(errno))) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            return (-1, "path too long for a Unix socket")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let problem = String(cString: strerror(errno))
            close(fd)
            return (-1, problem)
        }
        return (fd, "")
    }
}
