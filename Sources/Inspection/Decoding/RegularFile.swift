#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open descriptor on something known to be a regular file. Opening with O_NONBLOCK keeps
/// a FIFO without writer from blocking open(); fstat then rejects directories, devices (a
/// symlink to /dev/zero), FIFOs and sockets before a single byte is read.
struct RegularFile {
    /// Read-only, close-on-exec descriptor; the caller closes it with `close()`.
    let descriptor: Int32
    /// Size fstat reported when the file was opened.
    let size: Int

    /// Opens `path` or throws `notARegularFile` / `unreadableFile` naming it. With
    /// `followSymlinks: false` a symbolic link as the last component is refused (O_NOFOLLOW)
    /// with `symlink`, before its target is touched.
    static func open(_ path: String, followSymlinks: Bool = true) throws -> RegularFile {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP && !followSymlinks {
                throw InspectionError.symlink(path: path, reason: "symbolic links are not followed in this folder")
            }
            // Sockets fail open() with ENXIO; say what the path is rather than just "cannot read".
            var st = stat()
            if stat(path, &st) == 0, let kind = ImageDecoder.nonRegularKind(st.st_mode) {
                throw InspectionError.notARegularFile(path: path, kind: kind)
            }
            throw InspectionError.unreadableFile(path: path, reason: ImageDecoder.errnoText(code))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw InspectionError.unreadableFile(path: path, reason: "fstat: \(ImageDecoder.errnoText(code))")
        }
        if let kind = ImageDecoder.nonRegularKind(st.st_mode) {
            Glibc.close(fd)
            throw InspectionError.notARegularFile(path: path, kind: kind)
        }
        return RegularFile(descriptor: fd, size: Int(st.st_size))
    }

    /// Releases the descriptor.
    func close() {
        Glibc.close(descriptor)
    }
}
