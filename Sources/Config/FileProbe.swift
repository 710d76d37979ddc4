#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX queries for configuration checks. POSIX rather than FileManager because the
/// messages need errno text, and opening must never block on a FIFO.
enum FileProbe {
    /// Why a file could not be read, as a sentence fragment for messages.
    struct Failure: Error, Equatable {
        let reason: String
    }

    /// What a path is, following symlinks.
    enum Kind: Equatable {
        case regular
        case directory
        /// Nothing there (ENOENT), or a parent is not a folder (ENOTDIR).
        case missing
        /// A device, FIFO or socket.
        case other(String)
        /// stat itself failed (e.g. a parent folder is not searchable).
        case unknown(String)
    }

    static func kind(of path: String) -> Kind {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return .missing }
            return .unknown(errnoText(code))
        }
        return kind(mode: st.st_mode)
    }

    private static func kind(mode: mode_t) -> Kind {
        switch mode & mode_t(S_IFMT) {
        case mode_t(S_IFREG): return .regular
        case mode_t(S_IFDIR): return .directory
        case mode_t(S_IFIFO): return .other("a FIFO")
        case mode_t(S_IFSOCK): return .other("a socket")
        case mode_t(S_IFCHR): return .other("a character device")
        case mode_t(S_IFBLK): return .other("a block device")
        default: return .other("not a regular file")
        }
    }

    /// nil when the current user may access `path` with `mode` (R_OK, W_OK, X_OK), else why not.
    static func accessProblem(_ path: String, _ mode: Int32) -> String? {
        access(path, mode) == 0 ? nil : errnoText(errno)
    }

    /// nil when `path` opens for reading, else why not. Stronger than access(2): it also
    /// catches ACLs and read-only mounts of odd file systems.
    static func openProblem(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return errnoText(errno) }
        close(fd)
        return nil
    }

    /// The canonical path (symlinks resolved) of the deepest existing ancestor, with the
    /// missing rest appended, so a folder that does not exist yet still resolves sensibly.
    static func resolved(_ path: String) -> String {
        var existing = path
        var rest = [String]()
        while true {
            if let real = realPath(existing) {
                let tail = rest.reversed().joined(separator: "/")
                return ConfigPath.clean(tail.isEmpty ? real : real + "/" + tail)
            }
            if existing == "/" { return path }
            rest.append(String(existing.split(separator: "/").last ?? ""))
            existing = ConfigPath.parent(of: existing)
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The nearest ancestor of `path` that exists (possibly `path` itself).
    static func nearestExisting(_ path: String) -> String {
        var p = path
        while p != "/", kind(of: p) == .missing { p = ConfigPath.parent(of: p) }
        return p
    }

    /// A whole regular file as UTF-8 text, at most `limit` bytes.
    static func readText(_ path: String, limit: Int) throws(Failure) -> String {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(reason: errnoText(errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Failure(reason: "fstat: " + errnoText(errno)) }
        switch kind(mode: st.st_mode) {
        case .regular: break
        case .directory: throw Failure(reason: "is a directory")
        case let .other(what), let .unknown(what): throw Failure(reason: "is \(what), not a regular file")
        case .missing: throw Failure(reason: "does not exist")
        }
        guard Int(st.st_size) <= limit else {
            throw Failure(reason: "\(st.st_size) bytes is more than the \(limit) bytes a configuration may have")
        }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(reason: errnoText(errno))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            guard bytes.count <= limit else {
                throw Failure(reason: "more than the \(limit) bytes a configuration may have")
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        // Decoding replaces bad sequences with U+FFFD; a round trip tells whether it had to.
        guard Array(text.utf8) == bytes else { throw Failure(reason: "not valid UTF-8 text") }
        return text
    }

    static func errnoText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
