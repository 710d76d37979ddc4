/// Lexical path arithmetic for the configuration. Overlap checks must work without a file
/// system (so `parse` stays pure); symlinks are handled separately by `checkFileSystem`.
enum ConfigPath {
    /// `path` with `//`, `.` and `..` resolved and no trailing slash, so that two spellings of
    /// one folder compare equal. Only meaningful for absolute paths.
    static func clean(_ path: String) -> String {
        var parts = [Substring]()
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            // `..` at the root stays at the root, as the kernel resolves it.
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Whether `inner` lies strictly below `outer` (both cleaned).
    static func isStrictlyInside(_ inner: String, _ outer: String) -> Bool {
        guard inner != outer else { return false }
        if outer == "/" { return true }
        return inner.hasPrefix(outer + "/")
    }

    /// Whether `inner` is `outer` or lies below it (both cleaned).
    static func isSameOrInside(_ inner: String, _ outer: String) -> Bool {
        inner == outer || isStrictlyInside(inner, outer)
    }

    /// The folder holding `path` (cleaned); `/` for `/` itself.
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}
