import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Seconds on CLOCK_MONOTONIC, for timeouts and retry intervals on output threads.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// A connected pair of Unix stream sockets, both close-on-exec from birth (pipe2 is not
/// exported to Swift; socketpair takes SOCK_CLOEXEC atomically), so a child started by another
/// thread at the same moment cannot inherit them. Writes use MSG_NOSIGNAL.
func closeOnExecSocketPair(nonBlocking: Bool) -> [Int32]? {
    var fds: [Int32] = [-1, -1]
    var type = SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue
    if nonBlocking { type |= SOCK_NONBLOCK.rawValue }
    guard socketpair(AF_UNIX, Int32(type), 0, &fds) == 0 else { return nil }
    return fds
}

/// Held while a descriptor exists without its close-on-exec flag (accept) and while a
/// command is spawned, so commands never inherit socket clients.
let descriptorLock = NSLock()
