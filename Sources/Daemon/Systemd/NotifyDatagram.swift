#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The sd_notify wire protocol done by hand, for a `NOTIFY_SOCKET` that is not the one in the
/// process environment (libsystemd offers no call that takes the address as a parameter).
/// Also systemd's side of it, for tests and `engine-bench daemon` that stand in for systemd.
public enum NotifyDatagram {
    /// A datagram socket bound to the filesystem `path` (replacing a stale file), close-on-exec:
    /// what systemd listens on. Nil with `errno` set when it cannot be made.
    public static func receiver(path: String) -> Int32? {
        guard let (address, length) = makeAddress(path), path.hasPrefix("/") else { return nil }
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var socketAddress = address
        let bound = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            errno = code
            return nil
        }
        return fd
    }

    /// Sends one datagram to a filesystem path ("/run/...") or an abstract address ("@name").
    /// Returns false for any other address form or any socket error; never throws.
    static func send(_ payload: [UInt8], to address: String) -> Bool {
        guard let (address, length) = makeAddress(address) else { return false }
        var socketAddress = address
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let sent = payload.withUnsafeBytes { bytes in
            withUnsafePointer(to: &socketAddress) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), generic, length)
                }
            }
        }
        return sent == payload.count
    }

    /// Builds the address the way libsystemd does: a path keeps its terminating NUL in the
    /// length, an abstract name replaces '@' with NUL and has no terminator.
    static func makeAddress(_ address: String) -> (sockaddr_un, socklen_t)? {
        var bytes = Array(address.utf8)
        guard let first = bytes.first else { return nil }
        let isAbstract = first == UInt8(ascii: "@")
        guard isAbstract || first == UInt8(ascii: "/") else { return nil }
        if isAbstract {
            bytes[0] = 0
        } else {
            bytes.append(0)
        }
        var result = sockaddr_un()
        result.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: result.sun_path)
        guard bytes.count <= capacity, !(isAbstract && bytes.count < 2) else { return nil }
        withUnsafeMutableBytes(of: &result.sun_path) { path in
            path.copyBytes(from: bytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? MemoryLayout<sa_family_t>.size
        return (result, socklen_t(pathOffset + bytes.count))
    }
}
