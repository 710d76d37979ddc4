import Glibc

/// A station's name patterns plus the hidden/temporary-file rules, compiled once so that an
/// inotify event's name can be tested in place, without building a Swift string for the many
/// names that do not match.
struct FileNameFilter: Sendable {
    /// `FNM_CASEFOLD` is a GNU extension that the Glibc module does not export; its value is
    /// part of glibc's ABI.
    private static let caseFold: Int32 = 1 << 4

    /// Suffixes that browsers, copy tools and editors give files that are still being written.
    private static let temporarySuffixes: [[UInt8]] =
        [".tmp", ".part", ".partial", ".crdownload", "~", ".swp"].map { Array($0.utf8) }

    /// NUL-terminated so that fnmatch can use them directly.
    private let patterns: [ContiguousArray<CChar>]

    init(patterns: [String]) {
        self.patterns = patterns.map { $0.utf8CString }
    }

    func matches(_ name: String) -> Bool {
        let utf8 = name.utf8
        // A NUL inside the name would make fnmatch see a different name.
        guard !utf8.contains(0) else { return false }
        return name.withCString { matches($0, length: utf8.count) }
    }

    /// `name` must be NUL-terminated after `length` bytes.
    func matches(_ name: UnsafePointer<CChar>, length: Int) -> Bool {
        guard length > 0 else { return false }
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self),
                                        count: length)
        if Self.isHidden(bytes) || Self.isTemporary(bytes) { return false }
        for pattern in patterns {
            let matched = pattern.withUnsafeBufferPointer { buffer -> Bool in
                guard let base = buffer.baseAddress else { return false }
                return fnmatch(base, name, Self.caseFold) == 0
            }
            if matched { return true }
        }
        return false
    }

    /// Dot-files are how writers hide work in progress (rsync, many camera SDKs) and how
    /// file systems expose snapshots (`.zfs`, `.snapshot`), so hidden folders are not
    /// descended into either.
    static func isHidden(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        name.first == UInt8(ascii: ".")
    }

    static func isTemporary(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        for suffix in temporarySuffixes where suffix.count < name.count {
            var equal = true
            let start = name.count - suffix.count
            for i in 0..<suffix.count where asciiLowercase(name[start + i]) != suffix[i] {
                equal = false
                break
            }
            if equal { return true }
        }
        return false
    }

    private static func asciiLowercase(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
