#if canImport(Glibc)
import Glibc
#endif

/// Why a result output could not deliver a verdict; counted and logged, never fatal.
enum OutputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call on `path` failed (a full or missing folder, a socket that cannot bind).
    case system(call: String, path: String, errno: Int32)
    /// The command could not be started.
    case spawn(program: String, errno: Int32)
    /// The command ran longer than its timeout and was killed.
    case timedOut(program: String, seconds: Double)
    /// The command exited with a non-zero status.
    case exited(program: String, status: Int32, stderr: String)
    /// The command was killed by a signal it did not get from us.
    case signalled(program: String, signal: Int32)

    var description: String {
        switch self {
        case let .system(call, path, code): return "\(path): \(call) failed: \(String(cString: strerror(code)))"
        case let .spawn(program, code): return "cannot start \(program): \(String(cString: strerror(code)))"
        case let .timedOut(program, seconds):
            return "\(program) did not finish within \(seconds) s and was killed (SIGTERM, then SIGKILL)"
        case let .exited(program, status, stderr):
            return "\(program) exited with status \(status)" + (stderr.isEmpty ? "" : ": \(stderr)")
        case let .signalled(program, signal): return "\(program) was killed by signal \(signal)"
        }
    }

    /// The current errno for `call` on `path`.
    static func last(_ call: String, _ path: String) -> OutputError { .system(call: call, path: path, errno: errno) }
}
