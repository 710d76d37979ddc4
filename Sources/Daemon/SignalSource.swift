import Glibc

/// The write end of the self-pipe, read by the async-signal-safe handler (a C handler cannot
/// capture context). Set once before the handlers are installed.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// SIGHUP/SIGTERM/SIGINT turned into bytes on a pipe the single-threaded loop poll()s with
/// inotify (the self-pipe trick). A signalfd would need the signals blocked in every thread,
/// and OpenBLAS starts its threads before `main`; a handler that only write()s one byte is
/// async-signal-safe whichever thread the kernel picks. A SIGTERM during an image simply
/// waits in the pipe until the loop looks again.
final class SignalSource {
    /// What the loop should do.
    enum Request: Equatable {
        case reload
        case stop(signal: Int32)

        /// SIGTERM or SIGINT.
        var isStop: Bool {
            if case .stop = self { return true }
            return false
        }
    }

    let fileDescriptor: Int32
    private let writeEnd: Int32

    /// Creates the pipe and installs the handlers (SA_RESTART so other syscalls continue).
    init() throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw DaemonError.system(call: "pipe", errno: errno, detail: String(cString: strerror(errno)))
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        fileDescriptor = fds[0]
        writeEnd = fds[1]
        signalPipeWriteEnd = fds[1]
        for s in [SIGHUP, SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                var byte = UInt8(truncatingIfNeeded: signal)
                _ = write(signalPipeWriteEnd, &byte, 1)
            }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            guard sigaction(s, &action, nil) == 0 else {
                throw DaemonError.system(call: "sigaction", errno: errno, detail: String(cString: strerror(errno)))
            }
        }
        // A parent may have started us with these blocked (the mask is inherited across exec);
        // unblock them on this thread so at least one thread always takes them.
        var mask = sigset_t()
        sigemptyset(&mask)
        for s in [SIGHUP, SIGTERM, SIGINT] { sigaddset(&mask, s) }
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }

    /// Pending requests, oldest first (non-blocking).
    func drain() -> [Request] {
        var out = [Request]()
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            for byte in buffer[0..<n] {
                let signal = Int32(byte)
                out.append(signal == SIGHUP ? .reload : .stop(signal: signal))
            }
        }
        return out
    }

    deinit {
        for s in [SIGHUP, SIGTERM, SIGINT] { signal(s, SIG_DFL) }
        close(fileDescriptor)
        close(writeEnd)
    }
}
