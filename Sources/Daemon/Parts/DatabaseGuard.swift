import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's hold on its database file. It creates the file 0640 whatever the umask (SQLite
/// gives the WAL and SHM files the database's mode), takes an exclusive `flock` so a second
/// inspectd on the same database refuses to start, and checks before every claim and every
/// move that the path still names the file it opened: a database deleted or replaced under
/// a running daemon would otherwise swallow verdicts that no restart can find.
///
/// The descriptor stays open for the life of the process: closing any descriptor of a SQLite
/// file drops that process's POSIX locks on it.
final class DatabaseGuard {
    let path: String
    private let descriptor: Int32
    private let device: UInt
    private let inode: UInt

    /// Mode of a database the daemon creates: owner read/write, group read (QA's inspectctl).
    static let createMode: mode_t = 0o640

    init(path: String) throws {
        self.path = path
        var fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, Self.createMode)
        if fd >= 0 {
            fchmod(fd, Self.createMode)
        } else if errno == EEXIST {
            fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        }
        guard fd >= 0 else {
            let code = errno
            throw DaemonError.system(call: "open", errno: code, detail: "\(path): \(String(cString: strerror(code)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            guard code == EWOULDBLOCK else {
                throw DaemonError.system(call: "flock", errno: code, detail: "\(path): \(String(cString: strerror(code)))")
            }
            throw DaemonError.alreadyRunning(database: path, pid: Self.lockHolder(path))
        }
        var info = stat()
        fstat(fd, &info)
        descriptor = fd
        device = UInt(info.st_dev)
        inode = UInt(info.st_ino)
    }

    deinit { close(descriptor) }

    /// Throws `databaseGone` when the path was unlinked, renamed over, or overwritten with
    /// something that is not SQLite.
    func check() throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw DaemonError.databaseGone(path: path, reason: "it was deleted or moved away (\(String(cString: strerror(errno))))")
        }
        guard UInt(info.st_dev) == device, UInt(info.st_ino) == inode else {
            throw DaemonError.databaseGone(path: path, reason: "it was replaced by another file")
        }
        var header = [UInt8](repeating: 0, count: 16)
        let n = pread(descriptor, &header, header.count, 0)
        if n > 0 && (n < 16 || header != Self.sqliteMagic) {
            throw DaemonError.databaseGone(path: path, reason: "its content was overwritten with something that is not SQLite")
        }
    }

    /// "SQLite format 3\0", the first 16 bytes of every database file.
    static let sqliteMagic: [UInt8] = Array("SQLite format 3".utf8) + [0]

    /// The pid holding a `flock` on `path`, from /proc/locks (nil when it cannot be told).
    static func lockHolder(_ path: String) -> Int32? {
        var info = stat()
        guard stat(path, &info) == 0, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else {
            return nil
        }
        let inodeSuffix = ":\(info.st_ino)"
        for line in locks.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:56789 0 EOF"
            guard fields.count >= 6, fields[1] == "FLOCK", fields[5].hasSuffix(inodeSuffix) else { continue }
            if let pid = Int32(fields[4]) { return pid }
        }
        return nil
    }
}
