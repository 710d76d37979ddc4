import Glibc

/// Turns an errno from watching or listing a folder into the sentence an operator needs,
/// because "No space left on device" from inotify says nothing about the real limit.
enum WatchFailure {
    static func error(path: String, errno code: Int32) -> DaemonError {
        .watch(path: path, reason: reason(errno: code))
    }

    static func reason(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "folder does not exist"
        case ENOTDIR: return "not a directory"
        case EACCES, EPERM: return "permission denied"
        case ELOOP: return "too many levels of symbolic links"
        case ENOSPC:
            let limit = readLimit("/proc/sys/fs/inotify/max_user_watches") ?? "unknown"
            return "inotify watch limit reached (fs.inotify.max_user_watches = \(limit)); "
                + "raise it, e.g. sysctl -w fs.inotify.max_user_watches=524288"
        case ENOMEM: return "kernel out of memory for inotify watches"
        default: return "\(String(cString: strerror(code))) (errno \(code))"
        }
    }

    /// Reads a small /proc value for an error message; nil when it cannot be read.
    static func readLimit(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[0..<count], as: UTF8.self)
        return text.trimmingTrailingWhitespace()
    }
}

private extension String {
    func trimmingTrailingWhitespace() -> String {
        var end = endIndex
        while end > startIndex, let last = self[..<end].last, last.isWhitespace {
            end = index(before: end)
        }
        return String(self[..<end])
    }
}
