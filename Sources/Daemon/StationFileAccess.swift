import Config
import Foundation
import Inspection
#if canImport(Glibc)
import Glibc
#endif

/// How the daemon touches a file in a station folder: a symbolic link is never followed
/// unless the station allows it, and then only to a target inside the station folder. A
/// watched folder is writable by the line's uploaders, so a link there (`shadow.jpg →
/// /etc/shadow`) must not make the daemon read, log or archive anything outside it.
struct StationFileAccess {
    let station: StationConfiguration

    /// The path to open for `path`: itself when it is not a link, the link's target when the
    /// station follows links and the target is inside its folder; otherwise `symlink`.
    func resolve(_ path: String) throws -> String {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { return path }
        guard station.followSymlinks else {
            throw InspectionError.symlink(path: path, reason: "symbolic links are not followed (follow_symlinks = false)")
        }
        guard let target = Self.realPath(path), let folder = Self.realPath(station.folder) else {
            throw InspectionError.symlink(path: path, reason: "the link's target cannot be resolved")
        }
        let root = folder.hasSuffix("/") ? folder : folder + "/"
        guard target.hasPrefix(root) else {
            throw InspectionError.symlink(path: path, reason: "the link points outside the station folder")
        }
        return target
    }

    /// Reads the image once (within the decoder's size limit), refusing links as `resolve`
    /// says and a link swapped in after resolving (O_NOFOLLOW on the opened path).
    func read(_ path: String, decoder: ImageDecoder) throws -> [UInt8] {
        try decoder.read(file: try resolve(path), followSymlinks: false)
    }

    /// Whether `path` is itself a symbolic link (not followed).
    static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
