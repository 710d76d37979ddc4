import Config
import Foundation
import Inspection
import Store
#if canImport(Glibc)
import Glibc
#endif

/// Applies a station's `after` policy once a file's outcome is committed: keep it, move it
/// (keeping its path below the station folder; never overwriting), or delete it. Files that
/// could not be inspected are never deleted — they are kept (or moved) as evidence. A
/// symbolic link is left where it is: moving it would archive the link, not an image.
struct ProcessedFileAction {
    let station: StationConfiguration
    /// What `apply` says of a link it did not touch.
    static let linkLeftInPlace = "symbolic link left in place"

    /// The destination named by a description `apply` returned for a move, else nil.
    static func movedPath(_ description: String) -> String? {
        description.hasPrefix(movedPrefix) ? String(description.dropFirst(movedPrefix.count)) : nil
    }

    private static let movedPrefix = "moved to "

    /// Performs the action; returns a description for the log, or throws on failure.
    func apply(path: String, state: InspectionState) throws -> String? {
        if case .keep = station.after { return nil }
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        guard (info.st_mode & S_IFMT) != S_IFLNK else { return Self.linkLeftInPlace }
        switch station.after {
        case .keep:
            return nil
        case .delete:
            guard state == .done else { return nil }
            guard unlink(path) == 0 else { throw Self.failure("unlink", path, errno) }
            return "deleted"
        case let .move(folder):
            return Self.movedPrefix + (try move(path, into: folder))
        }
    }

    /// The path of `path` relative to the station folder (its name alone if outside).
    func relativePath(_ path: String) -> String {
        let root = station.folder.hasSuffix("/") ? station.folder : station.folder + "/"
        return path.hasPrefix(root) ? String(path.dropFirst(root.count)) : (path as NSString).lastPathComponent
    }

    /// Moves `path` to `folder/<relative path>`, creating and entering each sub-folder with
    /// `mkdirat`/`openat(O_NOFOLLOW)` so that a symbolic link planted inside `folder` cannot
    /// send the image anywhere else; a taken name gets `-1`, `-2`… before the extension.
    private func move(_ path: String, into folder: String) throws -> String {
        var components = relativePath(path).split(separator: "/").map(String.init)
        guard let name = components.popLast(), !name.isEmpty else {
            throw DaemonError.system(call: "move", errno: EINVAL, detail: "\(path): no file name")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw Self.failure("open", folder, errno) }
        defer { close(dir) }
        var shown = folder
        for component in components where component != "." && component != ".." && !component.isEmpty {
            shown += "/" + component
            if mkdirat(dir, component, 0o750) != 0 && errno != EEXIST { throw Self.failure("mkdirat", shown, errno) }
            let next = openat(dir, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else {
                let code = errno
                let reason = code == ELOOP || code == ENOTDIR ? "is a symbolic link or not a folder; not followed" : nil
                throw Self.failure("openat", shown, code, reason: reason)
            }
            close(dir)
            dir = next
        }
        let target = freeName(name, in: dir)
        if renameat(AT_FDCWD, path, dir, target) != 0 {
            let code = errno
            guard code == EXDEV else { throw Self.failure("renameat", shown + "/" + target, code) }
            try copyAcross(path, into: dir, name: target, shown: shown + "/" + target)
        }
        return shown + "/" + target
    }

    /// `name`, or `stem-1.ext`, `stem-2.ext`… — the first not present in `dir` (links count as present).
    private func freeName(_ name: String, in dir: Int32) -> String {
        var info = stat()
        guard fstatat(dir, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return name }
        let ext = (name as NSString).pathExtension
        let stem = (name as NSString).deletingPathExtension
        var n = 1
        while true {
            let candidate = ext.isEmpty ? "\(stem)-\(n)" : "\(stem)-\(n).\(ext)"
            if fstatat(dir, candidate, &info, AT_SYMLINK_NOFOLLOW) != 0 { return candidate }
            n += 1
        }
    }

    /// A move to another file system: copy into a new file (`O_EXCL|O_NOFOLLOW`), sync it,
    /// then remove the original — a crash in between leaves two copies, never none.
    private func copyAcross(_ path: String, into dir: Int32, name: String, shown: String) throws {
        let source = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard source >= 0 else { throw Self.failure("open", path, errno) }
        defer { close(source) }
        let target = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
        guard target >= 0 else { throw Self.failure("openat", shown, errno) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var failed: (String, Int32)?
        while failed == nil {
            let n = read(source, &buffer, buffer.count)
            if n == 0 { break }
            if n < 0 { if errno == EINTR { continue }; failed = ("read", errno); break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(target, $0.baseAddress.map { $0 + written }, n - written) }
                if w < 0 { if errno == EINTR { continue }; failed = ("write", errno); break }
                written += w
            }
        }
        if failed == nil && fsync(target) != 0 { failed = ("fsync", errno) }
        close(target)
        if let (call, code) = failed {
            unlinkat(dir, name, 0)
            throw Self.failure(call, shown, code)
        }
        guard unlink(path) == 0 else { throw Self.failure("unlink", path, errno) }
    }

    private static func failure(_ call: String, _ path: String, _ code: Int32, reason: String? = nil) -> DaemonError {
        .system(call: call, errno: code, detail: "\(path): \(reason ?? String(cString: strerror(code)))")
    }
}
