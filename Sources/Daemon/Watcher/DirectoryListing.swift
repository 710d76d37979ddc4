import Glibc

/// One open folder, read with readdir so that a drop folder holding tens of thousands of images
/// costs no stat per entry (the entry type comes with the name) and no string per unmatched name.
struct DirectoryListing: ~Copyable {
    enum Kind {
        case directory
        /// A regular file, or a symlink to one: what a writer may hand over.
        case file
        /// Sockets, devices, dangling or directory symlinks: never images, never descended into.
        case other
    }

    /// Identity of the folder actually opened, so that walks can skip folders already seen
    /// (bind mounts can make a tree contain itself).
    let device: UInt
    let inode: UInt
    private let stream: OpaquePointer

    /// Opens `path` for listing; nil with `errno` set when it cannot be. Symlinks are followed
    /// only for station folders themselves, never while recursing.
    init?(path: String, followSymlink: Bool) {
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followSymlink ? 0 : O_NOFOLLOW)
        let fd = open(path, flags)
        guard fd >= 0 else { return nil }
        var status = stat()
        guard fstat(fd, &status) == 0, let stream = fdopendir(fd) else {
            let code = errno
            Glibc.close(fd)
            errno = code
            return nil
        }
        self.device = UInt(status.st_dev)
        self.inode = UInt(status.st_ino)
        self.stream = stream
    }

    deinit {
        closedir(stream)
    }

    /// Calls `body` with each entry's NUL-terminated name (without "." and ".."), its length in
    /// bytes and its kind.
    func forEach(_ body: (UnsafePointer<CChar>, Int, Kind) -> Void) {
        let folder = dirfd(stream)
        while let entry = readdir(stream) {
            let type = Int(entry.pointee.d_type)
            withUnsafeMutablePointer(to: &entry.pointee.d_name) { tuple in
                let capacity = MemoryLayout.size(ofValue: tuple.pointee)
                tuple.withMemoryRebound(to: CChar.self, capacity: capacity) { name in
                    let length = strnlen(name, capacity)
                    guard length > 0, !Self.isDotOrDotDot(name, length) else { return }
                    body(name, length, Self.kind(of: name, type: type, in: folder))
                }
            }
        }
    }

    private static func isDotOrDotDot(_ name: UnsafePointer<CChar>, _ length: Int) -> Bool {
        let dot = CChar(UInt8(ascii: "."))
        return name[0] == dot && (length == 1 || (length == 2 && name[1] == dot))
    }

    private static func kind(of name: UnsafePointer<CChar>, type: Int, in folder: Int32) -> Kind {
        switch type {
        case DT_DIR: return .directory
        case DT_REG: return .file
        case DT_LNK: return symlinkTargetKind(name, in: folder)
        case DT_UNKNOWN:
            // Some file systems (XFS without ftype, some FUSE) do not fill d_type.
            var status = stat()
            guard fstatat(folder, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return .other }
            switch status.st_mode & S_IFMT {
            case S_IFDIR: return .directory
            case S_IFREG: return .file
            case S_IFLNK: return symlinkTargetKind(name, in: folder)
            default: return .other
            }
        default: return .other
        }
    }

    /// A symlinked file counts when it leads to a regular file; a symlinked folder is never
    /// followed, which keeps symlink loops out of recursive walks.
    private static func symlinkTargetKind(_ name: UnsafePointer<CChar>, in folder: Int32) -> Kind {
        var status = stat()
        guard fstatat(folder, name, &status, 0) == 0 else { return .other }
        return status.st_mode & S_IFMT == S_IFREG ? .file : .other
    }
}
